"""A file per recipient, named in one of their columns as ``s3://bucket/key`` in an S3 drop bucket
(``S3_IMPORT_BUCKETS``): fetched once per distinct object, stored as an ``Attachment``, and named
on the recipient's row (column ``_attachment``) so that only their email carries it.
A recipient's problem names them by position, as the API's other recipient errors do.

Only the drop buckets are read, for the reason ``s3_drop`` gives: whoever writes a column must
not make the portal fetch from a bucket of their choosing. Fetched before the send's transaction:
nothing holds the database while S3 answers.
"""

from __future__ import annotations

import mimetypes
import posixpath

from django.conf import settings
from django.core.exceptions import ValidationError

from messaging.outbound.attachments import (
    SES_MESSAGE_MAX_BYTES,
    attachment_sizes,
    attachment_store,
    size_check,
)

RECIPIENT_ATTACHMENT = "_attachment"  # the recipient's column that holds their own Attachment id


def s3_ref_parse(ref: str) -> tuple[str, str]:
    """(bucket, key) of ``s3://bucket/key``; ValidationError unless the bucket is a drop bucket."""
    bucket, _, key = str(ref).removeprefix("s3://").partition("/")
    if not str(ref).startswith("s3://") or not bucket or not key:
        raise ValidationError(f"{str(ref)[:200]!r} is not s3://bucket/key.")
    if bucket not in settings.S3_IMPORT_BUCKETS:
        raise ValidationError(f"Bucket {bucket} is not on S3_IMPORT_BUCKETS; nothing is fetched from it.")
    return bucket, key


def _fetch(bucket: str, key: str):
    from messaging.transports.clients import aws_client  # boto3 only where AWS is asked

    client = aws_client("s3")
    try:
        answer = client.get_object(Bucket=bucket, Key=key)
    except Exception as exc:  # the object is missing, or AWS refused
        raise ValidationError(f"s3://{bucket}/{key} could not be fetched: {exc}") from None
    if answer.get("ContentLength", 0) > SES_MESSAGE_MAX_BYTES:
        raise ValidationError(
            f"s3://{bucket}/{key} is larger than SES's {SES_MESSAGE_MAX_BYTES // 2**20} MB per email.")
    content = answer["Body"].read(SES_MESSAGE_MAX_BYTES + 1)
    name = posixpath.basename(key)[:255] or "attachment"
    content_type = (answer.get("ContentType") or mimetypes.guess_type(name)[0] or "application/octet-stream")[:78]
    return attachment_store(filename=name, content_type=content_type.lower(), content=content)


def recipient_files_attach(*, recipients: list[dict], column: str, shared: list[int], body: str = "",
                           subject: str = "") -> None:
    """Fetch the object each recipient's ``column`` names and set their ``_attachment``; a recipient
    with the column empty gets none. ValidationError naming the recipient (by position) and why."""
    fetched: dict[str, int] = {}
    shared_sizes = attachment_sizes(shared)
    errors: list[str] = []
    for i, row in enumerate(recipients):
        ref = row.get(column)
        if ref in (None, ""):
            continue
        try:
            if ref not in fetched:
                fetched[ref] = _fetch(*s3_ref_parse(ref)).pk
            size_check(sizes=[*shared_sizes, *attachment_sizes([fetched[ref]])], body=body, subject=subject,
                       field=column)
        except ValidationError as exc:
            errors += [f"recipient {i} ({column}): {m}" for m in exc.messages]
            continue
        row[RECIPIENT_ATTACHMENT] = fetched[ref]
    if errors:
        raise ValidationError({"recipients": errors[:100]})
