"""Stored first, then acted on: an alert whose acting fails stays stored, shown and retried.

The failure is the database's own (a trigger refuses new incidents), at the acting step; the
intake and the retry sweep run as they do in production.
"""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from django_q.models import Schedule

from incidents import tasks
from incidents.alerts.keys import dedup_key_hash
from incidents.alerts.retry import MAX_ATTEMPTS
from incidents.models import Alert, AlertGroup, AlertState, Incident
from portal.roles import ANALYST, DISPATCHER
from tests.support.alerts import ALERTMANAGER_FIRING, resolved
from tests.support.faults import inserts_fail
from tests.support.incidents import ANA, sms_to
from tests.support.staff import staff

pytestmark = pytest.mark.django_db

AM = "/api/v1/alerts/alertmanager/"
KEYS_MIGRATION = importlib.import_module("incidents.migrations.0007_alert_keys_whole_and_failed_state")


@pytest.fixture
def policy(policy_factory):
    return policy_factory([([ANA], 60, 2, False)])


def test_an_alert_that_fails_at_the_acting_step_is_stored_shown_and_processed_by_the_sweep(
        api, policy, client, django_user_model):
    with inserts_fail("incidents_incident"):
        response = api.post(f"{AM}?policy={policy.pk}", ALERTMANAGER_FIRING, format="json")
        alert = Alert.objects.get()
        assert response.status_code == 202 and response.json()["alert"] == alert.pk
        assert alert.state == AlertState.FAILED and "injected" in alert.error
        assert alert.body == ALERTMANAGER_FIRING
        assert tasks.alerts_retry_failed() == 0  # the database still refuses: failed again, counted
        alert.refresh_from_db()
        assert (alert.state, alert.attempts) == (AlertState.FAILED, 2)
    assert not Incident.objects.exists() and sms_to(ANA) == []
    page = staff(client, django_user_model, DISPATCHER).get("/admin/incidents/alert/?state__exact=failed")
    assert page.status_code == 200 and "Failed, to be retried:" in page.content.decode()
    assert "injected" in client.get(f"/admin/incidents/alert/{alert.pk}/change/").content.decode()

    assert tasks.alerts_retry_failed() == 1
    alert.refresh_from_db()
    incident = Incident.objects.get()
    assert (alert.state, alert.incident_id, alert.error) == (AlertState.PROCESSED, incident.pk, "")
    assert len(sms_to(ANA)) == 1
    # The retried alert is the group's opener: a repeat is absorbed, and both are counted.
    again = api.post(f"{AM}?policy={policy.pk}", ALERTMANAGER_FIRING, format="json")
    assert again.status_code == 200 and again.json()["incident"] == incident.pk
    assert api.get(f"/api/v1/incidents/{incident.pk}/").json()["alerts"] == 2
    assert len(sms_to(ANA)) == 1


def test_a_failed_alert_is_superseded_when_a_later_one_with_its_key_was_processed(api, policy):
    with inserts_fail("incidents_incident"):
        assert api.post(f"{AM}?policy={policy.pk}", ALERTMANAGER_FIRING, format="json").status_code == 202
    # The group resolved before the sweep came round: firing it now would page for nothing.
    done = api.post(f"{AM}?policy={policy.pk}", resolved(ALERTMANAGER_FIRING), format="json")
    assert done.json()["incident"] is None
    assert tasks.alerts_retry_failed() == 1
    failed = Alert.objects.earliest("id")
    assert failed.state == AlertState.SUPERSEDED and failed.outcome.startswith("Superseded")
    assert not Incident.objects.exists() and sms_to(ANA) == []


def test_a_keyless_generic_alert_is_retried_into_its_own_incident(api, policy):
    with inserts_fail("incidents_incident"):
        response = api.post("/api/v1/alerts/", {"summary": "Door open", "policy": policy.pk}, format="json")
    assert response.status_code == 202
    assert tasks.alerts_retry_failed() == 1
    assert Incident.objects.get().description == "Door open" and len(sms_to(ANA)) == 1


def test_past_its_attempts_the_sweep_leaves_it_to_the_admin_which_retries_it(
        api, policy, client, django_user_model):
    with inserts_fail("incidents_incident"):
        api.post(f"{AM}?policy={policy.pk}", ALERTMANAGER_FIRING, format="json")
    alert = Alert.objects.get()
    Alert.objects.filter(pk=alert.pk).update(attempts=MAX_ATTEMPTS)
    assert tasks.alerts_retry_failed() == 0 and not Incident.objects.exists()

    analyst = staff(client, django_user_model, ANALYST).get("/admin/incidents/alert/")
    assert "retry_now" not in analyst.content.decode()
    client.logout()
    dispatcher = staff(client, django_user_model, DISPATCHER)
    response = dispatcher.post("/admin/incidents/alert/", {"action": "retry_now", "_selected_action": [alert.pk]},
                               follow=True)
    assert "1 of 1 failed alert(s) acted on" in response.content.decode()
    alert.refresh_from_db()
    assert alert.state == AlertState.PROCESSED and len(sms_to(ANA)) == 1


def test_the_sweep_is_scheduled_every_minute():
    schedule = Schedule.objects.get(func="incidents.tasks.alerts_retry_failed")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)


def test_the_migration_fills_the_hash_of_keys_stored_before(policy):
    incident = Incident.objects.create(description="before", policy=policy)
    group = AlertGroup.objects.create(incident=incident, policy=policy, dedup_key="{}:{alertname=\"Old\"}")
    alert = Alert.objects.create(source="alertmanager", body={}, policy=policy, dedup_key=group.dedup_key)
    keyless = Alert.objects.create(source="generic", body={}, policy=policy)
    KEYS_MIGRATION.fill_hashes(apps, None)
    group.refresh_from_db()
    alert.refresh_from_db()
    keyless.refresh_from_db()
    assert group.key_hash == alert.key_hash == dedup_key_hash(group.dedup_key) != ""
    assert keyless.key_hash == ""


def test_a_retry_that_fails_for_another_reason_keeps_it_failed_with_that_reason(api, policy):
    with inserts_fail("incidents_incident"):
        api.post(f"{AM}?policy={policy.pk}", ALERTMANAGER_FIRING, format="json")
    policy.levels.all().delete()  # meanwhile someone emptied the policy
    assert tasks.alerts_retry_failed() == 0
    alert = Alert.objects.get()
    assert (alert.state, alert.attempts) == (AlertState.FAILED, 2)
    assert "pages nobody" in alert.error and alert.outcome.startswith("Failed, to be retried: ValidationError")
    assert not Incident.objects.exists()


def test_a_failed_alert_stored_after_a_later_arrival_is_still_superseded_by_it(policy):
    """Later means arrived later: a failed alert is stored after its attempts, so a newer alert
    processed meanwhile can hold the smaller id."""
    key, now = ALERTMANAGER_FIRING["groupKey"], timezone.now()
    newer = Alert.objects.create(source="alertmanager", body={}, policy=policy, dedup_key=key,
                                 key_hash=dedup_key_hash(key), status="resolved", received_at=now)
    failed = Alert.objects.create(source="alertmanager", body=ALERTMANAGER_FIRING, policy=policy, dedup_key=key,
                                  key_hash=dedup_key_hash(key), status="firing", state=AlertState.FAILED,
                                  received_at=now - timedelta(seconds=5))
    assert failed.pk > newer.pk
    assert tasks.alerts_retry_failed() == 1
    failed.refresh_from_db()
    assert failed.state == AlertState.SUPERSEDED and not Incident.objects.exists()
