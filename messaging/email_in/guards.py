"""When an email must get no automatic answer (RFC 3834, section 2), as one pure function.

The loop guards are checked in this order and the first that holds is the reason, kept on the
email for the admin. The once-per-sender window (``AUTO_REPLY_DAYS``) is not here: it needs a
row lock (``messaging.email_in.services``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from messaging.email_in.parse import ParsedEmail, address_parts

# Local parts that are machines or lists, never a person waiting for an answer.
ROBOT_LOCAL_PARTS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply", "donotreply",
                     "do-not-reply", "do_not_reply"}
BULK_PRECEDENCE = {"bulk", "list", "junk"}


def _robot(address: str) -> str:
    local, _ = address_parts(address)
    if local in ROBOT_LOCAL_PARTS:
        return f"the sender {address} is a mail system, not a person"
    if local.endswith("-request"):
        return f"the sender {address} is a list's request address"
    return ""


def no_reply_reason(email: ParsedEmail, *, own_addresses: set[str]) -> str:
    """Why this email must not be answered automatically, or "" when it may be.

    Also why it must not act as a reply (YES to a page): an out-of-office or a bounce is no
    person's answer.
    """
    auto = email.header("Auto-Submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    source = email.source.strip().strip("<>").strip()
    if not source or not email.from_address:
        return "empty sender (a bounce or a notification)"
    try:
        validate_email(email.from_address)
    except ValidationError:
        return f"the From address {email.from_address!r} is not one mail can be sent to"
    for address in (source.lower(), email.from_address):
        if reason := _robot(address):
            return reason
    precedence = email.header("Precedence").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    listed = next((n for n, _ in email.headers if n.lower().startswith("list-")), "")
    if listed:
        return f"mailing-list mail ({listed})"
    suppress = email.header("X-Auto-Response-Suppress").lower()
    if any(word in suppress for word in ("all", "oof", "autoreply")):
        return f"X-Auto-Response-Suppress: {suppress}"
    if email.content_type == "multipart/report":
        return "a delivery or read report (multipart/report)"
    for name in ("spam", "virus"):
        if email.verdicts.get(name) == "FAIL":
            return f"SES marked it as {name} (verdict FAIL)"
    if email.from_address in own_addresses or source.lower() in own_addresses:
        return f"it comes from one of our own addresses ({email.from_address})"
    return ""
