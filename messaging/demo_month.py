"""Thirty days of believable message history for `make run`, so a newcomer's first report is full.

Written with bulk_create (a few thousand rows in well under a second) rather than through the
send pipeline, which would queue real work and take as long as the traffic it imitates. The
rows are what the pipeline would have left behind: messages with their send and delivery times,
a delivery event per outcome, inbound replies, opt-outs and suppressions. Seeded from a fixed
random seed, so every fresh clone shows the same month, relative to ``now`` (the real clock for
`make run`; a test passes its own).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from messaging.models import (
    Contact,
    DeliveryEvent,
    Dispatch,
    DispatchAttempt,
    DispatchUseCase,
    EventType,
    FallbackState,
    InboundSms,
    InboundStatus,
    MessageStatus,
    OptOut,
    OutboundMessage,
    Suppression,
    SuppressionReason,
    Tag,
)

HISTORY_DAYS = 30
TODAY_AT_LEAST = 12
SENDER = "+18005550100"
FIRST_NAMES = ["Amir", "Bea", "Chen", "Dara", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lena", "Milo",
               "Nia", "Omar", "Pia", "Quin", "Rosa", "Sami", "Tess"]
SMS_PRICE = Decimal("0.00581")
EMAIL_PRICE = Decimal("0.0001")
WHATSAPP_PRICE = Decimal("0.0147")
# per channel: delivered, failed, suppressed shares (the rest is sent, awaiting a receipt)
OUTCOMES = {"sms": (0.92, 0.04, 0.02), "email": (0.95, 0.02, 0.01), "whatsapp": (0.9, 0.05, 0.0),
            "voice": (0.85, 0.1, 0.0)}
PRICES = {"sms": SMS_PRICE, "email": EMAIL_PRICE, "whatsapp": WHATSAPP_PRICE, "voice": Decimal("0.013")}


def demo_crew_seed(rng: random.Random) -> list[Contact]:
    """Twenty more staff to page and to offer shifts to, on top of the demo's four."""
    crew = []
    overtime, _ = Tag.objects.get_or_create(name="overtime")
    for i, name in enumerate(FIRST_NAMES):
        contact, _ = Contact.objects.get_or_create(
            phone=f"+120655502{i:02d}", defaults={"name": f"{name} {rng.choice('ABCDEFGHKLMNPRSTW')}.",
                                                  "email": f"{name.lower()}@example.com"})
        if i % 2 == 0:
            contact.tags.add(overtime)  # half the crew takes overtime shifts
        crew.append(contact)
    return crew


