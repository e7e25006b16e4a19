"""What the portal sends back to an email: the auto-reply's words, the reply's subject and the
threading headers, and a handler's answer to a routed email.

``auto_reply_render`` is the one place an auto-reply's text is made, so templates can take it
over by changing this function only.
"""

from __future__ import annotations

import html as html_lib
import re

from django.conf import settings

from messaging.email_in.parse import message_ids
from messaging.models import Channel, EmailAutoReply, InboundEmail, InboundSms, OutboundMessage
from messaging.outbound.send import message_send

PLACEHOLDERS = ("name", "message_id")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
HEADER_VALUE_MAX = 995  # sesv2 MessageHeader.Value
_PRINTABLE = re.compile(r"[^ -~]")


def placeholders_unknown(text: str) -> list[str]:
    """Placeholders in ``text`` that an auto-reply cannot fill, e.g. ["order"] for "{order}"."""
    return sorted({p for p in _PLACEHOLDER.findall(text or "") if p not in PLACEHOLDERS})


def auto_reply_render(rule: EmailAutoReply, *, name: str, message_id: str) -> tuple[str, str]:
    """(text, html) of ``rule`` for one email: {name} and {message_id} filled in (escaped in HTML)."""
    values = {"name": name, "message_id": message_id}

    def fill(text: str, escape) -> str:
        return _PLACEHOLDER.sub(lambda m: escape(values[m.group(1)]) if m.group(1) in values else m.group(0), text)

    return fill(rule.text, str), fill(rule.html, html_lib.escape) if rule.html else ""


def reply_subject(prefix: str, subject: str) -> str:
    """The answer's subject: the prefix, then the original subject (not "Re: Re: …")."""
    prefix, subject = (prefix or "").strip(), (subject or "").strip()
    if prefix and subject.lower().startswith(prefix.lower()):
        return subject
    return " ".join(filter(None, (prefix, subject))) or "Re:"


def _header_value(value: str) -> str:
    return _PRINTABLE.sub("", value)[:HEADER_VALUE_MAX]


def reply_headers(*, message_id: str, references: str) -> list[dict]:
    """In-Reply-To and References (RFC 5322 threading) and Auto-Submitted: auto-replied (RFC 3834),
    as sesv2 ``Content.Simple.Headers``. References keeps the newest ids that fit SES's limit."""
    headers = [{"Name": "Auto-Submitted", "Value": "auto-replied"}]
    ids = message_ids(message_id)
    if ids:
        headers.insert(0, {"Name": "In-Reply-To", "Value": _header_value(f"<{ids[0]}>")})
        chain = [f"<{i}>" for i in message_ids(references, message_id)]
        while chain and len(" ".join(chain)) > HEADER_VALUE_MAX:
            chain.pop(0)
        if chain:
            headers.insert(1, {"Name": "References", "Value": _header_value(" ".join(chain))})
    return headers


def reply_sender(email: InboundEmail) -> str:
    """Answer from the address they wrote to (a domain SES receives for is verified for sending)."""
    return email.recipients[0] if email.recipients else settings.SES_FROM_EMAIL


def email_reply_send(*, email: InboundEmail, subject: str, text: str, html: str = "", owner=None) -> OutboundMessage:
    """Queue an answer to ``email`` through the normal send path, so it is in the message log."""
    options = {"headers": reply_headers(message_id=email.message_id, references=email.references)}
    if html:
        options["html"] = html
    return message_send(channel=Channel.EMAIL, recipient=email.from_address, subject=subject, body=text,
                        sender=reply_sender(email), options=options, owner=owner or email)


def email_answer_send(*, inbound: InboundSms, body: str, owner=None) -> OutboundMessage | None:
    """A handler's answer to an email routed as a reply (``YES`` → "Accepted #12"), by email."""
    email = InboundEmail.objects.filter(routed=inbound).first()
    if email is None or not email.from_address:
        return None
    return email_reply_send(email=email, subject=reply_subject("Re:", email.subject), text=body,
                            owner=owner or inbound)
