"""Where krimdash's settings live: the project's folders, the local time zone, the languages
and every KRIMDASH_* environment variable. Other modules read these from here, never from
os.environ or a path of their own."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
QUERIES_DIR = ROOT / "queries"

# Times are stored in UTC and shown in Danish local time.
LOCAL_TZ = ZoneInfo("Europe/Copenhagen")

# The languages of every user text; the first is the default.
LANGUAGES = ("da", "en")


def lang_of(value: object) -> str:
    """A supported language code, or the default (Danish) for anything else."""
    return value if value in LANGUAGES else LANGUAGES[0]


def lang_column(base: str, lang: str) -> str:
    """The column or attribute holding `base` in `lang`: lang_column("title", "en") is
    "title_en". Reference data keeps one column per language (label_da, label_en, ...)."""
    return f"{base}_{lang_of(lang)}"
