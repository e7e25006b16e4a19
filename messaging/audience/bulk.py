"""Bulk sends: a CSV of recipients and one template, each line's columns filled into its message.

The seed's "Sending SMS triggered by S3 file drop", by admin upload or by an S3 drop. The file
and the template are checked together before anything is sent: every bad line by number and
field, and every placeholder must be a column of the file (``{shift}`` needs a ``shift``
column), so nobody gets a literal ``{shift}``. The check keeps a preview (the first rendered
messages and the part count of the longest); the send writes the message-log rows in bulk and
the send queue paces them like a campaign's.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from messaging.audience.csv_stream import ImportInvalid, LineError, csv_bytes_records, record_values
from messaging.audience.placeholders import placeholders_fill, placeholders_validate
from messaging.models import BulkSend, BulkSendStatus, Channel
from messaging.outbound.parts import sms_parts
from messaging.outbound.send import messages_send_bulk
from messaging.phones import phone_normalize_national

PREVIEW = 5
CHUNK = 5000


def bulk_rows_parse(*, data: bytes, template: str) -> list[tuple[str, str]]:
    """(phone, rendered message) for each line; ImportInvalid naming every bad line or column."""
    records = csv_bytes_records(data)
    first = next(records, None)
    if first is None:
        raise ImportInvalid([LineError(1, None, "The file is empty; line 1 must be the header (phone,…).")])
    names = [h.strip().lower() for h in first[1]]
    if "phone" not in names:
        raise ImportInvalid([LineError(1, "phone", "The header has no 'phone' column.")])
    try:
        placeholders_validate(template, allowed=tuple(names))
    except ValidationError as exc:
        raise ImportInvalid([LineError(1, "message", " ".join(exc.messages))]) from exc
    if not template.strip():
        raise ImportInvalid([LineError(1, "message", "Write the message to send.")])
    rows, errors = [], []
    for line, record in records:
        values = record_values(names, record)
        try:
            phone = phone_normalize_national(values["phone"])
        except ValidationError as exc:
            errors.append(LineError(line, "phone", " ".join(exc.messages)))
            continue
        rows.append((phone, placeholders_fill(template, values | {"phone": phone})))
    if errors:
        raise ImportInvalid(errors)
    return rows


def bulk_send_check(*, name: str, template: str, data: bytes, source: str, created_by=None,
                    notification=None, bulk: BulkSend | None = None) -> BulkSend:
    """Check the file with its template; the row (``bulk``, or a new one) comes back ``checked``
    with its preview, or ``failed`` with the first bad lines. Nothing is sent yet."""
    if bulk is None:
        bulk = BulkSend(name=name[:1100], template=template, source=source, created_by=created_by,
                        notification=notification)
    try:
        rows = bulk_rows_parse(data=data, template=template)
        bulk.status, bulk.recipients = BulkSendStatus.CHECKED, len(rows)
        bulk.preview = [{"phone": p, "message": body} for p, body in rows[:PREVIEW]]
        bulk.longest_parts = max((sms_parts(body).parts for _, body in rows), default=0)
    except ImportInvalid as exc:
        bulk.status, bulk.errors = BulkSendStatus.FAILED, [e.as_dict() for e in exc.errors]
        bulk.error = f"{exc.count} problem(s); nothing was sent."
    bulk.save()
    return bulk


@transaction.atomic
def bulk_send_start(*, bulk: BulkSend, data: bytes | None = None) -> int:
    """Send a checked bulk send now; returns how many messages were logged (0 if not waiting).

    ``data`` is its file (kept by its import run); a bulk send checked before runs kept files
    has it in ``bulk.data``."""
    if not BulkSend.objects.filter(pk=bulk.pk, status=BulkSendStatus.CHECKED).update(status=BulkSendStatus.SENDING):
        return 0
    bulk.refresh_from_db()
    rows = bulk_rows_parse(data=bytes(bulk.data) if data is None else data, template=bulk.template)
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i:i + CHUNK]
        messages_send_bulk(channel=Channel.SMS, recipients=[p for p, _ in chunk], body=bulk.template,
                           bodies=[b for _, b in chunk], owner=bulk, batch_size=200)
    BulkSend.objects.filter(pk=bulk.pk).update(status=BulkSendStatus.SENT, sent_at=timezone.now(), data=b"")
    return len(rows)
