"""An SES receipt acted on: the email stored, matched to a contact, routed when it answers one of
our emails, else auto-replied under the loop guards.

``email_receipt_act`` is what ``messaging.inbound.notifications`` runs for an INBOUND_EMAIL
notification, after the raw SNS body is stored. It returns (status, note) like the other
actions: a receipt it cannot read is ``refused`` with the reason, never an error page.

Who the sender is: the contact whose email is the From address (the oldest, if several share
it). A known sender's email is shown in that contact's conversation (conversations are keyed by
phone). An unknown sender's email is stored and shown in the admin's "Inbound emails", may get an
auto-reply, but joins no conversation and is never routed: no handler could act for nobody.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.conversations.services import conversation_note
from messaging.email_in.guards import no_reply_reason
from messaging.email_in.parse import ParsedEmail, ReceiptRefused, content_bytes, mime_parse, receipt_read, ses_ids
from messaging.email_in.replies import auto_reply_render, email_reply_send, reply_subject
from messaging.email_in.s3 import s3_mime_read
from messaging.inbound.context import answered_email
from messaging.inbound.router import inbound_sms_route
from messaging.models import (
    AutoReplySent,
    Channel,
    Contact,
    EmailAutoReply,
    InboundEmail,
    InboundSms,
    InboundStatus,
    NotificationStatus,
    OutboundMessage,
)
from messaging.values.instants import instant_in_range

_QUOTE_START = re.compile(r"^(on\s.+wrote:|-+\s*original message\s*-+|from:\s.+|--\s*)$", re.IGNORECASE)
_REF = re.compile(r"#?\d{1,9}")
BODY_ROUTED_MAX = 1600


def email_receipt_act(*, notification, message: dict) -> tuple[str, str]:
    """Store the email of one receipt notification and act on it once; (status, note)."""
    try:
        email = receipt_read(message)
        raw = content_bytes(message, email) if email.action.type == "SNS" else s3_mime_read(email.action)
    except ReceiptRefused as exc:
        return NotificationStatus.REFUSED, str(exc)
    mime_parse(email, raw)
    row, created = _store(email, notification)
    if not created and row.outcome:
        return NotificationStatus.PROCESSED, f"Email {row.ses_message_id} was already stored and acted on."
    reason = no_reply_reason(email, own_addresses=own_addresses(email))
    if row.contact is not None and row.contact.phone:
        conversation_note(phone=row.contact.phone, at=row.received_at, body=f"Email: {row.subject}")
    if not reason and _route_if_reply(row, email):
        return NotificationStatus.PROCESSED, ""
    _auto_reply(row, reason)
    return NotificationStatus.PROCESSED, ""


def _received_at(email: ParsedEmail):
    try:
        at = datetime.fromisoformat(email.timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timezone.now()
    return at if at.tzinfo and instant_in_range(at) else timezone.now()


def contact_for_address(address: str) -> Contact | None:
    if not address:
        return None
    return Contact.objects.filter(email__iexact=address).order_by("id").first()


def _store(email: ParsedEmail, notification) -> tuple[InboundEmail, bool]:
    fields = dict(
        notification=notification, received_at=_received_at(email), from_address=email.from_address,
        from_name=email.from_name, envelope_from=email.source[:320], recipients=email.recipients, to=email.to,
        subject=email.subject, message_id=email.message_id, in_reply_to=email.in_reply_to,
        references=email.references, headers=[list(h) for h in email.headers], text_body=email.text,
        html_body=email.html, raw=email.raw if email.action.type == "SNS" else None,
        size=len(email.raw) if email.raw is not None else None,
        s3_bucket=email.action.bucket if email.action.type == "S3" else "",
        s3_key=email.action.key if email.action.type == "S3" else "",
        contact=contact_for_address(email.from_address),
        **{f"{name}_verdict": value for name, value in email.verdicts.items()},
    )
    try:
        with transaction.atomic():
            return InboundEmail.objects.create(ses_message_id=email.ses_message_id, **fields), True
    except IntegrityError:  # the same email in a second notification (two rules, a re-run)
        return InboundEmail.objects.select_related("contact").get(ses_message_id=email.ses_message_id), False


def own_addresses(email: ParsedEmail) -> set[str]:
    """Addresses that are ours: the sending address, every address a rule answers for, and the
    addresses this very email was received for (mail to ourselves from ourselves)."""
    ours = {parseaddr(settings.SES_FROM_EMAIL or "")[1].lower()} | set(email.recipients)
    ours |= {m for m in EmailAutoReply.objects.exclude(match__startswith="@").values_list("match", flat=True)}
    return ours - {""}


def reply_body(text: str) -> str:
    """What a routed email says, for the handlers: its new text above any quote; when its first
    word is one of ``EMAIL_REPLY_WORDS`` (YES, NO, RESOLVE, …), that word and a reference after it."""
    fresh = []
    for line in (text or "").splitlines():
        stripped = line.strip()
        if stripped.startswith(">") or _QUOTE_START.match(stripped):
            break
        fresh.append(stripped)
    words = " ".join(" ".join(fresh).split())
    first, _, rest = words.partition(" ")
    word = first.strip(".,!:;").upper()
    if word in {w.upper() for w in settings.EMAIL_REPLY_WORDS}:
        ref = rest.split(" ")[0].strip(".,!:;") if rest else ""
        return f"{word} {ref}".strip() if _REF.fullmatch(ref) else word
    return words[:BODY_ROUTED_MAX]


def _text_of(email: ParsedEmail) -> str:
    return email.text or " ".join(re.sub(r"<[^>]+>", " ", email.html).split())


def _route_if_reply(row: InboundEmail, email: ParsedEmail) -> bool:
    """Route an email that answers one of our emails through the inbound handlers, as the SMS
    reply it stands for (``messaging.inbound.context``: a reply belongs to the message it
    answers). Only a known sender's: the handlers act for a contact. An answer to an auto-reply
    is not a reply to anything a handler sent."""
    contact = row.contact
    if contact is None or not contact.phone:
        return False
    if row.routed_id is None:
        # Matched as of now, not SES's timestamp: its clock (and its whole seconds) may be behind ours.
        answered = answered_email(address=email.from_address, ses_ids=ses_ids(email.in_reply_to, email.references),
                                  subject=email.subject, now=timezone.now())
        if answered is None or _is_auto_reply(answered):
            return False
        with transaction.atomic():
            inbound = InboundSms.objects.create(
                inbound_message_id=f"email:{row.ses_message_id}"[:100], origination_number=contact.phone,
                body=reply_body(_text_of(email)), previous_published_message_id=answered.provider_message_id[:200],
                raw={"email": row.pk, "from": email.from_address, "subject": email.subject[:300]},
                notification=row.notification, channel=Channel.EMAIL, answers=answered)
            row.routed = inbound
            row.save(update_fields=["routed"])
    inbound = row.routed
    if inbound.status in (InboundStatus.RECEIVED, InboundStatus.FAILED):
        inbound = inbound_sms_route(inbound=inbound)
    row.outcome = f"Routed as a reply to message #{inbound.answers_id}: {inbound.outcome}"[:5000]
    row.save(update_fields=["outcome"])
    return True


def _is_auto_reply(message: OutboundMessage) -> bool:
    return InboundEmail.objects.filter(auto_reply=message).exists()


def auto_reply_rule(recipients: list[str]) -> EmailAutoReply | None:
    """The rule for the first of ``recipients`` that has one: an exact address before ``@domain``."""
    candidates = set(recipients) | {"@" + r.rpartition("@")[2] for r in recipients if "@" in r}
    rules = list(EmailAutoReply.objects.filter(enabled=True, match__in=candidates).order_by("id"))
    for recipient in recipients:
        for match in (recipient, "@" + recipient.rpartition("@")[2]):
            rule = next((r for r in rules if r.match == match), None)
            if rule is not None:
                return rule
    return None


def _sender_claim(sender: str, now) -> bool:
    """Take this sender's one answer per ``AUTO_REPLY_DAYS``. One row per sender: a conditional
    UPDATE (a second worker waits for the first's row lock, then finds it taken) or the INSERT
    that the unique sender lets only one worker make."""
    cutoff = now - timedelta(days=settings.AUTO_REPLY_DAYS)
    if AutoReplySent.objects.filter(sender=sender, last_at__lt=cutoff).update(last_at=now):
        return True
    try:
        with transaction.atomic():
            AutoReplySent.objects.create(sender=sender, last_at=now)
        return True
    except IntegrityError:
        return False


def _auto_reply(row: InboundEmail, reason: str) -> None:
    rule = auto_reply_rule(row.recipients)
    with transaction.atomic():
        if rule is None:
            row.outcome = "Stored; no auto-reply rule matches " + (", ".join(row.recipients) or "its recipients") + "."
        elif reason:
            row.outcome = f"No auto-reply: {reason}."
        elif not _sender_claim(row.from_address, timezone.now()):
            row.outcome = (f"No auto-reply: {row.from_address} was answered within the last "
                           f"{settings.AUTO_REPLY_DAYS:g} days (AUTO_REPLY_DAYS).")
        else:
            name = (row.contact.name if row.contact else "") or row.from_name or row.from_address.partition("@")[0]
            text, html = auto_reply_render(rule, name=name, message_id=row.ses_message_id)
            row.auto_reply = email_reply_send(email=row, subject=reply_subject(rule.subject_prefix, row.subject),
                                              text=text, html=html)
            row.outcome = f"Auto-replied by rule {rule.match!r} (message #{row.auto_reply.pk})."
        row.auto_reply_rule = rule
        row.save(update_fields=["outcome", "auto_reply", "auto_reply_rule"])
