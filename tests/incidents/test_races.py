"""Races on PostgreSQL with real threads: one consistent outcome whatever arrives first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incidents.models import EscalationLevel, EscalationPolicy, EventKind, Incident, IncidentStatus
from incidents.services import incident_open
from messaging.models import Contact, OutboundMessage, Timer, TimerState
from messaging.scheduling.timers import timer_fire, timers_fire_due
from tests.support.incidents import ANA, BEN, CLEO, reply
from tests.support.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_page_cap(settings):
    # Each test pages the same numbers many times within seconds: races, not the cap on noise
    # (tests/incidents/test_page_cap.py), are what is tested here.
    settings.PAGE_CAP_PER_NUMBER = 0


@pytest.fixture
def crew(transactional_db):
    return [Contact.objects.create(name=n, phone=p) for n, p in [("Ana", ANA), ("Ben", BEN), ("Cleo", CLEO)]]


def open_incident(contacts, **kw) -> Incident:
    return incident_open(description="Leak", contacts=contacts, **kw)


def test_two_people_saying_yes_at_once_leave_one_owner(crew):
    policy = EscalationPolicy.objects.create(name="shared")
    level = EscalationLevel.objects.create(policy=policy, wait_seconds=60, reminders=0)
    level.contacts.set(crew[:2])
    for _ in range(3):
        incident = incident_open(description="Leak", policy=policy)
        together(lambda pk=incident.pk: reply(ANA, f"YES {pk}"), lambda pk=incident.pk: reply(BEN, f"YES {pk}"))
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.ACKNOWLEDGED
        assert incident.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1
        loser = BEN if incident.acknowledged_by.phone == ANA else ANA
        assert "Already taken by" in OutboundMessage.objects.filter(recipient=loser).latest("id").body


def test_yes_and_no_from_the_same_person_at_once_end_acknowledged_by_them(crew):
    for _ in range(3):
        incident = open_incident(crew[:2])
        together(lambda pk=incident.pk: reply(ANA, f"YES {pk}"), lambda pk=incident.pk: reply(ANA, f"NO {pk}"))
        incident.refresh_from_db()
        # Either order ends the same: a NO first escalates, the late YES still acknowledges.
        assert (incident.status, incident.acknowledged_by.phone) == (IncidentStatus.ACKNOWLEDGED, ANA)
        assert incident.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1
        assert not Timer.objects.filter(owner_id=incident.pk, state=TimerState.PENDING).exists()


def test_a_reply_racing_its_reminder_timer_ends_acknowledged_with_no_timer_left(crew):
    for _ in range(5):
        incident = open_incident(crew[:2], wait_seconds=60, reminders=1)
        due = incident.created_at + timedelta(seconds=60)
        together(lambda d=due: timers_fire_due(now=d), lambda pk=incident.pk: reply(ANA, f"YES {pk}"))
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.ACKNOWLEDGED
        assert not Timer.objects.filter(owner_id=incident.pk, state=TimerState.PENDING).exists()
        kinds = list(incident.events.values_list("kind", flat=True))
        assert kinds.count("reminded") <= 1 and kinds.count("acknowledged") == 1
        assert "reminded" not in kinds[kinds.index("acknowledged"):]
        assert timers_fire_due(now=due + timedelta(hours=1)) == 0


def test_a_no_racing_the_escalation_timer_pages_the_next_level_once(crew):
    for _ in range(3):
        incident = open_incident(crew, wait_seconds=60, reminders=0)
        due = incident.created_at + timedelta(seconds=60)
        together(lambda d=due: timers_fire_due(now=d), lambda pk=incident.pk: reply(ANA, f"NO {pk}"))
        incident.refresh_from_db()
        assert incident.level == 2
        assert OutboundMessage.objects.filter(owner_id=incident.pk, recipient=BEN).count() == 1
        assert Timer.objects.filter(owner_id=incident.pk, state=TimerState.PENDING).count() == 1


def test_a_timer_fired_twice_at_once_sends_one_reminder(crew):
    incident = open_incident(crew[:1], wait_seconds=60, reminders=1)
    timer = Timer.objects.get(owner_id=incident.pk, state=TimerState.PENDING)
    now = timer.due_at
    together(lambda: timer_fire(timer_id=timer.pk, now=now), lambda: timer_fire(timer_id=timer.pk, now=now))
    assert incident.events.filter(kind=EventKind.REMINDED).count() == 1
    assert Timer.objects.filter(owner_id=incident.pk, state=TimerState.PENDING).count() == 1
