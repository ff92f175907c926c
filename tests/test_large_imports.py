"""Large imports: a large plain CSV is read by DuckDB and checked by the SQL rules, with the same
rows, the same messages and the same warnings as the Python reading and rules it replaced
(tests/rules_reference.py), and the save keeps every constraint of the schema."""

from __future__ import annotations

import random
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
import rules_reference

from dashboard import rules
from dashboard.catalog import load_catalog
from dashboard.db import Store
from dashboard.files import read_figures, stage_figures
from dashboard.imports import import_file, import_rows
from dashboard.records import Figure, RawRow
from dashboard.reference import load_reference
from dashboard.rules import find_warnings, new_warnings, stage_rows, validate_rows

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from synthetic import NOTE, catalog_text, figures_frame  # noqa: E402

INITIATIVES, MEASURES, MONTHS = 8, 15, 48  # 8,832 figures, about 390 KB of long CSV
TODAY = date(2026, 1, 15)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory):
    """The synthetic catalog (bench/synthetic.py, small) and its figures as export lines."""
    folder = tmp_path_factory.mktemp("large")
    path = folder / "catalog.toml"
    path.write_text(catalog_text(INITIATIVES, MEASURES, MONTHS), encoding="utf-8")
    frame = figures_frame(INITIATIVES, MEASURES, MONTHS)
    lines = [
        f"{m:%Y-%m},{meas},{cat},{v},{NOTE}"
        for m, meas, cat, v in zip(
            frame["month"], frame["measure"], frame["category"], frame["value"], strict=True
        )
    ]
    return load_catalog(path), lines


def _csv(lines: list[str], header: str = "month,measure,category,value,note") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def _staged(data: bytes, fast: bool) -> list[tuple]:
    """The staging table's rows (without `ord`) and whether DuckDB read the file."""
    with duckdb.connect() as conn:
        if fast:
            parsed, staged = stage_figures(data, "tal.csv", conn)
            assert parsed.rows == [], "the file should have been read by DuckDB"
        else:
            staged = stage_rows(conn, read_figures(data, "tal.csv").rows)
        rows = conn.execute(
            "select line, objs, month, measure, category, value, note from staging order by line"
        ).fetchall()
        return rows, staged.columns


def _variant(lines: list[str], kind: str) -> bytes:
    if kind == "lf":
        return _csv(lines)
    if kind == "crlf":
        return _csv(lines).replace(b"\n", b"\r\n")
    if kind == "cp1252":
        changed = [line.replace(NOTE, "bemærkning på én linje") for line in lines]
        return (
            "\n".join(["måned;måling;kategori;værdi;bemærkning", *changed])
            .encode("cp1252")
            .replace(b",", b";")
        )
    if kind == "spaces":
        return _csv([" " + line.replace(",", " , ") + "  " for line in lines])
    if kind == "short-rows":
        # the note left out on some lines, an empty value (not reported) on others, blank lines
        out = [line.rsplit(",", 1)[0] if i % 7 == 0 else line for i, line in enumerate(lines)]
        out = [",".join([*line.split(",")[:3], "", NOTE]) if i % 11 == 0 else line
               for i, line in enumerate(out)]  # fmt: skip
        out[100:100] = ["   ", ",,,,", "  ,  ,"]
        return _csv(out)
    if kind == "label-column":
        return _csv([f"{line},ekstra" for line in lines], "month,measure,category,value,note,navn")
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["lf", "crlf", "cp1252", "spaces", "short-rows", "label-column"])
def test_duckdb_reads_a_large_file_as_the_csv_module_does(synthetic, kind: str) -> None:
    _, lines = synthetic
    data = _variant(lines, kind)
    assert len(data) > 256 * 1024
    assert _staged(data, fast=True) == _staged(data, fast=False)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda t: t.replace(NOTE, '"bench, syntetisk tal"', 1), id="quoted-cell"),
        pytest.param(lambda t: t.replace("\n", "\n\n", 1), id="empty-line"),
        pytest.param(lambda t: t.replace("\n", "\r", 1), id="lone-carriage-return"),
        pytest.param(lambda t: t.replace(NOTE, "bench:\tsyntetisk", 1), id="tab-in-cell"),
        pytest.param(lambda t: t.replace(NOTE, f"{NOTE},ekstra", 1), id="more-cells-than-header"),
        pytest.param(lambda t: t.replace(NOTE, "x" * 40_000, 1), id="cell-over-the-limit"),
    ],
)
def test_the_csv_module_reads_what_duckdb_cannot_read_the_same_way(synthetic, change) -> None:
    _, lines = synthetic
    data = change(_csv(lines).decode()).encode()
    with duckdb.connect() as conn:
        try:
            parsed, _ = stage_figures(data, "tal.csv", conn)
        except Exception as error:  # the file as a whole is refused: the same way both ways
            with pytest.raises(type(error)) as caught:
                read_figures(data, "tal.csv")
            assert str(caught.value) == str(error)
            return
    assert parsed.rows == read_figures(data, "tal.csv").rows  # read by the csv module


