"""krimdash: the metrics dashboard for Aarhus Kommune's crime-prevention area."""

import os

__version__ = "0.1.0"

# openpyxl reads an XLSX's XML with defusedxml, which refuses a DTD or entity (a "billion
# laughs" or an external entity) so the file is rejected in Danish (dashboard/files.py). With
# lxml installed (WeasyPrint needs it) openpyxl would parse some parts with lxml instead, which
# leaves entities unexpanded without a word. openpyxl reads this once, when it is first
# imported: every krimdash process imports this package first.
os.environ.setdefault("OPENPYXL_LXML", "False")
