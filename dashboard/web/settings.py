"""The reader's choices (the page, language, period, level or change, a page's own months),
carried in the address as query parameters: every view can be bookmarked and shared, and the
app needs no widgets (each widget type costs the browser a script to load)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pandas as pd

from ..config import lang_of
from ..months import parse_month

# Query parameter values in the address; Danish, since the address is what users see.
MODES = {"niveau": False, "aendring": True}
# Which page, in the address: every page lives at the root (`./?side=top100&...`), see app.py.
PAGE = "side"
# The language, in the address. Not `lang`: the sanitiser of Streamlit's HTML element drops a
# form field named like a form property (form.lang), so the period form lost the language.
# `lang` is still read, so addresses bookmarked before keep working.
LANG, OLD_LANG = "sprog", "lang"


@dataclass(frozen=True)
class Settings:
    """What the reader chose: language, the months of the period, level or monthly change."""

    lang: str = "da"
    months: list[pd.Timestamp] = field(default_factory=list)
    change: bool = False
    extra: tuple[tuple[str, str], ...] = ()  # a page's own choices, e.g. the funnel's month

    @property
    def first(self) -> pd.Timestamp | None:
        return self.months[0] if self.months else None

    @property
    def last(self) -> pd.Timestamp | None:
        return self.months[-1] if self.months else None

    def params(self, **changes: str | None) -> dict[str, str]:
        """The query parameters for these settings, with `changes` applied (None drops one)."""
        out: dict[str, str] = {LANG: self.lang}
        if self.months:
            out["fra"] = f"{self.first:%Y-%m}"
            out["til"] = f"{self.last:%Y-%m}"
        out["vis"] = "aendring" if self.change else "niveau"
        out.update(dict(self.extra))
        for key, value in changes.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = value
        return out

    def link(self, path: str, **changes: str | None) -> str:
        """A relative link to page `path` ('' is the overview) keeping these settings."""
        params = self.params(**{PAGE: None, **changes})
        return "./?" + urlencode(({PAGE: path} if path else {}) | params)

    def month_param(
        self, name: str, months: list[pd.Timestamp], default: pd.Timestamp
    ) -> pd.Timestamp:
        """A page's own month choice from `extra`, if it names one of `months`."""
        chosen = _month(dict(self.extra).get(name))
        return chosen if chosen is not None and chosen in months else default


def _month(value: str | None) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(parse_month(value)) if value else None
    except ValueError:
        return None


# A page's own choices are short: a month, a page id, a preset's name. Anything longer, or with
# control characters, is no choice a link made; it is dropped rather than copied into every link.
MAX_CHOICE_CHARS = 64


def _plausible(value: str | None) -> bool:
    return bool(value) and len(value) <= MAX_CHOICE_CHARS and value.isprintable()


def language(params: Mapping[str, str]) -> str:
    """The language the address asks for (`sprog`, or `lang` in addresses made before it), or
    Danish."""
    return lang_of(params.get(LANG) or params.get(OLD_LANG))


def parse_settings(
    params: Mapping[str, str],
    months: list[pd.Timestamp],
    extra_keys: tuple[str, ...] = (),
    last_default: pd.Timestamp | None = None,
) -> Settings:
    """Settings from query parameters; anything missing or invalid falls back to the default
    (Danish, the whole period up to `last_default` — the latest complete month — or else the
    last month, level)."""
    lang = language(params)
    first = _month(params.get("fra"))
    last = _month(params.get("til"))
    first = first if first in months else (months[0] if months else None)
    default = last_default if last_default in months else (months[-1] if months else None)
    last = last if last in months else default
    if first is not None and last is not None and first > last:
        first, last = last, first
    chosen = [m for m in months if first <= m <= last] if months else []
    extra = tuple((k, params[k]) for k in extra_keys if _plausible(params.get(k)))
    return Settings(lang, chosen, MODES.get(params.get("vis", ""), False), extra)
