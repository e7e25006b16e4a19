"""How the shifts posted in the last few days were filled, for the delivery report page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count

from messaging.reports import percentile
from shifts.models import Shift, ShiftStatus

SAMPLE = 2000


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
