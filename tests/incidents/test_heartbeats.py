"""Heartbeats: the keyless ping arms and moves the deadline; a missed deadline opens one incident on
the policy, the next ping resolves it; paused heartbeats stay quiet; bad input gets a 400."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.heartbeats.models import Heartbeat, HeartbeatState
from incidents.heartbeats.services import (
    DEADLINE_CALLBACK,
    heartbeat_create,
    heartbeat_pause,
    heartbeat_ping,
    heartbeat_resume,
)
from incidents.models import Incident, IncidentStatus
from messaging.models import Timer, TimerState
from messaging.scheduling.timers import timers_fire_due
from tests.support.incidents import ANA, sms_to

pytestmark = pytest.mark.django_db

T0 = datetime(2031, 3, 4, 2, 0, tzinfo=UTC)  # a fixed instant: nothing here depends on today


@pytest.fixture
def policy(policy_factory):
    return policy_factory([([ANA], 60, 0, False)], name="Backups")


@pytest.fixture
def heartbeat(policy):
    return heartbeat_create(name="nightly backup", policy=policy, timeout_seconds=60)


def _deadline_timers():
    return Timer.objects.filter(callback=DEADLINE_CALLBACK)


def test_creating_a_heartbeat_answers_its_ping_url_and_a_get_or_post_there_answers_200_with_no_key(api, client, policy):
    response = api.post("/api/v1/heartbeats/", {"name": "nightly backup", "policy": policy.pk,
                                                "timeout_seconds": 10}, format="json")
    assert response.status_code == 201
    body = response.json()
    heartbeat = Heartbeat.objects.get()
    assert body == {"id": heartbeat.pk, "name": "nightly backup", "ping_url": f"http://testserver/heartbeat/{heartbeat.token}"}
    assert heartbeat.state == HeartbeatState.NEW and len(heartbeat.token) == 32
    assert client.get(body["ping_url"]).status_code == 200  # `client` carries no API key
    heartbeat.refresh_from_db()
    assert heartbeat.state == HeartbeatState.UP and heartbeat.last_ping_at is not None  # the first ping arms it
    assert client.post(body["ping_url"] + "/", data="job log", content_type="text/plain").status_code == 200
    assert client.put(body["ping_url"]).status_code == 405


def test_an_unknown_token_answers_404_and_changes_nothing(client, heartbeat):
    assert client.get("/heartbeat/" + "x" * 32).status_code == 404
    assert client.post("/heartbeat/" + heartbeat.token[:-1]).status_code == 404
    heartbeat.refresh_from_db()
    assert heartbeat.state == HeartbeatState.NEW and heartbeat.last_ping_at is None


def test_an_armed_heartbeats_ping_is_one_update_and_touches_no_timer(heartbeat):
    heartbeat_ping(token=heartbeat.token, now=T0)
    timers = Timer.objects.count()
    with CaptureQueriesContext(connection) as queries:
        assert heartbeat_ping(token=heartbeat.token, now=T0 + timedelta(seconds=30))
    # SET LOCAL (PostgreSQL: no wait for the WAL flush) writes nothing, and the savepoints are the
    # test's own transaction around it; the one statement that reads or writes a row is the UPDATE.
    statements = [q["sql"] for q in queries
                  if not q["sql"].startswith(("SET LOCAL synchronous_commit", "SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(statements) == 1 and statements[0].startswith("UPDATE")
    assert Timer.objects.count() == timers


def test_without_a_ping_the_deadline_opens_one_incident_naming_the_heartbeat_and_the_next_ping_resolves_it(
        client, heartbeat):
    heartbeat_ping(token=heartbeat.token, now=T0)
    assert timers_fire_due(now=T0 + timedelta(seconds=59)) == 0
    assert not Incident.objects.exists()
    assert timers_fire_due(now=T0 + timedelta(seconds=60)) == 1
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.NOT_ACKNOWLEDGED
    assert incident.description.startswith("Heartbeat 'nightly backup' missed: last ping at 2031-03-04 02:00:00 UTC")
    assert incident.policy == heartbeat.policy and len(sms_to(ANA)) == 1  # paged on its policy
    heartbeat.refresh_from_db()
    assert heartbeat.state == HeartbeatState.LATE and heartbeat.incident == incident
    # Nothing more waits on it while it is late: one incident per missed ping.
    assert not _deadline_timers().filter(state=TimerState.PENDING).exists()
    timers_fire_due(now=T0 + timedelta(hours=3))
    assert Incident.objects.count() == 1

    assert client.get(f"/heartbeat/{heartbeat.token}").status_code == 200
    incident.refresh_from_db()
    heartbeat.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert heartbeat.state == HeartbeatState.UP  # armed again: the next miss opens a new incident
    assert _deadline_timers().filter(state=TimerState.PENDING).count() == 1


def test_pings_move_the_deadline_and_the_timer_follows_it_instead_of_firing(heartbeat):
    heartbeat_ping(token=heartbeat.token, now=T0)
    heartbeat_ping(token=heartbeat.token, now=T0 + timedelta(seconds=30))
    heartbeat_ping(token=heartbeat.token, now=T0 + timedelta(seconds=45))
    assert timers_fire_due(now=T0 + timedelta(seconds=60)) == 1  # the first deadline: moved, not missed
    assert not Incident.objects.exists()
    pending = _deadline_timers().get(state=TimerState.PENDING)
    assert pending.due_at == T0 + timedelta(seconds=105)
    assert timers_fire_due(now=T0 + timedelta(seconds=104)) == 0
    timers_fire_due(now=T0 + timedelta(seconds=105))
    assert "last ping at 2031-03-04 02:00:45 UTC" in Incident.objects.get().description


def test_a_paused_heartbeat_opens_no_incident_and_is_armed_again_by_a_ping_after_resume(heartbeat):
    heartbeat_ping(token=heartbeat.token, now=T0)
    heartbeat_pause(heartbeat=heartbeat)
    timers_fire_due(now=T0 + timedelta(hours=2))
    assert heartbeat_ping(token=heartbeat.token, now=T0 + timedelta(hours=2))  # still answers 200
    timers_fire_due(now=T0 + timedelta(hours=3))
    assert not Incident.objects.exists()
    heartbeat = heartbeat_resume(heartbeat=heartbeat)
    assert heartbeat.state == HeartbeatState.NEW
    heartbeat_ping(token=heartbeat.token, now=T0 + timedelta(hours=4))
    # Only the new arming's timer acts: one incident, not one per arming.
    timers_fire_due(now=T0 + timedelta(hours=5))
    assert Incident.objects.count() == 1


def test_pause_and_resume_by_the_api_and_the_read_shape(api, heartbeat):
    assert api.post(f"/api/v1/heartbeats/{heartbeat.pk}/pause/").json()["state"] == "paused"
    assert api.post(f"/api/v1/heartbeats/{heartbeat.pk}/resume/").json()["state"] == "new"
    heartbeat_ping(token=heartbeat.token, now=T0)
    body = api.get(f"/api/v1/heartbeats/{heartbeat.pk}/").json()
    assert body["state"] == "up" and body["timeout_seconds"] == 60 and body["policy"] == heartbeat.policy_id
    assert body["last_ping_at"] == T0.isoformat() and body["deadline"] == (T0 + timedelta(seconds=60)).isoformat()
    listed = api.get("/api/v1/heartbeats/").json()["results"]
    assert [h["id"] for h in listed] == [heartbeat.pk]
    assert api.get("/api/v1/heartbeats/999999/").status_code == 404
    assert api.get("/api/v1/heartbeats/?limit=0").status_code == 400


@pytest.mark.parametrize("payload,field", [
    ({"policy": "P", "timeout_seconds": 60}, "name"),
    ({"name": "x", "timeout_seconds": 60}, "policy"),
    ({"name": "x", "policy": 999999, "timeout_seconds": 60}, "policy"),
    ({"name": "x", "policy": "P"}, "timeout_seconds"),
    ({"name": "x", "policy": "P", "timeout_seconds": 9}, "timeout_seconds"),
    ({"name": "x", "policy": "P", "timeout_seconds": "soon"}, "timeout_seconds"),
    ({"name": "x" * 201, "policy": "P", "timeout_seconds": 60}, "name"),
])
def test_bad_input_is_a_400_naming_the_field(api, policy, payload, field):
    payload = {k: policy.pk if v == "P" else v for k, v in payload.items()}
    response = api.post("/api/v1/heartbeats/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Heartbeat.objects.exists()


def test_a_policy_that_pages_nobody_is_refused(api, policy_factory):
    empty = policy_factory([], name="Nobody")
    response = api.post("/api/v1/heartbeats/", {"name": "x", "policy": empty.pk, "timeout_seconds": 60}, format="json")
    assert response.status_code == 400


def test_a_body_that_is_not_an_object_is_a_400(api):
    response = api.post("/api/v1/heartbeats/", [1, 2], format="json")
    assert response.status_code == 400


def test_the_api_needs_a_key(client, policy):
    response = client.post("/api/v1/heartbeats/", {"name": "x", "policy": policy.pk, "timeout_seconds": 60})
    assert response.status_code in (401, 403)


def test_the_admin_lists_state_last_ping_and_deadline_pauses_and_rearms_on_a_shorter_timeout(admin_client, heartbeat):
    heartbeat_ping(token=heartbeat.token, now=T0)
    page = admin_client.get("/admin/incidents/heartbeat/").content.decode()
    assert "nightly backup" in page and "Up" in page
    response = admin_client.get(f"/admin/incidents/heartbeat/{heartbeat.pk}/change/")
    assert f"/heartbeat/{heartbeat.token}" in response.content.decode()
    response = admin_client.post(f"/admin/incidents/heartbeat/{heartbeat.pk}/change/", {
        "name": "nightly backup", "policy": heartbeat.policy_id, "timeout_seconds": 20})
    assert response.status_code == 302
    # The shorter timeout counts from the last ping at once, not at the old deadline.
    timers_fire_due(now=T0 + timedelta(seconds=20))
    assert "nightly backup" in Incident.objects.get().description
    admin_client.post("/admin/incidents/heartbeat/", {"action": "pause", "_selected_action": [heartbeat.pk]})
    heartbeat.refresh_from_db()
    assert heartbeat.state == HeartbeatState.PAUSED
    admin_client.post("/admin/incidents/heartbeat/", {"action": "resume", "_selected_action": [heartbeat.pk]})
    heartbeat.refresh_from_db()
    assert heartbeat.state == HeartbeatState.NEW


def test_a_heartbeat_made_in_the_admin_gets_a_token(admin_client, policy):
    response = admin_client.post("/admin/incidents/heartbeat/add/", {"name": "db dump", "policy": policy.pk,
                                                                     "timeout_seconds": 300})
    assert response.status_code == 302
    assert len(Heartbeat.objects.get(name="db dump").token) == 32
