"""The blank Streamlit page that bench/pages.py compares every dashboard page against."""

import streamlit as st

st.title("blank")
