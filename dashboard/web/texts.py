"""Every user-facing text of the app, one dictionary per language (Danish first), and the
number formats (1.234, +5, −3, 12,5 %)."""

from __future__ import annotations

import re

import pandas as pd

DA: dict[str, str] = {
    "page_overview": "Overblik",
    "tab_title": "{page} – krimdash",
    "demo_banner_title": "DEMO – fiktive tal.",
    "demo_banner": (
        "Tallene her er opdigtede til afprøvning og må ikke "
        "forveksles med rigtige tal. Kun januar 2025 svarer til den rigtige orientering."
    ),
    "demo_mixed": "Nogle af tallene er DEMO-tal (fiktive).",
    "no_database": "Der er ingen database endnu. Opret den med `krimdash init --demo` (demo) eller `krimdash init`.",
    "no_figures": "Der er ingen tal i databasen endnu. Indlæs en talfil med `krimdash import FIL`.",
    "busy": "Databasen er optaget af en anden proces lige nu. Genindlæs siden om et øjeblik.",
    "needs_init_catalog": "Kataloget (data/catalog.toml) er ændret, siden databasen blev indlæst; siderne viser det indlæste katalog. Kør `krimdash init` for at indlæse ændringerne.",
    "needs_init_upgrade": "Databasen er lavet med en ældre udgave af krimdash, så dele af siderne kan mangle. Kør `krimdash init` for at opgradere den.",
    "no_figures_initiative": "Ingen tal endnu.",
    "col_measure": "Måling",
    "col_value": "Tal",
    "page_compare": "Sammenlign perioder",
    "period": "Periode",
    "mode": "Vis",
    "mode_level": "Niveau",
    "mode_change": "Månedlig ændring",
    "overview_title": "Overblik",
    "freshness": "Seneste måned med tal: {month}. Senest ændret {when} af {who}.",
    "missing": "Mangler for {month}: {measures}",
    "nothing_missing": "Alle målinger har tal for {month}.",
    "tile_change": "siden {month}",
    "news_title": "Nyt siden sidst",
    "news_none": "Ingen tal er ændret siden måneden før.",
    "news_events": "Begivenheder i {month}",
    "targets_title": "Mål",
    "target_line": "{label}: {value} af {target} ({share}) pr. {month}",
    "no_targets": "Der er ingen mål registreret endnu.",
    "started": "Startede i {month}.",
    "show_numbers": "Vis tal",
    "about_numbers": "Om tallene",
    "events_in_chart": "Begivenheder (de nummererede, stiplede linjer i grafen)",
    "col_month": "Måned",
    "col_change": "Ændring",
    "col_share": "Andel",
    "uncategorised": "uden kategori",
    "level_title": "Antal",
    "change_title": "Ændring fra måneden før",
    "new_title": "Nye i måneden",
    "funnel_title": "Tragten for {month}",
    "funnel_month": "Måned for tragten",
    "funnel_over_time": "Trinene over tid",
    "conversion_title": "Andele mellem trinene",
    "share_title": "Andele",
    "share_of": "{part} af {whole}",
    "kind_explained_cumulative": "Tallet tæller alle siden indsatsens start, så det kan kun vokse. Månedens nye er forskellen fra måneden før.",
    "kind_explained_stock": "Tallet er, hvor mange der var ved månedens udgang (fx sager i gang). Det kan både stige og falde.",
    "kind_explained_flow": "Tallet tæller det, der skete i løbet af måneden (fx afholdte møder). Hver måned tæller for sig; en periodes tal er summen af dens måneder.",
    "from": "Fra",
    "to": "Til",
    "show": "Vis",
    "show_period": "Vis perioden",
    "pages": "Sider",
    "col_difference": "Forskel",
    "col_relative": "Forskel i %",
    "gap_note": "En måned uden tal vises som et hul, ikke som 0.",
    "demo_chip": "DEMO",
    # the compare page: two periods
    "compare_periods_intro": "Hver måling i periode A mod periode B. Tal for en måned lægges sammen over perioden, en beholdning vises ved periodens slutning og en løbende total som stigningen i perioden. Forskel = A − B.",
    "compare_heading": "{a} mod {b}",
    "compare_presets": "Hurtigvalg",
    "preset_kvartal": "Kvartal mod samme kvartal sidste år",
    "preset_aar": "År til dato mod samme periode sidste år",
    "preset_maaned": "Seneste måned mod samme måned sidste år",
    "compare_choose": "Vælg selv perioderne",
    "a_from": "A fra",
    "a_to": "A til",
    "b_from": "B fra",
    "b_to": "B til",
    "col_period": "{name}: {period}",
    "col_counted_as": "Opgjort som",
    "counted_flow": "sum af månederne",
    "counted_stock": "niveau ved periodens slutning",
    "counted_cumulative": "stigning i perioden",
    "quarter": "{q}. kvartal {year}",
    "and": "og",
    "note_incomplete": "Periode {name} er ufuldstændig: der mangler tal for {months}.",
    "month_before_period": "{month} (måneden før perioden, som stigningen regnes fra)",
    "note_cumulative": "Ingen procent på en løbende total siden start: forskellen gives kun i antal.",
    "note_small_base": "Ingen procent, når B er under 10: en enkelt sag flytter procenten for meget.",
    "notes": "Noter",
    "compare_own_periods": "Perioden og visningen (niveau/ændring) i rammen gælder ikke her: siden sammenligner de to perioder, der er valgt nedenfor.",
}

