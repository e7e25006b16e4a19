"""How the shifts posted in the last few days were filled, for the delivery report page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q

from messaging.models import MessageStatus, OutboundMessage
from messaging.reports import percentile
from shifts.models import Shift, ShiftCampaign, ShiftStatus

SAMPLE = 2000
CAMPAIGN_ROWS = 200


@dataclass
class ShiftSummary:
    posted: int
    by_status: dict[str, int]
    seconds_to_book_p50: float | None

    @property
    def filled_share(self) -> float | None:
        """Taken out of those whose outcome is known (taken or expired unfilled)."""
        taken, expired = self.by_status[ShiftStatus.TAKEN], self.by_status[ShiftStatus.EXPIRED]
        return taken / (taken + expired) if taken + expired else None


def shift_report(*, since: datetime, now: datetime) -> ShiftSummary:
    window = Shift.objects.filter(created_at__gte=since, created_at__lte=now)
    by_status = {row["status"]: row["n"] for row in window.values("status").annotate(n=Count("id")).order_by()}
    booked = (window.filter(booked_at__isnull=False).order_by("-created_at")
              .values_list("created_at", "booked_at")[:SAMPLE])
    seconds = [max((at - posted).total_seconds(), 0.0) for posted, at in booked]
    return ShiftSummary(posted=sum(by_status.values()),
                        by_status={s: by_status.get(s, 0) for s in ShiftStatus.values},
                        seconds_to_book_p50=percentile(seconds, 50))


@dataclass
class CampaignRow:
    id: int
    name: str
    sent_at: datetime | None
    audience: int
    delivered: int
    shifts: int
    booked: int
    seconds_to_fill: float | None  # from sending to the last shift's booking, once every shift is taken


def campaigns(*, since: datetime, now: datetime) -> list[CampaignRow]:
    """Campaigns sent in the period: audience, messages delivered, shifts booked, time to fill."""
    sent = ShiftCampaign.objects.filter(sent_at__gte=since, sent_at__lte=now).order_by("-sent_at")
    # Offered: the campaign's shifts; booked: shifts whose booker answered this campaign.
    rows = list(sent.annotate(n_shifts=Count("shifts", distinct=True),
                              n_booked=Count("booked_shifts", distinct=True,
                                             filter=Q(booked_shifts__status=ShiftStatus.TAKEN)),
                              last_booking=Max("booked_shifts__booked_at"))[:CAMPAIGN_ROWS])
    delivered = {row["owner_id"]: row["n"] for row in OutboundMessage.objects.owned_by(ShiftCampaign)
                 .filter(owner_id__in=[c.pk for c in rows], status=MessageStatus.DELIVERED)
                 .values("owner_id").annotate(n=Count("id")).order_by()}
    return [CampaignRow(
        id=c.pk, name=c.name, sent_at=c.sent_at, audience=c.recipients, delivered=delivered.get(c.pk, 0),
        shifts=c.n_shifts, booked=c.n_booked,
        seconds_to_fill=(max((c.last_booking - c.sent_at).total_seconds(), 0.0)
                         if c.n_shifts and c.n_booked == c.n_shifts and c.last_booking else None))
        for c in rows]
