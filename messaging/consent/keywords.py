"""STOP, START and HELP: the keyword handler, first in settings.INBOUND_SMS_HANDLERS.

First so that STOP is honoured whatever else the message might have meant. Its old path
``messaging.consent.consent_handler`` is what INBOUND_SMS_HANDLERS and ``InboundSms.handled_by``
name, and it keeps resolving through the package.
"""

from __future__ import annotations

from django.conf import settings

from messaging.consent.optouts import optin_record, optout_record, whatsapp_optin_record, whatsapp_optout_record
from messaging.inbound.handlers import HandlerResult
from messaging.models import Channel

# AWS End User Messaging's own opt-out keywords.
OPT_OUT_KEYWORDS = {"ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "TD", "UNSUBSCRIBE"}
OPT_IN_KEYWORDS = {"START", "UNSTOP"}
HELP_KEYWORDS = {"HELP"}

OPT_OUT_REPLY = "You are unsubscribed and will get no more messages. Reply START to opt back in."
OPT_IN_REPLY = "You are subscribed again. Reply STOP to opt out."


_TRAILING_PUNCTUATION = ".!,;:?\"'"


def first_word(body: str) -> str:
    """The trimmed first word, upper-cased, without trailing punctuation ("Stop." is STOP)."""
    words = (body or "").strip().split()
    return words[0].upper().rstrip(_TRAILING_PUNCTUATION) if words else ""


def consent_handler(inbound):
    """STOP/START/HELP. Returns a HandlerResult when it took the message, else None."""
    if getattr(inbound, "channel", Channel.SMS) == Channel.EMAIL:
        # An email's STOP is no SMS opt-out: mail has the suppression list and unsubscribe links.
        return None
    word = first_word(inbound.body)
    phone = inbound.origination_number
    whatsapp = getattr(inbound, "channel", Channel.SMS) == Channel.WHATSAPP  # consent is kept per channel
    if word in OPT_OUT_KEYWORDS:
        if whatsapp:
            _, newly = whatsapp_optout_record(phone=phone, keyword=word)
        else:
            _, newly = optout_record(phone=phone, keyword=word, source="keyword")
        # One confirmation only: a second STOP gets no further message.
        if newly:
            where = " of WhatsApp" if whatsapp else ""
            return HandlerResult(outcome=f"opted out{where} ({word})", reply=OPT_OUT_REPLY,
                                 reply_despite_opt_out=True)
        return HandlerResult(outcome=f"already opted out ({word}); no reply")
    if word in OPT_IN_KEYWORDS:
        was_out = whatsapp_optin_record(phone=phone) if whatsapp else optin_record(phone=phone)
        return HandlerResult(outcome=f"opted in ({word})" if was_out else f"opt-in ({word}); was not opted out",
                             reply=OPT_IN_REPLY)
    if word in HELP_KEYWORDS:
        # Answered even to an opted-out number: HELP must always get an answer (CTIA).
        return HandlerResult(outcome="help sent", reply=settings.SMS_HELP_TEXT, reply_despite_opt_out=True)
    return None


# STOP is honoured whatever the message answers: the router asks this handler before the owner's.
consent_handler.before_owner = True
