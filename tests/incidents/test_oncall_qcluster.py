"""A schedule hands off between two levels of a running incident, with a real worker and real
waits: the second level pages the new person, the first was paged before the handoff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import EventKind, IncidentEvent
from incidents.policies import LevelSpec, policy_create
from incidents.services import incident_open
from messaging.models import Contact, OutboundMessage
from oncall.services import override_add, schedule_create
from tests.support.incidents import ANA, BEN
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]


def test_the_second_level_pages_whoever_took_over_at_the_handoff(qcluster):
    ana = Contact.objects.create(name="Ana", phone=ANA)
    ben = Contact.objects.create(name="Ben", phone=BEN)
    now = timezone.now()
    # Ben's rotation; Ana covers it until two seconds from now, the handoff back to Ben.
    rota = schedule_create(name="East gas", handoff=now - timedelta(hours=1), turn_hours=24, members=[ben])
    cover = override_add(schedule=rota, contact=ana, start=now - timedelta(hours=1), end=now + timedelta(seconds=2))
    policy = policy_create(name="Gas", levels=[LevelSpec(schedule=rota, wait_seconds=4, reminders=0),
                                               LevelSpec(schedule=rota, wait_seconds=4, reminders=0)])
    incident = incident_open(description="Gas leak", policy=policy)
    assert incident.created_at < cover.end

    def sms(phone):
        return list(OutboundMessage.objects.filter(recipient=phone, channel="sms", owner_id=incident.pk)
                    .order_by("id"))

    assert len(sms(ANA)) == 1 and sms(BEN) == []
    wait_for(lambda: len(sms(BEN)) == 1, timeout=20)
    [page] = sms(BEN)
    assert page.created_at >= cover.end  # paged after the handoff, by the level that started then
    late = (page.created_at - incident.created_at).total_seconds() - 4
    assert -0.05 <= late <= 1.5, late
    assert len(sms(ANA)) == 1
    notified = [(e.contact.phone, e.level, e.note) for e in IncidentEvent.objects.filter(
        incident=incident, kind=EventKind.NOTIFIED).select_related("contact").order_by("at", "id")]
    assert [(p, lv) for p, lv, _ in notified] == [(ANA, 1), (BEN, 2)]
    assert "on call on East gas (override)" in notified[0][2] and "on call on East gas" in notified[1][2]
