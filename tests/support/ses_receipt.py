"""SES receipt notifications shaped as AWS documents them ("Contents of notifications for Amazon
SES email receiving"): the ``mail``, ``receipt`` and ``content`` an SNS (or S3) action publishes.

https://docs.aws.amazon.com/ses/latest/dg/receiving-email-notifications-contents.html
"""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

TOPIC = "arn:aws:sns:us-east-1:123456789012:portal-inbound"
OURS = "help@portal.example"
_ids = itertools.count(1)


def mime(*, sender: str = "Ana Lima <ana@example.org>", to: str = OURS, subject: str = "Where is my order?",
         text: str = "Hello, my order has not arrived.", html: str | None = None,
         message_id: str | None = None, headers: dict | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = message_id or f"<CAK{next(_ids)}x7@mail.example.org>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def receipt(msg: EmailMessage | bytes | None, *, encoding: str = "BASE64", source: str | None = None,
            recipients: list[str] | None = None, spam: str = "PASS", virus: str = "PASS",
            ses_id: str | None = None, s3: tuple[str, str] | None = None) -> dict:
    """The SNS ``Message`` of a receipt: content inline (SNS action), or in S3 when ``s3`` is
    (bucket, key)."""
    raw = msg.as_bytes() if isinstance(msg, EmailMessage) else msg
    parsed = msg if isinstance(msg, EmailMessage) else None
    ses_id = ses_id or f"o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g{next(_ids):04d}"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    recipients = recipients or [OURS]
    if source is None:
        source = parsed["From"].addresses[0].addr_spec if parsed is not None and parsed["From"] else ""
    headers = [{"name": n, "value": str(v)} for n, v in (parsed.items() if parsed is not None else [])]
    if s3 is None:
        action = {"type": "SNS", "topicArn": TOPIC, "encoding": encoding.upper()}
    else:
        action = {"type": "S3", "topicArn": TOPIC, "bucketName": s3[0], "objectKeyPrefix": "",
                  "objectKey": s3[1]}
    message = {
        "notificationType": "Received",
        "mail": {
            "timestamp": now, "source": source, "messageId": ses_id, "destination": recipients,
            "headersTruncated": False, "headers": headers,
            "commonHeaders": {"returnPath": source, "from": [str(parsed["From"])] if parsed is not None else [],
                              "to": recipients, "messageId": str(parsed["Message-ID"]) if parsed is not None else "",
                              "subject": str(parsed["Subject"]) if parsed is not None else ""},
        },
        "receipt": {
            "timestamp": now, "processingTimeMillis": 222, "recipients": recipients,
            "spamVerdict": {"status": spam}, "virusVerdict": {"status": virus},
            "spfVerdict": {"status": "PASS"}, "dkimVerdict": {"status": "PASS"}, "dmarcVerdict": {"status": "PASS"},
            "action": action,
        },
    }
    if s3 is None and raw is not None:
        message["content"] = (base64.b64encode(raw).decode("ascii") if encoding.upper() == "BASE64"
                              else raw.decode("utf-8"))
    return message
