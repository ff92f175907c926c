"""Two stores, one code path (issue 12): the embedded DuckDB file and DuckLake on PostgreSQL
answer the same CLI commands with the same output, keep the same batches (the same ids, made the
same way), export the same figures as they stood at every moment between the batches, and draw
the same page bodies for every reader. Where an output names a time or the store itself, it is
compared after putting a placeholder in its place; nothing else is left out."""

from __future__ import annotations

import io
import json
import re
import time
from datetime import datetime
from pathlib import Path

import openpyxl
import pg
import pytest
from apptest import body
from conftest import ROOT, Krimdash
from test_signin import run_as

from dashboard import approvals, content, lake
from dashboard.access import Reader
from dashboard.config import LOCAL_TZ
from dashboard.db import Store
from dashboard.web import auth
from dashboard.web.settings import PAGE

LAST = "2025-12"  # the demo's latest month (a draft: init --demo approves all before it)
HEADER = "month,measure,category,value,note\n"
# Times as the CLI, the log and the pages write them: 2026-11-29 06:02:29, 2026-11-29T06:02,
# 29.11.2026 06:02, "kl. 06:02"
TIMES = [
    re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(\+\d{2}:?\d{2}|Z)?"),
    re.compile(r"\d{1,2}\.\s?\d{1,2}\.\s?\d{4},?\s+(kl\.\s*)?\d{1,2}[.:]\d{2}([.:]\d{2})?"),
    re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}%3A\d{2}(%3A\d{2}(\.\d+)?)?"),  # in an address
    re.compile(r"\b(kl\.|at)\s+\d{1,2}[.:]\d{2}\b"),
]


def normal(text: str, *stores: str) -> str:
    """`text` with every time and each store's name (file path, lake address) replaced."""
    for name in stores:
        text = text.replace(name, "<lager>")
    for pattern in TIMES:
        text = pattern.sub("<tid>", text)
    return text


class Pair:
    """The two stores side by side: `run(*args)` runs one CLI command on each (the file through
    --db FILE, the lake through --store URL) and checks that both say the same."""

    def __init__(self, krimdash: Krimdash, folder: Path, lake_env: dict[str, str]):
        self.krimdash = krimdash
        self.file = folder / "krimdash.duckdb"
        self.lake_env = lake_env
        self.url = lake_env["KRIMDASH_STORE"]
        # The lake's machine keeps its own access log beside its local database path.
        self.local = folder / "lake-machine" / "krimdash.duckdb"
        self.local.parent.mkdir()

    def on_file(self, *args: str | Path, **env: str):
        return self.krimdash("--db", self.file, *args, db=self.file, **env)

    def on_lake(self, *args: str | Path, **env: str):
        return self.krimdash("--store", self.url, *args, db=self.local, **{**self.lake_env, **env})

    def both(self, *args: str | Path, **env: str):
        return self.on_file(*args, **env), self.on_lake(*args, **env)

    def run(self, *args: str | Path, code: int | None = 0, **env: str) -> str:
        """Run the command on both stores; both exit alike (`code`, if given) and print the
        same (after normal()). Returns the file's normalised stdout."""
        on_file, on_lake = self.both(*args, **env)
        names = (str(self.file), lake.shown(self.url), self.url)
        shown = [(r.code, normal(r.out, *names), normal(r.err, *names)) for r in (on_file, on_lake)]
        assert shown[0] == shown[1], f"krimdash {' '.join(map(str, args))}: file ≠ lake"
        if code is not None:
            assert on_file.code == code, (args, on_file)
        return shown[0][1]

    def stores(self, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, Store]:
        """The two stores in this process (the lake needs KRIMDASH_LAKE_DATA)."""
        monkeypatch.setenv("KRIMDASH_LAKE_DATA", self.lake_env["KRIMDASH_LAKE_DATA"])
        monkeypatch.setenv("KRIMDASH_DB", str(self.local))
        return Store(self.file), Store(self.url)