EN: dict[str, str] = {
    "page_overview": "Overview",
    "tab_title": "{page} – krimdash",
    "demo_banner_title": "DEMO – fictive figures.",
    "demo_banner": (
        "These figures are made up for trying the app and must not "
        "be mistaken for real ones. Only January 2025 matches the real note."
    ),
    "demo_mixed": "Some of the figures are DEMO figures (fictive).",
    "no_database": "There is no database yet. Create it with `krimdash init --demo` (demo) or `krimdash init`.",
    "no_figures": "There are no figures in the database yet. Load a figures file with `krimdash import FILE`.",
    "busy": "The database is busy in another process. Reload the page in a moment.",
    "needs_init_catalog": "The catalog (data/catalog.toml) has changed since the database was loaded; the pages show the loaded catalog. Run `krimdash init` to load the changes.",
    "needs_init_upgrade": "The database was made by an older version of krimdash, so parts of the pages may be missing. Run `krimdash init` to upgrade it.",
    "no_figures_initiative": "No figures yet.",
    "col_measure": "Measure",
    "col_value": "Value",
    "page_compare": "Compare periods",
    "period": "Period",
    "mode": "Show",
    "mode_level": "Level",
    "mode_change": "Monthly change",
    "overview_title": "Overview",
    "freshness": "Latest month with figures: {month}. Last changed {when} by {who}.",
    "missing": "Missing for {month}: {measures}",
    "nothing_missing": "Every measure has figures for {month}.",
    "tile_change": "since {month}",
    "news_title": "New since last month",
    "news_none": "No figure changed since the month before.",
    "news_events": "Events in {month}",
    "targets_title": "Targets",
    "target_line": "{label}: {value} of {target} ({share}) by {month}",
    "no_targets": "No targets are recorded yet.",
    "started": "Started in {month}.",
    "show_numbers": "Show figures",
    "about_numbers": "About the figures",
    "events_in_chart": "Events (the numbered dashed lines in the chart)",
    "col_month": "Month",
    "col_change": "Change",
    "col_share": "Share",
    "uncategorised": "no category",
    "level_title": "Count",
    "change_title": "Change from the month before",
    "new_title": "New in the month",
    "funnel_title": "The funnel for {month}",
    "funnel_month": "Month for the funnel",
    "funnel_over_time": "The stages over time",
    "conversion_title": "Shares between the stages",
    "share_title": "Shares",
    "share_of": "{part} of {whole}",
    "kind_explained_cumulative": "The figure counts everyone since the initiative started, so it can only grow. The month's new ones are the difference from the month before.",
    "kind_explained_stock": "The figure is how many there were at the end of the month (e.g. open cases). It can rise and fall.",
    "kind_explained_flow": "The figure counts what happened during the month (e.g. meetings held). Each month counts on its own; a period's figure is the sum of its months.",
    "from": "From",
    "to": "To",
    "show": "Show",
    "show_period": "Show the period",
    "pages": "Pages",
    "col_difference": "Difference",
    "col_relative": "Difference in %",
    "gap_note": "A month without a figure is shown as a gap, not as 0.",
    "demo_chip": "DEMO",
    # the compare page: two periods
    "compare_periods_intro": "Each measure in period A against period B. Counts during the month are added up over the period, a level is shown at the end of the period and a running total as its increase during the period. Difference = A − B.",
    "compare_heading": "{a} against {b}",
    "compare_presets": "Quick choices",
    "preset_kvartal": "Quarter against the same quarter last year",
    "preset_aar": "Year to date against the same period last year",
    "preset_maaned": "Latest month against the same month last year",
    "compare_choose": "Choose the periods",
    "a_from": "A from",
    "a_to": "A to",
    "b_from": "B from",
    "b_to": "B to",
    "col_period": "{name}: {period}",
    "col_counted_as": "Counted as",
    "counted_flow": "sum of the months",
    "counted_stock": "level at the end of the period",
    "counted_cumulative": "increase during the period",
    "quarter": "Q{q} {year}",
    "and": "and",
    "note_incomplete": "Period {name} is incomplete: figures are missing for {months}.",
    "month_before_period": "{month} (the month before the period, which the increase counts from)",
    "note_cumulative": "No percentage on a running total since the start: the difference is given as a number only.",
    "note_small_base": "No percentage when B is under 10: a single case moves the percentage too much.",
    "notes": "Notes",
    "compare_own_periods": "The frame's period and view (level/change) do not apply here: this page compares the two periods chosen below.",
}

LANGUAGES = {"da": DA, "en": EN}


def text(key: str, lang: str = "da") -> str:
    """The text for `key` in `lang`, falling back to Danish."""
    return LANGUAGES.get(lang, DA).get(key) or DA[key]


MINUS = "\u2212"  # a real minus sign, as on the chart axes; a hyphen is not one
NBSP = "\u00a0"  # between a number and "%" in Danish, so "12,5 %" never breaks over two lines


def fmt_number(value: float | int | None, lang: str = "da", decimals: int = 0) -> str:
    """1.234,5 in Danish, 1,234.5 in English, with a real minus sign (−3); '–' if missing.
    A value that rounds to zero has no sign."""
    if pd.isna(value):
        return "–"
    text = f"{value:,.{decimals}f}"
    if text.startswith("-"):
        text = text[1:] if not text.strip("-0.,") else MINUS + text[1:]
    if lang == "da":  # swap the separators: 1,234.5 -> 1.234,5
        text = text.translate(str.maketrans({",": ".", ".": ","}))
    return text


def fmt_int(value: float | int | None, lang: str = "da") -> str:
    """1.234 in Danish, 1,234 in English, −3 with a real minus sign; '–' for a missing value."""
    return fmt_number(value, lang, 0)


def fmt_signed(value: float | int | None, lang: str = "da") -> str:
    """A change with its sign: +5, −3 (a real minus sign), ±0 (also for what rounds to 0)."""
    text = fmt_int(value, lang)
    if text == "–":
        return text
    if text == "0":
        return "±0"
    return text if text.startswith(MINUS) else "+" + text


def fmt_pct(share: float | None, lang: str = "da", decimals: int = 1) -> str:
    """A share as a percentage: 1.200,0 % in Danish (a non-breaking space before %), 1,200.0%
    in English, −12,5 % with a real minus sign; '–' for a missing share."""
    if pd.isna(share):
        return "–"
    number = fmt_number(share * 100, lang, decimals)
    return f"{number}{NBSP}%" if lang == "da" else f"{number}%"


