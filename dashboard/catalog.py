"""The measure catalog: initiatives, measures, categories and their relations, read from data,
and the measure kinds (the one definition of KINDS; the schema's check repeats it, tested).

The catalog file is data/catalog.toml (or KRIMDASH_CATALOG, see dashboard.config); `krimdash
init` stores the catalog it loaded in the database (`catalog_data`), and pages read that one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import config
from .config import lang_column
from .months import format_month, parse_month

# cumulative: running total since the initiative started; stock: level at the end of the
# month; flow: count during the month.
KINDS = ("cumulative", "stock", "flow")


@dataclass(frozen=True)
class Category:
    id: str
    label_da: str
    label_en: str

    def label(self, lang: str = "da") -> str:
        return getattr(self, lang_column("label", lang))


@dataclass(frozen=True)
class Measure:
    id: str
    initiative: str
    label_da: str
    label_en: str
    kind: str
    definition_da: str
    definition_en: str
    categories: tuple[Category, ...] = ()
    key: bool = False
    # False for a measure that counts meetings or events, not people (screening meetings held,
    # activities): its small values single out no one, so the public view need not hide them.
    counts_people: bool = True

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def label(self, lang: str = "da") -> str:
        return getattr(self, lang_column("label", lang))

    def definition(self, lang: str = "da") -> str:
        return getattr(self, lang_column("definition", lang))

    def category_label(self, category: str, lang: str = "da") -> str:
        """The category's label, or the measure's own for the total ('')."""
        if not category:
            return self.label(lang)
        return next((c.label(lang) for c in self.categories if c.id == category), category)


@dataclass(frozen=True)
class Initiative:
    id: str
    name_da: str
    name_en: str
    started: date | None
    description_da: str
    description_en: str

    def name(self, lang: str = "da") -> str:
        return getattr(self, lang_column("name", lang))


@dataclass(frozen=True)
class Relation:
    """A rule between measures in the same month: `not_above` or `sum_equals`."""

    kind: str
    measures: tuple[str, ...]  # not_above: (measure, limit); sum_equals: (*parts, total)


@dataclass(frozen=True)
class Funnel:
    """Stages a case passes through (widest first) and the outcomes of the last stage."""

    initiative: str
    stages: tuple[str, ...]
    outcomes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalog:
    initiatives: tuple[Initiative, ...]
    measures: tuple[Measure, ...]
    relations: tuple[Relation, ...] = ()
    funnels: tuple[Funnel, ...] = ()
    _by_id: dict[str, Measure] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({m.id: m for m in self.measures})

    def measure(self, measure_id: str) -> Measure | None:
        return self._by_id.get(measure_id)

    def initiative(self, initiative_id: str) -> Initiative | None:
        return next((i for i in self.initiatives if i.id == initiative_id), None)

    def measures_of(self, initiative_id: str) -> list[Measure]:
        return [m for m in self.measures if m.initiative == initiative_id]

    def funnel_of(self, initiative_id: str) -> Funnel | None:
        return next((f for f in self.funnels if f.initiative == initiative_id), None)

    def ratios_of(self, initiative_id: str) -> list[tuple[str, str]]:
        """(part, whole) pairs from `not_above` relations: shares and conversion rates."""
        ids = {m.id for m in self.measures_of(initiative_id)}
        return [
            (r.measures[0], r.measures[1])
            for r in self.relations
            if r.kind == "not_above" and r.measures[0] in ids
        ]


class CatalogError(ValueError):
    """The catalog file breaks its own rules (unknown kind, duplicate id, dangling reference)."""


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read and check the catalog file (by default data/catalog.toml or KRIMDASH_CATALOG)."""
    text = Path(path or config.catalog_path()).read_text(encoding="utf-8")
    return parse_catalog(tomllib.loads(text))


