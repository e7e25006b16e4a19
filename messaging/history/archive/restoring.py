"""Bringing an archived day back: its rows, then the pointers other rows held to them.

Rows come back with their own ids, table by table in the order that puts a row's target before
it, one file (one archived batch) per transaction, so memory stays that of one batch; a row
already in the database is left as it is, so a restore can run again. Files written before
batches existed (``<table>/<YYYY-MM-DD>.jsonl.gz``) are read too.

A pointer can cross days: a retry sent after midnight, a delivery receipt stored the next day.
Whichever side comes back first, the pointer waits in ``links/pending.jsonl.gz`` until both
rows are in the database, and is put back by the restore that completes the pair.
"""

from __future__ import annotations

import json
import logging
from datetime import date

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from messaging.history.archive.archiving import link_key_of
from messaging.history.archive.plan import Table, archive_plan
from messaging.history.archive.store import archive_store, rows_decode, rows_encode
from messaging.history.locks import archive_lock
from messaging.models import ArchivedDay

log = logging.getLogger(__name__)

PENDING_KEY = "links/pending.jsonl.gz"
# Fields whose JSON value is already the Python value; every other kind goes through to_python.
_AS_IS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.JSONField,
          models.ForeignKey, models.AutoField)


def table_keys(store, table: Table, day: date) -> list[str]:
    """Every file of ``table`` for ``day``: the first version's one file, then the batches'."""
    legacy = f"{table.name}/{day.isoformat()}.jsonl.gz"
    return [legacy] + store.keys(f"{table.name}/{day.isoformat()}/")


def _rows_restore(table: Table, rows: list[dict], pending: dict) -> tuple[int, int]:
    """Insert the rows not in the database yet; (inserted, skipped for a target that is gone)."""
    model = table.model
    with transaction.atomic():
        there = set(model._base_manager.filter(pk__in=[r["id"] for r in rows]).values_list("pk", flat=True))
        rows = [r for r in rows if r["id"] not in there]
        skipped = set()
        for field in model._meta.concrete_fields:
            if not field.is_relation:
                continue
            targets = {r[field.attname] for r in rows if r.get(field.attname) is not None}
            if not targets:
                continue
            found = set(field.related_model._base_manager.filter(pk__in=targets).values_list("pk", flat=True))
            if field.related_model is model:
                found |= {r["id"] for r in rows}
            gone = targets - found
            for row in rows:
                if row.get(field.attname) in gone:
                    if field.null:  # it comes back when its target does
                        link = {"model": model._meta.label_lower, "id": row["id"], "field": field.attname,
                                "value": row[field.attname]}
                        pending[link_key_of(link)] = link
                        row[field.attname] = None
                    else:
                        skipped.add(row["id"])
        if skipped:
            log.warning("not restored: %s %s row(s) whose required target is gone: %s", len(skipped), table.name,
                        sorted(skipped)[:20])
        rows = [row for row in rows if row["id"] not in skipped]
        _insert(model, rows)
    return len(rows), len(skipped)


def _insert(model: type[models.Model], rows: list[dict]) -> None:
    """Insert ``rows`` (decoded archive rows) as they were archived, ids and timestamps included."""
    fields = model._meta.concrete_fields
    if connection.vendor == "postgresql":
        # COPY, with every value as the text the archive holds: PostgreSQL parses it for its
        # column, so no row goes through a model or Django's per-field preparation (which was
        # most of a restore's time: docs/benchmarks.md).
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        as_json = [isinstance(f, models.JSONField) for f in fields]
        names = [f.attname for f in fields]
        with connection.cursor() as cur, cur.cursor.copy(
                f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row.get(name)) if is_json and row.get(name) is not None
                                else row.get(name) for name, is_json in zip(names, as_json, strict=True)])
        return
    convert = [(f.attname, None if isinstance(f, _AS_IS) else f.to_python) for f in fields]
    objs = [model(**{name: to_python(row.get(name)) if to_python and row.get(name) is not None else row.get(name)
                     for name, to_python in convert}) for row in rows]
    # raw=True, as loaddata saves: the row as it was, where bulk_create would stamp the
    # auto_now and auto_now_add fields (updated_at, received_at) with the time of the restore.
    for i in range(0, len(objs), 500):
        model._base_manager._insert(objs[i:i + 500], fields=fields, raw=True)


def _links_apply(pending: dict) -> int:
    """Put back every pending pointer whose two rows are both in the database; drop those done."""
    applied = 0
    by_field: dict[tuple[str, str], list[dict]] = {}
    for link in pending.values():
        by_field.setdefault((link["model"], link["field"]), []).append(link)
    for (label, attname), links in by_field.items():
        model = apps.get_model(label)
        field = next(f for f in model._meta.concrete_fields if f.attname == attname)
        with transaction.atomic():
            referrers = dict(model._base_manager.filter(pk__in=[link["id"] for link in links])
                             .values_list("pk", attname))
            targets = set(field.related_model._base_manager.filter(pk__in=[link["value"] for link in links])
                          .values_list("pk", flat=True))
            ready = []
            for link in links:
                if link["id"] in referrers and referrers[link["id"]] is not None:
                    del pending[link_key_of(link)]  # it points somewhere again: the newer pointer stays
                elif link["id"] in referrers and link["value"] in targets:
                    ready.append(model(pk=link["id"], **{attname: link["value"]}))
                    del pending[link_key_of(link)]
            model._base_manager.bulk_update(ready, [field.name], batch_size=1000)
        applied += len(ready)
    return applied


def archive_restore(*, day: date, store=None) -> dict[str, int]:
    """Load one archived day back: rows per table, and ``links`` put back (rows already there stay)."""
    store = store or archive_store()
    plan = archive_plan()
    restored: dict[str, int] = {}
    with archive_lock(wait=True):
        pending = {link_key_of(link): link for link in rows_decode(store.get(PENDING_KEY))}
        before = dict(pending)
        for table in plan.tables:
            restored[table.name] = 0
            for key in table_keys(store, table, day):
                inserted, skipped = _rows_restore(table, rows_decode(store.get(key)), pending)
                restored[table.name] += inserted
                if skipped:
                    restored[f"{table.name} skipped"] = restored.get(f"{table.name} skipped", 0) + skipped
        for key in store.keys(f"links/{day.isoformat()}/"):
            pending.update((link_key_of(link), link) for link in rows_decode(store.get(key)))
        restored["links"] = _links_apply(pending)
        if pending != before:
            store.put(PENDING_KEY, rows_encode([pending[k] for k in sorted(pending)]))
        ArchivedDay.objects.filter(day=day).update(restored_at=timezone.now())
    return restored
