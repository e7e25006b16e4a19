"""The API of notification rules, urgency and multi-acknowledge: what is accepted, returned and refused."""

from __future__ import annotations

import pytest

from incidents.models import EscalationPolicy, Incident
from messaging.models import Contact, NotificationRule
from tests.support.incidents import ANA, BEN

pytestmark = pytest.mark.django_db
CONTACTS, POLICIES, INCIDENTS = "/api/v1/contacts/", "/api/v1/policies/", "/api/v1/incidents/"
RULES = [{"method": "sms", "after_seconds": 0}, {"method": "voice", "after_seconds": 120, "urgency": "high"},
         {"method": "email", "after_seconds": 600, "urgency": "low"}]


def test_a_contacts_rules_are_stored_and_returned(api):
    response = api.post(CONTACTS, {"name": "Ana", "phone": ANA, "email": "ana@example.com", "rules": RULES},
                        format="json")
    assert response.status_code == 201, response.content
    assert response.json()["rules"] == [{"method": "sms", "after_seconds": 0, "urgency": "any"},
                                        {"method": "voice", "after_seconds": 120, "urgency": "high"},
                                        {"method": "email", "after_seconds": 600, "urgency": "low"}]
    # The same phone again: rules given replace them, rules left out stay.
    again = api.post(CONTACTS, {"name": "Ana", "phone": ANA, "rules": [{"method": "whatsapp", "after_seconds": 5}]},
                     format="json")
    assert again.status_code == 200 and [r["method"] for r in again.json()["rules"]] == ["whatsapp"]
    kept = api.post(CONTACTS, {"name": "Ana B", "phone": ANA}, format="json")
    assert [r["method"] for r in kept.json()["rules"]] == ["whatsapp"]
    assert api.post(CONTACTS, {"name": "Ana", "phone": ANA, "rules": []}, format="json").json()["rules"] == []


@pytest.mark.parametrize("rules", [
    [{"method": "pigeon", "after_seconds": 0}],
    [{"method": "sms", "after_seconds": -1}],
    [{"method": "sms", "after_seconds": "soon"}],
    [{"method": "sms"}],
    [{"method": "sms", "after_seconds": 0, "urgency": "medium"}],
    [{"method": "sms", "after_seconds": 10 ** 12}],
    "sms at once",
    [[]],
    [{"method": "sms", "after_seconds": 0}] * 21,
])
def test_bad_rules_are_a_400_and_nothing_is_written(api, rules):
    response = api.post(CONTACTS, {"name": "Ana", "phone": ANA, "rules": rules}, format="json")
    assert response.status_code == 400, response.content
    assert "rules" in response.json()
    assert not Contact.objects.exists() and not NotificationRule.objects.exists()


def test_a_policy_takes_an_urgency_and_a_level_ack_all(api):
    response = api.post(POLICIES, {"name": "Quiet", "urgency": "low", "levels": [
        {"contacts": [ANA, BEN], "wait_seconds": 60, "reminders": 1, "ack_all": True}]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["urgency"] == "low" and body["levels"][0]["ack_all"] is True
    assert api.get(f"{POLICIES}{body['id']}/").json() == body
    default = api.post(POLICIES, {"name": "Loud", "levels": [{"contacts": [ANA], "wait_seconds": 60,
                                                               "reminders": 1}]}, format="json").json()
    assert default["urgency"] == "high" and default["levels"][0]["ack_all"] is False


@pytest.mark.parametrize("body,field", [({"urgency": "urgent"}, "urgency"), ({"urgency": None}, "urgency"),
                                        ({"levels": [{"contacts": [ANA], "ack_all": "sometimes"}]}, "levels")])
def test_bad_policy_urgency_or_ack_all_is_a_400(api, body, field):
    payload = {"name": "P", "levels": [{"contacts": [ANA], "wait_seconds": 60, "reminders": 1}], **body}
    response = api.post(POLICIES, payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not EscalationPolicy.objects.exists()


def test_an_incident_takes_an_urgency_else_its_policys(api):
    policy = api.post(POLICIES, {"name": "Quiet", "urgency": "low", "levels": [
        {"contacts": [ANA], "wait_seconds": 60, "reminders": 1}]}, format="json").json()
    made = api.post(INCIDENTS, {"description": "x", "policy": policy["id"]}, format="json").json()
    assert Incident.objects.get(pk=made["id"]).urgency == "low"
    made = api.post(INCIDENTS, {"description": "x", "policy": policy["id"], "urgency": "high"}, format="json").json()
    assert api.get(f"{INCIDENTS}{made['id']}/").json()["urgency"] == "high"
    made = api.post(INCIDENTS, {"description": "x", "contacts": [BEN], "urgency": "low"}, format="json").json()
    assert Incident.objects.get(pk=made["id"]).urgency == "low"
    bad = api.post(INCIDENTS, {"description": "x", "contacts": [BEN], "urgency": "meh"}, format="json")
    assert bad.status_code == 400 and "urgency" in bad.json()
