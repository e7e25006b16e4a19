"""A little demo data for `make run`, so the first page is not empty. Safe to run repeatedly.

Seeded in the order the apps depend on each other: messaging's contacts first, then the on-call
rota, then the incidents' escalation policies (built from those), then the shifts. Then a month of
history, in the same order, so the first report a newcomer opens has thirty days in it; each
app's history seed does nothing once that app has rows of its own, so a real site is left alone.

Everything is laid out relative to one ``now``, passed down to every app's seed: `make run`
uses the real clock, and a test passes the instant it then reads the report at, so what it sees
does not change with the day, the hour or the month it runs on.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from incidents.demo import demo_seed as incidents_demo_seed
from incidents.demo_month import demo_incident_history_seed
from messaging.demo import demo_contacts_seed
from messaging.demo_month import demo_message_history_seed
from oncall.demo import demo_seed as oncall_demo_seed
from shifts.demo import demo_seed as shifts_demo_seed
from shifts.demo_month import demo_campaign_history_seed


def demo_seed(*, now: datetime | None = None) -> None:
    now = now or timezone.now()
    demo_contacts_seed()
    oncall_demo_seed(now=now)
    incidents_demo_seed()
    shifts_demo_seed(now=now)
    demo_month_seed(now=now)


def demo_month_seed(*, now: datetime | None = None) -> None:
    now = now or timezone.now()
    demo_message_history_seed(now=now)
    demo_incident_history_seed(now=now)
    demo_campaign_history_seed(now=now)
