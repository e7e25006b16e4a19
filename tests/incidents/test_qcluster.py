"""The contract's timing with a real worker: wait 1 s, one reminder, two contacts."""

from __future__ import annotations

import pytest

from incidents.models import EventKind, Incident, IncidentStatus
from incidents.services import incident_open
from messaging.models import Contact, OutboundMessage, Timer
from tests.support.incidents import ANA, BEN
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]


def test_reminder_escalation_and_unacknowledged_each_fire_within_a_second_of_due(qcluster):
    ana = Contact.objects.create(name="Ana", phone=ANA)
    ben = Contact.objects.create(name="Ben", phone=BEN)
    incident = incident_open(description="Gas leak", contacts=[ana, ben], wait_seconds=1, reminders=1)
    t0 = incident.created_at

    def offset(ts):
        return (ts - t0).total_seconds()

    first = OutboundMessage.objects.get(recipient=ANA)
    assert offset(first.created_at) < 0.5  # at once

    wait_for(lambda: _status(incident.pk) == IncidentStatus.UNACKNOWLEDGED, timeout=15)

    sms = {(m.recipient, i): m for recipient in (ANA, BEN)
           for i, m in enumerate(OutboundMessage.objects.filter(recipient=recipient, channel="sms").order_by("id"))}
    expected = {(ANA, 1): 1.0, (BEN, 0): 2.0, (BEN, 1): 3.0}  # reminder, escalation, reminder
    for key, due in expected.items():
        late = offset(sms[key].created_at) - due
        assert -0.05 <= late <= 1.0, (key, late)
    assert "Reminder" in sms[(ANA, 1)].body and "Reminder" in sms[(BEN, 1)].body
    unack = incident.events.get(kind=EventKind.UNACKNOWLEDGED)
    assert -0.05 <= offset(unack.at) - 4.0 <= 1.0

    timers = list(Timer.objects.filter(owner_id=incident.pk).order_by("due_at"))
    assert [round(offset(t.due_at), 3) for t in timers] == [1.0, 2.0, 3.0, 4.0]
    lateness = [t.lateness for t in timers]
    assert all(0 <= s <= 1.0 for s in lateness), lateness
    print(f"\ntimer lateness (s): {[round(s, 3) for s in lateness]}")


def _status(pk):
    return Incident.objects.get(pk=pk).status
