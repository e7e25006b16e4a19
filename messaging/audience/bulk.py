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

from messaging.audience.bulk_sends import bulk_send_begin, listed_recipients, recipients_add
from messaging.audience.bulk_text import allowed_placeholders, recipient_text
from messaging.audience.csv_stream import ImportInvalid, LineError, csv_bytes_records, record_values
from messaging.audience.placeholders import placeholders_validate
from messaging.models import BulkRecipient, BulkSend, BulkSendStatus
from messaging.outbound.parts import sms_parts
from messaging.phones import phone_normalize_national

PREVIEW = 5


def bulk_rows_parse(*, data: bytes, template: str) -> list[dict[str, str]]:
    """Each line's columns ({"phone": E.164, other columns…}); ImportInvalid naming every bad line
    or a placeholder that is neither a column nor a contact field."""
    records = csv_bytes_records(data)
    first = next(records, None)
    if first is None:
        raise ImportInvalid([LineError(1, None, "The file is empty; line 1 must be the header (phone,…).")])
    names = [h.strip().lower() for h in first[1]]
    if "phone" not in names:
        raise ImportInvalid([LineError(1, "phone", "The header has no 'phone' column.")])
    try:
        placeholders_validate(template, allowed=allowed_placeholders(columns=[dict.fromkeys(names, "")]))
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
        rows.append(values | {"phone": phone})
    if errors:
        raise ImportInvalid(errors)
    return rows


def _recipients(bulk: BulkSend, rows: list[dict]) -> list[tuple[str, object, dict]]:
    return listed_recipients(recipients=rows, channel=bulk.channel)


def bulk_send_check(*, name: str, template: str, data: bytes, source: str, created_by=None,
                    notification=None, bulk: BulkSend | None = None) -> BulkSend:
    """Check the file with its template; the row (``bulk``, or a new one) comes back ``checked``
    with its preview, or ``failed`` with the first bad lines. Nothing is sent yet."""
    if bulk is None:
        bulk = BulkSend(name=name[:1100], template=template, source=source, created_by=created_by,
                        notification=notification)
    try:
        rows = _recipients(bulk, bulk_rows_parse(data=data, template=template))
        bulk.status, bulk.recipients = BulkSendStatus.CHECKED, len(rows)
        bodies = [(address, recipient_text(bulk, BulkRecipient(address=address, contact=contact, columns=columns))[1])
                  for address, contact, columns in rows]
        bulk.preview = [{"phone": p, "message": body} for p, body in bodies[:PREVIEW]]
        bulk.longest_parts = max((sms_parts(body).parts for _, body in bodies), default=0)
    except ImportInvalid as exc:
        bulk.status, bulk.errors = BulkSendStatus.FAILED, [e.as_dict() for e in exc.errors]
        bulk.error = f"{exc.count} problem(s); nothing was sent."
    bulk.save()
    return bulk


@transaction.atomic
def bulk_send_start(*, bulk: BulkSend, data: bytes | None = None) -> int:
    """Send a checked bulk send through the bulk-send service; returns how many recipients it
    has (0 if it was not waiting). ``data`` is its file (kept by its import run); a bulk send
    checked before runs kept files has it in ``bulk.data``."""
    if not BulkSend.objects.filter(pk=bulk.pk, status=BulkSendStatus.CHECKED).update(status=BulkSendStatus.SENDING):
        return 0
    bulk.refresh_from_db()
    rows = _recipients(bulk, bulk_rows_parse(data=bytes(bulk.data) if data is None else data, template=bulk.template))
    recipients_add(send=bulk, rows=rows)
    BulkSend.objects.filter(pk=bulk.pk).update(data=b"", recipients=len(rows))
    bulk_send_begin(send=bulk, now=timezone.now())
    return len(rows)
