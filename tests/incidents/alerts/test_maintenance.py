"""Maintenance windows: alerts are kept and held, nobody paged; at the end what still fires pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import EventKind, Incident, IncidentStatus, MaintenanceWindow
from messaging.models import Timer
from messaging.scheduling.timers import timers_fire_due
from tests.support.alerts import ALERTMANAGER_FIRING, resolved
from tests.support.incidents import ANA, sms_to
from tests.support.waiting import wait_for

AM = "/api/v1/alerts/alertmanager/"


@pytest.fixture
def policy(policy_factory):
    return policy_factory([([ANA], 60, 1, False)])


def window(api, policy, *, start, end, reason="Switch firmware upgrade"):
    response = api.post("/api/v1/maintenance-windows/", {"policy": policy.pk, "start": start.isoformat(),
                                                         "end": end.isoformat(), "reason": reason}, format="json")
    assert response.status_code == 201, response.json()
    return MaintenanceWindow.objects.get(pk=response.json()["id"])


def post(api, policy, body):
    return api.post(f"{AM}?policy={policy.pk}", body, format="json")


@pytest.mark.django_db
def test_during_a_window_the_incident_is_held_and_pages_when_the_window_ends(api, policy):
    now = timezone.now()
    win = window(api, policy, start=now - timedelta(minutes=1), end=now + timedelta(hours=1))
    opened = post(api, policy, ALERTMANAGER_FIRING)
    assert opened.status_code == 201
    assert post(api, policy, ALERTMANAGER_FIRING).json()["incident"] == opened.json()["incident"]
    incident = Incident.objects.get()
    assert sms_to(ANA) == [] and incident.status == IncidentStatus.NOT_ACKNOWLEDGED
    held = incident.events.get(kind=EventKind.IN_MAINTENANCE)
    assert held.note.startswith("Switch firmware upgrade; pages at ")
    assert api.get(f"/api/v1/incidents/{incident.pk}/").json()["alerts"] == 2  # the opener and its repeat

    assert timers_fire_due(now=win.end - timedelta(seconds=1)) == 0
    assert sms_to(ANA) == []
    assert timers_fire_due(now=win.end + timedelta(seconds=1)) == 1
    assert len(sms_to(ANA, incident)) == 1
    assert incident.events.filter(kind=EventKind.NOTIFIED).count() == 1


@pytest.mark.django_db
def test_a_group_resolved_during_the_window_pages_nobody_at_its_end(api, policy):
    now = timezone.now()
    window(api, policy, start=now - timedelta(minutes=1), end=now + timedelta(seconds=1))
    post(api, policy, ALERTMANAGER_FIRING)
    post(api, policy, resolved(ALERTMANAGER_FIRING))
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.RESOLVED
    timers_fire_due(now=now + timedelta(minutes=1))
    assert sms_to(ANA) == []


@pytest.mark.django_db
def test_outside_a_window_alerts_page_at_once(api, policy):
    now = timezone.now()
    window(api, policy, start=now + timedelta(hours=1), end=now + timedelta(hours=2))
    post(api, policy, ALERTMANAGER_FIRING)
    assert len(sms_to(ANA)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("body,field", [
    ({"start": "now", "end": "later", "reason": "x"}, "start"),
    ({"reason": "x"}, "policy"),
    ({"end_before_start": True, "reason": "x"}, "end"),
    ({"reason": ""}, "reason"),
])
def test_a_bad_window_is_a_400_naming_the_field(api, policy, body, field):
    now = timezone.now()
    payload = {"policy": policy.pk, "start": now.isoformat(), "end": (now + timedelta(hours=1)).isoformat(), **body}
    if body.pop("end_before_start", False) or payload.pop("end_before_start", False):
        payload["end"] = (now - timedelta(hours=1)).isoformat()
    if field == "policy":
        payload.pop("policy")
    response = api.post("/api/v1/maintenance-windows/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not MaintenanceWindow.objects.exists() and not Timer.objects.exists()


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_with_a_real_worker_the_held_incident_pages_about_a_second_after_the_window_ends(api, policy, qcluster):
    now = timezone.now()
    win = window(api, policy, start=now - timedelta(seconds=1), end=now + timedelta(seconds=3))
    post(api, policy, ALERTMANAGER_FIRING)
    assert sms_to(ANA) == []
    wait_for(lambda: len(sms_to(ANA)) == 1, timeout=15)
    incident = Incident.objects.get()
    paged = incident.events.get(kind=EventKind.NOTIFIED).at
    assert timedelta(0) <= paged - win.end <= timedelta(seconds=1.5)


def split(field: str, moment) -> dict:
    """The admin's two inputs (date, time) for a datetime field."""
    local = timezone.localtime(moment)
    return {f"{field}_0": local.strftime("%Y-%m-%d"), f"{field}_1": local.strftime("%H:%M:%S")}


@pytest.mark.django_db
def test_moving_the_end_in_the_admin_moves_the_page(admin_client, policy):
    now = timezone.now()
    start, end, later = now - timedelta(minutes=1), now + timedelta(hours=1), now + timedelta(hours=2)
    form = {"policy": policy.pk, "reason": "Pump swap", **split("start", start), **split("end", end)}
    assert admin_client.post("/admin/incidents/maintenancewindow/add/", form).status_code == 302
    win = MaintenanceWindow.objects.get()
    form.update(split("end", later))
    assert admin_client.post(f"/admin/incidents/maintenancewindow/{win.pk}/change/", form).status_code == 302
    pending = Timer.objects.filter(owner_id=win.pk, state="pending")
    assert pending.count() == 1 and abs((pending.get().due_at - later).total_seconds()) < 1
