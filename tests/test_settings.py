"""The reader's choices live in the address: a bookmarked or shared link opens the same view,
and a mistyped or stale link still opens a sensible one (Danish, the whole period, level)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from dashboard.web.series import months_between
from dashboard.web.settings import MAX_CHOICE_CHARS, Settings, parse_settings

T = pd.Timestamp
MONTHS = months_between(T(2025, 1, 1), T(2025, 6, 1))


def chosen(settings: Settings) -> list[str]:
    return [f"{m:%Y-%m}" for m in settings.months]


def query(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


# --- parse_settings ---------------------------------------------------------------------------


def test_a_bare_address_shows_danish_the_whole_period_and_levels() -> None:
    settings = parse_settings({}, MONTHS)
    assert settings.lang == "da"
    assert settings.months == MONTHS
    assert (settings.first, settings.last) == (MONTHS[0], MONTHS[-1])
    assert settings.change is False
    assert settings.extra == ()


@pytest.mark.parametrize(
    ("lang", "expected"), [("en", "en"), ("da", "da"), ("de", "da"), ("", "da")]
)
def test_the_language_is_english_only_when_asked_and_danish_otherwise(
    lang: str, expected: str
) -> None:
    assert parse_settings({"lang": lang}, MONTHS).lang == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"fra": "2025-02", "til": "2025-04"}, ["2025-02", "2025-03", "2025-04"], id="both-inclusive"),
        pytest.param({"fra": "2025-03", "til": "2025-03"}, ["2025-03"], id="one-month"),
        pytest.param({"fra": "2025-05"}, ["2025-05", "2025-06"], id="from-only"),
        pytest.param({"til": "2025-02"}, ["2025-01", "2025-02"], id="to-only"),
        pytest.param({"fra": "marts 2025", "til": "2025-04-01"}, ["2025-03", "2025-04"], id="other-month-forms"),
    ],
)  # fmt: skip
def test_fra_and_til_narrow_the_period_including_both_ends(
    params: dict[str, str], expected: list[str]
) -> None:
    assert chosen(parse_settings(params, MONTHS)) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"fra": "2099-01"}, MONTHS, id="from-in-the-future"),
        pytest.param({"til": "2024-01"}, MONTHS, id="to-before-the-figures"),
        pytest.param({"fra": "abc", "til": "2025-02"}, MONTHS[:2], id="garbage-from"),
        pytest.param({"fra": "2025-05", "til": "2025-13"}, MONTHS[4:], id="month-13"),
        pytest.param({"fra": "", "til": ""}, MONTHS, id="empty"),
    ],
)
def test_a_month_that_has_no_figures_or_is_not_a_month_falls_back_to_the_end_of_the_period(
    params: dict[str, str], expected: list[pd.Timestamp]
) -> None:
    assert parse_settings(params, MONTHS).months == expected


def test_a_period_given_backwards_is_turned_around() -> None:
    settings = parse_settings({"fra": "2025-05", "til": "2025-02"}, MONTHS)
    assert chosen(settings) == ["2025-02", "2025-03", "2025-04", "2025-05"]


def test_without_any_figures_the_period_is_empty() -> None:
    settings = parse_settings({"fra": "2025-02", "til": "2025-04"}, [])
    assert settings.months == []
    assert settings.first is None and settings.last is None


@pytest.mark.parametrize(
    ("vis", "change"), [("aendring", True), ("niveau", False), ("ændring", False), ("x", False)]
)
def test_monthly_change_is_shown_only_for_vis_aendring(vis: str, change: bool) -> None:
    assert parse_settings({"vis": vis}, MONTHS).change is change


def test_a_pages_own_choices_are_kept_only_when_the_page_asks_for_them() -> None:
    params = {"tragt": "2025-03", "a": "2025-01", "hack": "x", "b": ""}
    assert parse_settings(params, MONTHS).extra == ()
    kept = parse_settings(params, MONTHS, extra_keys=("tragt", "a", "b"))
    assert dict(kept.extra) == {"tragt": "2025-03", "a": "2025-01"}


# --- links --------------------------------------------------------------------------------------

VIEW = parse_settings(
    {"lang": "en", "fra": "2025-02", "til": "2025-04", "vis": "aendring", "tragt": "2025-03"},
    MONTHS,
    extra_keys=("tragt",),
)


def test_the_settings_round_trip_through_their_query_parameters() -> None:
    params = VIEW.params()
    assert params == {
        "sprog": "en",
        "fra": "2025-02",
        "til": "2025-04",
        "vis": "aendring",
        "tragt": "2025-03",
    }
    assert parse_settings(params, MONTHS, extra_keys=("tragt",)) == VIEW


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, {}, id="kept"),
        pytest.param({"sprog": "da"}, {"sprog": "da"}, id="language-changed"),
        pytest.param({"vis": "niveau"}, {"vis": "niveau"}, id="mode-changed"),
        pytest.param({"fra": None}, {"fra": None}, id="from-dropped"),
        pytest.param({"tragt": None}, {"tragt": None}, id="page-choice-dropped"),
    ],
)
def test_a_link_keeps_every_setting_but_the_ones_it_changes(
    changes: dict[str, str | None], expected: dict[str, str | None]
) -> None:
    link = VIEW.link("top100", **changes)
    assert link.startswith("./?side=top100&")
    want = {"side": "top100", **VIEW.params(), **expected}
    assert query(link) == {k: v for k, v in want.items() if v is not None}


def test_a_link_to_the_overview_is_relative_too() -> None:
    assert parse_settings({}, MONTHS).link("") == "./?sprog=da&fra=2025-01&til=2025-06&vis=niveau"


def test_every_page_lives_at_the_root_named_in_the_address() -> None:
    # At a path address (/top100) Streamlit's frontend first looks for its server under the
    # path and retries at the root 100 ms later; at the root it connects at once.
    on_top100 = parse_settings({"side": "top100", "lang": "en"}, MONTHS, extra_keys=("side",))
    assert query(on_top100.link("sammenlign"))["side"] == "sammenlign"
    assert "side" not in query(on_top100.link(""))
    assert on_top100.link("", sprog="da") == "./?sprog=da&fra=2025-01&til=2025-06&vis=niveau"
    assert on_top100.params()["side"] == "top100"  # a form on the page stays on the page


def test_a_link_escapes_what_it_carries() -> None:
    link = VIEW.link("top100", tragt="a&b=c")
    assert query(link)["tragt"] == "a&b=c"


@pytest.mark.parametrize(
    ("value", "among", "expected"),
    [
        pytest.param("2025-03", MONTHS, T(2025, 3, 1), id="chosen"),
        pytest.param("2025-03", MONTHS[3:], T(2025, 6, 1), id="not-offered"),
        pytest.param("abc", MONTHS, T(2025, 6, 1), id="garbage"),
        pytest.param(None, MONTHS, T(2025, 6, 1), id="none-chosen"),
    ],
)
def test_a_pages_month_is_the_chosen_one_only_when_the_page_offers_it(
    value: str | None, among: list[pd.Timestamp], expected: pd.Timestamp
) -> None:
    settings = Settings(months=MONTHS, extra=(("tragt", value),) if value else ())
    assert settings.month_param("tragt", among, default=T(2025, 6, 1)) == expected


@pytest.mark.parametrize("key", ["sprog", "lang"])
def test_the_language_is_read_from_sprog_and_from_addresses_made_before_it(key: str) -> None:
    assert parse_settings({key: "en"}, MONTHS).lang == "en"
    assert "lang" not in parse_settings({key: "en"}, MONTHS).params()


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("2025-03" * 150_000, id="huge"),
        pytest.param("2025-03\x00", id="nul"),
        pytest.param("\x1b[31m2025-03", id="escape"),
        pytest.param("2025-03\u202e", id="bidi-override"),
        pytest.param("top100\r\nSet-Cookie: x=1", id="header-split"),
        pytest.param("x" * (MAX_CHOICE_CHARS + 1), id="one-too-long"),
    ],
)
def test_a_page_choice_that_no_link_made_is_dropped_not_carried_into_every_link(
    value: str,
) -> None:
    params = {"side": value, "tragt": value, "fra": value, "til": value, "vis": value}
    view = parse_settings(params, MONTHS, extra_keys=("side", "tragt"))
    assert view.extra == ()
    assert view == parse_settings({}, MONTHS, extra_keys=("side", "tragt"))
    assert len(view.link("")) < 200


def test_a_formula_or_markup_of_plausible_length_stays_text_in_the_link() -> None:
    view = parse_settings({"tragt": '=HYPERLINK("x")<b>'}, MONTHS, extra_keys=("tragt",))
    assert dict(view.extra) == {"tragt": '=HYPERLINK("x")<b>'}
    assert "%3Cb%3E" in view.link("") and "<b>" not in view.link("")
