"""A heartbeat with a 10 s timeout on a real worker: the incident opens within the timeout plus
about 1.5 s of the last ping, pings before the deadline keep it quiet, and the next ping resolves it."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from incidents.heartbeats.models import Heartbeat, HeartbeatState
from incidents.heartbeats.services import heartbeat_create
from incidents.models import Incident, IncidentStatus
from tests.support.incidents import ANA
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]


def test_a_missed_ping_opens_an_incident_on_time_and_the_next_ping_resolves_it(qcluster, policy_factory):
    policy = policy_factory([([ANA], 60, 0, False)], name="Backups")
    heartbeat = heartbeat_create(name="nightly backup", policy=policy, timeout_seconds=10)
    client = Client()
    url = f"/heartbeat/{heartbeat.token}"
    assert client.get(url).status_code == 200
    time.sleep(6)
    assert client.post(url).status_code == 200  # moves the deadline: the first timer finds it moved
    last_ping = Heartbeat.objects.get(pk=heartbeat.pk).last_ping_at
    wait_for(lambda: Incident.objects.exists(), timeout=20)
    incident = Incident.objects.get()
    opened_after = (incident.created_at - last_ping).total_seconds()
    print(f"\nincident opened {opened_after:.3f} s after the last ping (timeout 10 s)")
    assert 10.0 <= opened_after <= 11.5
    assert "Heartbeat 'nightly backup' missed" in incident.description
    assert Heartbeat.objects.get(pk=heartbeat.pk).state == HeartbeatState.LATE

    assert client.get(url).status_code == 200
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESOLVED
    assert Heartbeat.objects.get(pk=heartbeat.pk).state == HeartbeatState.UP
    assert Incident.objects.count() == 1