def now() -> str:
    """This moment in Danish time, to the microsecond (export --as-of reads it)."""
    time.sleep(0.05)
    moment = datetime.now(LOCAL_TZ).replace(tzinfo=None).isoformat()
    time.sleep(0.05)
    return moment


def changed_month(folder: Path) -> Path:
    """The demo's latest month with different values (every one plus 3) and a note."""
    demo = (Path(__file__).parent.parent / "data" / "demo_figures.csv").read_text("utf-8")
    rows = [line.split(",") for line in demo.splitlines()[1:] if line.startswith(LAST)]
    path = folder / f"{LAST}-ny.csv"
    path.write_text(
        HEADER
        + "".join(f"{m},{meas},{cat},{int(v) + 3},Ny opgørelse\n" for m, meas, cat, v, _ in rows),
        encoding="utf-8",
    )
    return path


def cells(data: bytes) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]


@pytest.fixture
def pair(krimdash: Krimdash, tmp_path: Path, lake_store_env: dict[str, str]):
    yield Pair(krimdash, tmp_path, lake_store_env)
    lake.close_all()


def test_the_cli_says_the_same_on_the_file_and_on_the_lake(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = pair.run("init", "--demo")
    assert "DEMO-data indlæst: 343 nye" in made
    moments = {"demo": now()}

    month = changed_month(tmp_path)
    dry = pair.run("import", month, "--dry-run", code=None)
    refused = pair.run("import", month, code=3)  # warnings, not acknowledged: nothing saved
    assert pair.run("export") == pair.run("export", "--as-of", moments["demo"])
    saved = pair.run("import", month, "--accept-warnings", "--note", "Ny opgørelse fra FAS")
    assert saved != refused and dry
    moments["import"] = now()

    pair.run(
        "retract", "--month", LAST, "--measure", "ungesporet.activities", "--note", "Fejltastet"
    )
    moments["retract"] = now()
    correction = tmp_path / "rettelse.csv"
    correction.write_text(HEADER + f"{LAST},top100.called_in,,50,Rettet\n", encoding="utf-8")
    pair.run("import", correction)
    moments["correction"] = now()

    assert "kladde" in pair.run("month", "list")
    pair.run("month", "approve", LAST, "--user", "raadmand")
    moments["approved"] = now()
    pair.run("month", "reopen", LAST, "--reason", "Tallene skal ses igen", "--user", "raadmand")
    pair.run("month", "history")
    pair.run("month", "list", "--as-of", moments["approved"])

    pair.run("user", "add", "ny@aarhus.dk", "--role", "viewer", "--user", "admin")
    assert "ny@aarhus.dk" in pair.run("user", "list")
    pair.run("user", "remove", "ny@aarhus.dk", "--user", "admin")
    assert "ny@aarhus.dk" not in pair.run("user", "list")
    pair.run("user", "add", "ny@aarhus.dk", "--role", "sjov", "--user", "admin", code=2)

    for action in ("off", "status", "on"):
        pair.run("public", action, "--user", "admin")

    # The month's text, an event and a target (the app's content pages; no CLI command)
    saved_content = []
    for store in pair.stores(monkeypatch):
        saved_content.append(
            [
                content.save_event(
                    store,
                    {"event_date": "2025-12-03", "title_da": "Nyt møde", "text_da": "Om Ungeteam"},
                    user="analytiker", role="analyst", note="Tilføjet",
                ),
                content.save_target(
                    store,
                    {"measure": "ungeteam.cases", "target_month": "2025-12", "value": 60,
                     "label_da": "60 sager", "source": "Budget"},
                    user="analytiker", role="analyst",
                ),
                content.save_month_text(
                    store, "2025-12", {content.PERSONALE: "Måneden gik godt.", f"{content.STATUS}ungeteam": "Flere sager."},
                    user="analytiker", role="analyst",
                ),
            ]
        )  # fmt: skip
    assert saved_content[0] == saved_content[1]
    moments["content"] = now()

    current = pair.run("export")
    assert f"{LAST},top100.called_in,,50,Rettet" in current
    assert "ungesporet.activities" not in "".join(
        line for line in current.splitlines() if line.startswith(LAST)
    )
    as_of = {name: pair.run("export", "--as-of", moment) for name, moment in moments.items()}
    assert len(set(as_of.values())) == 4  # demo, import, retract, correction (the rest: no figures)
    pair.run("export", "--public")
    pair.run("export", "--as-of", "2020-01-01")  # before anything: no figures

    # Files: the same path on both (the access log names it), read after each run
    for args in (
        ("export", "--format", "xlsx", "-o", tmp_path / "eksport.xlsx"),
        ("template", "--from", "2025-01", "--to", LAST, "-o", tmp_path / "skabelon.xlsx"),
    ):
        books = []
        for run in (pair.on_file, pair.on_lake):
            done = run(*args)
            assert done.code == 0, done
            books.append(cells(args[-1].read_bytes()))
        assert books[0] == books[1] and len(books[0][0]) > 20

    log = pair.run("log", "--limit", "200")
    # one batch per write of figures or content, numbered alike on both: 8 down to 1
    assert [line.split(" |")[0] for line in log.splitlines()] == [f"#{i}" for i in range(8, 0, -1)]
    pair.run("log", "--access")
    pair.run("check", code=None)

    reports = []
    for run in (pair.on_file, pair.on_lake):
        out = tmp_path / "notat.html"
        done = run("report", "--month", LAST, "--format", "html", "-o", out)
        assert done.code == 0, done
        reports.append(normal(out.read_text("utf-8"), str(pair.file), lake.shown(pair.url)))
    assert reports[0] == reports[1]
    assert "50" in reports[0]


# --- The pages -------------------------------------------------------------------------------

READING_PAGES = ["overblik", "top100", "knaek_kurven", "ungeteam", "ungesporet", "sammenlign"]
READERS = {"anonym": None, "udvalg": "viewer", "analytiker": "analyst"}


@pytest.fixture(scope="module")
def demo_pair(postgres: pg.Postgres, krimdash: Krimdash, tmp_path_factory) -> Pair:
    """Both stores with the demo, a month imported and a figure retracted: read by the pages."""
    folder = tmp_path_factory.mktemp("parity-pages")
    data = folder / "lake"
    data.mkdir()
    env = {"KRIMDASH_STORE": pg.lake_url(postgres.new_database()), "KRIMDASH_LAKE_DATA": str(data)}
    both = Pair(krimdash, folder, env)
    both.run("init", "--demo")
    both.run("import", changed_month(folder), "--accept-warnings", "--note", "Ny opgørelse")
    both.run("retract", "--month", LAST, "--measure", "ungeteam.cases", "--category", "sel",
             "--note", "Fejl")  # fmt: skip
    both.run("public", "on", "--user", "admin")  # real figures now: on by choice, not by default
    yield both
    lake.close_all()


def on_store(monkeypatch: pytest.MonkeyPatch, both: Pair, which: str) -> Path:
    """Point this process's app at one of the two stores; the path to hand run_as/open_page."""
    if which == "lake":
        monkeypatch.setenv("KRIMDASH_STORE", both.url)
        monkeypatch.setenv("KRIMDASH_LAKE_DATA", both.lake_env["KRIMDASH_LAKE_DATA"])
        return both.local
    monkeypatch.delenv("KRIMDASH_STORE", raising=False)
    return both.file


def page_body(monkeypatch, both: Pair, which: str, sub: str | None, **params: str) -> str:
    monkeypatch.setattr(auth, "SESSIONS_LOGGED", set())
    monkeypatch.setenv("KRIMDASH_ACCESS_LOG", str(both.file.parent / f"access-{which}.sqlite"))
    at = run_as(monkeypatch, on_store(monkeypatch, both, which), sub, **params)
    return body(at)


@pytest.mark.parametrize("sub", READERS)
@pytest.mark.parametrize("page", READING_PAGES)
def test_every_reading_page_is_the_same_on_the_file_and_on_the_lake(
    monkeypatch: pytest.MonkeyPatch, demo_pair: Pair, page: str, sub: str
) -> None:
    who = None if sub == "anonym" else sub
    params = {} if page == "overblik" else {PAGE: page}
    on_file = page_body(monkeypatch, demo_pair, "file", who, **params)
    on_lake = page_body(monkeypatch, demo_pair, "lake", who, **params)
    assert len(on_file) > 1000, on_file[:500]
    assert normal(on_file) == normal(on_lake)


@pytest.mark.parametrize(
    "params",
    [
        {PAGE: "historik"},
        {PAGE: "eksport", "for": "top100"},
        {PAGE: "top100", "fra": "2025-01", "til": LAST, "vis": "aendring"},
        {PAGE: "rapport"},
    ],
    ids=["historik", "eksport", "top100-periode", "rapport"],
)
def test_the_analysts_further_pages_are_the_same_on_the_file_and_on_the_lake(
    monkeypatch: pytest.MonkeyPatch, demo_pair: Pair, params: dict[str, str]
) -> None:
    on_file = page_body(monkeypatch, demo_pair, "file", "analytiker", **params)
    on_lake = page_body(monkeypatch, demo_pair, "lake", "analytiker", **params)
    assert normal(on_file) == normal(on_lake)


def test_an_analyst_saves_a_figure_on_the_lake_and_the_next_run_shows_it(
    monkeypatch: pytest.MonkeyPatch, pair: Pair
) -> None:
    pair.run("init", "--demo")
    local = on_store(monkeypatch, pair, "lake")
    monkeypatch.setenv("KRIMDASH_ACCESS_LOG", str(pair.local.parent / "access.sqlite"))
    monkeypatch.setattr(auth, "current_reader", lambda store, secrets: analyst)
    analyst = Reader(subject="analytiker", name="Analytiker", role="analyst")
    from apptest import open_page
    from test_entry_pages import key, ok, save_button

    month = datetime(2025, 12, 1).date()
    at = ok(open_page(monkeypatch, local, "indtast", reader=analyst))
    at.selectbox(key="indtast_maaned").set_value(month)
    at.selectbox(key="indtast_indsats").set_value("ungesporet")
    ok(at.run())
    field = key(month, "ungesporet", "ungesporet.visits")
    assert at.text_input(key=field).value == "183"
    at.text_input(key=field).input("190")
    ok(at.run())
    save_button(at, month, "ungesporet").click()
    ok(at.run())
    assert not at.error, [e.value for e in at.error]
    store = Store(pair.url)
    visits = {
        (m.strftime("%Y-%m"), meas, cat): v for m, meas, cat, v, _ in store.rows("figures_current")
    }
    assert visits[(LAST, "ungesporet.visits", "")] == 190
    assert store.query("batches").iloc[0]["user_name"] == "analytiker"
    again = ok(open_page(monkeypatch, local, "indtast", reader=analyst))
    again.selectbox(key="indtast_maaned").set_value(month)
    again.selectbox(key="indtast_indsats").set_value("ungesporet")
    ok(again.run())
    assert again.text_input(key=field).value == "190"
    page = body(ok(open_page(monkeypatch, local, "ungesporet", reader=analyst, maaned=LAST)))
    assert "190" in page


def test_the_raadmand_approves_and_reopens_a_month_on_the_lake(
    monkeypatch: pytest.MonkeyPatch, pair: Pair
) -> None:
    pair.run("init", "--demo")
    local = on_store(monkeypatch, pair, "lake")
    monkeypatch.setenv("KRIMDASH_ACCESS_LOG", str(pair.local.parent / "access.sqlite"))
    store = Store(pair.url)
    (draft,) = [m for m, s in approvals.statuses(store).items() if s != approvals.APPROVED]
    at = run_as(monkeypatch, local, "raadmand", maaned=f"{draft:%Y-%m}")
    assert " er KLADDE" in " ".join(m.value for m in at.markdown)
    [approve] = [b for b in at.button if b.label.startswith("Godkend")]
    approve.click().run()
    assert not at.exception, at.exception
    assert approvals.statuses(store)[draft] == approvals.APPROVED
    assert " er godkendt" in " ".join(m.value for m in at.markdown)
    [reopen] = [b for b in at.button if b.label.startswith("Genåbn")]
    reopen.click().run()
    assert approvals.statuses(store)[draft] != approvals.APPROVED
    assert [row[2] for row in approvals.history(store)[:2]] == ["kladde", "approved"]


def test_a_backup_of_the_lake_restores_to_a_file_with_the_same_figures(
    pair: Pair, tmp_path: Path
) -> None:
    pair.run("init", "--demo")
    pair.run("retract", "--month", LAST, "--measure", "top100.screened", "--category", "1",
             "--note", "Fejl")  # fmt: skip
    on_file = pair.on_file("backup", tmp_path / "kopi")
    on_lake = pair.on_lake("backup", tmp_path / "kopi-lake")
    assert on_file.code == on_lake.code == 0, (on_file, on_lake)
    manifest = json.loads((tmp_path / "kopi-lake" / "manifest.json").read_text("utf-8"))
    assert manifest["database"] == lake.shown(pair.url), "the lake by its address, not a file"
    # restore writes a database file: into the shared store it is refused, and nothing is written
    refused = pair.on_lake("restore", tmp_path / "kopi-lake")
    assert refused.code == 2 and "intet er skrevet" in refused.err, refused
    assert not list(ROOT.glob("ducklake:*")), "no file named like the address"
    restored = tmp_path / "gendannet.duckdb"
    done = pair.krimdash("restore", tmp_path / "kopi-lake", "--db", restored, db=restored)
    assert done.code == 0, done
    exported = [pair.on_file("export").out, pair.krimdash("export", db=restored).out]
    exported.append(pair.on_lake("export").out)
    assert exported[0] == exported[1] == exported[2]
    assert "top100.screened,1," not in "".join(
        line for line in exported[0].splitlines() if line.startswith(LAST)
    )


def test_a_lake_with_a_password_opens_again_from_its_shown_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Pages key their caches on store.location (the password hidden) and open the store again
    from it: that must be the same lake, with its password."""
    monkeypatch.setenv("KRIMDASH_LAKE_DATA", str(tmp_path / "lake"))
    url = "ducklake:postgres:dbname=krimdash host=db.example password=hemmelig user=krimdash"
    store = Store(url)
    assert "hemmelig" not in store.location and "hemmelig" not in repr(store)
    again = Store(store.location)
    assert isinstance(again, lake.LakeStore) and again.url == url
    assert again.location == store.location


def test_the_lakes_data_version_moves_with_a_write_from_another_process(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages key their caches on data_version (read from DuckLake's snapshot table in
    PostgreSQL); it is DuckLake's own latest snapshot, and a CLI write elsewhere moves it."""
    pair.run("init", "--demo")
    _, store = pair.stores(monkeypatch)
    assert store.exists()
    before = store.data_version()
    with store.reader() as conn:
        (snapshot,) = conn.execute(
            "select id from ducklake_current_snapshot('lake') as s(id)"
        ).fetchone()
    assert before == (snapshot,)
    done = pair.on_lake(
        "retract", "--month", LAST, "--measure", "top100.called_in", "--note", "Fejl"
    )
    assert done.code == 0, done
    time.sleep(lake._VERSION_TTL_S + 0.05)
    assert store.data_version() > before
