"""Who may run and read an import of each kind: the permissions of the models it writes.

An import run is its own model (``ImportRun``), and the roles grant ``add_importrun`` to
dispatchers and shift managers alike, because both import contacts. What a run writes depends
on its kind, so the right to import is the right to write those rows: a dispatcher, who may not
add allow-list entries in the admin, may not add them by file either. Reading a run (its preview
lists the file's rows) needs the right to view what it writes.
"""

from __future__ import annotations

from messaging.models import ImportKind

# The kind, and the permissions its write needs (add for new rows, change for the rows it updates).
_WRITES: dict[str, tuple[str, ...]] = {
    ImportKind.CONTACTS: ("messaging.add_contact", "messaging.change_contact", "messaging.add_tag"),
    ImportKind.ALLOW_LIST: ("messaging.add_allowlistentry",),
    ImportKind.BULK_SEND: ("messaging.add_bulksend",),
}
_READS: dict[str, str] = {
    ImportKind.CONTACTS: "messaging.view_contact",
    ImportKind.ALLOW_LIST: "messaging.view_allowlistentry",
    ImportKind.BULK_SEND: "messaging.view_bulksend",
}


def import_kind_may_run(*, user, kind: str) -> bool:
    """Whether ``user`` may import a file of ``kind`` (an unknown kind: no one)."""
    needed = _WRITES.get(kind)
    return bool(needed) and user.has_perm("messaging.add_importrun") and user.has_perms(needed)


def import_kinds_may_run(*, user, kinds) -> list[str]:
    """The kinds among ``kinds`` that ``user`` may import, in the order given."""
    return [k for k in kinds if import_kind_may_run(user=user, kind=k)]


def import_kinds_may_view(*, user) -> list[str]:
    """The kinds of run whose rows ``user`` may read."""
    return [k for k, perm in _READS.items() if user.has_perm(perm)]
