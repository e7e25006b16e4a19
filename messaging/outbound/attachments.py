"""Email attachments: stored once (``Attachment``), named by id in a message's options, read back
when the message is delivered, and measured against SES's limit before anything is logged.

SES v2 accepts a message of at most 40 MB *including its encoding* (docs: "Working with email
attachments in SES"): an attachment travels as base64, which grows it by 4/3 plus a line break
every 76 characters. Refusing at write time tells the sender why; otherwise SES would refuse each
message one by one with MessageRejected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from django.core.exceptions import ValidationError

from messaging.models import Attachment

SES_MESSAGE_MAX_BYTES = 40 * 1024 * 1024  # SES v2 SendEmail, the whole message once encoded
ATTACHMENTS_MAX = 10  # per message; a person attaches a few files, not a folder
MIME_OVERHEAD_BYTES = 2048  # headers, boundaries and part headers, generously
FILENAME_MAX = 255  # SES Attachment.FileName
CONTENT_TYPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$")
OPTION = "attachments"  # options["attachments"]: [Attachment ids], what a message stores
FILES = "attachment_files"  # options["attachment_files"]: what delivery hands the transport


def encoded_size(size: int) -> int:
    """Bytes a file of ``size`` bytes takes in the message: base64 with CRLF every 76 characters."""
    chars = 4 * ((size + 2) // 3)
    return chars + 2 * ((chars + 75) // 76)


def message_size(*, sizes: list[int], body: str = "", html: str = "", subject: str = "") -> int:
    """An upper estimate of an email's size as SES counts it (texts may be base64-encoded too)."""
    texts = sum(encoded_size(len(t.encode())) for t in (body, html, subject) if t)
    return MIME_OVERHEAD_BYTES + texts + sum(encoded_size(s) + 512 for s in sizes)


def size_check(*, sizes: list[int], body: str = "", html: str = "", subject: str = "",
               field: str = OPTION) -> None:
    """ValidationError naming the sizes when the email would exceed SES's 40 MB."""
    if len(sizes) > ATTACHMENTS_MAX:
        raise ValidationError({field: f"At most {ATTACHMENTS_MAX} attachments per email."})
    total = message_size(sizes=sizes, body=body, html=html, subject=subject)
    if total > SES_MESSAGE_MAX_BYTES:
        raise ValidationError({field: (
            f"The email would be about {total / 2**20:.1f} MB once encoded ({sum(sizes) / 2**20:.1f} MB of "
            f"attachments, base64 adds a third); SES accepts at most {SES_MESSAGE_MAX_BYTES // 2**20} MB.")})


def attachment_decode(*, filename: str, content_type: str, content_base64: str) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of an uploaded file; ValidationError saying what is wrong."""
    filename = (filename or "").strip()
    if not filename or len(filename) > FILENAME_MAX or any(c in filename for c in "/\\\r\n\0"):
        raise ValidationError(f"A file name of 1 to {FILENAME_MAX} characters, without / \\ or line breaks.")
    content_type = (content_type or "application/octet-stream").strip().lower()
    if not CONTENT_TYPE_RE.match(content_type):
        raise ValidationError(f"{content_type[:80]!r} is not a media type such as application/pdf.")
    # The encoded size is known before decoding: refuse a huge upload without building its bytes.
    if encoded_size(len(content_base64) * 3 // 4) > SES_MESSAGE_MAX_BYTES:
        raise ValidationError(f"{filename} is larger than SES's {SES_MESSAGE_MAX_BYTES // 2**20} MB per email.")
    try:
        content = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(f"content_base64 of {filename} is not valid base64 ({exc}).") from None
    if not content:
        raise ValidationError(f"{filename} is empty.")
    return filename, content_type, content


def attachment_store(*, filename: str, content_type: str, content: bytes) -> Attachment:
    """The stored file: the same name, type and bytes are kept once, however often they come."""
    digest = hashlib.sha256(content).hexdigest()
    found = Attachment.objects.filter(sha256=digest, filename=filename, content_type=content_type,
                                      size=len(content)).first()
    if found is not None:
        return found
    return Attachment.objects.create(filename=filename, content_type=content_type, content=content,
                                     size=len(content), sha256=digest)


def attachment_sizes(ids: list[int]) -> list[int]:
    return list(Attachment.objects.filter(pk__in=ids).values_list("size", flat=True))


def attachments_resolve(options: dict) -> dict:
    """The options a transport gets: ``attachments`` (ids) read into ``attachment_files``
    ({"filename", "content_type", "content"}), in the order named. Options without are returned as they are."""
    ids = options.get(OPTION) or []
    if not ids:
        return options
    rows = {a.pk: a for a in Attachment.objects.filter(pk__in=ids)}
    files = [{"filename": rows[i].filename, "content_type": rows[i].content_type, "content": bytes(rows[i].content)}
             for i in ids if i in rows]
    return {**options, FILES: files}


def attachments_check(*, channel: str, ids: list[int], body: str = "", subject: str = "") -> None:
    """Stored attachments may go with ``channel``'s messages: email only, every id known, within SES's size."""
    if channel != "email":
        raise ValidationError({OPTION: "Only email carries attachments."})
    sizes = attachment_sizes(ids)
    if len(sizes) != len(set(ids)):
        raise ValidationError({OPTION: "An attachment named is not stored."})
    size_check(sizes=sizes, body=body, subject=subject)