@pytest.fixture
def synthetic_store(tmp_path: Path, synthetic) -> Store:
    catalog, _ = synthetic
    store = Store(tmp_path / "krimdash.duckdb")
    load_reference(store, user="test", catalog=catalog)
    return store


def test_one_bad_row_deep_in_a_large_file_is_named_by_line_and_column(
    synthetic, synthetic_store: Store, tmp_path: Path
) -> None:
    catalog, lines = synthetic
    bad = list(lines)
    month, measure, category, value, note = bad[7000].split(",")
    bad[7000] = f"{month},{measure},{category},12.345,{note}"  # line 7002
    bad[8000] = bad[8000].replace(bad[8000].split(",")[1], "s001.m3", 1)  # line 8002
    bad[8500] = "2025-13," + bad[8500].split(",", 1)[1]  # line 8502
    bad[8600] = bad[8599]  # the same figure twice, same value: one figure
    month, measure, category, value, note = bad[8700].split(",")
    bad.insert(8701, f"{month},{measure},{category},{int(value) + 1},{note}")  # line 8703
    path = tmp_path / "stor.csv"
    path.write_bytes(_csv(bad))
    result = import_file(
        synthetic_store, path, user="test", role="analyst", catalog=catalog, today=TODAY
    )
    assert result.status == "rejected"
    assert result.parsed is not None and result.parsed.rows == []  # read by DuckDB
    reference = rules_reference.validate_rows(read_figures(path.read_bytes()).rows, catalog, TODAY)
    assert [str(e) for e in result.errors] == [str(e) for e in reference[1]]
    assert [str(e) for e in result.errors] == [
        "Linje 7002, kolonne «value»: «12.345» er ikke et helt tal; skriv 12345 (uden "
        "tusindtalsskilletegn)",
        "Linje 8002, kolonne «measure»: ukendt måling «s001.m3»; mente du s001.m13?",
        "Linje 8502, kolonne «month»: «2025-13» er ikke en måned (brug fx 2025-01 eller "
        "januar 2025)",
        f"Linje 8703, kolonne «value»: {_label(bad[8700])} står to gange med forskellige værdier "
        f"({bad[8700].split(',')[3]} i linje 8702 og {int(bad[8700].split(',')[3]) + 1} her)",
    ]
    assert result.n_figures == len(reference[0])
    with synthetic_store.reader() as conn:
        assert conn.execute("select count(*) from figure_revisions").fetchone() == (0,)


def _label(line: str) -> str:
    month, measure, category, _, _ = line.split(",")
    when = rules.month_label(date(int(month[:4]), int(month[5:]), 1))
    return f"{when} / {measure}" + (f" / kategori {category}" if category else "")


