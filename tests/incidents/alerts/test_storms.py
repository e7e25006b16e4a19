"""Alert storms: past the limit, new alerts join one incident that pages once; each still resolves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import AlertGroup, EventKind, Incident, IncidentStatus
from tests.support.alerts import ALERTMANAGER_FIRING, resolved
from tests.support.incidents import ANA, sms_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(policy_factory, settings):
    settings.ALERT_STORM_INCIDENTS = 2
    settings.ALERT_STORM_MINUTES = 5
    return policy_factory([([ANA], 60, 0, False)])


def group(n: int) -> dict:
    return {**ALERTMANAGER_FIRING, "groupKey": f"{{}}:{{instance=\"host-{n}\"}}",
            "commonAnnotations": {"summary": f"host-{n} down"}}


def post(api, policy, body):
    return api.post(f"/api/v1/alerts/alertmanager/?policy={policy.pk}", body, format="json")


def test_past_the_limit_new_alerts_share_one_storm_incident_that_pages_once(api, policy):
    for n in (1, 2):
        assert post(api, policy, group(n)).status_code == 201
    storm = post(api, policy, group(3))
    assert storm.status_code == 201
    incident = Incident.objects.get(pk=storm.json()["incident"])
    assert incident.description.startswith("Alert storm on Gas leak: more than 2 incidents in 5 min")
    for n in (4, 5):
        response = post(api, policy, group(n))
        assert response.status_code == 200 and response.json()["incident"] == incident.pk
    assert post(api, policy, group(4)).json()["incident"] == incident.pk  # a repeat inside the storm
    assert Incident.objects.count() == 3 and len(sms_to(ANA)) == 3
    notes = list(incident.events.filter(kind=EventKind.ALERT_GROUPED).values_list("note", flat=True))
    assert notes == ["host-4 down (1 firing)", "host-5 down (1 firing)"]
    # Every alert the storm incident holds: the one that opened it, two groups, one repeat.
    assert api.get(f"/api/v1/incidents/{incident.pk}/").json()["alerts"] == 4


def test_the_storm_incident_resolves_when_its_last_group_does(api, policy):
    for n in (1, 2, 3, 4):
        post(api, policy, group(n))
    storm = Incident.objects.latest("id")
    assert post(api, policy, resolved(group(4))).json() == {"incident": storm.pk, "created": False,
                                                            "resolved": False}
    storm.refresh_from_db()
    assert storm.status == IncidentStatus.NOT_ACKNOWLEDGED
    assert storm.events.filter(kind=EventKind.ALERT_RESOLVED).count() == 1
    assert post(api, policy, resolved(group(3))).json()["resolved"] is True
    storm.refresh_from_db()
    assert storm.status == IncidentStatus.RESOLVED
    assert post(api, policy, resolved(group(1))).json()["resolved"] is True  # the others resolve as usual


def test_incidents_older_than_the_window_do_not_count(api, policy):
    for n in (1, 2):
        post(api, policy, group(n))
    AlertGroup.objects.update(opened_at=timezone.now() - timedelta(minutes=6))
    assert post(api, policy, group(3)).status_code == 201
    assert not Incident.objects.filter(description__startswith="Alert storm").exists()


def test_keyless_generic_alerts_count_towards_a_storm_and_share_it(api, policy):
    ids = [api.post("/api/v1/alerts/", {"summary": f"Door {n} open", "policy": policy.pk}, format="json")
           .json()["incident"] for n in range(5)]
    assert len(set(ids[:3])) == 3 and set(ids[2:]) == {ids[2]}
    assert Incident.objects.get(pk=ids[2]).description.startswith("Alert storm")
    assert len(sms_to(ANA)) == 3
