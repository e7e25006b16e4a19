"""A level where everyone acknowledges (ack_all): who has, who has not, and who is still paged."""

from __future__ import annotations

import pytest

from incidents.models import EventKind, Incident, IncidentStatus
from incidents.services import incident_open, incident_repage
from messaging.models import NotificationRule, OutboundMessage
from tests.support.incidents import ANA, BEN, CLEO, at, reply, sms_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(people, policy_factory) -> Incident:
    policy = policy_factory([([ANA, BEN, CLEO], 60, 2, False)])
    level = policy.levels.get()
    level.ack_all = True
    level.save()
    return incident_open(description="Gas leak", policy=policy)


def refreshed(incident: Incident) -> Incident:
    incident.refresh_from_db()
    return incident


def test_acknowledged_only_when_everyone_on_the_level_has(incident):
    reply(ANA, f"YES {incident.reference}")
    assert refreshed(incident).status == IncidentStatus.NOT_ACKNOWLEDGED
    first = incident.events.get(kind=EventKind.ACKNOWLEDGED)
    assert first.contact.phone == ANA
    assert first.note == "acknowledged: Ana; waiting for: Ben, Cleo"
    assert "Still waiting for Ben, Cleo" in sms_to(ANA)[-1]

    reply(BEN, f"YES {incident.reference}")
    second = incident.events.filter(kind=EventKind.ACKNOWLEDGED).order_by("-id").first()
    assert second.note == "acknowledged: Ana, Ben; waiting for: Cleo"
    assert refreshed(incident).status == IncidentStatus.NOT_ACKNOWLEDGED

    reply(CLEO, f"YES {incident.reference}")
    incident = refreshed(incident)
    assert incident.status == IncidentStatus.ACKNOWLEDGED and incident.acknowledged_by.phone == CLEO
    assert incident.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 3


def test_reminders_go_only_to_those_who_have_not_acknowledged(incident):
    reply(ANA, f"YES {incident.reference}")
    at(incident, 60)
    assert not any("Reminder" in body for body in sms_to(ANA))
    assert "Reminder" in sms_to(BEN)[-1] and "Reminder" in sms_to(CLEO)[-1]


def test_the_others_rules_keep_running_and_the_acknowledgers_stop(incident, people):
    for phone in (ANA, BEN):
        NotificationRule.objects.create(contact=people[phone], method="voice", after_seconds=30)
    incident_repage(incident_id=incident.pk)  # the level paged again: the rules just written apply
    reply(ANA, f"YES {incident.reference}")
    at(incident, 45)
    assert OutboundMessage.objects.filter(channel="voice", recipient=ANA).count() == 0
    assert OutboundMessage.objects.filter(channel="voice", recipient=BEN).count() == 1


def test_a_second_yes_from_the_same_person_changes_nothing(incident):
    reply(ANA, f"YES {incident.reference}")
    reply(ANA, f"YES {incident.reference}")
    assert incident.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1
    assert "Still waiting for Ben, Cleo" in sms_to(ANA)[-1]


def test_a_no_after_the_others_said_yes_leaves_it_acknowledged(incident):
    reply(ANA, f"YES {incident.reference}")
    reply(BEN, f"YES {incident.reference}")
    reply(CLEO, f"NO {incident.reference}")
    incident = refreshed(incident)
    assert incident.status == IncidentStatus.ACKNOWLEDGED and incident.acknowledged_by.phone == BEN
