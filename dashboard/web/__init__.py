"""The web wing: the Streamlit app (frame, pages, page data and caches), the views that turn
figures into page data, the templates, and the charts. It reads the core (dashboard.db,
dashboard.catalog, ...) and never writes to it except through dashboard.db's write path."""
