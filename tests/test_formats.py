"""The number formats of dashboard.web.texts, read back the way a reader reads them: Danish
"1.200,0 %" and English "1,200.0%", a real minus sign (U+2212) in both, a non-breaking space
before "%" in Danish. The reading-back below is written independently of the formatters."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.web.texts import fmt_int, fmt_number, fmt_pct, fmt_signed

MINUS, NBSP = "\u2212", "\u00a0"
SEPARATORS = {"da": (".", ","), "en": (",", ".")}  # (thousands, decimal)

langs = st.sampled_from(["da", "en"])
decimals = st.integers(min_value=0, max_value=3)
numbers = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)
shares = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def read_number(text: str, lang: str) -> float:
    """The value a reader of `lang` takes from `text` ("−1.234,5"), checking on the way that the
    sign is a real minus (or a plus) and that the thousands are grouped by threes."""
    thousands, decimal = SEPARATORS[lang]
    match = re.fullmatch(
        rf"([{MINUS}+]?)(\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})*)(?:{re.escape(decimal)}(\d+))?",
        text,
    )
    assert match, f"{text!r} is not a {lang} number"
    sign, whole, fraction = match.groups()
    value = float(whole.replace(thousands, "") + "." + (fraction or "0"))
    return -value if sign == MINUS else value


def read_percent(text: str, lang: str) -> float:
    """The share (0.125 for "12,5 %") a reader of `lang` takes from `text`."""
    end = NBSP + "%" if lang == "da" else "%"
    assert text.endswith(end), f"{text!r} should end with {end!r}"
    number = text.removesuffix(end)
    assert not number[-1:].isspace(), f"{text!r}: one space, non-breaking, before %"
    return read_number(number, lang) / 100


def close(read: float, value: float, decimals: int) -> bool:
    """`read` is `value` rounded to `decimals` (half a unit in the last place, and float slack)."""
    return abs(read - value) <= 0.5 * 10**-decimals + 1e-9 * max(1.0, abs(value))


@pytest.mark.parametrize(
    ("share", "lang", "expected"),
    [
        (12.0, "da", "1.200,0\u00a0%"),
        (12.0, "en", "1,200.0%"),
        (-0.125, "da", "\u221212,5\u00a0%"),
        (-0.125, "en", "\u221212.5%"),
        (3 / 8, "da", "37,5\u00a0%"),
        (-0.00001, "da", "0,0\u00a0%"),  # what rounds to zero has no sign
        (None, "da", "–"),
        (math.nan, "en", "–"),
    ],
)
def test_percentages_read_right_in_both_languages(share, lang, expected) -> None:
    assert fmt_pct(share, lang) == expected


@pytest.mark.parametrize(
    ("value", "lang", "whole", "signed"),
    [
        (1234567, "da", "1.234.567", "+1.234.567"),
        (1234567, "en", "1,234,567", "+1,234,567"),
        (-3000, "da", "\u22123.000", "\u22123.000"),
        (-3000, "en", "\u22123,000", "\u22123,000"),
        (0, "da", "0", "±0"),
        (-0.4, "en", "0", "±0"),  # rounds to zero: no sign, and no "+0"
        (None, "da", "–", "–"),
    ],
)
def test_whole_numbers_and_changes_read_right_in_both_languages(value, lang, whole, signed) -> None:
    assert fmt_int(value, lang) == whole
    assert fmt_signed(value, lang) == signed


@given(numbers, langs, decimals)
def test_a_number_reads_back_as_its_value(value: float, lang: str, places: int) -> None:
    text = fmt_number(value, lang, places)
    assert "-" not in text and " " not in text
    assert close(read_number(text, lang), value, places)
    fraction = text.rpartition(SEPARATORS[lang][1])[2] if places else ""
    assert len(fraction) == places


@given(numbers, langs)
def test_the_sign_is_a_real_minus_exactly_when_the_shown_value_is_below_zero(
    value: float, lang: str
) -> None:
    text = fmt_int(value, lang)
    shown = read_number(text, lang)
    assert text.startswith(MINUS) == (shown < 0)
    assert not text.startswith("+")  # a level has no plus; a change does
    signed = fmt_signed(value, lang)
    if shown == 0:
        assert signed == "±0"
    else:
        assert signed[0] == ("+" if shown > 0 else MINUS)
        assert read_number(signed, lang) == shown


@given(st.integers(min_value=-(10**15), max_value=10**15), langs)
def test_whole_numbers_read_back_exactly_with_thousands_grouped_by_three(
    value: int, lang: str
) -> None:
    text = fmt_int(value, lang)
    assert read_number(text, lang) == value
    thousands, decimal = SEPARATORS[lang]
    assert decimal not in text
    assert text.count(thousands) == (len(str(abs(value))) - 1) // 3


@given(shares, langs, decimals)
def test_a_percentage_reads_back_as_its_share(share: float, lang: str, places: int) -> None:
    text = fmt_pct(share, lang, places)
    assert "-" not in text and " " not in text  # a real minus; no breaking space
    assert text.count(NBSP) == (1 if lang == "da" else 0)
    read = read_percent(text, lang)
    assert close(read * 100, share * 100, places)
    assert text.startswith(MINUS) == (read < 0)