def test_a_large_import_is_one_batch_and_keeps_every_constraint(
    synthetic, synthetic_store: Store, tmp_path: Path
) -> None:
    catalog, lines = synthetic
    path = tmp_path / "stor.csv"
    path.write_bytes(_csv(lines))
    result = import_file(synthetic_store, path, user="test", role="analyst", catalog=catalog)
    assert (result.status, result.n_new, result.n_changed, result.warnings) == (
        "saved",
        len(lines),
        0,
        [],
    )
    with synthetic_store.reader() as conn:
        assert conn.execute(
            "select n_new, n_changed, n_unchanged, file_name from batches where id = $id",
            {"id": result.batch_id},
        ).fetchone() == (len(lines), 0, 0, "stor.csv")
        stored = conn.execute(
            "select strftime(month, '%Y-%m'), measure_id, category, value, note "
            "from current_figures order by month, measure_id, category"
        ).fetchall()
    assert sorted(stored) == sorted(tuple(line.split(",")[:3]) + (int(line.split(",")[3]), NOTE)
                                    for line in lines)  # fmt: skip
    with synthetic_store.writer() as conn:
        for bad in (
            # the primary key: the same figure twice in one batch
            "insert into figure_revisions select batch_id, month, measure_id, category, value, "
            "note from figure_revisions limit 1",
            # the value's range
            "update figure_revisions set value = 1000001 where rowid = 0",
        ):
            with pytest.raises(duckdb.ConstraintException):
                conn.execute(bad)
            conn.execute("rollback")
            conn.execute("begin transaction")
    again = import_file(synthetic_store, path, user="test", role="analyst", catalog=catalog)
    assert (again.status, again.n_unchanged, again.batch_id) == ("no_change", len(lines), None)
    changed = list(lines)
    month, measure, category, value, note = changed[5000].split(",")
    changed[5000] = f"{month},{measure},{category},{int(value) + 1000},{note}"
    path.write_bytes(_csv(changed))
    third = import_file(
        synthetic_store, path, user="test", role="analyst", catalog=catalog,
        accept_warnings=True, note="prøve",
    )  # fmt: skip
    assert (third.status, third.n_changed, third.n_unchanged) == ("saved", 1, len(lines) - 1)
    ((figure, old),) = third.changed
    assert (figure.line, figure.value, old) == (5002, int(value) + 1000, int(value))


COLUMNS = {"month": "Måned", "measure": "Måling", "category": "Kategori", "value": "Værdi",
           "note": "Bemærkning"}  # fmt: skip
WIDE = {"measure": "måling", "category": "kategori", "month": "2025-01", "value": "2025-01 (D)"}
MONTH_CELLS = ["2025-01", "januar 2025", "jan. 2025", "2025-13", "", None, "2099-01", "1999-12",
          datetime(2025, 2, 1), datetime(2025, 2, 3), date(2024, 12, 1), 202501, "2025-01\x1b"]  # fmt: skip
VALUES = ["12", " 7 ", 12, 12.0, 12.5, "1.234", "1 234", "12,5", "-3", 1_000_001, True, None,
          "", "x" * 120, "4\t"]  # fmt: skip
CATEGORIES = ["", "a", "b", "c", "d", None, 1.0, "A"]
NOTES = ["", " en note ", None, "n\x00", "x" * 1001, 5]


