"""Alerts in through the API: one incident per problem, repeats absorbed, resolved by the source."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from incidents.models import Alert, AlertGroup, AlertState, EventKind, Incident, IncidentStatus
from messaging.models import Timer, TimerState
from tests.support.alerts import ALERTMANAGER_FIRING, GRAFANA_FIRING, grown, partly_resolved, resolved
from tests.support.incidents import ANA, BEN, reply, sms_to

pytestmark = pytest.mark.django_db

AM = "/api/v1/alerts/alertmanager/"


@pytest.fixture
def policy(policy_factory):
    return policy_factory([([ANA], 60, 2, False), ([BEN], 60, 0, False)])


def post_am(api, policy, body):
    return api.post(f"{AM}?policy={policy.pk}", body, format="json")


def get_incident(api, pk):
    return api.get(f"/api/v1/incidents/{pk}/").json()


def test_a_firing_group_opens_an_incident_that_pages_the_policys_first_contact(api, policy):
    response = post_am(api, policy, ALERTMANAGER_FIRING)
    assert response.status_code == 201
    incident = Incident.objects.get()
    assert response.json() == {"incident": incident.pk, "created": True, "resolved": False}
    assert incident.description.startswith("BlackBox Probe Failure: https://server.example.org")
    assert incident.url.startswith("http://prometheus.example.org:9090/graph")
    assert len(sms_to(ANA)) == 1 and sms_to(BEN) == []
    body = get_incident(api, incident.pk)
    assert (body["policy"], body["alerts"]) == (policy.pk, 1)  # the alert that opened it
    assert body["timeline"][0]["event"] == EventKind.ALERT_OPENED


def test_five_repeats_page_nobody_and_are_counted_on_the_one_incident(api, policy):
    first = post_am(api, policy, ALERTMANAGER_FIRING).json()["incident"]
    timers = list(Timer.objects.filter(state=TimerState.PENDING).values_list("pk", "due_at"))
    for _ in range(5):
        response = post_am(api, policy, ALERTMANAGER_FIRING)
        assert response.status_code == 200
        assert response.json() == {"incident": first, "created": False, "resolved": False}
    assert Incident.objects.count() == 1 and len(sms_to(ANA)) == 1
    # The chain was not restarted: the same reminder is pending, due when it was.
    assert list(Timer.objects.filter(state=TimerState.PENDING).values_list("pk", "due_at")) == timers
    body = get_incident(api, first)
    assert body["alerts"] == 6  # the contract: one alert and five repeats make 6
    notes = [e["note"] for e in body["timeline"] if e["event"] == EventKind.ALERT_REPEATED]
    assert notes == ["alert repeated, 1 firing"] * 5
    assert Alert.objects.count() == 6 and set(Alert.objects.values_list("incident", flat=True)) == {first}


def test_a_grown_and_then_partly_resolved_group_is_the_same_problem(api, policy):
    first = post_am(api, policy, GRAFANA_FIRING).json()["incident"]
    bigger = grown(GRAFANA_FIRING, instance="db-2")
    assert post_am(api, policy, bigger).json()["incident"] == first
    assert post_am(api, policy, partly_resolved(bigger)).json()["incident"] == first
    notes = [e["note"] for e in get_incident(api, first)["timeline"] if e["event"] == EventKind.ALERT_REPEATED]
    assert notes == ["alert repeated, 3 firing", "alert repeated, 2 firing, 1 resolved"]
    assert Incident.objects.count() == 1 and len(sms_to(ANA)) == 1


def test_the_resolved_group_resolves_cancels_the_reminders_and_stands_down_whoever_was_paged(api, policy):
    first = post_am(api, policy, ALERTMANAGER_FIRING).json()["incident"]
    response = post_am(api, policy, resolved(ALERTMANAGER_FIRING))
    assert response.status_code == 200
    assert response.json() == {"incident": first, "created": False, "resolved": True}
    incident = Incident.objects.get(pk=first)
    assert (incident.status, incident.resolved_by) == (IncidentStatus.RESOLVED, "Alertmanager")
    assert not Timer.objects.filter(state=TimerState.PENDING).exists()
    assert sms_to(ANA)[-1] == f"[#{first}] Resolved by Alertmanager. Thanks. No action needed."
    assert sms_to(BEN) == []


def test_once_acknowledged_only_the_taker_hears_of_the_resolution(api, policy):
    first = post_am(api, policy, ALERTMANAGER_FIRING).json()["incident"]
    reply(ANA, f"YES {first}")
    post_am(api, policy, resolved(ALERTMANAGER_FIRING))
    assert sms_to(ANA)[-1] == f"[#{first}] Resolved by Alertmanager. Thanks."


def test_a_later_firing_of_the_same_group_opens_a_new_incident(api, policy):
    first = post_am(api, policy, ALERTMANAGER_FIRING).json()["incident"]
    post_am(api, policy, resolved(ALERTMANAGER_FIRING))
    response = post_am(api, policy, ALERTMANAGER_FIRING)
    assert response.status_code == 201 and response.json()["incident"] != first
    assert len(sms_to(ANA, Incident.objects.get(pk=response.json()["incident"]))) == 1


def test_an_incident_resolved_by_a_person_lets_the_next_firing_open_a_new_one(api, policy):
    first = post_am(api, policy, ALERTMANAGER_FIRING).json()["incident"]
    api.post(f"/api/v1/incidents/{first}/resolve/", {}, format="json")
    closed_before = AlertGroup.objects.values("absorbed", "firing", "last_alert_at").get(incident_id=first)
    second = post_am(api, policy, ALERTMANAGER_FIRING)
    assert second.status_code == 201 and second.json()["incident"] != first
    assert AlertGroup.objects.filter(is_open=True).get().incident_id == second.json()["incident"]
    # The closed group keeps what it counted: the new alert is the new group's, not the old one's.
    assert AlertGroup.objects.values("absorbed", "firing", "last_alert_at").get(incident_id=first) == closed_before


def test_a_resolved_group_with_nothing_open_answers_null(api, policy):
    response = post_am(api, policy, resolved(ALERTMANAGER_FIRING))
    assert response.status_code == 200 and response.json()["incident"] is None
    assert not Incident.objects.exists() and Alert.objects.count() == 1


def test_the_same_key_under_another_policy_is_another_problem(api, policy, policy_factory):
    other = policy_factory([([BEN], 60, 0, False)], name="Other")
    a = post_am(api, policy, ALERTMANAGER_FIRING).json()["incident"]
    b = post_am(api, other, ALERTMANAGER_FIRING).json()["incident"]
    assert a != b and len(sms_to(BEN)) == 1


def test_a_generic_alert_deduplicates_on_its_key_and_resolves_by_it(api, policy):
    alert = {"summary": "Pump 3 pressure low", "details": "2.1 bar", "url": "https://scada.example.org/p3",
             "dedup_key": "pump-3", "policy": policy.pk}
    first = api.post("/api/v1/alerts/", alert, format="json")
    assert first.status_code == 201
    again = api.post("/api/v1/alerts/", alert, format="json")
    assert again.status_code == 200 and again.json()["incident"] == first.json()["incident"]
    incident = Incident.objects.get()
    assert incident.description == "Pump 3 pressure low\n2.1 bar" and incident.url == "https://scada.example.org/p3"
    done = api.post("/api/v1/alerts/", {**alert, "status": "resolved"}, format="json")
    assert done.json() == {"incident": incident.pk, "created": False, "resolved": True}
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


def test_generic_alerts_without_a_key_each_open_their_own_incident(api, policy):
    for _ in range(2):
        assert api.post("/api/v1/alerts/", {"summary": "Door open", "policy": policy.pk},
                        format="json").status_code == 201
    assert Incident.objects.count() == 2


def test_alertmanagers_bearer_header_authenticates(api_key, policy):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert client.post(f"{AM}?policy={policy.pk}", ALERTMANAGER_FIRING, format="json").status_code == 201
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-key")
    assert client.post(f"{AM}?policy={policy.pk}", ALERTMANAGER_FIRING, format="json").status_code in (401, 403)
    assert Incident.objects.count() == 1


@pytest.mark.parametrize("query,body,field", [
    ("?policy={p}", {**ALERTMANAGER_FIRING, "alerts": []}, "alerts"),
    ("?policy={p}", {k: v for k, v in ALERTMANAGER_FIRING.items() if k != "alerts"}, "alerts"),
    ("?policy={p}", {**ALERTMANAGER_FIRING, "status": "pending"}, "status"),
    ("?policy={p}", {k: v for k, v in ALERTMANAGER_FIRING.items() if k != "groupKey"}, "groupKey"),
    ("?policy=999999", ALERTMANAGER_FIRING, "policy"),
    ("?policy=abc", ALERTMANAGER_FIRING, "policy"),
    ("", ALERTMANAGER_FIRING, "policy"),
    ("?policy={p}", [ALERTMANAGER_FIRING], "non_field_errors"),
    ("?policy={p}", {**ALERTMANAGER_FIRING, "alerts": ["down"]}, "alerts"),
    ("?policy={p}", {**ALERTMANAGER_FIRING, "alerts": [{"labels": ["a"]}]}, "alerts"),
    ("?policy={p}", {**ALERTMANAGER_FIRING, "alerts": [{"labels": {"severity": 3}}]}, "alerts"),
    ("?policy={p}", {**ALERTMANAGER_FIRING, "alerts": [{"status": "pending"}]}, "alerts"),
])
def test_bad_alertmanager_bodies_are_refused_naming_the_field_with_nothing_created(api, policy, query, body, field):
    response = api.post(AM + query.format(p=policy.pk), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists() and not Alert.objects.exists()


@pytest.mark.parametrize("body,field", [
    ({"policy": "{p}"}, "summary"),
    ({"summary": "", "policy": "{p}"}, "summary"),
    ({"summary": "Leak"}, "policy"),
    ({"summary": "Leak", "policy": 999999}, "policy"),
    ({"summary": "Leak", "policy": "{p}", "status": "maybe"}, "status"),
    ({"summary": "Leak", "policy": "{p}", "url": "not a url"}, "url"),
    ({"summary": "Leak", "policy": "{p}", "status": "resolved"}, "dedup_key"),
])
def test_bad_generic_alerts_are_refused_naming_the_field_with_nothing_created(api, policy, body, field):
    body = {k: (policy.pk if v == "{p}" else v) for k, v in body.items()}
    response = api.post("/api/v1/alerts/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists() and not Alert.objects.exists()


def test_a_policy_that_pages_nobody_is_refused_before_anything_is_stored(api, policy_factory):
    empty = policy_factory([], name="Empty")
    response = api.post("/api/v1/alerts/", {"summary": "Leak", "policy": empty.pk}, format="json")
    assert response.status_code == 400 and "policy" in response.json()
    assert not Alert.objects.exists()


def test_an_alert_the_portal_fails_to_act_on_is_stored_failed_and_accepted(api, policy, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the database hiccuped")

    # A collaborator fails (not the intake under test): the body must survive the rollback.
    monkeypatch.setattr("incidents.alerts.intake.incident_open", broken)
    response = post_am(api, policy, ALERTMANAGER_FIRING)
    alert = Alert.objects.get()
    # Accepted: the portal owns it now and retries it (tests/incidents/alerts/test_retry.py).
    assert response.status_code == 202
    assert response.json() == {"incident": None, "created": False, "resolved": False, "alert": alert.pk,
                               "retrying": True}
    assert alert.body == ALERTMANAGER_FIRING and alert.state == AlertState.FAILED
    assert alert.error == "RuntimeError: the database hiccuped"
    assert not Incident.objects.exists() and not AlertGroup.objects.exists()


@pytest.mark.parametrize("status", ["firing", "resolved"])
def test_an_alert_for_a_policy_that_does_not_exist_is_a_400_and_stores_nothing(api, status):
    response = api.post("/api/v1/alerts/", {"summary": "Disk full", "dedup_key": "disk", "status": status,
                                            "policy": 987654321}, format="json")
    assert response.status_code == 400
    assert response.json() == {"policy": ["No escalation policy has the id 987654321."]}
    assert not Alert.objects.exists()
