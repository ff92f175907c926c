"""Every user-facing text of the app, one dictionary per language (Danish first)."""

from __future__ import annotations

DA: dict[str, str] = {
    "app_title": "krimdash: det kriminalpræventive område",
    "page_overview": "Overblik",
    "demo_banner": (
        "**DEMO – fiktive tal.** Tallene her er opdigtede til afprøvning og må ikke "
        "forveksles med rigtige tal. Kun januar 2025 svarer til den rigtige orientering."
    ),
    "demo_mixed": "Nogle af tallene er DEMO-tal (fiktive).",
    "no_database": "Der er ingen database endnu. Opret den med `krimdash init --demo` (demo) eller `krimdash init`.",
    "no_figures": "Der er ingen tal i databasen endnu. Indlæs en talfil med `krimdash import FIL`.",
    "busy": "Databasen er optaget af en anden proces lige nu. Genindlæs siden om et øjeblik.",
    "overview_intro": "Seneste tal for hver indsats. Kumulative tal er løbende totaler siden indsatsens start.",
    "latest_month": "Seneste måned",
    "no_figures_initiative": "Ingen tal endnu.",
    "col_measure": "Måling",
    "col_category": "Kategori",
    "col_value": "Tal",
    "col_kind": "Type",
    "total": "I alt",
    "kind_cumulative": "løbende total",
    "kind_stock": "status ved månedens udgang",
    "kind_flow": "i måneden",
    "language": "Sprog",
}

EN: dict[str, str] = {
    "app_title": "krimdash: crime prevention",
    "page_overview": "Overview",
    "demo_banner": (
        "**DEMO – fictive figures.** These figures are made up for trying the app and must not "
        "be mistaken for real ones. Only January 2025 matches the real note."
    ),
    "demo_mixed": "Some of the figures are DEMO figures (fictive).",
    "no_database": "There is no database yet. Create it with `krimdash init --demo` (demo) or `krimdash init`.",
    "no_figures": "There are no figures in the database yet. Load a figures file with `krimdash import FILE`.",
    "busy": "The database is busy in another process. Reload the page in a moment.",
    "overview_intro": "Latest figures for each initiative. Cumulative figures are running totals since the start.",
    "latest_month": "Latest month",
    "no_figures_initiative": "No figures yet.",
    "col_measure": "Measure",
    "col_category": "Category",
    "col_value": "Value",
    "col_kind": "Kind",
    "total": "Total",
    "kind_cumulative": "running total",
    "kind_stock": "at the end of the month",
    "kind_flow": "during the month",
    "language": "Language",
}

LANGUAGES = {"da": DA, "en": EN}


def text(key: str, lang: str = "da") -> str:
    """The text for `key` in `lang`, falling back to Danish."""
    return LANGUAGES.get(lang, DA).get(key) or DA[key]