@pytest.mark.parametrize("tables", ["lists", "arrow"])
@pytest.mark.parametrize("cells", ["python", "sql"])
def test_the_sql_rules_give_the_python_rules_figures_and_messages(
    synthetic, cells: str, tables: str, monkeypatch
) -> None:
    """The rules against the old Python engine, with the unreadable and distinct cells found
    both ways: in Python from stage_rows's cells (a few rows, as a form's or a month's), and in
    SQL (queries/rules_cell_candidates.sql, rules_distinct.sql: a file DuckDB read); and with the
    staged rows and the lookups as temp tables made from lists (few rows) or as registered Arrow
    tables (many)."""
    if tables == "arrow":
        monkeypatch.setattr(rules, "_LIST_ROWS", 10)
    catalog, _ = synthetic
    measures = [m.id for m in catalog.measures[:20]] + ["s000.m1", "", None, "S000.M01", 3.0]
    rng = random.Random(9)
    rows = []
    for n in range(2000):
        columns = WIDE if n % 5 == 0 else COLUMNS
        rows.append(
            RawRow(
                2 + n // 3,  # several rows per line, as the wide template gives
                rng.choice(MONTH_CELLS),
                rng.choice(measures),
                rng.choice(CATEGORIES),
                rng.choice(VALUES),
                rng.choice(NOTES),
                columns=columns,
            )
        )
    if cells == "python":
        figures, errors = validate_rows(rows, catalog, TODAY)
    else:
        with rules.work_connection() as conn:
            staged = stage_rows(conn, rows)
            staged.cells = None  # as for a file DuckDB read: the cells are only in SQL
            errors = rules.check(staged, catalog, TODAY)
            figures = [
                Figure(*found)
                for found in conn.execute(
                    "select month, measure, category, value, note, line from rule_checked "
                    "order by ord"
                ).fetchall()
            ]
    expected_figures, expected_errors = rules_reference.validate_rows(rows, catalog, TODAY)
    assert [str(e) for e in errors] == [str(e) for e in expected_errors]
    assert figures == expected_figures
    assert len(errors) > 100 and len(figures) > 10  # both kinds were tried


def test_the_sql_warnings_are_the_python_warnings(synthetic) -> None:
    catalog, _ = synthetic
    frame = figures_frame(INITIATIVES, MEASURES, MONTHS)
    state = {
        (m, meas, cat): int(v)
        for m, meas, cat, v in zip(
            frame["month"], frame["measure"], frame["category"], frame["value"], strict=True
        )
    }
    assert find_warnings(state, catalog) == rules_reference.find_warnings(state, catalog) == []
    rng = random.Random(4)
    keys = sorted(state)
    for _ in range(5):
        after = dict(state)
        for key in rng.sample(keys, 300):
            after[key] = max(0, after[key] + rng.choice([-40, -3, -1, 1, 5, 200]))
        for key in rng.sample(keys, 50):
            del after[key]
        after[(date(2015, 6, 1), keys[0][1], "")] = 3  # before its initiative started
        after[(date(2020, 1, 1), "ukendt.måling", "")] = 3  # not in the catalog
        found = find_warnings(after, catalog)
        assert found == rules_reference.find_warnings(after, catalog)
        assert {w.rule for w in found} == {
            "categories_vs_total", "not_above", "sum_equals", "before_start",
            "cumulative_decrease",
        }  # fmt: skip
        added = new_warnings(state, after, catalog)
        assert added == rules_reference.new_warnings(state, after, catalog)
        assert new_warnings(after, state, catalog) == rules_reference.new_warnings(
            after, state, catalog
        )


def test_a_dry_run_of_rows_runs_the_same_rules_and_saves_nothing(store: Store) -> None:
    """How a form checks its few values (issue 10): the same engine, nothing written."""
    columns = {"month": "måned", "measure": "måling", "value": "værdi"}
    bad = [RawRow(1, "2025-13", "ungeteam.cases", "", "4", "", columns=columns)]
    result = import_rows(store, bad, user="FAS", role="analyst", dry_run=True, today=TODAY)
    assert result.status == "rejected"
    assert [str(e) for e in result.errors] == [
        "Linje 1, kolonne «måned»: «2025-13» er ikke en måned (brug fx 2025-01 eller januar 2025)"
    ]
    good = [RawRow(1, "januar 2025", "ungeteam.cases", "", "4", "", columns=columns)]
    result = import_rows(store, good, user="FAS", role="analyst", dry_run=True, today=TODAY)
    assert (result.status, result.n_new, result.errors) == ("dry_run", 1, [])
    with store.reader() as conn:
        assert conn.execute("select count(*) from figure_revisions").fetchone() == (0,)


