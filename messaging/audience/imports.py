"""The allow-list from CSV: numbers (and their scopes) that may be reached while sending is limited.

Checked whole, then written in one transaction; an allow-list is a few hundred numbers, so
its file is read in memory. Runs, leases and progress are ``messaging.audience.import_runs``.
"""

from __future__ import annotations

from django.db import transaction

from messaging.audience.contacts_import import CHUNK
from messaging.audience.csv_stream import ImportInvalid, LineError, csv_bytes_records, csv_header, record_values
from messaging.models import AllowListEntry, AllowListScope
from messaging.phones import phone_normalize_national


def allow_list_rows_parse(data: bytes, *, scope: str = "") -> list[tuple[str, str]]:
    """(phone, scope) for each line: the file's ``scope`` column, or the chosen ``scope`` for all."""
    records = csv_bytes_records(data)
    first = next(records, None)
    if first is None:
        raise ImportInvalid([LineError(1, None, "The file is empty; line 1 must be the header (phone[,scope]).")])
    names = csv_header(first[1], known=("phone", "scope"), required=("phone",) if scope else ("phone", "scope"))
    valid = set(AllowListScope.values)
    if scope and scope not in valid:
        raise ImportInvalid([LineError(1, "scope", f"Unknown scope {scope!r}; one of {', '.join(sorted(valid))}.")])
    rows, errors, seen = [], [], set()
    for line, record in records:
        values = record_values(names, record)
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