# The funnel on an initiative's page (its stages, then the outcomes of the last stage).
DA |= {
    "funnel_col_step": "Trin og svar",
    "funnel_col_total": "Siden start",
    "funnel_col_change": "Ændring i {month}",
    "funnel_share_of": "{share} af {base}",
    "funnel_of_which": "heraf {label}",
    "funnel_and": "og",
    "funnel_running_total": (
        "Tragten tæller siden start (løbende totaler), ikke kun {month}. Månedens egen "
        "bevægelse står i kolonnen »Ændring i {month}«: forskellen fra måneden før "
        "(– når måneden før ikke er opgjort)."
    ),
    "funnel_stock": "Undtagelse: {labels} er status ved månedens udgang, ikke en løbende total.",
    "funnel_bases_stages": "Trinene er andele af {base}.",
    "funnel_bases_outcomes": (
        "Linjerne »heraf …« er ikke flere trin: de deler {stage} op efter svar og er andele "
        "af dem, ikke af {first}."
    ),
    "funnel_gap": (
        "Bemærk: {outcomes} giver tilsammen {total}, men {stage} er {value}. Kilden hænger "
        "ikke sammen her; tallene vises, som de er opgivet."
    ),
    "funnel_chart_stages": "Trin: andel af {base}",
    "funnel_chart_outcomes": "heraf: andel af {base}",
}
EN |= {
    "funnel_col_step": "Stage and answer",
    "funnel_col_total": "Since the start",
    "funnel_col_change": "Change in {month}",
    "funnel_share_of": "{share} of {base}",
    "funnel_of_which": "of which {label}",
    "funnel_and": "and",
    "funnel_running_total": (
        "The funnel counts since the start (running totals), not only {month}. The month's "
        "own movement is in the column “Change in {month}”: the difference from the month "
        "before (– when the month before was not reported)."
    ),
    "funnel_stock": "Except: {labels} is the status at the end of the month, not a running total.",
    "funnel_bases_stages": "The stages are shares of {base}.",
    "funnel_bases_outcomes": (
        "The rows “of which …” are not further stages: they split {stage} by their answer "
        "and are shares of them, not of {first}."
    ),
    "funnel_gap": (
        "Note: {outcomes} add up to {total}, but {stage} is {value}. The source is "
        "inconsistent here; the figures are shown as reported."
    ),
    "funnel_chart_stages": "Stages: share of {base}",
    "funnel_chart_outcomes": "of which: share of {base}",
}


# --- item 8: words for the reader ('Om tallene': the source of each figure) ---
DA |= {
    "about_source": "Kilde ({months}): {source}",
    "about_no_source": "ikke angivet",
}
EN |= {
    "about_source": "Source ({months}): {source}",
    "about_no_source": "not given",
}


# --- overview cards: what each card compares with, the trend's scale, the chosen month --------
DA |= {
    "tile_new": "{delta} nye i {month}",
    "tile_new_basis": "Løbende total: stigningen fra {month}",
    "tile_vs_month": "{delta} mod {month}",
    "tile_vs_average": "{delta} mod gennemsnittet",
    "tile_year_basis": "Samme måned året før ({month}): {value}",
    "tile_average_basis": "3-måneders gennemsnit ({months}): {value}",
    "tile_previous_basis": "Status ved månedens udgang; {month}: {value}",
    "tile_no_previous": "Ingen tal for {month} at sammenligne med",
    "tile_too_short": "Endnu for få måneder til en sammenligning",
    "tile_scale": "laveste {low}, højeste {high}",
    "tile_trend_label": "Udvikling fra {first} til {last}",
    "overview_month": "Overblik for",
    "overview_showing": "Kortene, nyt og begivenheder viser {month}; målene viser det seneste tal.",
    "overview_frame_note": (
        "Periodevalget i rammen gælder graferne på indsatsernes sider, ikke kortene: de viser én "
        "måned hver med dens sammenligning. Vælg måneden herunder."
    ),
}
EN |= {
    "tile_new": "{delta} new in {month}",
    "tile_new_basis": "Running total: the increase from {month}",
    "tile_vs_month": "{delta} against {month}",
    "tile_vs_average": "{delta} against the average",
    "tile_year_basis": "Same month a year before ({month}): {value}",
    "tile_average_basis": "3-month average ({months}): {value}",
    "tile_previous_basis": "Status at the end of the month; {month}: {value}",
    "tile_no_previous": "No figure for {month} to compare with",
    "tile_too_short": "Too few months yet for a comparison",
    "tile_scale": "lowest {low}, highest {high}",
    "tile_trend_label": "Trend from {first} to {last}",
    "overview_month": "Overview for",
    "overview_showing": (
        "The cards, what is new and the events show {month}; the targets show the latest figure."
    ),
    "overview_frame_note": (
        "The period chosen in the frame applies to the charts on the initiatives' pages, not to "
        "the cards: each shows one month with its comparison. Choose the month below."
    ),
}


# Charts without traps: the total column of a stacked chart's "Vis tal".
DA |= {"col_total": "I alt"}
EN |= {"col_total": "Total"}


# A half-reported month is not the default: the overview says when a newer month is partly
# reported.
DA |= {
    "partly_reported": (
        "{newer} er kun delvist indberettet, så oversigten viser {month}, den seneste måned "
        "med tal for alle målinger; vælg {newer} som måned for at se den."
    )
}
EN |= {
    "partly_reported": (
        "{newer} is only partly reported, so the overview shows {month}, the latest month with "
        "figures for every measure; choose {newer} as the month to see it."
    )
}


# Part A (issue 8): the pages per audience: who reads, KLADDE, the public view's "..".
DA |= {
    "draft_tag": "KLADDE",
    "role_viewer": "udvalgsmedlem",
    "role_raadmand": "rådmand",
    "role_analyst": "analytiker",
    "role_admin": "administrator",
    "role_none": "ingen adgang",
    "signed_in_as": "Logget ind som {name} ({role})",
    "log_out": "Log ud",
    "public_view": "Offentlig visning: godkendte måneder, små tal skjult",
    "test_login_bar": "Logget ind via den lokale test-udbyder. Kun til demo og test.",
    "tile_protected": "skjult for at beskytte små tal",
    "protected_note": (
        "betyder, at tallet er skjult, så ingen familie eller ung kan genkendes: tal fra 1 "
        "til {threshold} vises ikke, og heller ikke tal, som et skjult tal kan regnes ud fra "
        "(summer, ændringer, andele). Danmarks Statistiks metode: diskretionering med "
        "sekundær diskretionering. Kun måneder godkendt af rådmanden vises."
    ),
}
EN |= {
    "draft_tag": "DRAFT",
    "role_viewer": "committee member",
    "role_raadmand": "rådmand",
    "role_analyst": "analyst",
    "role_admin": "administrator",
    "role_none": "no access",
    "signed_in_as": "Signed in as {name} ({role})",
    "log_out": "Log out",
    "public_view": "Public view: approved months, small numbers hidden",
    "test_login_bar": "Signed in through the local test provider. For demo and tests only.",
    "tile_protected": "hidden to protect small numbers",
    "protected_note": (
        "means the figure is hidden so that no family or young person can be singled out: "
        "counts from 1 to {threshold} are not shown, nor any figure a hidden one could be "
        "worked out from (sums, changes, shares). Statistics Denmark's method: cell "
        "suppression with secondary suppression. Only months approved by the rådmand are shown."
    ),
}


