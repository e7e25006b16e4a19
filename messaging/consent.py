"""Self-managed consent: SMS opt-outs by keyword and email suppression.

The keyword handler is the first inbound handler (settings.INBOUND_SMS_HANDLERS), so STOP is
honoured whatever else the message might have meant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.models import Channel, EventType, OptOut, Suppression, SuppressionReason

log = logging.getLogger(__name__)

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
    """Opt ``phone`` out of SMS. Returns the row and whether it was newly opted out.

    The conditional UPDATE makes "newly" true for exactly one of two concurrent STOPs, which is
    what keeps the confirmation to one.
    """
    now = timezone.now()
    # AWS's reason code is longer than the column; keep it recognisable.
    keyword = {"DESTINATION_PHONE_NUMBER_OPTED_OUT": "AWS_OPTED_OUT"}.get(keyword, keyword)
    try:
        with transaction.atomic():
            return OptOut.objects.create(phone=phone, keyword=keyword[:32], source=source[:32],
                                         opted_out_at=now), True
    except IntegrityError:
        pass
    newly = OptOut.objects.filter(phone=phone, active=False).update(
        active=True, keyword=keyword[:32], source=source[:32], opted_out_at=now) == 1
    return OptOut.objects.get(phone=phone), newly


def optin_record(*, phone: str) -> bool:
    """Opt ``phone`` back in. Returns whether it had been opted out."""
    return OptOut.objects.filter(phone=phone, active=True).update(active=False, opted_in_at=timezone.now()) == 1


_TRAILING_PUNCTUATION = ".!,;:?\"'"


def first_word(body: str) -> str:
    """The trimmed first word, upper-cased, without trailing punctuation ("Stop." is STOP)."""
    words = (body or "").strip().split()
    return words[0].upper().rstrip(_TRAILING_PUNCTUATION) if words else ""


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
        was_out = optin_record(phone=phone)
        return HandlerResult(outcome=f"opted in ({word})" if was_out else f"opt-in ({word}); was not opted out",
                             reply=OPT_IN_REPLY)
    if word in HELP_KEYWORDS:
        # Answered even to an opted-out number: HELP must always get an answer (CTIA).
        return HandlerResult(outcome="help sent", reply=settings.SMS_HELP_TEXT, reply_despite_opt_out=True)
    return None


# ---------------------------------------------------------------- email suppression


def suppression_add(*, address: str, reason: str, raw: dict | None = None) -> tuple[Suppression, bool]:
    address = address.strip().lower()
    try:
        with transaction.atomic():
            return Suppression.objects.create(address=address, reason=reason, raw=raw or {}), True
    except IntegrityError:
        return Suppression.objects.get(address=address), False


def suppression_applies(*, channel: str, event_type: str, permanent: bool | None) -> bool:
    """Whether an event suppresses its addresses: an email complaint or permanent bounce."""
    return channel == Channel.EMAIL and (
        event_type == EventType.COMPLAINED or (event_type == EventType.BOUNCED and bool(permanent)))


def suppression_from_event(*, event) -> list[str]:
    """Suppress the addresses of a permanent SES bounce or of a complaint; returns them."""
    if not suppression_applies(channel=event.channel, event_type=event.event_type, permanent=event.permanent):
        return []
    reason = SuppressionReason.COMPLAINT if event.event_type == EventType.COMPLAINED else SuppressionReason.BOUNCE
    from messaging.events import ses_recipients

    addresses = ses_recipients(event.raw) or ([event.recipient] if event.recipient else [])
    for address in addresses:
        suppression_add(address=address, reason=reason, raw=event.raw)
    return addresses


# ---------------------------------------------------------------- AWS opt-out list sync


@dataclass
class OptOutSyncResult:
    pushed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    pulled: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def optouts_sync_to_aws(*, client=None, list_name: str = "", remove_opted_in: bool = True,
                        pull: bool = False) -> OptOutSyncResult:
    """Mirror our opt-outs into an AWS End User Messaging opt-out list.

    Every active opt-out is put on the list (``put_opted_out_number``, idempotent on AWS's
    side). Numbers that came back with START are taken off (``delete_opted_out_number``),
    otherwise AWS would keep refusing to send to them. With ``pull``, numbers on the AWS list
    that we do not know are recorded here too (source ``sync``).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from messaging.transports.aws import aws_client

    client = client or aws_client("pinpoint-sms-voice-v2")
    list_name = list_name or settings.SMS_OPT_OUT_LIST
    result = OptOutSyncResult()
    for phone in OptOut.objects.filter(active=True).order_by("phone").values_list("phone", flat=True):
        try:
            client.put_opted_out_number(OptOutListName=list_name, OptedOutNumber=phone)
            result.pushed.append(phone)
        except (ClientError, BotoCoreError) as exc:
            result.errors.append(f"put {phone}: {exc}")
    if remove_opted_in:
        for phone in OptOut.objects.filter(active=False).order_by("phone").values_list("phone", flat=True):
            try:
                client.delete_opted_out_number(OptOutListName=list_name, OptedOutNumber=phone)
                result.removed.append(phone)
            except ClientError as exc:
                # Not on the list (never synced, or already removed) is the normal case here.
                if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    result.errors.append(f"delete {phone}: {exc}")
            except BotoCoreError as exc:
                result.errors.append(f"delete {phone}: {exc}")
    if pull:
        known = set(OptOut.objects.values_list("phone", flat=True))
        kwargs = {"OptOutListName": list_name}
        while True:
            try:
                page = client.describe_opted_out_numbers(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                result.errors.append(f"describe: {exc}")
                break
            for item in page.get("OptedOutNumbers", []):
                phone = item.get("OptedOutNumber", "")
                if phone and phone not in known:
                    optout_record(phone=phone, keyword="", source="sync")
                    result.pulled.append(phone)
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
    return result
