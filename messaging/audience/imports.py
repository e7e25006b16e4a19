"""Import runs: one file (contacts or allow-list) checked whole, then written whole, with progress.

The check is outside any transaction, so its progress (``done`` of ``total`` lines) is
committed as it goes and the admin can show it. The write is one transaction: nothing is
half-imported, and other sessions see it all at once when it commits.
"""

from __future__ import annotations

from django.db import transaction
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
from messaging.models import AllowListEntry, AllowListScope, ImportKind, ImportRun, ImportStatus
from messaging.phones import phone_normalize_national


def _progress(run: ImportRun):
    def report(done: int) -> None:
        ImportRun.objects.filter(pk=run.pk).update(done=done)
    return report


def import_run_execute(*, run: ImportRun, data: bytes) -> str:
    """Check and write ``data`` for ``run``; record the counts or every bad line. Returns the status."""
    try:
        if run.kind == ImportKind.CONTACTS:
            rows, present = contact_rows_parse(data)
            ImportRun.objects.filter(pk=run.pk).update(total=len(rows))
            result = contacts_apply(rows=rows, present=present)
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