# Issue 8, sign-in and the web gate (dashboard/web/auth.py, app.py, app_pages/login.py,
# noaccess.py, admin.py).
DA |= {
    "page_login": "Log ind",
    "login_button": "Log ind",
    "logout_button": "Log ud",
    "login_title": "Log ind",
    "login_intro": (
        "Tallene handler om rigtige familier og unge, så de interne sider kræver login med "
        "kommunens login. Udvalgets godkendte månedsnotat er åbent materiale."
    ),
    "login_public_off": "Den offentlige visning er slået fra: log ind for at se tallene.",
    "login_public_on": "Uden login ser du den offentlige visning (godkendte måneder, små tal skjult).",
    "login_not_configured": (
        'Login er ikke sat op på denne server (se README, "Log ind"), og den offentlige '
        "visning er slået fra: der er intet at vise."
    ),
    "noaccess_title": "Ingen adgang",
    "noaccess_body": (
        "Du er logget ind som {who}, men har endnu ingen rolle i krimdash. Kontakt "
        "administratoren, hvis du skal have adgang; oplys dette brugernavn: {subject}"
    ),
    "page_admin": "Administration",
    "admin_title": "Administration",
    "admin_users": "Brugere og roller",
    "admin_users_note": "Roller ændres med `krimdash user add SUBJEKT --role ...` og `krimdash user remove SUBJEKT`.",
    "admin_no_users": "Ingen brugere endnu.",
    "admin_log": "Adgangslog (nyeste først)",
    "admin_log_empty": "Adgangsloggen er tom.",
    "col_subject": "Bruger",
    "col_role": "Rolle",
    "col_at": "Tid",
    "col_event": "Hændelse",
    "col_target": "Hvad",
    "col_ok": "Afvist",
    "month_status_approved": "{month} er godkendt.",
    "month_status_draft": "{month} er KLADDE: ikke godkendt endnu, og udvalget ser den ikke.",
    "approve_button": "Godkend {month}",
    "reopen_button": "Genåbn {month} (tilbage til kladde)",
    "approved_done": "{month} er godkendt.",
    "reopened_done": "{month} er genåbnet og er nu kladde.",
}
EN |= {
    "page_login": "Log in",
    "login_button": "Log in",
    "logout_button": "Log out",
    "login_title": "Log in",
    "login_intro": (
        "The figures are about real families and young people, so the internal pages require "
        "signing in with the municipality's login. The committee's approved monthly note is open."
    ),
    "login_public_off": "The public view is switched off: log in to see the figures.",
    "login_public_on": "Without logging in you see the public view (approved months, small counts hidden).",
    "login_not_configured": (
        'Sign-in is not set up on this server (see README, "Log ind"), and the public view is '
        "switched off: there is nothing to show."
    ),
    "noaccess_title": "No access",
    "noaccess_body": (
        "You are logged in as {who}, but have no role in krimdash yet. Contact the "
        "administrator if you need access; give them this user name: {subject}"
    ),
    "page_admin": "Administration",
    "admin_title": "Administration",
    "admin_users": "Users and roles",
    "admin_users_note": "Roles are changed with `krimdash user add SUBJECT --role ...` and `krimdash user remove SUBJECT`.",
    "admin_no_users": "No users yet.",
    "admin_log": "Access log (newest first)",
    "admin_log_empty": "The access log is empty.",
    "col_subject": "User",
    "col_role": "Role",
    "col_at": "Time",
    "col_event": "Event",
    "col_target": "What",
    "col_ok": "Refused",
    "month_status_approved": "{month} is approved.",
    "month_status_draft": "{month} is a DRAFT (KLADDE): not approved yet, and the committee does not see it.",
    "approve_button": "Approve {month}",
    "reopen_button": "Reopen {month} (back to draft)",
    "approved_done": "{month} is approved.",
    "reopened_done": "{month} is reopened and is now a draft.",
}

# The public view's freshness line names no one (who changed the figures is internal).
DA |= {"freshness_anonymous": "Seneste måned med tal: {month}. Senest ændret {when}."}
EN |= {"freshness_anonymous": "Latest month with figures: {month}. Last changed {when}."}

# Start-up checks, a full or read-only disk, a page run that meets a database it cannot read
# (issue 9, items 2, 3 and 5).
DA |= {
    "db_broken": "Databasen kan ikke læses, så dashboardet kan ikke vise tal lige nu. Intet er "
    "ændret eller slettet. Kontakt driften: databasen skal gendannes fra den seneste "
    "sikkerhedskopi.",
    "db_latest_backup": " Seneste sikkerhedskopi: {name} (fra {when}).",
    "db_not_saved": "Intet er gemt: databasen kunne ikke skrives (disken er fuld eller "
    "skrivebeskyttet). Tallene er som før. Prøv igen, når der er plads.",
}
EN |= {
    "db_broken": "The database cannot be read, so the dashboard cannot show figures right now. "
    "Nothing has been changed or deleted. Contact operations: the database must be restored "
    "from the latest backup.",
    "db_latest_backup": " Latest backup: {name} (from {when}).",
    "db_not_saved": "Nothing was saved: the database could not be written (the disk is full or "
    "read-only). The figures are as before. Try again when there is space.",
}


# Text from outside (an identity's name) placed in a Streamlit markdown text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def markdown_literal(value: object) -> str:
    """`value` as literal text inside st.markdown: every character markdown (or Streamlit's
    colour and emoji shortcodes) would read as markup is backslash-escaped, and line breaks and
    other control characters become spaces. An identity's name is text a person chose."""
    flat = "".join(" " if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in str(value))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


