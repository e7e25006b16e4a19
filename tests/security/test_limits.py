"""The review's "admin forms lack the API's limits" finding, replayed: the numbers the admin
refused nothing of (a wait of 99,999,999,999 s, 99,999 reminders) are refused by the admin and the
API alike, and each bound in messaging/values/limits.py is the same number on both doors."""

from __future__ import annotations

import pytest
from django.utils import timezone

from incidents.models import EscalationLevel, EscalationPolicy, Incident
from messaging.models import Contact
from messaging.values import limits
from oncall.models import Schedule
from tests.support.incidents import ANA

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(db):
    return Contact.objects.create(name="Ana", phone=ANA)


def admin_open_incident(client, contact, **numbers):
    return client.post("/admin/incidents/incident/add/", {"description": "Leak", "contacts": [contact.pk],
                                                          "wait_seconds": 60, "reminders": 1, **numbers})


def admin_add_policy(client, contact, *, repeat=0, **level):
    fields = {"position": 1, "wait_seconds": 60, "reminders": 1, **level}
    return client.post("/admin/incidents/escalationpolicy/add/", {
        "name": "North", "repeat": repeat, "final_action": "none", "urgency": "high",
        "levels-TOTAL_FORMS": "1", "levels-INITIAL_FORMS": "0", "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000", "levels-0-contacts": [contact.pk],
        **{f"levels-0-{k}": str(v) for k, v in fields.items()}})


def api_add_policy(api, *, repeat=0, **level):
    return api.post("/api/v1/policies/", {"name": "North", "repeat": repeat,
                                          "levels": [{"contacts": [ANA], **level}]}, format="json")


@pytest.mark.parametrize("numbers", [{"wait_seconds": 99_999_999_999}, {"reminders": 99_999},
                                     {"wait_seconds": limits.WAIT_SECONDS_MAX + 1},
                                     {"reminders": limits.REMINDERS_MAX + 1}, {"wait_seconds": 0},
                                     {"reminders": -1}])
def test_the_admin_refuses_the_numbers_the_review_typed_when_opening_an_incident(admin_client, ana, numbers):
    response = admin_open_incident(admin_client, ana, **numbers)
    assert response.status_code == 200  # the form again, with the error
    assert set(numbers) <= set(response.context["adminform"].form.errors)
    assert not Incident.objects.exists()


def test_the_admin_opens_an_incident_at_the_limits(admin_client, ana):
    response = admin_open_incident(admin_client, ana, wait_seconds=limits.WAIT_SECONDS_MAX,
                                   reminders=limits.REMINDERS_MAX)
    assert response.status_code == 302
    level = Incident.objects.get().snapshot["levels"][0]
    assert (level["wait_seconds"], level["reminders"]) == (limits.WAIT_SECONDS_MAX, limits.REMINDERS_MAX)


@pytest.mark.parametrize(("field", "too_many"), [
    ("wait_seconds", 99_999_999_999), ("wait_seconds", limits.WAIT_SECONDS_MAX + 1),
    ("reminders", 99_999), ("reminders", limits.REMINDERS_MAX + 1), ("repeat", limits.REPEAT_MAX + 1),
    ("position", limits.POSITION_MAX + 1)])
def test_admin_and_api_refuse_the_same_policy_numbers(admin_client, api, ana, field, too_many):
    admin = admin_add_policy(admin_client, ana, **{field: too_many})
    assert admin.status_code == 200 and not EscalationPolicy.objects.exists()
    if field != "position":  # the API numbers levels itself
        response = api_add_policy(api, **{field: too_many})
        assert response.status_code == 400, response.content
        assert field in str(response.json())
        assert not EscalationPolicy.objects.exists()


def test_admin_and_api_both_accept_a_policy_at_every_limit(admin_client, api, ana):
    at_limits = {"wait_seconds": limits.WAIT_SECONDS_MAX, "reminders": limits.REMINDERS_MAX}
    assert admin_add_policy(admin_client, ana, repeat=limits.REPEAT_MAX, **at_limits).status_code == 302
    EscalationPolicy.objects.all().delete()
    assert api_add_policy(api, repeat=limits.REPEAT_MAX, **at_limits).status_code == 201
    level = EscalationLevel.objects.get()
    assert (level.wait_seconds, level.reminders, level.policy.repeat) == (
        limits.WAIT_SECONDS_MAX, limits.REMINDERS_MAX, limits.REPEAT_MAX)


@pytest.mark.parametrize(("field", "too_many"), [("turn_hours", limits.TURN_HOURS_MAX + 1),
                                                 ("turn_hours", 99_999_999_999),
                                                 ("notice_minutes", limits.NOTICE_MINUTES_MAX + 1)])
def test_admin_and_api_refuse_the_same_schedule_numbers(admin_client, api, field, too_many):
    handoff = timezone.now().replace(microsecond=0)
    body = {"name": "East", "time_zone": "UTC", "turn_hours": 24, "notice_minutes": 10, field: too_many}
    admin = admin_client.post("/admin/oncall/schedule/add/", {
        **body, "handoff_0": handoff.strftime("%Y-%m-%d"), "handoff_1": handoff.strftime("%H:%M:%S"),
        "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000"})
    assert admin.status_code == 200 and field in admin.context["adminform"].form.errors
    response = api.post("/api/v1/schedules/", {**body, "handoff": handoff.isoformat()}, format="json")
    assert response.status_code == 400 and set(response.json()) == {field}
    assert not Schedule.objects.exists()

