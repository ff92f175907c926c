"""The reader's choices (the page, language, period, level or change, a page's own months),
carried in the address as query parameters: every view can be bookmarked and shared, and the
app needs no widgets (each widget type costs the browser a script to load)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

import pandas as pd

from ..config import LOCAL_TZ, lang_of
from ..months import parse_month

# Query parameter values in the address; Danish, since the address is what users see.
MODES = {"niveau": False, "aendring": True}
# Which page, in the address: every page lives at the root (`./?side=top100&...`), see app.py.
PAGE = "side"
# The language, in the address. Not `lang`: the sanitiser of Streamlit's HTML element drops a
# form field named like a form property (form.lang), so the period form lost the language.
# `lang` is still read, so addresses bookmarked before keep working.
LANG, OLD_LANG = "sprog", "lang"
# The dashboard as it stood at a moment (Danish local time), e.g. pr=2026-01-05T10:00: every
# reading page then shows the figures and month statuses of that moment, marked as such. Only
# those who may see the history (access: "read_history") get it; see appdata.settings.
AS_OF = "pr"


@dataclass(frozen=True)
class Settings:
    """What the reader chose: language, the months of the period, level or monthly change."""

    lang: str = "da"
    months: list[pd.Timestamp] = field(default_factory=list)
    change: bool = False
    extra: tuple[tuple[str, str], ...] = ()  # a page's own choices, e.g. the funnel's month
    as_of: datetime | None = None  # the moment shown (naive UTC), None: now

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
        if self.as_of is not None:
            out[AS_OF] = moment_param(self.as_of)
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
    as_of: datetime | None = None,
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
    return Settings(lang, chosen, MODES.get(params.get("vis", ""), False), extra, as_of)


# --- the moment of the as-of view (`pr`) ---------------------------------------------------

# What a moment in the address may look like: a date, or a date and a local time (to the
# minute, second or microsecond), perhaps with a zone. Anything else is no moment.
_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
# The history the as-of view reaches back to: nothing was recorded before krimdash existed.
EARLIEST_MOMENT = datetime(2000, 1, 1)


class BadMoment(ValueError):
    """The address's moment cannot be used; `key` names the Danish text that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_moment(value: str, now: datetime | None = None) -> datetime:
    """The moment `pr` names, as naive UTC (without a zone it is Danish local time); BadMoment
    ("as_of_invalid": not a date and time; "as_of_range": before 2000 or after `now`)."""
    value = value.strip()
    if len(value) > 40 or not _MOMENT.fullmatch(value):
        raise BadMoment("as_of_invalid")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:  # e.g. month 13, or 25 o'clock
        raise BadMoment("as_of_invalid") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    try:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:  # year 1 or 9999 moved across midnight by the zone
        raise BadMoment("as_of_range") from None
    now = now or datetime.now(UTC).replace(tzinfo=None)
    if not EARLIEST_MOMENT <= moment <= now:
        raise BadMoment("as_of_range")
    return moment


def moment_param(moment: datetime) -> str:
    """A moment (naive UTC) as `pr` writes it: Danish local time, as short as it stays exact
    (2026-01-05T10:00, ...T10:00:12, ...T10:00:12.345678); in the hour that comes twice when
    summer time ends, the second time with its offset. parse_moment reads it back exactly."""
    local = moment.replace(tzinfo=UTC).astimezone(LOCAL_TZ)
    if local.microsecond:
        text = local.strftime("%Y-%m-%dT%H:%M:%S.%f")
    elif local.second:
        text = local.strftime("%Y-%m-%dT%H:%M:%S")
    else:
        text = local.strftime("%Y-%m-%dT%H:%M")
    if local.fold:
        offset = local.strftime("%z")
        text += f"{offset[:3]}:{offset[3:]}"
    return text
