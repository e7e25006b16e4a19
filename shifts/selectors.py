"""Reads: which shifts are open, who a campaign reaches, and how far it has got.

Nothing here writes. The services, the SMS texts, the admin and the API all ask these the same
questions, so each answer is written down once.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from messaging.consent.optouts import suppressed_among
from messaging.contacts import not_allow_listed
from messaging.models import AllowListScope, Channel, Contact, MessageStatus, OutboundMessage, Tag
from shifts.codes import shift_code_normalize
from shifts.models import CampaignStatus, Shift, ShiftCampaign, ShiftStatus

# A campaign can still be edited, sent or scheduled in these; after them it is under way or over.
CAMPAIGN_UNSENT = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


def shift_get(*, code: str) -> Shift | None:
    return Shift.objects.filter(code=shift_code_normalize(code)).select_related("booked_by").first()


def shifts_not_started(now: datetime) -> Q:
    # A shift with no start time never expires.
    return Q(starts_at__isnull=True) | Q(starts_at__gt=now)


def shift_is_open(*, shift: Shift, now: datetime | None = None) -> bool:
    """Available, and not started yet: what a booking, REQUEST and a campaign may offer."""
    now = now or timezone.now()
    return shift.status == ShiftStatus.AVAILABLE and (shift.starts_at is None or shift.starts_at > now)


def shifts_available(*, now: datetime | None = None) -> QuerySet[Shift]:
    """The open shifts, soonest first. A shift whose start has passed is never offered, even in
    the minute before ``shifts_expire`` marks it."""
    return (Shift.objects.filter(shifts_not_started(now or timezone.now()), status=ShiftStatus.AVAILABLE)
            .order_by(F("starts_at").asc(nulls_last=True), "code"))


def shifts_list(*, status: str | None = None, limit: int) -> QuerySet[Shift]:
    """The board as the API lists it: soonest first, optionally of one status."""
    rows = Shift.objects.order_by("starts_at", "code")
    if status:
        rows = rows.filter(status=status)
    return rows[:limit]


def campaign_has_shifts_to_list(*, shifts: list[Shift] | QuerySet[Shift] | None) -> bool:
    """Whether an empty campaign message can be composed: it lists the chosen shifts that are
    open, or else every open shift, so it needs one of either."""
    return any(shift_is_open(shift=s) for s in shifts or []) or shifts_available().exists()


def campaign_is_unsent(*, campaign: ShiftCampaign) -> bool:
    return campaign.status in CAMPAIGN_UNSENT


def campaign_is_due_later(*, campaign: ShiftCampaign, now: datetime | None = None) -> bool:
    """It has a send time still ahead: confirming it schedules rather than sends."""
    return bool(campaign.send_at and campaign.send_at > (now or timezone.now()))


def campaign_audience(*, tag: Tag) -> list[str]:
    """The phones of every contact carrying ``tag``, in a stable order."""
    return list(Contact.objects.filter(tags=tag).order_by("pk").values_list("phone", flat=True).distinct())


def campaign_audience_size(*, tag: Tag) -> dict:
    """How many a campaign to ``tag`` reaches; ``not_allowed``: recipients whose bookings would be
    ignored because they are not on the shifts allow-list (the manager must see it before sending)."""
    phones = campaign_audience(tag=tag)
    opted_out = len(suppressed_among(channel=Channel.SMS, recipients=phones)) if phones else 0
    not_allowed = len(not_allow_listed(phones=phones, scope=AllowListScope.SHIFTS)) if phones else 0
    return {"contacts": len(phones), "opted_out": opted_out, "will_receive": len(phones) - opted_out,
            "not_allowed": not_allowed}


def campaign_attribute(*, phone: str, at: datetime) -> int | None:
    """The campaign a booking answers: the latest one handed to ``phone`` before ``at``."""
    return (OutboundMessage.objects.owned_by(ShiftCampaign)
            .filter(channel=Channel.SMS, recipient=phone, sent_at__lte=at)
            .order_by("-sent_at").values_list("owner_id", flat=True).first())


def campaign_progress(*, campaign: ShiftCampaign) -> dict:
    """Counts from the message log; ``sent`` includes messages since delivered (handed to the provider)."""
    counts = dict(OutboundMessage.objects.owned_by(campaign)
                  .values_list("status").annotate(n=Count("id")).order_by())
    delivered = counts.get(MessageStatus.DELIVERED, 0)
    done = sum(counts.get(s, 0) for s in (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED,
                                          MessageStatus.SUPPRESSED))
    total = campaign.recipients or sum(counts.values())
    return {
        "status": campaign.status,
        "recipients": total,
        "queued": counts.get(MessageStatus.QUEUED, 0),
        "sent": counts.get(MessageStatus.SENT, 0) + delivered,
        "delivered": delivered,
        "failed": counts.get(MessageStatus.FAILED, 0),
        "suppressed": counts.get(MessageStatus.SUPPRESSED, 0),
        "booked": campaign.booked_shifts.count(),
        "percent_done": round(100 * done / total) if total else 100,
    }