# Write pages for events, targets and the month's text (issue 10, item 4).
DA |= {
    "page_content_events": "Begivenheder og mål",
    "page_content_text": "Månedens tekst",
    "content_events_title": "Begivenheder og mål",
    "content_text_title": "Månedens tekst",
    "content_events": "Begivenheder",
    "content_targets": "Mål",
    "content_no_events": "Der er ingen begivenheder endnu.",
    "content_no_targets": "Der er ingen mål endnu.",
    "content_nothing_changed": "Intet er ændret, så intet er gemt.",
}
EN |= {
    "page_content_events": "Events and targets",
    "page_content_text": "The month's text",
    "content_events_title": "Events and targets",
    "content_text_title": "The month's text",
    "content_events": "Events",
    "content_targets": "Targets",
    "content_no_events": "There are no events yet.",
    "content_no_targets": "There are no targets yet.",
    "content_nothing_changed": "Nothing has changed, so nothing was saved.",
}
# Analysts in the app: Indtast tal, Indlæs fil, Ret og fortryd (issue 10, items 1, 2, 3 and 6).
DA |= {
    "page_indtast": "Indtast tal",
    "page_indlaes": "Indlæs fil",
    "page_ret": "Ret og fortryd",
    "entry_title": "Indtast tal",
    "entry_intro": "Vælg måned og indsats. Felterne viser de nuværende tal; skriv de nye, og "
    "tjek reglerne undervejs. Et tomt felt betyder «ikke opgjort». Alt gemmes samlet som én "
    "indlæsning, med samme regler som krimdash import.",
    "entry_month": "Måned",
    "entry_initiative": "Indsats",
    "entry_last_month": "Sidste måned: {value}",
    "entry_cleared": "et gemt tal kan ikke tømmes her; træk det tilbage under «Ret og fortryd»",
    "entry_warnings": "Advarsler: tallene kan være rigtige, men ser forkerte ud. Sæt flueben og "
    "skriv en note, der forklarer dem, for at gemme.",
    "entry_ack": "Jeg har set advarslerne, og tallene er rigtige",
    "entry_note": "Note til indlæsningen (valgfri)",
    "entry_note_required": "Note, der forklarer advarslerne (skal udfyldes)",
    "entry_fix_errors": "Ret fejlene ved felterne for at kunne gemme.",
    "entry_nothing": "Ingen ændringer at gemme.",
    "entry_needs_ack": "Sæt flueben ved advarslerne og skriv en note for at gemme.",
    "entry_changes": "{n} tal gemmes, når du trykker «Gem».",
    "save": "Gem",
    "saved_batch": "Gemt som indlæsning nr. {batch}: {new} nye og {changed} ændrede tal.",
    "conflict": "Intet er gemt: tallene er ændret, siden siden blev åbnet. Felterne viser nu de "
    "nye tal (det, du selv har skrevet, står der stadig). Se dem efter, og tryk «Gem» igen.",
    "nothing_saved": "Intet er gemt.",
    "changed_since": "Tallene er ændret, siden siden blev åbnet (intet er gemt endnu). Felterne "
    "viser nu de nye tal; det, du selv har skrevet, står der stadig. Se dem efter, og tryk «Gem».",
    "nothing_saved_same": "Intet er gemt: tallene er de samme som de gemte.",
    "and_more": "… og {n} tal mere.",
    "upload_title": "Indlæs fil",
    "upload_intro": "Vælg en CSV- eller Excel-fil (.xlsx) med tal, i det lange format eller "
    "som skabelonen nedenfor, højst {mb} MB. Filen tjekkes med de samme regler som krimdash "
    "import, og du ser, hvad der vil ske, før noget gemmes.",
    "upload_choose": "Fil med tal (CSV eller XLSX)",
    "upload_reading": "Læser og tjekker {name} …",
    "upload_read": "{name} er læst og tjekket",
    "upload_saving": "Gemmer …",
    "upload_refused": "Filen er afvist; intet er gemt.",
    "upload_too_large": "filen er for stor; den må højst fylde {mb} MB",
    "upload_preview": "Forhåndsvisning af {name}",
    "upload_rejected": "Filen er afvist; intet er gemt. {n} fejl i {name}:",
    "upload_more_errors": "Kun de første {n} fejl er vist.",
    "upload_counts": "**{new}** nye, **{changed}** ændrede og **{unchanged}** uændrede tal.",
    "upload_sample": "Tabellen viser højst {n} rækker af hver slags.",
    "template_title": "Skabelon",
    "template_intro": "Hent en Excel-skabelon for en række måneder, udfyldt med de nuværende "
    "tal. Udfyld den, og indlæs den ovenfor.",
    "template_order": "«Til» skal være samme måned som «Fra» eller senere.",
    "template_make": "Lav skabelon",
    "template_download": "Hent skabelonen",
    "fix_title": "Ret og fortryd",
    "fix_one": "Ret et tal",
    "fix_measure": "Måling",
    "fix_category": "Kategori",
    "fix_current": "Nuværende tal: **{value}**",
    "fix_changed_since": "Tallet er ændret, siden siden blev åbnet: det viste {shown}, nu er det "
    "{now} (se historikken nedenfor). Intet er gemt; tryk igen for at gemme.",
    "fix_new_value": "Ny værdi",
    "fix_reason": "Begrundelse (skal udfyldes)",
    "fix_reason_needed": "En rettelse kræver en begrundelse.",
    "fix_save": "Gem rettelsen",
    "fix_withdraw": "Træk tallet tilbage",
    "withdrawn": "Tallet er trukket tilbage (indlæsning nr. {batch}); det står stadig i historikken.",
    "undo_title": "Fortryd en indlæsning",
    "undo_intro": "At fortryde en indlæsning gemmer en ny indlæsning, der sætter hvert af dens "
    "tal tilbage til værdien før, eller trækker tallet tilbage, hvis der ikke var noget. Intet "
    "slettes.",
    "undo_none": "Der er ingen indlæsninger med tal.",
    "undo_pick": "Indlæsning",
    "undo_option": "nr. {batch}",
    "undo_button": "Fortryd indlæsning nr. {batch}",
    "undone": "Indlæsning nr. {batch} er fortrudt som indlæsning nr. {new}: {restored} tal sat "
    "tilbage, {retracted} trukket tilbage.",
}
EN |= {
    "page_indtast": "Enter figures",
    "page_indlaes": "Upload file",
    "page_ret": "Correct and undo",
}
# Historik and the dashboard as it stood at a moment (issue 10, item 5).
DA |= {
    "page_history": "Historik",
    "history_title": "Historik",
    "history_intro": "Alt, hvad der er skrevet i databasen, i den rækkefølge det skete: hvem, "
    "hvornår og hvad. Intet slettes; en rettelse eller tilbagetrækning er en ny batch. Klik på "
    "en batch for at se de tal, den skrev, eller se dashboardet, som det så ud før eller efter "
    "den.",
    "history_log_title": "Revisionsspor",
    "history_log_intro": "Én batch pr. indlæsning, indtastning, rettelse eller tilbagetrækning, "
    "nyeste først, i dansk tid.",
    "history_log_empty": "Der er endnu ikke skrevet noget i databasen.",
    "history_col_batch": "Batch",
    "history_col_when": "Tidspunkt",
    "history_col_user": "Bruger",
    "history_col_action": "Handling",
    "history_col_counts": "Tal",
    "history_col_file": "Fil",
    "history_col_warnings": "Godkendte advarsler og note",
    "history_col_dashboard": "Se dashboardet",
    "history_col_month": "Måned",
    "history_col_measure": "Måling",
    "history_col_category": "Kategori",
    "history_col_old": "Før",
    "history_col_new": "Efter",
    "history_col_note": "Note",
    "history_batch_no": "nr. {nr}",
    "history_batch_title": "Batch nr. {nr}",
    "history_batch_note": "Batchens note",
    "history_note": "Note",
    "history_new": "nye",
    "history_changed": "ændrede",
    "history_unchanged": "uændrede",
    "history_retracted": "tilbagetrukne",
    "history_before": "før",
    "history_after": "efter",
    "history_see_before": "Se dashboardet, som det var før denne batch",
    "history_see_after": "Se dashboardet, som det var efter denne batch",
    "history_close_batch": "Luk batchen",
    "history_showing": "Viser {first}–{last} af {total}",
    "history_newer": "‹ nyere",
    "history_older": "ældre ›",
    "history_none": "–",
    "history_retraction": "trukket tilbage",
    "history_no_batch": "Der er ingen batch nr. {nr}.",
    "history_batch_no_figures": "Denne batch skrev ingen tal (fx kataloget).",
    "history_figure_title": "Et tals historik",
    "history_figure_intro": "Vælg et tal: alle dets værdier, gamle → nye, hvem og hvornår, og "
    "hvorfor.",
    "history_figure_none": "Der er ingen tal for dette valg.",
    "history_pick_initiative": "Indsats",
    "history_pick_measure": "Måling",
    "history_pick_category": "Kategori",
    "history_pick_month": "Måned",
    "history_pick_batch": "Se batch nr.",
    "history_show_batch": "Vis",
    "history_total": "I alt",
    "as_of_banner": "Sådan så dashboardet ud {when} — ikke de aktuelle tal.",
    "as_of_now": "Se de aktuelle tal",
    "as_of_refused": "Kun analytikere, rådmanden og administratorer kan se dashboardet, som det "
    "så ud tidligere. Her er de aktuelle tal.",
    "as_of_invalid": "Tidspunktet i adressen (pr=) kan ikke læses; skriv det fx som "
    "pr=2026-01-05T10:00 (dansk tid). Her er de aktuelle tal.",
    "as_of_range": "Tidspunktet i adressen (pr=) ligger før år 2000 eller efter nu, så der er "
    "intet at vise for det. Her er de aktuelle tal.",
}
EN |= {
    "page_history": "History",
    "history_title": "History",
    "history_intro": "Everything written to the database, in the order it happened: who, when "
    "and what. Nothing is deleted; a correction or retraction is a new batch. Click a batch to "
    "see the figures it wrote, or see the dashboard as it looked before or after it.",
    "history_log_title": "Audit log",
    "history_log_intro": "One batch per import, entry, correction or retraction, newest first, "
    "in Danish time.",
    "history_log_empty": "Nothing has been written to the database yet.",
    "history_col_batch": "Batch",
    "history_col_when": "Time",
    "history_col_user": "User",
    "history_col_action": "Action",
    "history_col_counts": "Figures",
    "history_col_file": "File",
    "history_col_warnings": "Acknowledged warnings and note",
    "history_col_dashboard": "See the dashboard",
    "history_col_month": "Month",
    "history_col_measure": "Measure",
    "history_col_category": "Category",
    "history_col_old": "Before",
    "history_col_new": "After",
    "history_col_note": "Note",
    "history_batch_no": "no. {nr}",
    "history_batch_title": "Batch no. {nr}",
    "history_batch_note": "The batch's note",
    "history_note": "Note",
    "history_new": "new",
    "history_changed": "changed",
    "history_unchanged": "unchanged",
    "history_retracted": "retracted",
    "history_before": "before",
    "history_after": "after",
    "history_see_before": "See the dashboard as it was before this batch",
    "history_see_after": "See the dashboard as it was after this batch",
    "history_close_batch": "Close the batch",
    "history_showing": "Showing {first}–{last} of {total}",
    "history_newer": "‹ newer",
    "history_older": "older ›",
    "history_none": "–",
    "history_retraction": "retracted",
    "history_no_batch": "There is no batch no. {nr}.",
    "history_batch_no_figures": "This batch wrote no figures (e.g. the catalog).",
    "history_figure_title": "A figure's history",
    "history_figure_intro": "Pick a figure: all its values, old → new, who and when, and why.",
    "history_figure_none": "There are no figures for this choice.",
    "history_pick_initiative": "Initiative",
    "history_pick_measure": "Measure",
    "history_pick_category": "Category",
    "history_pick_month": "Month",
    "history_pick_batch": "See batch no.",
    "history_show_batch": "Show",
    "history_total": "Total",
    "as_of_banner": "This is how the dashboard looked on {when} — not the current figures.",
    "as_of_now": "See the current figures",
    "as_of_refused": "Only analysts, the rådmand and administrators can see the dashboard as it "
    "looked earlier. These are the current figures.",
    "as_of_invalid": "The moment in the address (pr=) cannot be read; write it e.g. as "
    "pr=2026-01-05T10:00 (Danish time). These are the current figures.",
    "as_of_range": "The moment in the address (pr=) is before the year 2000 or after now, so "
    "there is nothing to show for it. These are the current figures.",
}
# The write pages in English (Indtast tal, Indlæs fil, Ret og fortryd). The rules' own messages
# (a file's or a field's errors and warnings) are Danish in every language, as on the command line.
EN |= {
    "entry_title": "Enter figures",
    "entry_intro": "Pick a month and an initiative. The fields show the current figures; type the "
    "new ones, and the rules are checked as you go. An empty field means «not reported». "
    "Everything is saved together as one batch, with the same rules as krimdash import.",
    "entry_month": "Month",
    "entry_initiative": "Initiative",
    "entry_last_month": "Last month: {value}",
    "entry_cleared": "a saved figure cannot be emptied here; withdraw it under «Correct and undo»",
    "entry_warnings": "Warnings: the figures may be right but look wrong. Tick the box and write a "
    "note explaining them to save.",
    "entry_ack": "I have seen the warnings, and the figures are right",
    "entry_note": "Note for the batch (optional)",
    "entry_note_required": "Note explaining the warnings (required)",
    "entry_fix_errors": "Correct the errors at the fields to save.",
    "entry_nothing": "No changes to save.",
    "entry_needs_ack": "Tick the box at the warnings and write a note to save.",
    "entry_changes": "{n} figures are saved when you press «Save».",
    "save": "Save",
    "saved_batch": "Saved as batch no. {batch}: {new} new and {changed} changed figures.",
    "conflict": "Nothing was saved: the figures changed after the page was opened. The fields now "
    "show the new figures (what you typed yourself is still there). Check them, and press «Save» "
    "again.",
    "nothing_saved": "Nothing was saved.",
    "changed_since": "The figures changed after the page was opened (nothing is saved yet). The "
    "fields now show the new figures; what you typed yourself is still there. Check them, and "
    "press «Save».",
    "nothing_saved_same": "Nothing was saved: the figures are the same as those saved.",
    "and_more": "… and {n} more figures.",
    "upload_title": "Upload file",
    "upload_intro": "Choose a CSV or Excel file (.xlsx) with figures, in the long format or as the "
    "template below, at most {mb} MB. The file is checked with the same rules as krimdash import, "
    "and you see what will happen before anything is saved.",
    "upload_choose": "File with figures (CSV or XLSX)",
    "upload_reading": "Reading and checking {name} …",
    "upload_read": "{name} is read and checked",
    "upload_saving": "Saving …",
    "upload_refused": "The file is refused; nothing was saved.",
    "upload_too_large": "the file is too large; it may be at most {mb} MB",
    "upload_preview": "Preview of {name}",
    "upload_rejected": "The file is refused; nothing was saved. {n} errors in {name}:",
    "upload_more_errors": "Only the first {n} errors are shown.",
    "upload_counts": "**{new}** new, **{changed}** changed and **{unchanged}** unchanged figures.",
    "upload_sample": "The table shows at most {n} rows of each kind.",
    "template_title": "Template",
    "template_intro": "Download an Excel template for a range of months, filled in with the current "
    "figures. Fill it in, and upload it above.",
    "template_order": "«To» must be the same month as «From» or later.",
    "template_make": "Make the template",
    "template_download": "Download the template",
    "fix_title": "Correct and undo",
    "fix_one": "Correct a figure",
    "fix_measure": "Measure",
    "fix_category": "Category",
    "fix_current": "Current figure: **{value}**",
    "fix_changed_since": "The figure changed after the page was opened: it showed {shown}, now it "
    "is {now} (see the history below). Nothing was saved; press again to save.",
    "fix_new_value": "New value",
    "fix_reason": "Reason (required)",
    "fix_reason_needed": "A correction needs a reason.",
    "fix_save": "Save the correction",
    "fix_withdraw": "Withdraw the figure",
    "withdrawn": "The figure is withdrawn (batch no. {batch}); it stays in the history.",
    "undo_title": "Undo a batch",
    "undo_intro": "Undoing a batch saves a new batch that sets each of its figures back to the "
    "value before, or withdraws the figure if there was none. Nothing is deleted.",
    "undo_none": "There are no batches with figures.",
    "undo_pick": "Batch",
    "undo_option": "no. {batch}",
    "undo_button": "Undo batch no. {batch}",
    "undone": "Batch no. {batch} is undone as batch no. {new}: {restored} figures set back, "
    "{retracted} withdrawn.",
}


