"""Import runs on a worker: a stored file checked whole, then written in committed batches,
under a lease that a dead worker lets lapse.

A file too large for a web request (the API's over CONTACT_IMPORT_SYNC_ROWS rows, every admin
upload, every S3 drop) is stored as it arrives (``messaging.audience.uploads``) and becomes an
``ImportRun`` with one django-q2 task. The task claims the run with one conditional UPDATE, as
sends claim their rows (DESIGN.md habit 6): a queued run, or a running one whose
``lease_until`` has passed. Each claim adds one to ``attempt``, which fences a worker that lost
its lease out of the run: every batch first updates the run's row where ``attempt`` is still
its own, in the batch's transaction, or rolls back.

1. Check: every line, streamed, outside any transaction (a bad file fails whole, with its first
   100 errors and a count; nothing is written). A worker that dies here just checks again.
2. Write: ``IMPORT_BATCH`` rows per transaction, which also moves the run's resume point
   (byte offset and line) and its counts, and renews the lease. A new claim resumes after the
   last committed batch: no row is written twice, none is lost. Every ``IMPORT_SLICE_SECONDS``
   (and when its cluster stops) the task lets go and queues the rest, so other work gets a turn.

A worker that dies leaves its run "running" with a lease that lapses ``IMPORT_LEASE`` later.
django-q2 redelivers the task after Q_RETRY; if the lease still holds then, the task looks again
when it would lapse. ``import_runs_sweep`` (every minute) takes up any run whose task was lost,
and fails one that has been claimed ``IMPORT_MAX_ATTEMPTS`` times; "Run again" in the admin
(``import_run_again``) queues a failed or stuck run afresh.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from messaging.audience.bulk import bulk_send_check, bulk_send_start
from messaging.audience.contacts_import import ContactsFile, contacts_apply, contacts_header
from messaging.audience.csv_stream import CsvStream, ImportInvalid
from messaging.audience.imports import allow_list_import, allow_list_rows_parse
from messaging.audience.uploads import (
    upload_adopt_legacy,
    upload_bytes,
    upload_delete,
    upload_fetch_s3,
    upload_open,
    upload_stored,
)
from messaging.models import BulkSend, BulkSendStatus, Contact, ImportKind, ImportRun, ImportStatus
from messaging.scheduling.queue import enqueue, enqueue_with, worker_stopping

log = logging.getLogger(__name__)

IMPORT_RUN_TASK = "messaging.tasks.import_run_task"
# One task checks and writes a whole file, longer than Q_TIMEOUT allows other tasks. If it is
# stopped at this limit, its lease lapses and the next claim resumes where it was.
IMPORT_TASK_TIMEOUT = 600
IMPORT_BATCH = 1000  # rows per transaction; also how often the check reports and renews its lease
# A running worker renews its lease every batch (well under a second); one that has not for
# this long has died, and its run may be claimed again.
IMPORT_LEASE = timedelta(seconds=20)
# A queued run is its task's for this long; after it, the sweep queues the run again.
QUEUE_GRACE = timedelta(seconds=60)
IMPORT_MAX_ATTEMPTS = 5
# The write hands its worker back after this long and queues the rest behind whatever waited
# meanwhile (timers, sends): one import must not hold a worker for minutes. Shorter than Q_RETRY,
# so django-q2 never redelivers a slice while it still runs.
IMPORT_SLICE_SECONDS = min(10.0, settings.Q_CLUSTER["retry"] / 2)
PREVIEW_ROWS = 10


class LeaseLost(Exception):
    """Another claim took the run over (this worker stalled past its lease): stop, write nothing."""


def import_run_queue(run: ImportRun) -> None:
    """Hand a stored run to a worker, in the caller's transaction (the run's row commits with its task)."""
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.QUEUED, lease_until=timezone.now() + QUEUE_GRACE)
    enqueue_with(IMPORT_RUN_TASK, run_id=run.pk, task_timeout=IMPORT_TASK_TIMEOUT)


def import_run_confirm(*, run: ImportRun) -> bool:
    """Queue a checked run (the admin's "Import now"); False when it is not (or no longer) waiting."""
    with transaction.atomic():
        if not ImportRun.objects.filter(pk=run.pk, status=ImportStatus.CHECKED).update(status=ImportStatus.QUEUED):
            return False
        import_run_queue(run)
    return True


def import_run_stuck_or_failed(run: ImportRun, *, now=None) -> bool:
    """Whether "Run again" applies: the run failed, or its worker's lease lapsed, and its file is
    still there (a refused file is deleted: running it again would refuse it again)."""
    now = now or timezone.now()
    stuck = run.status == ImportStatus.RUNNING and run.lease_until is not None and run.lease_until < now
    return (run.status == ImportStatus.FAILED or stuck) and bool(upload_stored(run) or run.data or run.source == "s3")


def import_run_again(*, run: ImportRun, now=None) -> bool:
    """Queue a failed run, or one stuck "running" past its lease; False if it is neither or its
    file is gone. It resumes where it stopped (a run whose check never finished checks again),
    so every row is written once. ``attempt`` only grows (it fences out stale workers); the
    attempts counted against IMPORT_MAX_ATTEMPTS start again from here."""
    now = now or timezone.now()
    if not import_run_stuck_or_failed(run, now=now):
        return False
    with transaction.atomic():
        again = ImportRun.objects.filter(pk=run.pk).filter(
            Q(status=ImportStatus.FAILED) | Q(status=ImportStatus.RUNNING, lease_until__lt=now),
        ).update(status=ImportStatus.QUEUED, error="", finished_at=None,
                 options={**run.options, "attempts_before": run.attempt})
        if again:
            import_run_queue(run)
    return bool(again)


def import_run_claim(run_id: int, *, now=None) -> int | None:
    """Claim a queued run, or a running one whose lease has lapsed; returns this claim's attempt."""
    now = now or timezone.now()
    claimed = ImportRun.objects.filter(pk=run_id).filter(
        Q(status=ImportStatus.QUEUED) | Q(status=ImportStatus.RUNNING, lease_until__lt=now),
    ).update(status=ImportStatus.RUNNING, lease_until=now + IMPORT_LEASE, attempt=F("attempt") + 1)
    return ImportRun.objects.values_list("attempt", flat=True).get(pk=run_id) if claimed else None


class _Lease:
    """This worker's hold on a run: every change to the run goes through it, fenced by ``attempt``."""

    def __init__(self, run: ImportRun, attempt: int):
        self.run, self.attempt = run, attempt

    def update(self, **fields) -> None:
        """Update the run, and renew the lease while it is running; LeaseLost if the run is no longer ours."""
        if fields.get("status", ImportStatus.RUNNING) == ImportStatus.RUNNING:
            fields.setdefault("lease_until", timezone.now() + IMPORT_LEASE)
        if not ImportRun.objects.filter(pk=self.run.pk, attempt=self.attempt, status=ImportStatus.RUNNING) \
                .update(**fields):
            raise LeaseLost(f"import run {self.run.pk}: attempt {self.attempt} lost its lease")

    def fail(self, exc: ImportInvalid) -> str:
        self.update(status=ImportStatus.FAILED, errors=[e.as_dict() for e in exc.errors], error_count=exc.count,
                    error=f"{exc.count} bad line(s); nothing was imported.", finished_at=timezone.now(),
                    lease_until=None)
        upload_delete(self.run)
        return ImportStatus.FAILED


def import_run_task(*, run_id: int) -> str:
    """Task: claim the run and take it as far as it goes. Returns what happened."""
    attempt = import_run_claim(run_id)
    if attempt is None:
        _look_again_later(run_id)
        return "not-claimed"
    run = ImportRun.objects.get(pk=run_id)
    lease = _Lease(run, attempt)
    try:
        try:
            return _import_run(run, lease)
        except ImportInvalid as exc:
            return lease.fail(exc)
    except LeaseLost:
        log.warning("import run %s: another worker took it over; this one stops", run_id)
        return "lease-lost"
    except Exception as exc:
        # A bug or a database error: say so on the run, and let its lease lapse now, so that the
        # sweep takes it up again (IMPORT_MAX_ATTEMPTS times at most).
        log.exception("import run %s: attempt %s stopped", run_id, attempt)
        ImportRun.objects.filter(pk=run_id, attempt=attempt).update(
            error=f"Attempt {attempt} stopped: {exc}"[:5000], lease_until=timezone.now())
        raise


def _import_run(run: ImportRun, lease: _Lease) -> str:
    upload_adopt_legacy(run)
    if run.source == "s3" and not upload_stored(run):
        failure = upload_fetch_s3(run)
        if failure:
            lease.update(status=ImportStatus.FAILED, error=failure, finished_at=timezone.now(), lease_until=None)
            return ImportStatus.FAILED
    if run.kind == ImportKind.BULK_SEND:
        return _bulk_send(run, lease)
    if run.kind == ImportKind.ALLOW_LIST:
        return _allow_list(run, lease)
    if not run.checked:
        _contacts_check(run, lease)
        if run.options.get("confirm"):
            lease.update(status=ImportStatus.CHECKED, lease_until=None)
            return ImportStatus.CHECKED
    return _contacts_write(run, lease)


def _look_again_later(run_id: int) -> None:
    """A live lease holds the run: look again when it would lapse, in case its worker dies.

    django-q2 redelivers a long task after Q_RETRY while it still runs; that copy ends here, and
    without this the run would wait for the minute sweep once its worker died."""
    lease_until = (ImportRun.objects.filter(pk=run_id, status=ImportStatus.RUNNING)
                   .values_list("lease_until", flat=True).first())
    if lease_until is not None:
        enqueue(IMPORT_RUN_TASK, run_id=run_id, due_at=lease_until + timedelta(seconds=1),
                task_timeout=IMPORT_TASK_TIMEOUT)


def _contacts_check(run: ImportRun, lease: _Lease) -> None:
    """Check every line; keep the header for the write, and the admin's preview. ImportInvalid if bad."""
    confirm = run.options.get("confirm", False)
    preview, known, phones, rows = [], 0, [], 0
    with upload_open(run) as raw:
        records = CsvStream(raw).records()
        names = contacts_header(records)
        file = ContactsFile(names, records)
        for row in file.rows():
            rows += 1
            if confirm:  # the admin shows what the write would do before it is confirmed
                if len(preview) < PREVIEW_ROWS:
                    preview.append({"line": row.line, "name": row.name, "phone": row.phone, "email": row.email or "",
                                    "whatsapp": row.whatsapp or "", "tags": ";".join(row.tags or [])})
                phones.append(row.phone)
                if len(phones) == IMPORT_BATCH:
                    known += Contact.objects.filter(phone__in=phones).count()
                    phones = []
            if rows % IMPORT_BATCH == 0:
                lease.update(total=rows)  # the progress of the check, and proof this worker lives
    known += Contact.objects.filter(phone__in=phones).count() if phones else 0
    options = {**run.options, "header": names, "columns": sorted(file.present)}
    if confirm:
        options |= {"preview": preview, "would_create": rows - known, "would_update": known}
    lease.update(total=rows, checked=True, options=options)
    run.options, run.total, run.checked = options, rows, True


def _contacts_write(run: ImportRun, lease: _Lease) -> str:
    """Write the checked file from its resume point, one committed batch at a time."""
    run.refresh_from_db()
    names, started = run.options["header"], time.monotonic()
    with upload_open(run, offset=run.resume_offset) as raw:
        stream = CsvStream(raw, offset=run.resume_offset, line=run.resume_line)
        records = stream.records()
        if run.resume_offset == 0:
            next(records, None)  # the header
        file = ContactsFile(names, records, duplicates=False)  # the check refused repeated phones
        batch = []
        for row in file.rows():
            batch.append(row)
            if len(batch) == IMPORT_BATCH:
                _write_batch(lease, batch, file.present, stream)
                batch = []
                if worker_stopping() or time.monotonic() - started > IMPORT_SLICE_SECONDS:
                    return _hand_back(lease)
        if batch:
            _write_batch(lease, batch, file.present, stream)
    with transaction.atomic():
        lease.update(status=ImportStatus.DONE, lease_until=None, finished_at=timezone.now(), error="")
        upload_delete(run)
    return ImportStatus.DONE


def _write_batch(lease: _Lease, batch: list, present: set[str], stream: CsvStream) -> None:
    with transaction.atomic():
        # The run's row first: it fences out a worker that lost its lease, and holds the row
        # locked until this commits, so two workers never write the same batch at once.
        lease.update(resume_offset=stream.offset, resume_line=stream.line, done=F("done") + len(batch))
        result = contacts_apply(rows=batch, present=present)
        ImportRun.objects.filter(pk=lease.run.pk).update(created=F("created") + result.created,
                                                         updated=F("updated") + result.updated)


def _hand_back(lease: _Lease) -> str:
    """The cluster is stopping (a deploy), or this slice is over: let the lease go and queue the
    rest at once."""
    with transaction.atomic():
        # A slice handed back is no failed attempt: the next claim counts as a first one again.
        lease.update(lease_until=timezone.now() - timedelta(seconds=1),
                     options={**lease.run.options, "attempts_before": lease.attempt})
        enqueue_with(IMPORT_RUN_TASK, run_id=lease.run.pk, task_timeout=IMPORT_TASK_TIMEOUT)
    return "handed-back"


def _allow_list(run: ImportRun, lease: _Lease) -> str:
    """Allow-list files are small (numbers allowed to reach a test or pilot): checked in memory,
    written in one transaction."""
    data, scope = upload_bytes(run), run.options.get("scope", "")
    if not run.checked:
        pairs = allow_list_rows_parse(data, scope=scope)
        if run.options.get("confirm"):
            preview = [{"phone": p, "scope": s} for p, s in pairs[:PREVIEW_ROWS]]
            lease.update(status=ImportStatus.CHECKED, checked=True, total=len(pairs), lease_until=None,
                         options={**run.options, "preview": preview})
            return ImportStatus.CHECKED
    with transaction.atomic():
        lease.update()
        added, existing = allow_list_import(data=data, scope=scope)
        lease.update(status=ImportStatus.DONE, created=added, updated=existing, done=added + existing,
                     total=added + existing, lease_until=None, finished_at=timezone.now())
        upload_delete(run)
    return ImportStatus.DONE


def _bulk_send(run: ImportRun, lease: _Lease) -> str:
    """A bulk send's file: checked with its message, then sent once confirmed (the admin) or at
    once (an S3 drop, whose message is S3 metadata). The send is one transaction with the run's
    "done", so a worker that dies mid-send sends nothing, and the next claim sends it all."""
    data, template = upload_bytes(run), run.options.get("message", "")
    bulk = BulkSend.objects.filter(pk=run.options.get("bulk_send") or 0).first()
    if bulk is None or bulk.status == BulkSendStatus.CHECKING:
        bulk = bulk_send_check(name=run.name, template=template, data=data, source=run.source,
                               notification=run.notification, bulk=bulk)
        run.options = {**run.options, "bulk_send": bulk.pk}
        if bulk.status == BulkSendStatus.FAILED:
            no_message = run.source == "s3" and not template.strip()
            error = f"Bulk send #{bulk.pk}: no message (S3 metadata 'message')" if no_message else bulk.error
            lease.update(status=ImportStatus.FAILED, total=bulk.recipients, errors=bulk.errors, options=run.options,
                         error=error, finished_at=timezone.now(), lease_until=None)
            upload_delete(run)
            return ImportStatus.FAILED
        if run.options.get("confirm"):
            lease.update(status=ImportStatus.CHECKED, checked=True, total=bulk.recipients, options=run.options,
                         lease_until=None)
            return ImportStatus.CHECKED
    with transaction.atomic():
        lease.update(options=run.options)
        sent = bulk_send_start(bulk=bulk, data=data)
        lease.update(status=ImportStatus.DONE, created=sent, total=bulk.recipients, done=sent,
                     finished_at=timezone.now(), lease_until=None)
        upload_delete(run)
    return ImportStatus.DONE


def bulk_send_confirm(*, bulk: BulkSend) -> bool:
    """"Send now": hand the checked bulk send to its run's worker; False when it is not waiting.
    A bulk send checked before runs kept files (its file in ``bulk.data``) is sent here."""
    run = ImportRun.objects.filter(kind=ImportKind.BULK_SEND, options__bulk_send=bulk.pk).first()
    if run is None:
        return bool(bulk_send_start(bulk=bulk))
    return bulk.status == BulkSendStatus.CHECKED and import_run_confirm(run=run)


def import_runs_sweep(*, now=None) -> int:
    """Scheduled every minute: queue again every run whose task was lost or whose worker died,
    and fail one that has been claimed IMPORT_MAX_ATTEMPTS times. Returns how many were queued."""
    now = now or timezone.now()
    lapsed = (Q(status=ImportStatus.RUNNING, lease_until__lt=now - IMPORT_LEASE)
              | Q(status=ImportStatus.QUEUED, lease_until__lt=now)
              | Q(status=ImportStatus.QUEUED, lease_until__isnull=True))
    queued = 0
    for run in ImportRun.objects.filter(lapsed).only("pk", "attempt", "options")[:1000]:
        # Conditional on what was read: a run claimed meanwhile is left to its new worker.
        still = ImportRun.objects.filter(lapsed, pk=run.pk, attempt=run.attempt)
        if run.attempt - run.options.get("attempts_before", 0) >= IMPORT_MAX_ATTEMPTS:
            still.update(status=ImportStatus.FAILED, lease_until=None, finished_at=now,
                         error=f"Stopped {IMPORT_MAX_ATTEMPTS} times before it finished (its worker died or timed "
                               "out); rows it wrote are kept. Run it again once the cause is fixed.")
            continue
        with transaction.atomic():
            if still.update(status=ImportStatus.QUEUED, lease_until=now + QUEUE_GRACE):
                enqueue_with(IMPORT_RUN_TASK, run_id=run.pk, task_timeout=IMPORT_TASK_TIMEOUT)
                queued += 1
    if queued:
        log.warning("re-queued %d import run(s) whose task was lost or whose worker died", queued)
    return queued
