"""Who may see and do what: roles, what each may do, and the reader a page is drawn for.

Roles are kept in the database (`krimdash user add SUBJECT --role ...`). A page asks the
reader's audience before it reads anything, and the store's write path asks the actor's
capability again, so neither a crafted address nor crafted session state reaches a draft
month or a write.

- viewer (committee member): approved months, exact figures;
- raadmand: also draft months (marked KLADDE); approves a month and can reopen it;
- analyst: everything the rådmand sees, and changes figures;
- admin: users and roles, the public view's switch and the access log, and reads all months;
- the command line (`LOCAL`): whoever can run krimdash on the server holds the database file
  itself, so the CLI may do everything; it records the name given with --user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ROLES = ("viewer", "raadmand", "analyst", "admin")
LOCAL = "lokal"  # the command line's role

# What a reader is shown: the protected public view, approved months, or drafts too.
Audience = Literal["public", "approved", "drafts"]

CAPABILITIES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read_approved"}),
    "raadmand": frozenset({"read_approved", "read_drafts", "approve"}),
    "analyst": frozenset({"read_approved", "read_drafts", "write_figures"}),
    "admin": frozenset(
        {"read_approved", "read_drafts", "manage_users", "read_access_log", "set_public"}
    ),
}
CAPABILITIES[LOCAL] = frozenset().union(*CAPABILITIES.values())


class NotAllowed(PermissionError):
    """The actor's role does not allow the action; the message is Danish."""


@dataclass(frozen=True)
class Reader:
    """The person a page is drawn for. `subject` is None for an anonymous reader; `role` is
    None for an anonymous reader and for a signed-in identity without a role."""

    subject: str | None = None
    name: str = ""
    role: str | None = None
    test_login: bool = False  # signed in through the local test provider (red TEST-LOGIN bar)

    @property
    def signed_in(self) -> bool:
        return self.subject is not None

    def can(self, capability: str) -> bool:
        return self.role is not None and capability in CAPABILITIES.get(self.role, frozenset())

    @property
    def audience(self) -> Audience | None:
        """What the pages show this reader; None: a signed-in identity without a role, who
        sees a polite "no access" and nothing else."""
        if self.can("read_drafts"):
            return "drafts"
        if self.can("read_approved"):
            return "approved"
        return None if self.signed_in else "public"


def require(role: str | None, capability: str, doing: str) -> None:
    """Raise NotAllowed unless `role` has `capability`; `doing` names the action in Danish."""
    if role is None or capability not in CAPABILITIES.get(role, frozenset()):
        raise NotAllowed(f"Din rolle ({role or 'ingen'}) må ikke {doing}.")
