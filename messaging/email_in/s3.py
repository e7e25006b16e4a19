"""A large email's MIME, read from the S3 object a receipt rule's S3 action wrote.

Only the bucket named in ``SES_RECEIPT_S3_BUCKET`` is read: the notification is signed, but the
portal fetches from no bucket it was not told about.
"""

from __future__ import annotations

from botocore.exceptions import ClientError
from django.conf import settings

from messaging.email_in.parse import ReceiptAction, ReceiptRefused
from messaging.transports import clients

MIME_MAX_BYTES = 40 * 1024 * 1024  # SES receives at most 40 MB


def s3_mime_read(action: ReceiptAction) -> bytes:
    if not action.bucket or not action.key:
        raise ReceiptRefused("The S3 action names no bucketName and objectKey.")
    if action.bucket != settings.SES_RECEIPT_S3_BUCKET:
        raise ReceiptRefused(f"Bucket {action.bucket} is not SES_RECEIPT_S3_BUCKET; the email was not read.")
    try:
        body = clients.aws_client("s3").get_object(Bucket=action.bucket, Key=action.key)["Body"]
    except ClientError as exc:
        code = (exc.response.get("Error") or {}).get("Code", "")
        if code in ("NoSuchKey", "NoSuchBucket", "404"):  # gone: running it again cannot help
            raise ReceiptRefused(f"s3://{action.bucket}/{action.key} could not be read: {code}.") from exc
        raise  # denied or unreachable: the notification fails, and the admin runs it again once fixed
    data = body.read(MIME_MAX_BYTES + 1)
    if len(data) > MIME_MAX_BYTES:
        raise ReceiptRefused(f"s3://{action.bucket}/{action.key} is over {MIME_MAX_BYTES} bytes; not read.")
    return data