# Issue 11, the print style sheet (dashboard/web/printing.py).
DA |= {
    "print_demo_mark": "DEMO – fiktive tal",
    "print_fetched": "hentet {when}",
    "print_page_number": "Side {page} af {pages}",
}
EN |= {
    "print_demo_mark": "DEMO – fictive figures",
    "print_fetched": "fetched {when}",
    "print_page_number": "Page {page} of {pages}",
}


# --- Issue 11, exports: the export menu of the reading pages and the export page --------------
DA |= {
    "page_export": "Eksport",
    "export_menu": "Eksportér",
    "export_menu_figures": "Tallene (CSV, Excel)",
    "export_menu_charts": "Graferne (PNG, SVG) og tallene bag dem",
    "export_title": "Eksport: {page}",
    "export_intro": "Filerne indeholder det, du kan se på siden «{page}», for perioden {period}.",
    "export_intro_public": "Det er den offentlige udgave: små tal (1-{threshold}) og tal, som "
    "de kan regnes ud af, står som «..».",
    "export_figures": "Tallene",
    "export_figures_about": "Målingerne som CSV (UTF-8, komma: month, measure, category, value, "
    "note) og som Excel-fil. Tekst, der ligner en formel, står med ' foran.",
    "export_charts": "Graferne",
    "export_charts_none": "Siden har ingen grafer; dens tal kan hentes ovenfor.",
    "export_chart_csv": "Tallene bag (CSV)",
    "export_chart_png": "Billede (PNG)",
    "export_chart_svg": "Vektorgrafik (SVG)",
    "export_file_csv": "Tallene som CSV",
    "export_file_xlsx": "Tallene som Excel (XLSX)",
    "export_back": "Tilbage til siden",
    "export_making": "Laver filerne …",
    "export_no_period": "Der er ingen måneder med tal, som du kan se; der er intet at eksportere.",
    "export_bad_page": "Adressen beder om eksport af en side, der ikke findes eller som du ikke "
    "har adgang til. Vælg «Eksportér» på den side, du vil have tallene fra.",
    "export_bad_param": "Adressens «{name}» er ikke gyldig; filerne er lavet for {used} i stedet.",
    "export_sheet_what": "krimdash: tallene på siden «{page}».",
    "export_sheet_period": "Perioden: {first} til {last}.",
    "export_demo": "DEMO: filen indeholder fiktive demotal, ikke rigtige tal.",
    "export_drafts": "KLADDE: {months} er ikke godkendt af rådmanden endnu.",
    "export_as_of": "Tallene, som de stod {moment} – ikke de aktuelle tal.",
    "export_mark_demo": "DEMO – fiktive tal",
    "export_mark_drafts": "KLADDE – ikke godkendt",
    "export_mark_public": "Offentlig udgave: små tal vist som ..",
}
EN |= {
    "page_export": "Export",
    "export_menu": "Export",
    "export_menu_figures": "The figures (CSV, Excel)",
    "export_menu_charts": "The charts (PNG, SVG) and the figures behind them",
    "export_title": "Export: {page}",
    "export_intro": "The files hold what you can see on the page «{page}», for {period}.",
    "export_intro_public": "This is the public version: small counts (1-{threshold}) and "
    "figures they can be worked out from are shown as «..».",
    "export_figures": "The figures",
    "export_figures_about": "The figures as CSV (UTF-8, comma: month, measure, category, value, "
    "note) and as an Excel file. Text that looks like a formula starts with '.",
    "export_charts": "The charts",
    "export_charts_none": "This page has no charts; its figures can be downloaded above.",
    "export_chart_csv": "The figures behind it (CSV)",
    "export_chart_png": "Picture (PNG)",
    "export_chart_svg": "Vector graphics (SVG)",
    "export_file_csv": "The figures as CSV",
    "export_file_xlsx": "The figures as Excel (XLSX)",
    "export_back": "Back to the page",
    "export_making": "Making the files …",
    "export_no_period": "There are no months with figures you can see; there is nothing to export.",
    "export_bad_page": "The address asks to export a page that does not exist or that you "
    "cannot see. Choose «Export» on the page you want the figures from.",
    "export_bad_param": "The address's «{name}» is not valid; the files are made for {used} "
    "instead.",
    "export_sheet_what": "krimdash: the figures of the page «{page}».",
    "export_sheet_period": "The period: {first} to {last}.",
    "export_demo": "DEMO: the file holds fictive demo figures, not real figures.",
    "export_drafts": "DRAFT: {months} not yet approved by the rådmand.",
    "export_as_of": "The figures as they stood {moment} – not the current figures.",
    "export_mark_demo": "DEMO – fictive figures",
    "export_mark_drafts": "DRAFT – not approved",
    "export_mark_public": "Public version: small counts shown as ..",
}


