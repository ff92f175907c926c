"""Events, targets and the month's text kept like figures (dashboard.content): append-only
revisions tied to a batch, retractions that stay retracted, the state as of any moment, and
`krimdash init` that seeds from data/ but never deletes or overwrites what analysts entered.
Hostile text gets a Danish message naming the field, and nothing is saved."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from conftest import digest

from dashboard import backup, content
from dashboard.access import NotAllowed
from dashboard.db import Store, utc_now
from dashboard.reference import events_frame

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
from make_schema_fixtures import TARGET, VERSIONS, fixture_path  # noqa: E402

EVENT = {
    "event_date": "2025-02-03",
    "title_da": "Nyt samarbejde med skolerne",
    "initiative": "knaek_kurven",
    "text_da": "Aftalen blev underskrevet.",
}
GOAL = {
    "measure": "top100.screened",
    "category": "1",
    "target_month": "2026-12",
    "value": "40",
    "label_da": "Mål for budget 2026: 40 motiverede",
    "source": "budget 2026",
}


def _events(store: Store, as_of=None) -> pd.DataFrame:
    return store.query("events", {"as_of": as_of})


def _targets(store: Store, as_of=None) -> pd.DataFrame:
    return store.query("targets", {"as_of": as_of})


def _batches(store: Store) -> list[tuple]:
    with store.reader() as conn:
        return conn.execute(
            "select id, user_name, action, note from batches order by id"
        ).fetchall()


# --- the write path --------------------------------------------------------------------------


def test_an_added_event_is_a_batch_and_shows_in_the_events_query(store: Store) -> None:
    before = len(_events(store))
    saved = content.save_event(store, EVENT, user="analytiker", role="analyst", note="fra mødet")
    events = _events(store)
    assert len(events) == before + 1
    row = events[events["id"] == saved.id].iloc[0]
    assert (row["title_da"], row["initiative"], row["text_da"]) == (
        "Nyt samarbejde med skolerne", "knaek_kurven", "Aftalen blev underskrevet.",
    )  # fmt: skip
    assert row["title_en"] == row["title_da"]  # the English defaults to the Danish
    assert row["date_text_da"] == "februar 2025"
    assert _batches(store)[-1] == (saved.batch_id, "analytiker", "event", "fra mødet")


def test_an_edit_is_a_new_revision_and_the_old_one_stands_as_of_before(store: Store) -> None:
    first = content.save_event(store, EVENT, user="a", role="analyst")
    moment = utc_now()
    time.sleep(0.01)
    edited = content.save_event(
        store, {**EVENT, "title_da": "Samarbejde med skolerne"}, user="b", role="analyst",
        event_id=first.id,
    )  # fmt: skip
    assert edited.batch_id > first.batch_id and edited.id == first.id
    now, then = _events(store), _events(store, moment)
    assert now.set_index("id").loc[first.id, "title_da"] == "Samarbejde med skolerne"
    assert then.set_index("id").loc[first.id, "title_da"] == "Nyt samarbejde med skolerne"
    with store.reader() as conn:
        revisions = conn.execute(
            "select count(*) from event_revisions where event_id = $id", {"id": first.id}
        ).fetchone()[0]
    assert revisions == 2  # nothing overwritten


def test_saving_an_unchanged_event_writes_nothing(store: Store) -> None:
    first = content.save_event(store, EVENT, user="a", role="analyst")
    before = digest(store.path)
    again = content.save_event(store, EVENT, user="a", role="analyst", event_id=first.id)
    assert again.batch_id is None
    assert digest(store.path) == before


def test_a_retracted_event_is_gone_now_but_stands_as_of_before(store: Store) -> None:
    saved = content.save_event(store, EVENT, user="a", role="analyst")
    moment = utc_now()
    time.sleep(0.01)
    with pytest.raises(content.ContentInvalid) as refused:
        content.retract_event(store, saved.id, user="a", role="analyst", note="")
    assert refused.value.errors == {"note": "«begrundelse» mangler"}
    content.retract_event(store, saved.id, user="a", role="analyst", note="dobbelt")
    assert saved.id not in set(_events(store)["id"])
    assert saved.id in set(_events(store, moment)["id"])
    assert _batches(store)[-1][2:] == ("event_retraction", "dobbelt")


def test_a_form_opened_before_someone_elses_change_saves_nothing(store: Store) -> None:
    saved = content.save_event(store, EVENT, user="a", role="analyst")
    seen = content.last_changes(store)[("event", saved.id)]
    content.save_event(store, {**EVENT, "text_da": "Rettet af b."}, user="b", role="analyst",
                       event_id=saved.id)  # fmt: skip
    before = digest(store.path)
    with pytest.raises(content.ContentInvalid) as refused:
        content.save_event(store, {**EVENT, "text_da": "Rettet af a."}, user="a",
                           role="analyst", event_id=saved.id, seen_batch=seen)  # fmt: skip
    assert "ændret af b" in refused.value.errors["id"]
    assert digest(store.path) == before


def test_targets_are_added_edited_and_retracted_with_history(store: Store) -> None:
    saved = content.save_target(store, GOAL, user="a", role="analyst")
    assert saved.id == "top100.screened:1@2026-12"
    row = _targets(store).iloc[-1]
    assert (row["measure"], row["category"], int(row["value"])) == ("top100.screened", "1", 40)
    assert pd.Timestamp(row["target_month"]) == pd.Timestamp("2026-12-01")
    moment = utc_now()
    time.sleep(0.01)
    content.save_target(store, {**GOAL, "value": 45}, user="a", role="analyst", target=saved.id)
    assert int(_targets(store).iloc[-1]["value"]) == 45
    assert int(_targets(store, moment).iloc[-1]["value"]) == 40
    with pytest.raises(content.ContentInvalid) as twice:
        content.save_target(store, GOAL, user="a", role="analyst")  # the same measure and month
    assert "der er allerede et mål" in twice.value.errors["target_month"]
    content.retract_target(store, saved.id, user="a", role="analyst", note="forkert måling")
    assert _targets(store).empty
    assert len(_targets(store, moment)) == 1


def test_an_edited_demo_target_stays_marked_demo(tmp_path: Path, krimdash) -> None:
    db = tmp_path / "demo.duckdb"
    assert krimdash("init", "--demo", db=db).code == 0
    store = Store(db)
    demo = content.targets(store).iloc[0]
    assert demo["is_demo"]
    content.save_target(
        store,
        {"measure": demo["measure_id"], "category": "", "target_month": demo["target_month"],
         "value": 33, "label_da": "Ny tekst uden mærke", "source": "ændret"},
        user="a", role="analyst", target=demo["id"],
    )  # fmt: skip
    shown = _targets(store)
    label = shown[shown["measure"] == demo["measure_id"]].iloc[0]["label_da"]
    assert label == "DEMO-mål: Ny tekst uden mærke"
    assert all(label.startswith("DEMO") for label in shown["label_da"])


def test_the_months_text_is_saved_per_heading_in_one_batch(store: Store) -> None:
    catalog_sections = dict(content.sections(content._catalog(store)))
    assert list(catalog_sections)[:2] == ["personale_og_organisation", "strategier_og_udvikling"]
    assert "status:top100" in catalog_sections
    saved = content.save_month_text(
        store, "2025-01",
        {"personale_og_organisation": "Ansøgningsfrist for afdelingsleder 14. januar.",
         "strategier_og_udvikling": "", "status:top100": "Status januar 2025:\nFørste indkaldelser."},
        user="a", role="analyst",
    )  # fmt: skip
    assert dict(saved.counts)["new"] == 2
    texts = content.month_texts(store, date(2025, 1, 1))
    assert dict(zip(texts["section"], texts["body"], strict=True)) == {
        "personale_og_organisation": "Ansøgningsfrist for afdelingsleder 14. januar.",
        "status:top100": "Status januar 2025:\nFørste indkaldelser.",
    }
    assert set(texts["batch_id"]) == {saved.batch_id}
    moment = utc_now()
    time.sleep(0.01)
    content.save_month_text(
        store, "januar 2025",
        {"personale_og_organisation": "", "status:top100": "Status januar 2025:\nFørste indkaldelser."},
        user="b", role="analyst",
    )  # fmt: skip
    assert list(content.month_texts(store, date(2025, 1, 1))["section"]) == ["status:top100"]
    assert len(content.month_texts(store, date(2025, 1, 1), as_of=moment)) == 2
    assert content.month_texts(store, date(2025, 2, 1)).empty


@pytest.mark.parametrize("role", [None, "viewer", "raadmand"])
def test_only_analysts_and_admins_may_write(store: Store, role: str | None) -> None:
    before = digest(store.path)
    for write in (
        lambda: content.save_event(store, EVENT, user="x", role=role),
        lambda: content.save_target(store, GOAL, user="x", role=role),
        lambda: content.save_month_text(
            store, "2025-01", {"personale_og_organisation": "x"}, user="x", role=role
        ),  # fmt: skip
        lambda: content.retract_event(
            store, "kk_visitations_start", user="x", role=role, note="x"
        ),  # fmt: skip
    ):
        with pytest.raises(NotAllowed, match="må ikke ændre begivenheder"):
            write()
    assert digest(store.path) == before
    assert content.save_event(store, EVENT, user="admin", role="admin").batch_id


# --- what a person sends --------------------------------------------------------------------

HOSTILE = [
    ("title_da", "x" * 201, "«titel» er for lang (201 tegn); den må højst have 200 tegn"),
    ("title_da", "x" * 5_000_000, "«titel» er for lang; den må højst have 200 tegn"),
    ("text_da", "y" * 4001, "«tekst» er for lang (4.001 tegn); den må højst have 4.000 tegn"),
    ("title_da", "Møde\x1b[2J", "«titel» indeholder et kontroltegn (\\x1b)"),
    ("text_da", "linje\x00to", "«tekst» indeholder et kontroltegn (\\x00)"),
    ("title_da", "to\nlinjer", "«titel» skal stå på én linje"),
    ("title_da", "abc\u202edcba", "«titel» indeholder usynlige styretegn"),
    ("title_da", "Kn\u00c3\u00a6k Kurven", "«titel» ser ud til at have forkert tegnkodning"),
    ("text_da", "opstart \ufffd i august", "«tekst» ser ud til at have forkert tegnkodning"),
    ("text_da", "halv \udc80 surrogat", "«tekst» indeholder tegn, der ikke kan læses"),
    ("title_da", "", "«titel» mangler"),
    ("event_date", "2025-02-30", "«dato»: «2025-02-30» er ikke en dato"),
    ("event_date", "1850-01-01", "«dato»: 1850-01-01 ligger uden for 2000–2100"),
    ("event_date", "<script>" * 10, "«dato»: «<script><script><script><scri…» er ikke en dato"),
    ("initiative", "top1000", "«indsats»: «top1000» er ikke en kendt indsats"),
]


@pytest.mark.parametrize(("field", "raw", "message"), HOSTILE)
def test_hostile_event_text_is_refused_in_danish_and_nothing_is_saved(
    store: Store, field: str, raw: str, message: str
) -> None:
    before = digest(store.path)
    with pytest.raises(content.ContentInvalid) as refused:
        content.save_event(store, {**EVENT, field: raw}, user="a", role="analyst")
    assert list(refused.value.errors) == [field]
    assert refused.value.errors[field].startswith(message)
    assert digest(store.path) == before


HOSTILE_TARGETS = [
    ("value", "1.000.001", "«værdi»: «1.000.001» er ikke et helt tal"),
    ("value", 1_000_001, "«værdi»: 1000001 er over grænsen på 1.000.000"),
    ("value", "-3", "«værdi»: -3 er negativ"),
    ("value", "12,5", "«værdi»: «12,5» er ikke et helt tal"),
    ("value", "=1+1", "«værdi»: «=1+1» er ikke et helt tal"),
    ("measure", "top100.nope", "«måling»: «top100.nope» er ikke en kendt måling"),
    ("category", "9", "«kategori»: «9» er ikke en kategori af top100.screened"),
    ("target_month", "2026-13", "«måned»: "),
    ("target_month", "x" * 1000, "«måned»: «xxxxxxxxxxxxxxxxxxxxxxxxxxxxx…» er ikke en måned"),
    ("label_da", "mål\x07", "«betegnelse» indeholder et kontroltegn (\\x07)"),
    ("source", "s" * 300, "«kilde» er for lang (300 tegn)"),
    ("from_month", "2027-01", "«gælder fra» ligger efter målets måned"),
]


@pytest.mark.parametrize(("field", "raw", "message"), HOSTILE_TARGETS)
def test_hostile_targets_are_refused_in_danish_and_nothing_is_saved(
    store: Store, field: str, raw: object, message: str
) -> None:
    before = digest(store.path)
    with pytest.raises(content.ContentInvalid) as refused:
        content.save_target(store, {**GOAL, field: raw}, user="a", role="analyst")
    assert refused.value.errors[field].startswith(message), refused.value.errors
    assert digest(store.path) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("z" * 20_001, "«Personale og organisation» er for lang (20.001 tegn)"),
        ("ok\x1b]0;title\x07", "«Personale og organisation» indeholder et kontroltegn (\\x1b)"),
        ("M\u00c3\u00b8de", "«Personale og organisation» ser ud til at have forkert tegnkodning"),
    ],
)
def test_hostile_months_text_is_refused_and_the_other_headings_are_not_saved_either(
    store: Store, text: str, message: str
) -> None:
    before = digest(store.path)
    with pytest.raises(content.ContentInvalid) as refused:
        content.save_month_text(
            store, "2025-01",
            {"personale_og_organisation": text, "status:top100": "Fint nok."},
            user="a", role="analyst",
        )  # fmt: skip
    assert refused.value.errors["personale_og_organisation"].startswith(message)
    assert digest(store.path) == before


def test_markup_and_formulas_are_stored_as_written(store: Store) -> None:
    title = "<img src=x onerror=alert(1)> **fed** [link](javascript:x)"
    text = '=HYPERLINK("http://x";"klik")\n+SUM(A1)\n@cmd'
    saved = content.save_event(store, {**EVENT, "title_da": title, "text_da": text},
                               user="a", role="analyst")  # fmt: skip
    row = _events(store).set_index("id").loc[saved.id]
    assert (row["title_da"], row["text_da"]) == (title, text)


def test_an_unknown_heading_is_refused(store: Store) -> None:
    with pytest.raises(content.ContentInvalid) as refused:
        content.save_month_text(store, "2025-01", {"status:top1000": "x"}, user="a",
                                role="analyst")  # fmt: skip
    assert "ikke en overskrift" in refused.value.errors["status:top1000"]


# --- init and the upgrade ---------------------------------------------------------------------


def test_init_keeps_what_analysts_entered_and_brings_no_retracted_event_back(
    db_path: Path, krimdash
) -> None:
    done = krimdash("init", db=db_path)
    assert done.code == 0, done.err
    n = len(events_frame())
    assert f"Begivenheder: {n} nye fra data/, 0 fandtes allerede" in done.out
    store = Store(db_path)
    added = content.save_event(store, EVENT, user="a", role="analyst")
    content.save_event(
        store, {"event_date": "2024-08-01", "title_da": "Knæk Kurven visiterer (rettet)",
                "initiative": "knaek_kurven"},
        user="a", role="analyst", event_id="kk_visitations_start",
    )  # fmt: skip
    content.retract_event(store, "ungesporet_opens", user="a", role="analyst", note="forkert")
    goal = content.save_target(store, GOAL, user="a", role="analyst")
    content.save_month_text(store, "2025-01", {"strategier_og_udvikling": "Udbud."}, user="a",
                            role="analyst")  # fmt: skip
    before = (_events(store), _targets(store), content.month_texts(store))

    again = krimdash("init", db=db_path)
    assert again.code == 0, again.err
    assert f"Begivenheder: 0 nye fra data/, {n} fandtes allerede og er beholdt som i databasen; " \
        f"{n} begivenheder i alt." in again.out  # fmt: skip
    after = (_events(store), _targets(store), content.month_texts(store))
    for old, new in zip(before, after, strict=True):
        pd.testing.assert_frame_equal(old, new)
    ids = set(after[0]["id"])
    assert added.id in ids and "ungesporet_opens" not in ids
    assert after[0].set_index("id").loc["kk_visitations_start", "title_da"].endswith("(rettet)")
    assert goal.id in set(content.targets(store)["id"])
    assert krimdash("init", db=db_path).out == again.out  # idempotent


def test_init_seeds_a_new_id_from_data_and_only_that(db_path: Path, krimdash, monkeypatch) -> None:
    assert krimdash("init", db=db_path).code == 0
    store = Store(db_path)
    content.retract_event(store, "ungesporet_opens", user="a", role="analyst", note="forkert")
    import dashboard.reference as reference

    extra = db_path.parent / "events.toml"
    extra.write_text(
        reference.EVENTS_PATH.read_text(encoding="utf-8")
        + '\n[[events]]\nid = "nyt_id"\ndate = "2025-05-01"\ndate_text_da = "maj 2025"\n'
        'title_da = "Ny begivenhed fra fil"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(reference, "EVENTS_PATH", extra)
    counts = reference.load_reference(store, user="test")
    # the retracted id is in the file too: kept retracted, not brought back
    assert (counts["events_added"], counts["events_kept"]) == (1, len(events_frame()))
    ids = set(_events(store)["id"])
    assert "nyt_id" in ids and "ungesporet_opens" not in ids


@pytest.mark.parametrize("version", [v for v in VERSIONS if v >= 2])
def test_the_upgrade_carries_events_and_targets_over_without_loss(
    version: int, tmp_path: Path, krimdash
) -> None:
    db = tmp_path / "krimdash.duckdb"
    backup.restore(fixture_path(version), db)
    with Store(db).reader() as conn:
        old_events = conn.execute("select * from events order by id").df()
        old_targets = conn.execute("select * from targets").df()
        loaded = conn.execute(
            "select created_at from batches where action = 'reference'"
        ).fetchone()[0]
    assert len(old_events) and len(old_targets) == 1
    done = krimdash("init", db=db)
    assert done.code == 0, done.err
    assert "Begivenheder: 0 nye fra data/" in done.out and "Mål: 0 nye fra data/" in done.out
    store = Store(db)
    events = _events(store).sort_values("id").reset_index(drop=True)
    assert list(events["id"]) == list(old_events["id"])
    for column in ("title_da", "title_en", "text_da", "text_en", "date_text_da", "date_text_en"):
        assert list(events[column]) == list(old_events[column])
    assert list(events["initiative"].fillna("")) == list(old_events["initiative_id"].fillna(""))
    targets = _targets(store)
    assert len(targets) == 1
    assert (targets.iloc[0]["measure"], int(targets.iloc[0]["value"]), targets.iloc[0]["label_da"]) == (
        TARGET["measure_id"], TARGET["value"], TARGET["label_da"],
    )  # fmt: skip
    # they stand from the init that loaded them, and not before
    assert len(_events(store, loaded)) == len(old_events)
    assert _events(store, loaded - pd.Timedelta(seconds=1)).empty
    # and an analyst can go on from there
    content.retract_target(store, content.targets(store).iloc[0]["id"], user="a",
                           role="analyst", note="udgået")  # fmt: skip
    assert _targets(store).empty
