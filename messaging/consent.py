"""Self-managed consent: SMS opt-outs by keyword and email suppression.

The keyword handler is the first inbound handler (settings.INBOUND_SMS_HANDLERS), so STOP is
honoured whatever else the message might have meant.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from messaging.models import Channel, OptOut, Suppression

# AWS End User Messaging's own opt-out keywords.
OPT_OUT_KEYWORDS = {"ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "TD", "UNSUBSCRIBE"}
OPT_IN_KEYWORDS = {"START", "UNSTOP"}
HELP_KEYWORDS = {"HELP"}

OPT_OUT_REPLY = "You are unsubscribed and will get no more messages. Reply START to opt back in."
OPT_IN_REPLY = "You are subscribed again. Reply STOP to opt out."


def phone_is_opted_out(*, phone: str) -> bool:
    return OptOut.objects.filter(phone=phone, active=True).exists()


def email_is_suppressed(*, address: str) -> bool:
    return Suppression.objects.filter(address=address.lower()).exists()


def suppressed_among(*, channel: str, recipients: list[str]) -> set[str]:
    """The recipients that must not be sent to, in one query (bulk sends)."""
    if channel in (Channel.SMS, Channel.VOICE):
        return set(OptOut.objects.filter(active=True, phone__in=recipients).values_list("phone", flat=True))
    if channel == Channel.EMAIL:
        return set(Suppression.objects.filter(address__in=[r.lower() for r in recipients])
                   .values_list("address", flat=True))
    return set()


def optout_record(*, phone: str, keyword: str, source: str) -> tuple[OptOut, bool]:
    """Opt ``phone`` out of SMS. Returns the row and whether it was newly opted out."""
    row, created = OptOut.objects.get_or_create(
        phone=phone, defaults={"keyword": keyword, "source": source, "opted_out_at": timezone.now()})
    if created:
        return row, True
    was_active = row.active
    if not was_active:
        OptOut.objects.filter(pk=row.pk).update(active=True, keyword=keyword, source=source,
                                                opted_out_at=timezone.now())
        row.refresh_from_db()
    return row, not was_active


def optin_record(*, phone: str) -> bool:
    return OptOut.objects.filter(phone=phone, active=True).update(active=False, opted_in_at=timezone.now()) == 1


def first_word(body: str) -> str:
    words = (body or "").strip().split()
    return words[0].upper() if words else ""


def consent_handler(inbound):
    """STOP/START/HELP. Returns a HandlerResult when it took the message, else None."""
    from messaging.inbound import HandlerResult

    word = first_word(inbound.body)
    phone = inbound.origination_number
    if word in OPT_OUT_KEYWORDS:
        _, newly = optout_record(phone=phone, keyword=word, source="keyword")
        # One confirmation only: a second STOP gets no further message.
        if newly:
            return HandlerResult(outcome=f"opted out ({word})", reply=OPT_OUT_REPLY, reply_despite_opt_out=True)
        return HandlerResult(outcome=f"already opted out ({word}); no reply")
    if word in OPT_IN_KEYWORDS:
        optin_record(phone=phone)
        return HandlerResult(outcome=f"opted in ({word})", reply=OPT_IN_REPLY)
    if word in HELP_KEYWORDS:
        return HandlerResult(outcome="help sent", reply=settings.SMS_HELP_TEXT)
    return None
