"""Erasing a person from the archive: every file that holds a row naming them is written again
without it, and, where the bucket keeps versions, the older versions of that file are deleted.

A row names the person when its JSON line holds one of their numbers or addresses (a message to
them, its delivery event, the SNS body that carried it, a text from them). A pointer kept in a
``links`` file to a row that went is dropped with it, so a restore does not wait for it. The
archive's lock is held throughout, so an archive run cannot write a file between its read and
its rewrite here.
"""

from __future__ import annotations

import json

from messaging.history.archive.plan import archive_plan
from messaging.history.archive.restoring import table_keys
from messaging.history.archive.store import archive_store, lines_decode, lines_encode
from messaging.history.locks import archive_lock
from messaging.models import ArchivedDay


def _names(line: str, needles: tuple[str, ...]) -> bool:
    return any(needle in line for needle in needles)


def _rewrite(store, key: str, keep) -> tuple[int, list[dict]]:
    """Write ``key`` again with the lines ``keep`` accepts; returns (rows dropped, their rows)."""
    lines = lines_decode(store.get(key))
    kept = [line for line in lines if keep(line)]
    if len(kept) == len(lines):
        return 0, []
    gone = [json.loads(line) for line in lines if not keep(line)]
    store.put(key, lines_encode(kept))
    store.versions_forget(key)
    return len(gone), gone


def _link_keeper(target_of: dict, gone: set[tuple[str, int]]):
    """Keep a pointer unless the row it points from or at went."""
    def keep(line: str) -> bool:
        link = json.loads(line)
        return ((target_of.get((link["model"], link["field"])), link["value"]) not in gone
                and (link["model"], link["id"]) not in gone)
    return keep


def archive_erase(*, identities: tuple[str, ...], store=None) -> dict[str, int]:
    """Drop every archived row that names one of ``identities``; rows and files rewritten."""
    needles = tuple(i for i in identities if i)
    if not needles:
        return {"archived": 0, "archive_files": 0}
    store = store or archive_store()
    plan = archive_plan()
    target_of = {(link.label, link.field.attname): link.target._meta.label_lower for link in plan.links}
    rows = files = 0
    with archive_lock(wait=True):
        days = list(ArchivedDay.objects.order_by("day").values_list("day", flat=True))
        for day in days:
            gone: set[tuple[str, int]] = set()
            for table in plan.tables:
                for key in table_keys(store, table, day):
                    count, dropped = _rewrite(store, key, lambda line: not _names(line, needles))
                    if count:
                        rows, files = rows + count, files + 1
                        gone |= {(table.model._meta.label_lower, row["id"]) for row in dropped}
            if gone:
                keep = _link_keeper(target_of, gone)
                for key in store.keys(f"links/{day.isoformat()}/"):
                    files += 1 if _rewrite(store, key, keep)[0] else 0
    return {"archived": rows, "archive_files": files}