# --- Issue 11, the Rapport page (dashboard/web/app_pages/report.py) ---------------------------
DA |= {
    "page_report": "Rapport",
    "report_title": "Rapport: månedens orientering",
    "report_intro": "Den månedlige orientering til Social- og Beskæftigelsesudvalget for en "
    "måned: som Word-fil (DOCX, kan redigeres), som PDF og som én HTML-fil, der kan åbnes uden "
    "net. Notatet får månedens tekst, nøgletal, en graf for hver indsats og månedens "
    "begivenheder. Filen laves, når du klikker.",
    "report_no_months": "Der er endnu ingen måneder med tal, så der er intet notat at lave.",
    "report_month": "Måned",
    "report_public": "Offentlig udgave (små tal skjult som i den offentlige visning)",
    "report_approved": "{month} er godkendt af rådmanden.",
    "report_draft": "{month} er ikke godkendt endnu: notatet mærkes KLADDE på hver side.",
    "report_public_draft": "{month} er ikke godkendt endnu, så der kan ikke laves en offentlig "
    "udgave. Den offentlige udgave viser kun godkendte måneder.",
    "report_docx": "Hent som Word (DOCX)",
    "report_pdf": "Hent som PDF",
    "report_html": "Hent som HTML",
    "report_public_small": "Den offentlige udgave skjuler små tal (1-4) i nøgletal og grafer, "
    "men månedens tekst og begivenhederne trykkes, som de er skrevet. Læs disse steder igennem, "
    "før notatet bliver offentligt, så ingen familie kan genkendes:",
    "report_cli": "Samme filer fra kommandolinjen: krimdash report --month {month} "
    "--format docx|pdf|html -o FIL",
}
EN |= {
    "page_report": "Report",
    "report_title": "Report: the month's orientation",
    "report_intro": "The monthly orientation to the Social and Employment Committee for a "
    "month: as a Word file (DOCX, editable), as PDF and as one HTML file that opens without a "
    "network. The note has the month's text, key figures, a chart per initiative and the "
    "month's events. The file is made when you click.",
    "report_no_months": "There are no months with figures yet, so there is no note to make.",
    "report_month": "Month",
    "report_public": "Public version (small counts hidden as in the public view)",
    "report_approved": "{month} is approved by the rådmand.",
    "report_draft": "{month} is not approved yet: the note is marked KLADDE (draft) on every page.",
    "report_public_draft": "{month} is not approved yet, so no public version can be made. The "
    "public version shows approved months only.",
    "report_docx": "Download as Word (DOCX)",
    "report_pdf": "Download as PDF",
    "report_html": "Download as HTML",
    "report_public_small": "The public version hides small counts (1-4) in key figures and "
    "charts, but the month's text and the events are printed as written. Read these places "
    "before the note is made public, so that no family can be recognised:",
    "report_cli": "The same files from the command line: krimdash report --month {month} "
    "--format docx|pdf|html -o FILE",
}

# --- the shared store (DuckLake): a write that met another's at the same moment ---
DA |= {
    "write_conflict": "Intet er gemt: en anden gemte noget i samme øjeblik. Intet er tabt eller "
    "gemt to gange. Prøv igen.",
}
EN |= {
    "write_conflict": "Nothing was saved: someone else saved at the same moment. Nothing was "
    "lost or saved twice. Please try again.",
}
