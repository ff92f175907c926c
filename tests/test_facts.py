"""One home for each fact: where SQL or texts must repeat a Python definition (the largest
value, the measure kinds), they agree with it; the export CSV has one writer; the catalog
`krimdash init` stores is the catalog it loaded."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard.catalog import KINDS, CatalogError, catalog_data, load_catalog, parse_catalog
from dashboard.db import Store, _migrate
from dashboard.demo import DEMO_PATH, demo_csv, demo_figures
from dashboard.exports import EXPORT_COLUMNS, export_csv, figures_csv
from dashboard.imports import import_file
from dashboard.records import MAX_VALUE
from dashboard.reference import load_reference, loaded_catalog
from dashboard.rules import parse_value
from dashboard.web.texts import LANGUAGES


@pytest.fixture(scope="module")
def schema() -> duckdb.DuckDBPyConnection:
    """An in-memory database with every migration applied."""
    conn = duckdb.connect()
    _migrate(conn)
    return conn


def check_constraint(conn: duckdb.DuckDBPyConnection, table: str, column: str) -> str:
    (text,) = conn.execute(
        "select constraint_text from duckdb_constraints() "
        "where table_name = $t and constraint_type = 'CHECK' and list_contains(constraint_column_names, $c)",
        {"t": table, "c": column},
    ).fetchone()
    return text


def test_the_schemas_limit_on_a_value_is_max_value(schema) -> None:
    text = check_constraint(schema, "figure_revisions", "value")
    assert [int(n) for n in re.findall(r"\d+", text)] == [0, MAX_VALUE]
    insert = "insert into figure_revisions values (0, '2025-01-01', 'm', $c, $v, '')"
    schema.execute(insert, {"c": "at-limit", "v": MAX_VALUE})
    with pytest.raises(duckdb.ConstraintException):
        schema.execute(insert, {"c": "over", "v": MAX_VALUE + 1})


def test_the_rules_limit_and_its_message_are_max_value() -> None:
    assert parse_value(MAX_VALUE) == MAX_VALUE
    with pytest.raises(ValueError, match=f"over grænsen på {MAX_VALUE:,}".replace(",", ".")):
        parse_value(MAX_VALUE + 1)


def test_the_schemas_measure_kinds_are_kinds(schema) -> None:
    text = check_constraint(schema, "measures", "kind")
    assert set(re.findall(r"'(\w+)'", text)) == set(KINDS)
    insert = "insert into measures (id, initiative_id, label_da, label_en, kind, sort_order) values ($id, 'i', 'l', 'l', $kind, 0)"
    for kind in KINDS:
        schema.execute(insert, {"id": kind, "kind": kind})
    with pytest.raises(duckdb.ConstraintException):
        schema.execute(insert, {"id": "other", "kind": "level"})


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_kind_is_explained_in_every_language_and_no_other(lang: str) -> None:
    explained = {
        k.removeprefix("kind_explained_")
        for k in LANGUAGES[lang]
        if k.startswith("kind_explained_")
    }
    assert explained == set(KINDS)


def test_the_demo_csv_and_an_export_of_the_demo_figures_are_the_same_bytes(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.duckdb")
    load_reference(store, user="test", demo=True)
    result = import_file(
        store,
        DEMO_PATH,
        user="test",
        role="analyst",
        accept_warnings=True,
        note="demo",
        is_demo=True,
    )
    assert result.status == "saved", result.errors
    assert export_csv(store) == demo_csv() == DEMO_PATH.read_bytes()
    assert len(demo_csv().splitlines()) == 1 + len(demo_figures())


def test_the_export_writer_quotes_what_needs_quoting() -> None:
    rows = [(date(2025, 1, 1), "m", "", 5, 'Rettet, "som aftalt"\nnæste linje')]
    text = figures_csv(rows).decode("utf-8")
    assert (
        text == ",".join(EXPORT_COLUMNS) + '\n2025-01,m,,5,"Rettet, ""som aftalt""\nnæste linje"\n'
    )


def test_the_catalog_survives_its_trip_through_the_database_as_data() -> None:
    catalog = load_catalog()
    assert parse_catalog(json.loads(json.dumps(catalog_data(catalog)))) == catalog


def test_init_stores_the_catalog_it_loaded(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.duckdb")
    load_reference(store, user="test")
    assert loaded_catalog(store) == load_catalog()


def test_a_database_from_before_stored_catalogs_has_none(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.duckdb")
    load_reference(store, user="test")
    with duckdb.connect(str(store.path)) as conn:
        conn.execute("drop table catalog_snapshot")
    assert loaded_catalog(store) is None


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param({"initiatives": [{"id": "a"}]}, "required field 'name_da'", id="missing-field"),
        pytest.param({"initiatives": [{"id": "a", "name_da": "A", "started": "snart"}]}, "snart", id="bad-month"),
        pytest.param({"measures": 5}, "cannot be read", id="wrong-type"),
    ],
)  # fmt: skip
def test_a_broken_catalog_is_a_catalog_error(raw: dict, reason: str) -> None:
    with pytest.raises(CatalogError, match=reason):
        parse_catalog(raw)