def parse_catalog(raw: dict[str, Any]) -> Catalog:
    """The catalog in `raw`, the plain data of a catalog file (or of `catalog_data`), checked."""
    try:
        return _parse(raw)
    except CatalogError:
        raise
    except KeyError as exc:
        raise CatalogError(f"an entry lacks the required field {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise CatalogError(f"the catalog cannot be read: {exc}") from exc


def catalog_data(catalog: Catalog) -> dict[str, Any]:
    """The catalog as the plain data of its file: parse_catalog(catalog_data(c)) == c.

    JSON-ready; `krimdash init` stores it in the database (dashboard.reference).
    """
    return {
        "initiatives": [
            {
                "id": i.id,
                "name_da": i.name_da,
                "name_en": i.name_en,
                **({"started": format_month(i.started)} if i.started else {}),
                "description_da": i.description_da,
                "description_en": i.description_en,
            }
            for i in catalog.initiatives
        ],
        "measures": [
            {
                "id": m.id,
                "initiative": m.initiative,
                "label_da": m.label_da,
                "label_en": m.label_en,
                "kind": m.kind,
                "definition_da": m.definition_da,
                "definition_en": m.definition_en,
                "categories": [
                    {"id": c.id, "label_da": c.label_da, "label_en": c.label_en}
                    for c in m.categories
                ],
                "key": m.key,
                **({} if m.counts_people else {"counts_people": False}),
            }
            for m in catalog.measures
        ],
        "relations": [
            {"kind": r.kind, "measure": r.measures[0], "limit": r.measures[1]}
            if r.kind == "not_above"
            else {"kind": r.kind, "parts": list(r.measures[:-1]), "total": r.measures[-1]}
            for r in catalog.relations
        ],
        "funnels": [
            {"initiative": f.initiative, "stages": list(f.stages), "outcomes": list(f.outcomes)}
            for f in catalog.funnels
        ],
    }


def _parse(raw: dict[str, Any]) -> Catalog:
    initiatives = tuple(
        Initiative(
            id=i["id"],
            name_da=i["name_da"],
            name_en=i.get("name_en", i["name_da"]),
            started=parse_month(i["started"]) if i.get("started") else None,
            description_da=i.get("description_da", ""),
            description_en=i.get("description_en", ""),
        )
        for i in raw.get("initiatives", [])
    )
    measures = tuple(
        Measure(
            id=m["id"],
            initiative=m["initiative"],
            label_da=m["label_da"],
            label_en=m.get("label_en", m["label_da"]),
            kind=m["kind"],
            definition_da=m.get("definition_da", ""),
            definition_en=m.get("definition_en", ""),
            categories=tuple(
                Category(str(c["id"]), c["label_da"], c.get("label_en", c["label_da"]))
                for c in m.get("categories", [])
            ),
            key=bool(m.get("key", False)),
            counts_people=bool(m.get("counts_people", True)),
        )
        for m in raw.get("measures", [])
    )
    relations = []
    for r in raw.get("relations", []):
        if r["kind"] == "not_above":
            relations.append(Relation("not_above", (r["measure"], r["limit"])))
        elif r["kind"] == "sum_equals":
            relations.append(Relation("sum_equals", (*r["parts"], r["total"])))
        else:
            raise CatalogError(f"unknown relation kind {r['kind']!r}")
    funnels = tuple(
        Funnel(f["initiative"], tuple(f["stages"]), tuple(f.get("outcomes", [])))
        for f in raw.get("funnels", [])
    )
    catalog = Catalog(initiatives, measures, tuple(relations), funnels)
    _check(catalog)
    return catalog


def _check(catalog: Catalog) -> None:
    initiative_ids = [i.id for i in catalog.initiatives]
    measure_ids = [m.id for m in catalog.measures]
    for ids, what in ((initiative_ids, "initiative"), (measure_ids, "measure")):
        dupes = {x for x in ids if ids.count(x) > 1}
        if dupes:
            raise CatalogError(f"duplicate {what} id(s): {sorted(dupes)}")
    for m in catalog.measures:
        if m.kind not in KINDS:
            raise CatalogError(f"{m.id}: kind must be one of {KINDS}, not {m.kind!r}")
        if m.initiative not in initiative_ids:
            raise CatalogError(f"{m.id}: unknown initiative {m.initiative!r}")
        if "" in m.category_ids or len(set(m.category_ids)) != len(m.category_ids):
            raise CatalogError(f"{m.id}: categories must be unique and non-empty")
    for r in catalog.relations:
        for mid in r.measures:
            if mid not in measure_ids:
                raise CatalogError(f"relation {r.kind} names unknown measure {mid!r}")
    for f in catalog.funnels:
        for mid in f.stages + f.outcomes:
            if mid not in measure_ids:
                raise CatalogError(f"funnel of {f.initiative} names unknown measure {mid!r}")
