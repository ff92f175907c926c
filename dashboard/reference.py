"""Reference data, loaded from data/ by `krimdash init`: the catalog (replaced whole), the
events and the targets (seeds: the database owns them, and init adds only ids it has never
seen); and the catalog init loaded, as pages read it back (`loaded_catalog`)."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import duckdb
import pandas as pd

from .catalog import Catalog, catalog_data, load_catalog, parse_catalog
from .config import DATA_DIR
from .db import Store, insert_batch, sql, utc_now
from .months import parse_month

EVENTS_PATH = DATA_DIR / "events.toml"
TARGETS_PATH = DATA_DIR / "targets.csv"
DEMO_TARGETS_PATH = DATA_DIR / "demo_targets.csv"


def events_frame(path: Path = EVENTS_PATH) -> pd.DataFrame:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    rows = [
        {
            "id": e["id"],
            "event_date": pd.Timestamp(e["date"]).date(),
            "date_text_da": e["date_text_da"],
            "date_text_en": e.get("date_text_en", e["date_text_da"]),
            "initiative_id": e.get("initiative"),
            "title_da": e["title_da"],
            "title_en": e.get("title_en", e["title_da"]),
            "text_da": e.get("text_da", ""),
            "text_en": e.get("text_en", ""),
        }
        for e in raw.get("events", [])
    ]
    return pd.DataFrame(rows, columns=list(rows[0]) if rows else ["id"])


def targets_frame(path: Path = TARGETS_PATH) -> pd.DataFrame:
    """Targets: measure, category, month (the deadline), value, label_da, label_en, source, and
    an optional `from` (the month the target applies from)."""
    columns = [
        "measure_id", "category", "target_month", "value", "label_da", "label_en", "source",
        "from_month",
    ]  # fmt: skip
    if not path.exists():
        return pd.DataFrame(columns=columns)
    with path.open(encoding="utf-8") as fh:
        rows = [
            {
                "measure_id": r["measure"],
                "category": r.get("category") or "",
                "target_month": parse_month(r["month"]),
                "value": int(r["value"]),
                "label_da": r["label_da"],
                "label_en": r.get("label_en") or r["label_da"],
                "source": r.get("source") or "",
                "from_month": parse_month(r["from"]) if r.get("from") else None,
            }
            for r in csv.DictReader(fh)
        ]
    return pd.DataFrame(rows, columns=columns)


def catalog_frames(catalog: Catalog) -> dict[str, pd.DataFrame]:
    initiatives = pd.DataFrame(
        [
            {
                "id": i.id,
                "name_da": i.name_da,
                "name_en": i.name_en,
                "started": i.started,
                "description_da": i.description_da,
                "description_en": i.description_en,
                "sort_order": n,
            }
            for n, i in enumerate(catalog.initiatives)
        ]
    )
    measures = pd.DataFrame(
        [
            {
                "id": m.id,
                "initiative_id": m.initiative,
                "label_da": m.label_da,
                "label_en": m.label_en,
                "kind": m.kind,
                "definition_da": m.definition_da,
                "definition_en": m.definition_en,
                "is_key": m.key,
                "sort_order": n,
            }
            for n, m in enumerate(catalog.measures)
        ]
    )
    categories = pd.DataFrame(
        [
            {
                "measure_id": m.id,
                "category": c.id,
                "label_da": c.label_da,
                "label_en": c.label_en,
                "sort_order": n,
            }
            for m in catalog.measures
            for n, c in enumerate(m.categories)
        ],
        columns=["measure_id", "category", "label_da", "label_en", "sort_order"],
    )
    return {"initiatives_in": initiatives, "measures_in": measures, "categories_in": categories}


def target_id(measure_id: str, category: str, month: object) -> str:
    """A target's id, given when it is first made: measure[:category]@YYYY-MM (the same rule
    as migration 0006 used for the targets it carried over). It stays when the target is edited."""
    return f"{measure_id}{':' + category if category else ''}@{pd.Timestamp(month):%Y-%m}"


def _event_revisions(events: pd.DataFrame) -> pd.DataFrame:
    """events_frame() as event_revisions rows (without batch_id)."""
    return events.rename(columns={"id": "event_id"}).assign(removed=False)


def _target_revisions(targets: pd.DataFrame, is_demo: bool) -> pd.DataFrame:
    """targets_frame() as target_revisions rows (without batch_id)."""
    out = targets.copy()
    out.insert(
        0,
        "target_id",
        [
            target_id(m, c, t)
            for m, c, t in zip(out["measure_id"], out["category"], out["target_month"], strict=True)
        ],  # fmt: skip
    )
    return out.assign(is_demo=is_demo, removed=False)


def _insert(
    conn: duckdb.DuckDBPyConnection, query: str, frame: pd.DataFrame, batch_id: int
) -> None:
    conn.register("incoming", frame)
    try:
        conn.execute(sql(query), {"batch_id": batch_id})
    finally:
        conn.unregister("incoming")


def load_reference(
    store: Store, *, user: str, catalog: Catalog | None = None, demo: bool = False
) -> dict[str, int]:
    """Replace the catalog and seed the events and targets, in one batch; figures are untouched.

    The database owns events and targets: what an analyst added, edited or retracted is never
    deleted or overwritten here. The files in data/ seed an empty database and add only the ids
    the database has never seen (an id retracted in the app is not brought back). Returns the
    counts: initiatives_in, measures_in; events_added and targets_added (new ids from data/),
    events_kept and targets_kept (ids in data/ the database already had: kept as they are
    there), events_total and targets_total (what the database holds now).

    This is init's loading step, so it creates or upgrades the database first. `demo` adds
    the fictive demo targets (marked demo), which belong only beside demo figures.
    """
    catalog = catalog or load_catalog()
    frames = catalog_frames(catalog)
    events = _event_revisions(events_frame(EVENTS_PATH))
    targets = [_target_revisions(targets_frame(), is_demo=False)]
    if demo:
        targets.append(_target_revisions(targets_frame(DEMO_TARGETS_PATH), is_demo=True))
    targets_in = pd.concat([t for t in targets if len(t)] or targets[:1], ignore_index=True)
    targets_in = targets_in.drop_duplicates("target_id")  # a real target wins over a demo one
    snapshot = {
        "data": json.dumps(catalog_data(catalog), ensure_ascii=False),
        "loaded_at": utc_now(),
    }
    with store.writer(init=True) as conn:
        conn.register("catalog_snapshot_in", pd.DataFrame([snapshot]))
        for name, frame in frames.items():
            conn.register(name, frame)
        try:
            conn.execute(sql("load_reference"))
        finally:
            for name in [*frames, "catalog_snapshot_in"]:
                conn.unregister(name)
        seen = set(conn.execute(sql("content_seen")).fetchall())
        new_events = events[[("event", i) not in seen for i in events["event_id"]]]
        new_targets = targets_in[[("target", i) not in seen for i in targets_in["target_id"]]]
        counts = {
            "initiatives_in": len(frames["initiatives_in"]),
            "measures_in": len(frames["measures_in"]),
            "events_added": len(new_events),
            "events_kept": len(events) - len(new_events),
            "targets_added": len(new_targets),
            "targets_kept": len(targets_in) - len(new_targets),
        }
        batch_id = insert_batch(
            conn,
            action="reference",
            user=user,
            note=f"{len(catalog.initiatives)} indsatser, {len(catalog.measures)} målinger, "
            f"{counts['events_added']} nye begivenheder, {counts['targets_added']} nye mål",
        )
        if len(new_events):
            _insert(conn, "insert_event_revisions", new_events, batch_id)
        if len(new_targets):
            _insert(conn, "insert_target_revisions", new_targets, batch_id)
        counts["events_total"], counts["targets_total"] = conn.execute(
            sql("content_counts")
        ).fetchone()
    return counts


def loaded_catalog(store: Store) -> Catalog | None:
    """The catalog `krimdash init` last loaded into the database, or None when it has none (a
    database older than schema version 3, or never initialised by init)."""
    with store.reader() as conn:
        try:
            row = conn.execute(sql("catalog_snapshot")).fetchone()
        except duckdb.CatalogException:  # no catalog_snapshot table: init has not upgraded it
            return None
    return parse_catalog(json.loads(row[0])) if row else None
