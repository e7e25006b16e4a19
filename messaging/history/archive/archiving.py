"""Archiving in batches: each batch is written, read back and checked, then deleted, in one
short transaction of its own, so a run may stop anywhere and the next one carries on.

A batch is up to ``ARCHIVE_BATCH_SIZE`` rows of one lead table of one day, lowest ids first,
with every follower row of theirs (a message's delivery events and dispatch attempt). Each
table's rows go to their own file, named after the batch's first id
(``<table>/<YYYY-MM-DD>/<first id>.jsonl.gz``), and the pointers that other rows hold to them
go to ``links/<YYYY-MM-DD>/<lead>-<first id>.jsonl.gz`` before they are nulled. The lead rows
are locked while their batch is open, so a row that would point at one of them (a late
delivery event) waits, and then fails, rather than be deleted or lose its pointer unseen.

A file is merged with what it already held and never written with less, and a batch that is
cut short rolls back whole, so a batch that runs twice (a killed worker, two runs at once)
writes the same file again and deletes nothing more. On PostgreSQL one run holds the archive's
lock at a time; a second one ends at once.

The retention schedule runs every few minutes and works for at most ``ARCHIVE_RUN_SECONDS``
(well inside django-q2's task timeout); with more to do it queues its own next run at once,
so a backlog is worked off run after run, and a failed run is taken up again by the schedule
minutes later. Each day's rollups are rebuilt one last time before any of it is deleted.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta
from operator import itemgetter

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from messaging.history.archive.plan import Table, Unit, archive_plan
from messaging.history.archive.store import archive_store, row_encode, rows_merge
from messaging.history.locks import archive_lock
from messaging.history.rollups import day_bounds, rollup_day_finalize
from messaging.models import ArchivedDay
from messaging.scheduling.queue import enqueue

log = logging.getLogger(__name__)

RUN_TASK = "messaging.tasks.history_archive_run"
# How long one scheduled run archives before it hands the rest to its next run: half of
# django-q2's task timeout, like a paced send batch, so a slow store cannot get it killed.
ARCHIVE_RUN_SECONDS = min(10.0, settings.Q_CLUSTER["timeout"] / 2)


def part_key(table: Table, day: date, part: str) -> str:
    return f"{table.name}/{day.isoformat()}/{part}.jsonl.gz"


def links_key(unit: Unit, day: date, part: str) -> str:
    return f"links/{day.isoformat()}/{unit.lead.name}-{part}.jsonl.gz"


def link_key_of(row: dict) -> tuple[str, int, str]:
    return row["model"], row["id"], row["field"]


def _day_rows(table: Table, day: date):
    start, end = day_bounds(day)
    return table.model.objects.filter(**{f"{table.day_field}__gte": start, f"{table.day_field}__lt": end})


def _rows_json(model: type[models.Model], field: str, ids: list[int]) -> dict[int, str]:
    """The rows of ``model`` whose ``field`` is one of ``ids``, as JSON lines by id.

    PostgreSQL writes the JSON itself, as Django's encoder would (numerics as strings, times in
    ISO 8601 with their offset): turning each row into Python values and back was most of the
    archive's time (docs/benchmarks.md).
    """
    fields = model._meta.concrete_fields
    if connection.vendor == "postgresql" and len(fields) <= 50:  # json_build_object takes 100 arguments
        qn = connection.ops.quote_name
        pairs = ", ".join(f"'{f.attname}', t.{qn(f.column)}" + ("::text" if isinstance(f, models.DecimalField) else "")
                          for f in fields)
        column = qn(model._meta.get_field(field).column)
        with connection.cursor() as cur:
            cur.execute(f"SELECT t.{qn(model._meta.pk.column)}, json_build_object({pairs})::text "
                        f"FROM {qn(model._meta.db_table)} t WHERE t.{column} = ANY(%s) ORDER BY 1", [ids])
            return dict(cur.fetchall())
    rows = model._base_manager.filter(**{f"{field}__in": ids}).order_by("pk").values()
    return {row["id"]: row_encode(row) for row in rows}


def batch_archive(*, unit: Unit, day: date, store, batch_size: int) -> dict[str, int]:
    """Archive and delete the next batch of ``unit`` on ``day``; rows deleted per table ({} when none are left)."""
    plan = archive_plan()
    lead = unit.lead
    with transaction.atomic():
        ids = list(_day_rows(lead, day).order_by("pk").select_for_update().values_list("pk", flat=True)[:batch_size])
        if not ids:
            return {}
        rows = {lead: _rows_json(lead.model, lead.model._meta.pk.name, ids)}
        for follower in unit.followers:
            rows[follower] = _rows_json(follower.model, follower.parent, ids)
        going = {table.model: list(table_rows) for table, table_rows in rows.items()}
        links = {}
        for table in rows:
            for link in plan.links_to(table.model):
                filed = set(going.get(link.model, ()))  # in their own files, pointer and all
                referrers = (link.model._base_manager.filter(**{f"{link.field.attname}__in": going[table.model]})
                             .values_list("pk", link.field.attname))
                for pk, value in referrers:
                    if pk not in filed:
                        row = {"model": link.label, "id": pk, "field": link.field.attname, "value": value}
                        links[link_key_of(row)] = row_encode(row)
        part = f"{ids[0]:012d}"
        for table, table_rows in rows.items():
            if table_rows:
                rows_merge(store, part_key(table, day, part), table_rows, key_of=itemgetter("id"))
        if links:
            rows_merge(store, links_key(unit, day, part), links, key_of=link_key_of)
        # Only now, with every row and pointer read back from the store: null the pointers, as
        # on_delete=SET_NULL would, then delete. Not through Django's collector, which would
        # load every row again to find what the plan has already found.
        for table in rows:
            for link in plan.links_to(table.model):
                link.model._base_manager.filter(**{f"{link.field.attname}__in": going[table.model]}) \
                    .update(**{link.field.attname: None})
        for table in reversed(list(rows)):
            if going[table.model]:
                qs = table.model._base_manager.filter(pk__in=going[table.model])
                qs._raw_delete(qs.db)
    log.info("archived %s of %s from %s (%s)", ", ".join(f"{len(v)} {t.name}" for t, v in rows.items() if v),
             lead.name, day, part)
    return {table.name: len(table_rows) for table, table_rows in rows.items() if table_rows}


def _next_day(*, after: date | None, before: date) -> date | None:
    """The first day before ``before`` (and after ``after``) that has rows of any lead table."""
    lower = day_bounds(after + timedelta(days=1))[0] if after else None
    firsts = []
    for unit in archive_plan().units:
        field = unit.lead.day_field
        qs = unit.lead.model.objects.filter(**{f"{field}__lt": day_bounds(before)[0]})
        if lower:
            qs = qs.filter(**{f"{field}__gte": lower})
        first = qs.order_by(field).values_list(field, flat=True).first()
        if first:
            firsts.append(timezone.localdate(first))
    return min(firsts) if firsts else None


def archive_days_before(*, before: date) -> list[date]:
    """The days before ``before`` that still have rows to archive, oldest first."""
    days, day = [], None
    while (day := _next_day(after=day, before=before)) is not None:
        days.append(day)
    return days


def _add(totals: dict[str, int], more: dict[str, int]) -> None:
    for name, n in more.items():
        totals[name] = totals.get(name, 0) + n


def archive_before(*, before: date, store=None, batch_size: int | None = None, seconds: float | None = None,
                   skip_restored: bool = False) -> tuple[dict[str, int], bool]:
    """Archive every day before ``before``, oldest first; (rows deleted per table, finished).

    With ``seconds``, stops at the first batch boundary after that long and says it is not
    finished. With ``skip_restored``, leaves alone the days ``restore_archive`` brought back.
    """
    store = store or archive_store()
    batch_size = batch_size or settings.ARCHIVE_BATCH_SIZE
    deadline = time.monotonic() + seconds if seconds else None
    totals: dict[str, int] = {}
    day = None
    while (day := _next_day(after=day, before=before)) is not None:
        marked = ArchivedDay.objects.filter(day=day).first()
        if marked and marked.restored_at:
            if skip_restored:
                continue
            ArchivedDay.objects.filter(pk=marked.pk).update(restored_at=None)
        rollup_day_finalize(day=day)  # the report keeps the day once its rows are gone
        for unit in archive_plan().units:
            while True:
                # At least one batch a run, so a run whose time went on the rollup still gets on.
                if deadline and totals and time.monotonic() > deadline:
                    return totals, False
                deleted = batch_archive(unit=unit, day=day, store=store, batch_size=batch_size)
                if not deleted:
                    break
                _add(totals, deleted)
        ArchivedDay.objects.filter(day=day).update(finished_at=timezone.now())
    return totals, True


def messages_archive(*, before: date, store=None) -> dict[str, int]:
    """Archive every day before ``before`` (restored days too), to the end; totals per table."""
    with archive_lock(wait=True):
        return archive_before(before=before, store=store)[0]


def history_archive_run(*, now: datetime | None = None) -> dict[str, int]:
    """The retention schedule's task: archive what is older than MESSAGE_RETENTION_DAYS (0: keep all)."""
    days = settings.MESSAGE_RETENTION_DAYS
    if not days:
        return {}
    before = timezone.localdate(now or timezone.now()) - timedelta(days=days)
    with archive_lock(wait=False) as held:
        if not held:
            log.info("another archive run holds the lock; this one has nothing to do")
            return {}
        totals, finished = archive_before(before=before, seconds=ARCHIVE_RUN_SECONDS, skip_restored=True)
    if not finished:
        enqueue(RUN_TASK, due_at=timezone.now() + timedelta(seconds=1))
    return totals