def _message(rng, channel, recipient, body, created, *, subject="", owner=None) -> tuple[OutboundMessage, str]:
    delivered, failed, suppressed = OUTCOMES[channel]
    roll = rng.random()
    status = (MessageStatus.DELIVERED if roll < delivered else MessageStatus.FAILED if roll < delivered + failed
              else MessageStatus.SUPPRESSED if roll < delivered + failed + suppressed else MessageStatus.SENT)
    sent = created + timedelta(seconds=rng.uniform(0.2, 2)) if status != MessageStatus.SUPPRESSED else None
    parts = max(1, len(body) // 153 + 1) if channel == "sms" else None
    message = OutboundMessage(
        channel=channel, sender=SENDER if channel in ("sms", "voice") else "alerts@example.com",
        recipient=recipient, subject=subject, body=body, status=status, created_at=created, sent_at=sent,
        provider_message_id=f"demo-{channel}-{rng.getrandbits(48):012x}" if sent else "",
        parts=parts, price=PRICES[channel] * (parts or 1) if sent else None, attempts=1 if sent else 0,
        delivered_at=sent + timedelta(seconds=rng.lognormvariate(1.3, 0.8)) if status == "delivered" else None,
        failed_at=sent + timedelta(seconds=rng.uniform(2, 30)) if status == "failed" else None,
        error_code="UNREACHABLE" if status == "failed" else "", **(owner or {}))
    return message, status


def demo_message_history_seed(*, now: datetime | None = None, seed: int = 15) -> int:
    """Seed the month's messages, events, replies and consent changes; does nothing if messages exist."""
    if OutboundMessage.objects.exists():
        return 0
    rng = random.Random(seed)
    now = now or timezone.now()
    crew = demo_crew_seed(rng)
    with transaction.atomic():
        return _seed(rng, now, crew)


def _seed(rng: random.Random, now: datetime, crew: list[Contact]) -> int:
    messages: list[OutboundMessage] = []
    inbound: list[InboundSms] = []
    dispatch_pairs = []
    for _day, opens, closes, count in _demo_days(rng, now):
        for _ in range(count):
            created = opens + (closes - opens) * rng.random()
            person = rng.choice(crew)
            kind = rng.random()
            if kind < 0.6:
                m, status = _message(rng, "sms", person.phone, "Reminder: your shift starts at 08:00. Reply STOP "
                                     "to opt out.", created)
                messages.append(m)
                if status == "delivered" and rng.random() < 0.15:
                    inbound.append(InboundSms(
                        inbound_message_id=f"demo-in-{rng.getrandbits(48):012x}", origination_number=person.phone,
                        destination_number=SENDER, body=rng.choice(["OK", "Thanks", "YES", "REQUEST"]),
                        previous_published_message_id=m.provider_message_id, status=InboundStatus.HANDLED,
                        handled_by="demo", received_at=m.delivered_at + timedelta(seconds=rng.uniform(20, 600))))
            elif kind < 0.85:
                messages.append(_message(rng, "email", person.email, "Your rota for next week is attached.",
                                         created, subject="Rota for next week")[0])
            elif kind < 0.95:
                primary, status = _message(rng, "whatsapp", person.phone, "Site closed at noon today.", created)
                fallback = None
                if status != "delivered":
                    fallback = _message(rng, "sms", person.phone, "Site closed at noon today.",
                                        created + timedelta(seconds=60))[0]
                dispatch_pairs.append((created, primary, fallback))
                messages.extend(m for m in (primary, fallback) if m)
            else:
                messages.append(_message(rng, "voice", person.phone, "Call-back requested by text.", created)[0])
    OutboundMessage.objects.bulk_create(messages, batch_size=500)
    DeliveryEvent.objects.bulk_create([_event(m) for m in messages if m.status in ("delivered", "failed")],
                                      batch_size=500)
    InboundSms.objects.bulk_create(inbound, batch_size=500)
    _dispatches_seed(dispatch_pairs)
    _consent_seed(rng, now, crew)
    return len(messages)


def _demo_days(rng: random.Random, now: datetime) -> list[tuple[date, datetime, datetime, int]]:
    """The month as the report draws it: the local days up to today, each with its busy hours.

    Days are the site's local days (the report counts by them), not UTC ones. Past days are busy
    from 06:00 to 22:00, weekends less; today runs from midnight to ``now``, with its share of a
    day's traffic but never fewer than ``TODAY_AT_LEAST`` messages, so that today's bar is there
    whatever the hour `make run` (or a test) seeds at.
    """
    today = timezone.localdate(now)
    days = []
    for back in range(HISTORY_DAYS - 1, -1, -1):
        day = today - timedelta(days=back)
        midnight = timezone.make_aware(datetime.combine(day, time.min))
        count = rng.randint(60, 110) if day.weekday() < 5 else rng.randint(20, 45)
        if back:
            days.append((day, midnight + timedelta(hours=6), midnight + timedelta(hours=22), count))
        else:
            elapsed = (now - midnight) / timedelta(days=1)
            days.append((day, midnight, now, max(TODAY_AT_LEAST, round(count * elapsed))))
    return days


def _event(m: OutboundMessage) -> DeliveryEvent:
    delivered = m.status == MessageStatus.DELIVERED
    return DeliveryEvent(
        message=m, channel=m.channel, provider_message_id=m.provider_message_id,
        event_type=EventType.DELIVERED if delivered else EventType.FAILED,
        provider_event="TEXT_DELIVERED" if delivered else "TEXT_UNREACHABLE", permanent=None if delivered else True,
        recipient=m.recipient, parts=m.parts, price=m.price,
        occurred_at=m.delivered_at if delivered else m.failed_at, raw={"demo": True})


def _dispatches_seed(pairs) -> None:
    dispatches = [Dispatch(use_case=DispatchUseCase.FALLBACK, fallback_seconds=60, created_at=created,
                           fallback_state=FallbackState.SENT if fallback else FallbackState.CANCELLED,
                           fallback_decided_at=created + timedelta(seconds=60))
                  for created, _, fallback in pairs]
    Dispatch.objects.bulk_create(dispatches, batch_size=500)
    attempts = []
    for dispatch, (_, primary, fallback) in zip(dispatches, pairs, strict=True):
        attempts.append(DispatchAttempt(dispatch=dispatch, role="primary", message=primary,
                                        created_at=primary.created_at))
        if fallback:
            attempts.append(DispatchAttempt(dispatch=dispatch, role="fallback", message=fallback,
                                            created_at=fallback.created_at))
    DispatchAttempt.objects.bulk_create(attempts, batch_size=500)


def _consent_seed(rng: random.Random, now: datetime, crew: list[Contact]) -> None:
    optouts = []
    for i in range(14):
        out_at = now - timedelta(days=rng.uniform(0, HISTORY_DAYS - 1))
        back = rng.random() < 0.3
        optouts.append(OptOut(phone=f"+1425555{1000 + i:04d}", keyword=rng.choice(["STOP", "STOP", "UNSUBSCRIBE"]),
                              source="keyword", opted_out_at=out_at, active=not back,
                              opted_in_at=min(out_at + timedelta(days=rng.uniform(0.5, 4)), now) if back else None))
    OptOut.objects.bulk_create(optouts, ignore_conflicts=True)
    suppressions = [Suppression(address=f"gone{i}@example.net",
                                reason=SuppressionReason.BOUNCE if i % 3 else SuppressionReason.COMPLAINT,
                                raw={"demo": True}) for i in range(8)]
    taken = set(Suppression.objects.values_list("address", flat=True))
    suppressions = [s for s in suppressions if s.address not in taken]
    Suppression.objects.bulk_create(suppressions)
    # created_at is auto_now_add; bulk_update writes the spread-out days as they are.
    for s in suppressions:
        s.created_at = now - timedelta(days=rng.uniform(0, HISTORY_DAYS - 1))
    Suppression.objects.bulk_update(suppressions, ["created_at"])