def test_a_save_on_one_thread_and_a_memory_limit_leaves_duckdbs_settings_as_they_were(
    store: Store,
) -> None:
    """A save runs on one DuckDB thread with a memory limit (imports._connection); the settings
    end with the writer's connection: the next connection, and a dry run, have DuckDB's own."""
    query = "select current_setting('threads'), current_setting('memory_limit')"
    with duckdb.connect() as conn:
        default = conn.execute(query).fetchone()
    rows = [RawRow(1, "januar 2025", "ungeteam.cases", "", "4", "")]
    saved = import_rows(store, rows, user="FAS", role="analyst", today=TODAY)
    assert saved.status == "saved"
    with store.writer() as conn:
        assert conn.execute(query).fetchone() == default
    preview = import_rows(store, rows[:0], user="FAS", role="analyst", dry_run=True, today=TODAY)
    assert preview.status == "dry_run"
    with store.reader() as conn:
        assert conn.execute(query).fetchone() == default


@pytest.mark.parametrize("how", ["rejected", "dry_run", "needs_ack", "no_change"])
def test_an_import_that_saves_nothing_leaves_the_database_file_as_it_was(
    how: str, demo_db: Path, tmp_path: Path
) -> None:
    """The rules and the plan run in temp tables on the store's own connection (the writer's
    transaction, or a reader for a dry run): none of it reaches the file or its write-ahead log."""
    db = tmp_path / "krimdash.duckdb"
    db.write_bytes(demo_db.read_bytes())
    store = Store(db)
    with store.reader() as conn:
        (month, measure, value), *_ = conn.execute(
            "select strftime(month, '%Y-%m'), measure_id, value from current_figures "
            "where category = '' and measure_id = 'knaek_kurven.discussed' order by month desc"
        ).fetchall()
    lines = {
        "rejected": [f"{month},{measure},,12.5,", f"{month},ukendt,,3,"],
        "dry_run": [f"{month},{measure},,{value + 1},"],
        "needs_ack": [f"{month},{measure},,{value + 1000},"],  # above the funnel's other counts
        "no_change": [f"{month},{measure},,{value},"],
    }[how]
    path = tmp_path / "tal.csv"
    path.write_bytes(_csv(lines))
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    result = import_file(
        store, path, user="test", role="analyst", dry_run=how == "dry_run", today=TODAY
    )
    assert result.status == how, result.errors
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before
    assert not db.with_name(db.name + ".wal").exists()


def test_a_small_files_warnings_are_the_python_warnings_of_the_save(
    synthetic, synthetic_store: Store, tmp_path: Path
) -> None:
    """A file of a few figures has its warnings found over the whole months and series it has
    (no narrower scope): the same warnings as the old Python rules give for the save."""
    catalog, lines = synthetic
    path = tmp_path / "alle.csv"
    path.write_bytes(_csv(lines))
    assert import_file(synthetic_store, path, user="test", role="analyst", catalog=catalog).ok
    state = {
        (date(int(m[:4]), int(m[5:]), 1), measure, category): int(value)
        for m, measure, category, value, _ in (line.split(",") for line in lines)
    }
    rng = random.Random(11)
    warned = 0
    for round_ in range(4):
        chosen = rng.sample(lines, 12)
        changed = []
        after = dict(state)
        for line in chosen:
            month, measure, category, value, note = line.split(",")
            new = max(0, int(value) + rng.choice([-50, -2, 1, 300]))
            changed.append(f"{month},{measure},{category},{new},{note}")
            after[(date(int(month[:4]), int(month[5:]), 1), measure, category)] = new
        small = tmp_path / f"lille{round_}.csv"
        small.write_bytes(_csv(changed))
        result = import_file(
            synthetic_store, small, user="test", role="analyst", catalog=catalog, dry_run=True
        )
        assert result.status == "dry_run", result.errors
        assert result.warnings == rules_reference.new_warnings(state, after, catalog)
        warned += bool(result.warnings)
    assert warned, "the changes should have given warnings in some round"
