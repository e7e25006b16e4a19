"""Demo rota for `make run`: "East gas" hands over daily at 08:00 between the two demo engineers.

Safe to run repeatedly; needs messaging's demo contacts (seeded first by portal.demo).
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from messaging.models import Contact
from oncall.models import Schedule
from oncall.services import schedule_create

DEMO_SCHEDULE = "East gas"
DEMO_ZONE = "America/Los_Angeles"
MEMBER_PHONES = ["+12065550101", "+12065550102"]


def demo_seed(*, now: datetime | None = None) -> Schedule | None:
    existing = Schedule.objects.filter(name=DEMO_SCHEDULE).first()
    if existing:
        return existing
    members = [Contact.objects.filter(phone=p).first() for p in MEMBER_PHONES]
    if None in members:
        return None
    tz = zoneinfo.ZoneInfo(DEMO_ZONE)
    # The rotation started a week ago, so today has someone on call and the picture has history.
    start = datetime.combine((now or timezone.now()).astimezone(tz).date() - timedelta(days=7), time(8), tzinfo=tz)
    return schedule_create(name=DEMO_SCHEDULE, time_zone=DEMO_ZONE, handoff=start, turn_hours=24,
                           members=members, notice_minutes=30)
