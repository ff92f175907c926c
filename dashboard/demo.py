"""The fictive DEMO dataset: a plausible first year and a half, June 2024 to December 2025.

Every figure is made up, except January 2025, which equals the real note of 15 January 2025
(sag EMN-2024-035273), inconsistency included (8 relevant + 12 not relevant ≠ 19 discussed).
Every row carries DEMO_NOTE, so demo figures stay marked through export and import.

The series are fixed tables, not random numbers: the same code gives the same bytes. Apart from
January 2025's 8 + 12 ≠ 19, they satisfy every warning rule of DOMAIN.md (tests check this).

Regenerate data/demo_figures.csv with:  python -m dashboard.demo
"""

from __future__ import annotations

from datetime import date

from . import approvals, db
from .access import require, set_setting
from .config import DATA_DIR
from .exports import figures_csv
from .months import add_months
from .records import Figure

DEMO_NOTE = "DEMO: fiktivt tal"
DEMO_PATH = DATA_DIR / "demo_figures.csv"

FIRST = date(2024, 6, 1)  # TOP100, Knæk Kurven, and (not given in the catalog) the outreach team
UNGESPORET_FIRST = date(2024, 10, 1)  # Ungesporet opened October 2024
SPLIT_FIRST = date(2025, 2, 1)  # categories are reported from February 2025 on

# One value per month, June 2024 to December 2025 (19 months); totals only (category "").
# One series a line, so the tables stay readable (the formatter would spread them out).
# fmt: off
_FROM_JUNE_2024: dict[str, list[int]] = {
    # TOP100: a handful screened at the start, 68 in January (real), steady growth after.
    "top100.screened": [6, 11, 20, 31, 42, 52, 60, 68, 73, 78, 84, 89, 94, 96, 101, 107, 113, 119, 125],
    # First call-ins at the end of January 2025 (category 2); cumulative, so 0 before.
    "top100.called_in": [0, 0, 0, 0, 0, 0, 0, 4, 9, 14, 19, 24, 28, 29, 33, 38, 43, 48, 52],
    # Knæk Kurven: visitations from August 2024; meetings every 14 days once running,
    # none in the July 2025 summer break, one before Christmas.
    "knaek_kurven.screening_meetings": [0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 2, 2, 2, 2, 1],
    "knaek_kurven.discussed": [0, 0, 3, 6, 9, 12, 15, 19, 27, 35, 43, 51, 59, 59, 66, 74, 82, 90, 94],
    "knaek_kurven.relevant": [0, 0, 1, 2, 4, 5, 6, 8, 11, 14, 17, 20, 23, 23, 26, 29, 32, 35, 36],
    "knaek_kurven.not_relevant": [0, 0, 2, 4, 5, 7, 9, 12, 16, 21, 26, 31, 36, 36, 40, 45, 50, 55, 58],
    "knaek_kurven.offered": [0, 0, 0, 1, 3, 4, 6, 8, 10, 13, 16, 19, 22, 23, 25, 28, 31, 34, 35],
    "knaek_kurven.accepted": [0, 0, 0, 0, 1, 1, 2, 3, 4, 6, 8, 11, 13, 15, 17, 19, 21, 24, 26],
    "knaek_kurven.declined": [0, 0, 0, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 7],
    "knaek_kurven.in_process": [0, 0, 0, 1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 3, 2, 3, 3, 3, 2],
    # Outreach youth team: a dip in the caseload after two employees were sent home (autumn 2024).
    "ungeteam.cases": [42, 44, 46, 47, 43, 38, 41, 45, 46, 47, 48, 48, 49, 47, 48, 49, 50, 49, 50],
    "ungeteam.outreach_contacts": [34, 26, 38, 41, 30, 22, 25, 36, 40, 44, 47, 50, 46, 29, 45, 52, 54, 51, 42],
}
# One value per month, October 2024 to December 2025 (15 months).
_FROM_OCTOBER_2024: dict[str, list[int]] = {
    # Opened October 2024, closed in November (no guards), reopened early December.
    "ungesporet.visits": [35, 0, 48, 92, 110, 128, 141, 156, 168, 97, 176, 194, 205, 212, 183],
    # Job events and the open house on 27 January 2025 make January and February busy.
    "ungesporet.activities": [2, 0, 3, 7, 6, 4, 4, 5, 4, 2, 4, 5, 5, 5, 4],
}
# fmt: on

