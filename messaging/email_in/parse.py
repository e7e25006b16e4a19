"""An SES receipt notification read: its fields checked, its MIME decoded and parsed.

Pure (no database, no network), so the guards and the tests read an email exactly as the
service does. The MIME is parsed with Python's ``email`` package under ``policy.default``; a
header it cannot read is kept as text, never a reason to fail the whole email.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

TEXT_MAX = 1_000_000  # characters kept of a text or HTML body (the raw MIME keeps all of it)


class ReceiptRefused(ValueError):
    """The notification is not a receipt we can act on; the message says why (for the admin)."""


@dataclass
class ReceiptAction:
    type: str  # "SNS" (content inline) or "S3" (content in the bucket)
    encoding: str = ""
    bucket: str = ""
    key: str = ""


@dataclass
class ParsedEmail:
    ses_message_id: str
    source: str  # the envelope sender (Return-Path); "" for a bounce
    timestamp: str
    recipients: list[str]
    action: ReceiptAction
    verdicts: dict[str, str]
    headers: list[tuple[str, str]] = field(default_factory=list)
    from_address: str = ""
    from_name: str = ""
    to: str = ""
    subject: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    content_type: str = ""
    text: str = ""
    html: str = ""
    raw: bytes | None = None

    def header(self, name: str) -> str:
        """The first header of that name, or ""."""
        name = name.lower()
        return next((v for n, v in self.headers if n.lower() == name), "")


def _text(value, limit: int = 2000) -> str:
    return str(value or "").replace("\x00", "")[:limit]


def receipt_read(message: dict) -> ParsedEmail:
    """The receipt's own fields (the MIME comes separately). ReceiptRefused when it lacks them."""
    mail, receipt = message.get("mail"), message.get("receipt")
    if not isinstance(mail, dict) or not isinstance(receipt, dict):
        raise ReceiptRefused("A receipt needs a 'mail' and a 'receipt' object.")
    ses_id = _text(mail.get("messageId"), 100).strip()
    if not ses_id:
        raise ReceiptRefused("The receipt's mail has no messageId.")
    action = receipt.get("action") if isinstance(receipt.get("action"), dict) else {}
    kind = _text(action.get("type"), 20).upper()
    if not kind and "content" in message:  # no action named, but the MIME is here: an SNS action's
        kind = "SNS"
    if kind not in ("SNS", "S3"):
        raise ReceiptRefused(f"Receipt action {kind or 'none'!r}: only SNS (content inline) and S3 are read.")
    recipients = [str(r).strip().lower() for r in receipt.get("recipients") or mail.get("destination") or []
                  if isinstance(r, str) and r.strip()]
    verdicts = {name: _text((receipt.get(f"{name}Verdict") or {}).get("status"), 32).upper()
                for name in ("spam", "virus", "spf", "dkim", "dmarc")}
    headers = [(_text(h.get("name"), 200), _text(h.get("value"), 5000)) for h in mail.get("headers") or []
               if isinstance(h, dict)]
    return ParsedEmail(
        ses_message_id=ses_id, source=_text(mail.get("source"), 320).strip(),
        timestamp=_text(mail.get("timestamp"), 40),
        recipients=recipients, verdicts=verdicts, headers=headers,
        action=ReceiptAction(type=kind, encoding=_text(action.get("encoding"), 20).upper(),
                             bucket=_text(action.get("bucketName"), 255), key=_text(action.get("objectKey"), 1024)))


def content_bytes(message: dict, email: ParsedEmail) -> bytes | None:
    """The MIME an SNS action carried, decoded per its encoding; None when it carried none."""
    content = message.get("content")
    if content is None:
        return None
    if not isinstance(content, str):
        raise ReceiptRefused("The receipt's content is not a string.")
    if email.action.encoding == "BASE64":
        try:
            return base64.b64decode(content, validate=False)
        except (binascii.Error, ValueError) as exc:
            raise ReceiptRefused(f"The receipt's content is not Base64: {exc}") from exc
    if not email.action.encoding:  # not said: Base64 when it is exactly that, else the MIME as text
        try:
            return base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            pass
    # UTF8: SES wrote the MIME as text; a body that is not UTF-8 was replaced on its side.
    return content.encode("utf-8", "surrogatepass")


def _address(value: str) -> tuple[str, str]:
    """(name, lower-case address) of a From header, or ("", "") when it names none."""
    pairs = [(n, a) for n, a in getaddresses([value]) if a]
    if not pairs:
        return "", ""
    name, address = pairs[0]
    return name.strip()[:200], address.strip().lower()[:320]


def _header_text(msg: EmailMessage, name: str) -> str:
    try:
        values = msg.get_all(name) or []
        return ", ".join(str(v) for v in values)
    except Exception:  # a header policy.default cannot parse: its raw text instead
        return ", ".join(str(v) for _, v in msg._headers if _.lower() == name.lower())  # noqa: SLF001


def _body(msg: EmailMessage, kind: str) -> str:
    try:
        part = msg.get_body(preferencelist=(kind,))
    except Exception:  # a structure the parser gave up on: no body of this kind
        return ""
    if part is None:
        return ""
    try:
        return _text(part.get_content(), TEXT_MAX)
    except Exception:  # an unknown charset or a broken transfer encoding: what can be read
        payload = part.get_payload(decode=True)
        return _text(payload.decode("utf-8", "replace") if isinstance(payload, bytes) else "", TEXT_MAX)


def mime_parse(email: ParsedEmail, raw: bytes | None) -> ParsedEmail:
    """Fill in the headers and bodies from the MIME (or, without it, from the receipt's headers)."""
    if raw is not None:
        msg = message_from_bytes(raw, policy=policy.default)
        email.raw = raw
        email.headers = [(_text(n, 200), _text(v, 5000)) for n, v in msg.raw_items()]
        email.content_type = msg.get_content_type()
        email.text, email.html = _body(msg, "plain"), _body(msg, "html")
        read = lambda name: _header_text(msg, name)  # noqa: E731
    else:
        read = email.header
        email.content_type = (email.header("Content-Type").split(";")[0].strip().lower() or "text/plain")
    email.from_name, email.from_address = _address(read("From"))
    email.to = _text(", ".join(filter(None, (read("To"), read("Cc")))), 5000)
    email.subject = _text(" ".join(read("Subject").split()), 2000)
    email.message_id = _text(read("Message-ID").strip(), 998)
    email.in_reply_to = _text(read("In-Reply-To").strip(), 998)
    email.references = _text(" ".join(read("References").split()), 5000)
    return email


_MSG_ID = re.compile(r"<([^<>\s]+)>")


def message_ids(*values: str) -> list[str]:
    """Every <id> in these header values, in order, without repeats."""
    found = []
    for value in values:
        found += _MSG_ID.findall(value or "")
    return list(dict.fromkeys(found))


def ses_ids(*values: str) -> list[str]:
    """The SES message ids among these headers' ids: SES's Message-ID is
    ``<MessageId@email.amazonses.com>`` (``@<region>.amazonses.com`` outside us-east-1)."""
    found = []
    for mid in message_ids(*values):
        local, _, domain = mid.rpartition("@")
        if local and (domain.lower() == "amazonses.com" or domain.lower().endswith(".amazonses.com")):
            found.append(local)
    return found


def address_parts(address: str) -> tuple[str, str]:
    """(local part, domain), both lower-case; ("", "") for no address."""
    try:
        parsed = Address(addr_spec=parseaddr(address)[1])
        return parsed.username.lower(), parsed.domain.lower()
    except Exception:
        local, _, domain = (address or "").rpartition("@")
        return local.lower(), domain.lower()
