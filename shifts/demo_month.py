"""A month of past shift campaigns for `make run`: offers sent by SMS, shifts booked or left open.

Written by bulk_create, the way the campaign send and the SMS bookings would have left them,
so the report's per-campaign table (audience, delivered, booked, time to fill) is full on a
fresh clone. Fixed random seed, relative to ``now`` (passed in by portal.demo); does nothing once
any campaign exists.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from messaging.models import Contact, MessageStatus, OutboundMessage, Tag, owner_fields
from shifts.models import CampaignStatus, Shift, ShiftCampaign, ShiftStatus

HISTORY_DAYS = 30
ROLES = ["Warehouse picker", "Forklift driver", "Night inventory", "Loading bay", "Returns desk"]


def demo_campaign_history_seed(*, now: datetime | None = None, seed: int = 15) -> int:
    if ShiftCampaign.objects.exists():
        return 0
    rng = random.Random(seed)
    now = now or timezone.now()
    tag, _ = Tag.objects.get_or_create(name="overtime")
    audience = list(Contact.objects.filter(tags=tag).order_by("id"))
    if not audience:
        return 0
    with transaction.atomic():
        return _seed(rng, now, tag, audience)


def _seed(rng, now, tag, audience) -> int:
    campaigns, shifts, messages, created = [], [], [], []
    # 1 to 28 days back, minus up to 6 hours: inside the report's month whatever the hour.
    for n, day in enumerate(sorted(rng.sample(range(1, HISTORY_DAYS - 1), 10), reverse=True)):
        sent_at = now - timedelta(days=day, hours=rng.uniform(0, 6))
        campaign = ShiftCampaign(name=f"Overtime {sent_at:%a %d %b}", tag=tag, status=CampaignStatus.SENT,
                                 sent_at=sent_at, recipients=len(audience), message="Open shifts: reply with a code.")
        campaigns.append(campaign)
        offered = []
        for k in range(rng.randint(2, 4)):
            # on the site's clock, as a rota is written: 06:00, 14:00 or 22:00 local
            starts = timezone.localtime(sent_at + timedelta(days=2)).replace(
                hour=rng.choice([6, 14, 22]), minute=0, second=0, microsecond=0)
            shift = Shift(code=f"H{n:02d}{k}{rng.randint(100, 999)}", info=f"{rng.choice(ROLES)}, overtime rate",
                          starts_at=starts, ends_at=starts + timedelta(hours=8), location="Dock 3")
            if rng.random() < 0.8:
                shift.status, shift.booked_by = ShiftStatus.TAKEN, rng.choice(audience)
                shift.booked_phone = shift.booked_by.phone
                shift.booked_at = sent_at + timedelta(seconds=rng.lognormvariate(6.0, 1.0))
            else:
                shift.status = ShiftStatus.EXPIRED if starts < now else ShiftStatus.AVAILABLE
            offered.append(shift)
            created.append(sent_at - timedelta(hours=rng.uniform(1, 24)))
        shifts.append(offered)
    ShiftCampaign.objects.bulk_create(campaigns)
    for campaign, offered in zip(campaigns, shifts, strict=True):
        for shift in offered:
            shift.campaign = campaign if shift.status == ShiftStatus.TAKEN else None
        for person in audience:
            delivered = rng.random() < 0.93
            messages.append(OutboundMessage(
                channel="sms", sender="+18005550100", recipient=person.phone, body=campaign.message,
                status=MessageStatus.DELIVERED if delivered else MessageStatus.FAILED, created_at=campaign.sent_at,
                sent_at=campaign.sent_at + timedelta(seconds=1), parts=1, attempts=1,
                delivered_at=campaign.sent_at + timedelta(seconds=rng.uniform(2, 12)) if delivered else None,
                failed_at=None if delivered else campaign.sent_at + timedelta(seconds=20),
                provider_message_id=f"demo-camp-{rng.getrandbits(48):012x}", **owner_fields(campaign)))
    flat = [s for offered in shifts for s in offered]
    Shift.objects.bulk_create(flat)
    # created_at is auto_now_add; bulk_update writes the posting times as they are.
    for shift, at in zip(flat, created, strict=True):
        shift.created_at = at
    Shift.objects.bulk_update(flat, ["created_at"])
    for campaign, offered in zip(campaigns, shifts, strict=True):
        campaign.shifts.set(offered)
    OutboundMessage.objects.bulk_create(messages, batch_size=500)
    return len(campaigns)
