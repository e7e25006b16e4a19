"""Policy levels that page a schedule, on a controlled clock: who is on call is asked when each
level starts, the timeline names them and the schedule, nobody on call moves on at once, and a
schedule edited or deleted mid-incident is an answer, not a crash.

The steps fire through ``at()`` (timers due by the controlled clock); who is on call is real
now, so the schedules are laid out around now, and a handoff between levels is a swap (a newer
override) made while level 1 is paging, or an override that ends a second after the incident
opened.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import EventKind, Incident, IncidentEvent, IncidentStatus
from incidents.policies import LevelSpec, policy_create
from incidents.services import incident_open
from oncall.models import Schedule
from oncall.services import override_add, schedule_create, schedule_members_set
from tests.support.incidents import ANA, BEN, CLEO, DEV, at, reply, sms_to, timeline

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


@pytest.fixture
def rota(people):
    """East gas: a daily rotation Ana, Ben that started an hour ago, so Ana is on call now."""
    return schedule_create(name="East gas", time_zone="Europe/London", handoff=timezone.now() - H, turn_hours=24,
                           members=[people[ANA], people[BEN]])


def policy(*levels: LevelSpec, repeat: int = 0, name: str = "Gas out of hours"):
    return policy_create(name=name, levels=list(levels), repeat=repeat)


def fresh(incident: Incident) -> Incident:
    incident.refresh_from_db()
    return incident


def notes(incident: Incident, kind: str) -> list[tuple[str | None, str]]:
    return [(e.contact.phone if e.contact else None, e.note)
            for e in IncidentEvent.objects.filter(incident=incident, kind=kind).select_related("contact")
            .order_by("at", "id")]


class TestOpenedByPolicyThroughTheApi:
    def test_the_sms_goes_to_whoever_is_on_call_and_the_timeline_names_them_and_the_schedule(
            self, api, people, rota, locmem, django_capture_on_commit_callbacks):
        response = api.post("/api/v1/policies/", {"name": "Gas", "levels": [
            {"schedule": rota.pk, "wait_seconds": 60, "reminders": 0},
            {"contacts": [DEV], "wait_seconds": 60, "reminders": 0}]}, format="json")
        assert response.status_code == 201, response.content
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/api/v1/incidents/", {"description": "Gas leak at 5 Main St",
                                                       "policy": response.json()["id"]}, format="json")
        assert response.status_code == 201, response.content
        incident = Incident.objects.get(pk=response.json()["id"])

        assert len(sms_to(ANA, incident)) == 1 and sms_to(BEN) == [] and sms_to(DEV) == []
        assert [m.recipient for m in locmem.outbox] == [ANA]
        assert incident.snapshot["levels"][0]["schedule"] == {"id": rota.pk, "name": "East gas"}

        body = api.get(f"/api/v1/incidents/{incident.pk}/").json()
        assert body["policy"] == incident.policy_id
        [paged] = [e for e in body["timeline"] if e["event"] == "notified"]
        assert paged["contact"] == ANA and "on call on East gas" in paged["note"]

        at(incident, 60)  # escalation follows to the fixed contacts of level 2
        assert len(sms_to(DEV, incident)) == 1 and len(sms_to(ANA)) == 1
        assert timeline(incident) == [("notified", ANA), ("escalated", None), ("notified", DEV)]

    def test_an_override_on_call_now_is_paged_and_the_timeline_says_override(self, api, people, rota):
        now = timezone.now()
        override_add(schedule=rota, contact=people[CLEO], start=now - H, end=now + H)
        policy_id = api.post("/api/v1/policies/", {"name": "Gas", "levels": [
            {"schedule": rota.pk, "wait_seconds": 60, "reminders": 0}]}, format="json").json()["id"]
        incident_id = api.post("/api/v1/incidents/", {"description": "Leak", "policy": policy_id},
                               format="json").json()["id"]
        assert len(sms_to(CLEO)) == 1 and sms_to(ANA) == []
        [(phone, note)] = notes(Incident.objects.get(pk=incident_id), EventKind.NOTIFIED)
        assert phone == CLEO and "on call on East gas (override)" in note

    def test_a_level_with_contacts_and_a_schedule_pages_both_and_once_each(self, people, rota):
        incident = incident_open(description="Leak", policy=policy(
            LevelSpec(contacts=[people[DEV], people[ANA]], schedule=rota, wait_seconds=60, reminders=0)))
        assert len(sms_to(DEV, incident)) == 1
        assert len(sms_to(ANA, incident)) == 1  # fixed and on call: one page, not two
        assert sorted(p for p, _ in notes(incident, EventKind.NOTIFIED)) == sorted([ANA, DEV])

    def test_a_policy_and_contacts_together_is_a_400(self, api, people, rota):
        policy_id = policy(LevelSpec(schedule=rota)).pk
        response = api.post("/api/v1/incidents/", {"description": "Leak", "policy": policy_id, "contacts": [DEV]},
                            format="json")
        assert response.status_code == 400 and "policy" in response.json()
        assert not Incident.objects.exists()

    def test_an_unknown_policy_is_a_400(self, api, db):
        response = api.post("/api/v1/incidents/", {"description": "Leak", "policy": 987654}, format="json")
        assert response.status_code == 400 and "policy" in response.json()
        assert not Incident.objects.exists()


class TestResolvedWhenTheLevelStarts:
    def test_a_swap_while_level_one_pages_makes_level_two_page_the_new_person(self, people, rota):
        incident = incident_open(description="Leak", policy=policy(
            LevelSpec(schedule=rota, wait_seconds=30, reminders=0), LevelSpec(schedule=rota, wait_seconds=30,
                                                                              reminders=0)))
        assert len(sms_to(ANA)) == 1
        now = timezone.now()
        override_add(schedule=rota, contact=people[BEN], start=now, end=now + 2 * H, note="swap with Ana")
        at(incident, 30)
        assert len(sms_to(BEN, incident)) == 1 and len(sms_to(ANA)) == 1
        assert timeline(incident) == [("notified", ANA), ("escalated", None), ("notified", BEN)]

    def test_a_handoff_before_the_next_round_pages_the_new_person(self, people, rota):
        incident = incident_open(description="Leak", policy=policy(
            LevelSpec(schedule=rota, wait_seconds=30, reminders=0), repeat=1))
        now = timezone.now()
        override_add(schedule=rota, contact=people[CLEO], start=now, end=now + H)
        at(incident, 30)
        assert fresh(incident).round == 2
        assert len(sms_to(CLEO, incident)) == 1 and len(sms_to(ANA)) == 1
        at(incident, 60)
        assert fresh(incident).status == IncidentStatus.UNACKNOWLEDGED

    def test_an_override_that_ends_a_second_after_opening_hands_back_to_the_rotation(self, people):
        now = timezone.now()
        rota = schedule_create(name="West gas", handoff=now - H, turn_hours=24, members=[people[BEN]])
        cover = override_add(schedule=rota, contact=people[ANA], start=now - H, end=now + timedelta(seconds=1))
        incident = incident_open(description="Leak", policy=policy(
            LevelSpec(schedule=rota, wait_seconds=5, reminders=0), LevelSpec(schedule=rota, wait_seconds=5,
                                                                             reminders=0)))
        assert len(sms_to(ANA)) == 1 and sms_to(BEN) == []
        time.sleep(max(0.0, (cover.end - timezone.now()).total_seconds()) + 0.05)  # the handoff, for real
        at(incident, 5)
        assert len(sms_to(BEN, incident)) == 1 and len(sms_to(ANA)) == 1

    def test_reminders_on_a_level_go_to_whoever_it_paged_even_after_a_handoff(self, people, rota):
        incident = incident_open(description="Leak", policy=policy(
            LevelSpec(schedule=rota, wait_seconds=30, reminders=1)))
        now = timezone.now()
        override_add(schedule=rota, contact=people[BEN], start=now, end=now + H)
        at(incident, 30)
        assert len(sms_to(ANA)) == 2 and "Reminder" in sms_to(ANA)[1]
        assert sms_to(BEN) == []


class TestNobodyOnCall:
    def test_nobody_on_call_is_recorded_and_the_chain_moves_on_at_once(self, people):
        empty = schedule_create(name="Empty rota", handoff=timezone.now() - H, turn_hours=24, members=[])
        incident = incident_open(description="Leak", policy=policy(
            LevelSpec(schedule=empty, wait_seconds=600, reminders=2),
            LevelSpec(contacts=[people[DEV]], wait_seconds=60, reminders=0)))
        assert timeline(incident) == [("nobody_on_call", None), ("escalated", None), ("notified", DEV)]
        assert len(sms_to(DEV, incident)) == 1  # at once, not after level 1's 600 s
        [(_, note)] = notes(incident, EventKind.NOBODY_ON_CALL)
        assert "Empty rota" in note
        assert fresh(incident).level == 2

    def test_a_gap_before_the_rotation_starts_is_nobody_too(self, people):
        later = schedule_create(name="Not yet", handoff=timezone.now() + 5 * H, turn_hours=24,
                                members=[people[ANA]])
        incident = incident_open(description="Leak", policy=policy(
            LevelSpec(schedule=later, wait_seconds=60, reminders=0),
            LevelSpec(contacts=[people[DEV]], wait_seconds=60, reminders=0)))
        assert sms_to(ANA) == [] and len(sms_to(DEV)) == 1
        assert timeline(incident)[0] == ("nobody_on_call", None)

    def test_nobody_on_call_on_the_only_level_gives_up_at_once_through_the_api(self, api, people):
        empty = schedule_create(name="Empty rota", handoff=timezone.now() - H, turn_hours=24, members=[])
        policy_id = api.post("/api/v1/policies/", {"name": "Only empty", "levels": [
            {"schedule": empty.pk, "wait_seconds": 60, "reminders": 1}]}, format="json").json()["id"]
        response = api.post("/api/v1/incidents/", {"description": "Leak", "policy": policy_id}, format="json")
        assert response.status_code == 201
        body = api.get(f"/api/v1/incidents/{response.json()['id']}/").json()
        assert body["status"] == IncidentStatus.UNACKNOWLEDGED
        assert [e["event"] for e in body["timeline"]] == ["nobody_on_call", "unacknowledged"]


class TestScheduleChangedMidIncident:
    def _two_levels(self, people, rota):
        return incident_open(description="Leak", policy=policy(
            LevelSpec(schedule=rota, wait_seconds=30, reminders=1),
            LevelSpec(schedule=rota, wait_seconds=30, reminders=0),
            LevelSpec(contacts=[people[DEV]], wait_seconds=30, reminders=0)))

    def test_deleting_the_schedule_records_it_and_moves_on_without_crashing(self, people, rota):
        incident = self._two_levels(people, rota)
        schedule_id = rota.pk
        Schedule.objects.filter(pk=schedule_id).delete()
        at(incident, 30)  # level 1's reminder: to whoever it paged, schedule or not
        assert len(sms_to(ANA)) == 2
        at(incident, 60)  # level 2 asks a schedule that is gone
        assert fresh(incident).level == 3
        assert incident.snapshot["levels"][1]["schedule"]["id"] == schedule_id
        [(_, note)] = notes(incident, EventKind.NOBODY_ON_CALL)
        assert "East gas" in note and "no longer exists" in note
        assert len(sms_to(DEV, incident)) == 1
        assert reply(DEV, "YES").outcome.startswith(f"Incident #{incident.reference} acknowledged")
        assert fresh(incident).status == IncidentStatus.ACKNOWLEDGED

    def test_editing_the_rotation_mid_incident_pages_whoever_it_says_at_that_step(self, people, rota):
        incident = self._two_levels(people, rota)
        schedule_members_set(schedule=rota, contacts=[people[CLEO]])
        at(incident, 30)
        at(incident, 60)
        assert len(sms_to(CLEO, incident)) == 1
        assert sms_to(BEN) == [] and len(sms_to(ANA)) == 2

    def test_a_yes_from_the_paged_person_still_counts_after_the_schedule_is_deleted(self, people, rota):
        incident = self._two_levels(people, rota)
        Schedule.objects.filter(pk=rota.pk).delete()
        reply(ANA, "YES")
        assert fresh(incident).status == IncidentStatus.ACKNOWLEDGED


class TestReplies:
    def test_yes_from_the_on_call_person_acknowledges_and_stops_the_chain(self, people, rota):
        incident = incident_open(description="Leak", policy=policy(
            LevelSpec(schedule=rota, wait_seconds=30, reminders=1),
            LevelSpec(contacts=[people[DEV]], wait_seconds=30, reminders=0)))
        inbound = reply(ANA, "YES")
        incident = fresh(incident)
        assert incident.status == IncidentStatus.ACKNOWLEDGED and incident.acknowledged_by == people[ANA]
        assert inbound.outcome == f"Incident #{incident.reference} acknowledged by Ana."
        assert at(incident, 10_000) == 0
        assert sms_to(DEV) == []

    def test_the_rotation_member_not_on_call_was_not_paged_and_changes_nothing(self, people, rota):
        incident = incident_open(description="Leak", policy=policy(LevelSpec(schedule=rota, wait_seconds=30)))
        reply(BEN, f"YES {incident.reference}")
        assert fresh(incident).status == IncidentStatus.NOT_ACKNOWLEDGED

    def test_no_from_the_on_call_person_escalates_at_once(self, people, rota):
        incident = incident_open(description="Leak", policy=policy(
            LevelSpec(schedule=rota, wait_seconds=600, reminders=0),
            LevelSpec(contacts=[people[DEV]], wait_seconds=30, reminders=0)))
        reply(ANA, "NO")
        assert fresh(incident).level == 2 and len(sms_to(DEV)) == 1
