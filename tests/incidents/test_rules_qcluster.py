"""Notification rules with a real worker: SMS at once, a call 3 s later, and a YES that stops it."""

from __future__ import annotations

import time

import pytest

from incidents.models import Incident, IncidentStatus
from incidents.services import incident_open
from messaging.models import Contact, NotificationRule, OutboundMessage, Timer, TimerState
from tests.support.incidents import ANA, reply
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]


def ana_with_rules() -> Contact:
    ana = Contact.objects.create(name="Ana", phone=ANA)
    NotificationRule.objects.create(contact=ana, method="sms", after_seconds=0)
    NotificationRule.objects.create(contact=ana, method="voice", after_seconds=3)
    return ana


def test_the_call_comes_2_to_6_s_after_the_sms(qcluster):
    incident = incident_open(description="Gas leak", contacts=[ana_with_rules()], wait_seconds=60, reminders=0)
    sms = OutboundMessage.objects.get(recipient=ANA, channel="sms")
    call = wait_for(lambda: OutboundMessage.objects.filter(recipient=ANA, channel="voice").first(), timeout=15)
    gap = (call.created_at - sms.created_at).total_seconds()
    assert 2 <= gap <= 6, gap
    timer = Timer.objects.get(callback="incidents.tasks.incident_rule_fire")
    # The contract allows 2–6 s; on a shared 2-core machine a worker may be a second or so late.
    assert timer.state == TimerState.FIRED and 0 <= timer.lateness <= 3.0, timer.lateness
    assert incident.events.filter(message=call).exists()
    print(f"\ncall {gap:.3f} s after the SMS; rule timer late by {timer.lateness:.3f} s")


def test_acknowledging_first_stops_the_call(qcluster):
    incident = incident_open(description="Gas leak", contacts=[ana_with_rules()], wait_seconds=60, reminders=0)
    reply(ANA, f"YES {incident.reference}")
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.ACKNOWLEDGED
    time.sleep(6)  # past the call's due time, with the worker running
    assert not OutboundMessage.objects.filter(recipient=ANA, channel="voice").exists()
    assert Timer.objects.get(callback="incidents.tasks.incident_rule_fire").state == TimerState.CANCELLED
