"""RESOLVE or R by SMS: someone who was paged closes the incident from the phone."""

from __future__ import annotations

import pytest

from incidents.inbound import reply_parse
from incidents.models import IncidentStatus
from incidents.services import incident_open
from messaging.models import Timer, TimerState
from tests.support.incidents import ANA, BEN, STRANGER, reply, sms_to

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text,expected", [
    ("RESOLVE", ("RESOLVE", None)), ("resolve 42", ("RESOLVE", 42)), ("Resolve#42", ("RESOLVE", 42)),
    ("R", ("RESOLVE", None)), (" r ", ("RESOLVE", None)), ("R 42", ("RESOLVE", 42)), ("r #42", ("RESOLVE", 42)),
    ("R#42", ("RESOLVE", 42)), ("R.", ("RESOLVE", None)),
])
def test_resolve_words_are_read_like_yes(text, expected):
    assert reply_parse(text) == expected


@pytest.mark.parametrize("text", ["R101", "RESOLVED", "resolve it", "RR"])
def test_a_shift_like_code_or_a_sentence_is_not_a_resolve(text):
    assert reply_parse(text) is None


@pytest.fixture
def incident(people):
    return incident_open(description="Leak", contacts=[people[ANA], people[BEN]], wait_seconds=60, reminders=1)


def test_resolve_from_the_paged_person_resolves_stops_the_timers_and_thanks_them(incident):
    inbound = reply(ANA, "RESOLVE")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED and incident.resolved_by == "Ana"
    assert not Timer.objects.filter(state=TimerState.PENDING).exists()
    assert sms_to(ANA)[-1] == f"[#{incident.pk}] Resolved. Thanks Ana."
    assert inbound.outcome.startswith(f"Incident #{incident.pk} resolved by Ana")


def test_r_with_the_reference_resolves_an_acknowledged_incident_without_a_second_note(incident):
    reply(ANA, f"YES {incident.pk}")
    reply(ANA, f"R {incident.pk}")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert sms_to(ANA)[-1] == f"[#{incident.pk}] Resolved. Thanks Ana."
    assert not any("Resolved by" in body for body in sms_to(ANA))


def test_resolve_from_someone_never_paged_changes_nothing(incident, people):
    reply(BEN, f"RESOLVE {incident.pk}")  # on level 2, not paged yet
    reply(STRANGER, f"RESOLVE {incident.pk}")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NOT_ACKNOWLEDGED


def test_a_second_resolve_gets_the_polite_answer(incident):
    reply(ANA, "R")
    reply(ANA, f"R {incident.pk}")
    assert sms_to(ANA)[-1] == f"[#{incident.pk}] Already resolved. Thanks."
