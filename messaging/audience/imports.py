"""Import runs: one file (contacts or allow-list) checked whole, then written whole, with progress.

The check is outside any transaction, so its progress (``done`` of ``total`` lines) is
committed as it goes and the admin can show it. The write is one transaction: nothing is
half-imported, and other sessions see it all at once when it commits.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from messaging.audience.contacts_import import (
    CHUNK,
    ImportInvalid,
    LineError,
    contact_rows_parse,
    contacts_apply,
    csv_header,
    csv_records,
    csv_text,
)
from messaging.models import AllowListEntry, AllowListScope, Contact, ImportKind, ImportRun, ImportStatus
from messaging.phones import phone_normalize_national
from messaging.scheduling.queue import enqueue_with

IMPORT_RUN_TASK = "messaging.tasks.import_run_task"
# A file commits whole, so its write is one task, longer than Q_TIMEOUT allows others; the run's
# conditional claim makes django-q2's redelivery after Q_RETRY a no-op.
IMPORT_TASK_TIMEOUT = 600
PREVIEW_ROWS = 10


def _progress(run: ImportRun):
    """A reporter of rows written, or None. The write is one transaction, so its progress can
    only be seen if it is committed elsewhere: on PostgreSQL a second connection in autocommit
    does that (SKIP LOCKED: if anything holds the run's row, a report is skipped, never waited
    for). SQLite has one writer at a time, so there the admin shows "running" until the end."""
    if connection.vendor != "postgresql":
        return None
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = ImportRun._meta.db_table

    def report(done: int) -> None:
        with side.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET done = %s WHERE id = (SELECT id FROM {table} WHERE id = %s "
                           "FOR UPDATE SKIP LOCKED)", [done, run.pk])
    report.close = side.close
    return report


def import_run_check(*, kind: str, data: bytes, name: str, scope: str = "", created_by=None) -> ImportRun:
    """The admin's upload: check every line now and keep the file for confirmation.

    The run comes back ``checked`` with a preview (its first rows, how many create and update)
    or ``failed`` with every bad line; nothing is written to contacts or the allow-list yet.
    """
    run = ImportRun(kind=kind, source="admin", name=name[:1100], created_by=created_by,
                    options={"scope": scope} if scope else {})
    try:
        if kind == ImportKind.CONTACTS:
            rows, present = contact_rows_parse(data)
            known = 0
            for i in range(0, len(rows), CHUNK):
                known += Contact.objects.filter(phone__in=[r.phone for r in rows[i:i + CHUNK]]).count()
            preview = [{"line": r.line, "name": r.name, "phone": r.phone, "email": r.email or "",
                        "whatsapp": r.whatsapp or "", "tags": ";".join(r.tags or [])} for r in rows[:PREVIEW_ROWS]]
            run.options |= {"columns": sorted(present), "would_create": len(rows) - known, "would_update": known}
        else:
            pairs = allow_list_rows_parse(data, scope=scope)
            rows, preview = pairs, [{"phone": p, "scope": s} for p, s in pairs[:PREVIEW_ROWS]]
        run.options |= {"preview": preview}
        run.total, run.status, run.data = len(rows), ImportStatus.CHECKED, data
    except ImportInvalid as exc:
        run.status, run.errors = ImportStatus.FAILED, [e.as_dict() for e in exc.errors[:1000]]
        run.error = f"{len(exc.errors)} bad line(s); nothing was imported."
        run.finished_at = timezone.now()
    run.save()
    return run


@transaction.atomic
def import_run_confirm(*, run: ImportRun) -> bool:
    """Queue a checked run for the worker; False when it is not (or no longer) waiting."""
    if not ImportRun.objects.filter(pk=run.pk, status=ImportStatus.CHECKED).update(status=ImportStatus.QUEUED):
        return False
    enqueue_with(IMPORT_RUN_TASK, run_id=run.pk, task_timeout=IMPORT_TASK_TIMEOUT)
    return True


def import_run_task(*, run_id: int) -> str:
    """Task: import a confirmed run's file; a repeat of the task finds it no longer queued."""
    if not ImportRun.objects.filter(pk=run_id, status=ImportStatus.QUEUED).update(status=ImportStatus.RUNNING):
        return "not-queued"
    run = ImportRun.objects.get(pk=run_id)
    status = import_run_execute(run=run, data=bytes(run.data))
    ImportRun.objects.filter(pk=run_id).update(data=b"")
    return status


def import_run_execute(*, run: ImportRun, data: bytes) -> str:
    """Check and write ``data`` for ``run``; record the counts or every bad line. Returns the status."""
    try:
        if run.kind == ImportKind.CONTACTS:
            rows, present = contact_rows_parse(data)
            ImportRun.objects.filter(pk=run.pk).update(total=len(rows))
            progress = _progress(run)
            try:
                result = contacts_apply(rows=rows, present=present, progress=progress)
            finally:
                if progress:
                    progress.close()
            created, updated = result.created, result.updated
        else:
            created, updated = allow_list_import(data=data, scope=run.options.get("scope", ""))
    except ImportInvalid as exc:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.FAILED, errors=[e.as_dict() for e in exc.errors[:1000]],
            error=f"{len(exc.errors)} bad line(s); nothing was imported.", finished_at=timezone.now())
        return ImportStatus.FAILED
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.DONE, created=created, updated=updated, finished_at=timezone.now(),
        done=created + updated, total=created + updated)
    return ImportStatus.DONE


def allow_list_rows_parse(data: bytes, *, scope: str = "") -> list[tuple[str, str]]:
    """(phone, scope) for each line: the file's ``scope`` column, or the chosen ``scope`` for all."""
    records = csv_records(csv_text(data))
    first = next(records, None)
    if first is None:
        raise ImportInvalid([LineError(1, None, "The file is empty; line 1 must be the header (phone[,scope]).")])
    names = csv_header(first[1], known=("phone", "scope"), required=("phone",) if scope else ("phone", "scope"))
    valid = set(AllowListScope.values)
    if scope and scope not in valid:
        raise ImportInvalid([LineError(1, "scope", f"Unknown scope {scope!r}; one of {', '.join(sorted(valid))}.")])
    rows, errors, seen = [], [], set()
    for line, record in records:
        values = {n: (record[i].strip() if i < len(record) else "") for i, n in enumerate(names)}
        row_scope = values.get("scope") or scope
        try:
            phone = phone_normalize_national(values.get("phone", ""))
        except Exception as exc:  # ValidationError; its messages say why
            errors.append(LineError(line, "phone", " ".join(getattr(exc, "messages", [str(exc)]))))
            continue
        if row_scope not in valid:
            errors.append(LineError(line, "scope", f"Unknown scope {row_scope!r}; one of {', '.join(sorted(valid))}."))
            continue
        if (phone, row_scope) not in seen:
            seen.add((phone, row_scope))
            rows.append((phone, row_scope))
    if errors:
        raise ImportInvalid(errors)
    return rows


@transaction.atomic
def allow_list_import(*, data: bytes, scope: str = "") -> tuple[int, int]:
    """Add every number of the file to the allow-list. Returns (added, already there)."""
    rows = allow_list_rows_parse(data, scope=scope)
    existing = 0
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i:i + CHUNK]
        phones = {p for p, _ in chunk}
        there = set(AllowListEntry.objects.filter(phone__in=phones).values_list("phone", "scope"))
        new = [AllowListEntry(phone=p, scope=s) for p, s in chunk if (p, s) not in there]
        AllowListEntry.objects.bulk_create(new, batch_size=CHUNK)
        existing += len(chunk) - len(new)
    return len(rows) - existing, existing