# Category shares from February 2025: most TOP100 cases in category 2.
_TOP100_SHARES = {"1": 0.15, "3": 0.22}  # category 2 is the rest
_UNGETEAM_SHARES = {"sel": 0.35, "ukn": 0.20}  # barnets_lov is the rest


def _split(total: int, shares: dict[str, float], rest: str) -> dict[str, int]:
    """Parts of `total` by share, rounded, with the remainder in `rest`: they sum to `total`."""
    parts = {category: int(total * share + 0.5) for category, share in shares.items()}
    parts[rest] = total - sum(parts.values())
    return parts


def demo_figures() -> list[Figure]:
    """Every demo figure, sorted by month, measure and category; each with DEMO_NOTE."""
    figures: list[Figure] = []

    def add(month: date, measure: str, value: int, category: str = "") -> None:
        figures.append(Figure(month, measure, category, value, DEMO_NOTE))

    for first, table in ((FIRST, _FROM_JUNE_2024), (UNGESPORET_FIRST, _FROM_OCTOBER_2024)):
        for measure, values in table.items():
            for i, value in enumerate(values):
                add(add_months(first, i), measure, value)
    for i, screened in enumerate(_FROM_JUNE_2024["top100.screened"]):
        month = add_months(FIRST, i)
        # "Just under half" of the screened have an employment case.
        add(month, "top100.employment_case", int(screened * 0.47))
        if month >= SPLIT_FIRST:
            for category, value in _split(screened, _TOP100_SHARES, "2").items():
                add(month, "top100.screened", value, category)
    for i, cases in enumerate(_FROM_JUNE_2024["ungeteam.cases"]):
        month = add_months(FIRST, i)
        if month >= SPLIT_FIRST:
            for category, value in _split(cases, _UNGETEAM_SHARES, "barnets_lov").items():
                add(month, "ungeteam.cases", value, category)
    figures.sort(key=lambda f: f.key)
    return figures


# The demo's sign-in users (the local test provider's predefined users) and their roles.
DEMO_USERS = {"udvalg": "viewer", "raadmand": "raadmand", "analytiker": "analyst", "admin": "admin"}


def set_up_demo_access(store: db.Store, *, user: str, role: str | None) -> list[date]:
    """What `init --demo` adds after the demo figures, in one transaction: the flag that this
    database was made by init --demo, the demo users (a role changed since is kept), and every
    demo month approved except the latest, so the approval flow is visible (a month approved or
    reopened before keeps its status). Returns the months it approved now."""
    require(role, "manage_users", "oprette demobrugere")
    require(role, "approve", "godkende demomåneder")
    with store.writer() as conn:
        set_setting(conn, "made_by_demo_init", "true")
        for subject, user_role in DEMO_USERS.items():
            conn.execute(
                db.sql("add_user_if_missing"),
                {"subject": subject, "role": user_role, "added_at": db.utc_now(), "added_by": user},
            )
        months = [m.date() for m in sorted(approvals.statuses_in(conn))][:-1]
        # A month with a status history keeps it: init --demo again undoes no reopening.
        seen = {row[1] for row in conn.execute(db.sql("month_status_history")).fetchall()}
        return approvals.set_status(
            conn,
            [m for m in months if m not in seen],
            approvals.APPROVED,
            user=user,
            reason="DEMO: godkendt af init --demo",
        )


def demo_csv() -> bytes:
    """The demo figures in the export format of DOMAIN.md (sorted, as an export would be)."""
    return figures_csv((f.month, f.measure, f.category, f.value, f.note) for f in demo_figures())


def main() -> None:
    """Write the demo CSV to data/demo_figures.csv."""
    DEMO_PATH.write_bytes(demo_csv())
    print(f"Skrev {len(demo_figures())} fiktive tal til {DEMO_PATH}")


if __name__ == "__main__":
    main()
