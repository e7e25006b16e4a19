"""The rows the admin home lists, for its tests (tests/test_home.py, tests/browser/test_home.py)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from incidents.alerts.keys import dedup_key_hash
from incidents.models import AlertGroup, EscalationPolicy
from incidents.services import incident_open
from messaging.models import Contact, MessageStatus, OutboundMessage
from oncall.services import schedule_create
from portal.roles import ANALYST, DISPATCHER, SHIFT_MANAGER

LA = zoneinfo.ZoneInfo("America/Los_Angeles")
H = timedelta(hours=1)
# The panels' element ids, and which each role's group can reach.
PANELS = {"home-incidents", "home-alerts", "oncall-now", "home-conversations", "home-failed", "portal-tools"}
SEEN_BY = {
    DISPATCHER: PANELS,
    SHIFT_MANAGER: {"oncall-now", "home-conversations", "home-failed", "portal-tools"},
    ANALYST: PANELS,
}


def world(n: int = 1) -> None:
    """``n`` of everything the home page lists: open incidents paging someone, firing alert
    groups, schedules, messages failed in the last hour (and one failed before it)."""
    start = Contact.objects.count()
    people = [Contact.objects.create(name=f"Person {start + i}", phone=f"+1206555{start + i:04d}")
              for i in range(2 * n)]
    policy = EscalationPolicy.objects.create(name=f"Policy {start}")
    for i in range(n):
        incident = incident_open(description=f"Gas smell at {start + i} Main St", contacts=people[2 * i:2 * i + 2])
        key = f"HighLoad/{start + i}"
        AlertGroup.objects.create(incident=incident, policy=policy, dedup_key=key, key_hash=dedup_key_hash(key),
                                  firing=3)
        schedule_create(name=f"Rota {start + i}", time_zone="America/Los_Angeles", turn_hours=24,
                        handoff=datetime.combine(timezone.now().astimezone(LA).date() - timedelta(days=1), time(8),
                                                 tzinfo=LA), members=people[2 * i:2 * i + 2])
        now = timezone.now()
        OutboundMessage.objects.create(channel="sms", recipient=people[2 * i].phone, body="x",
                                       status=MessageStatus.FAILED, failed_at=now - timedelta(minutes=5),
                                       error="Carrier unreachable", owner_type=None)
        OutboundMessage.objects.create(channel="sms", recipient=people[2 * i].phone, body="old",
                                       status=MessageStatus.FAILED, failed_at=now - 2 * H, error="Too old to list")


