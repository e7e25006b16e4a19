"""The incidents API: the contract's shapes, the seed's field names, and bad input refused whole."""

from __future__ import annotations

import pytest

from incidents.models import Incident, IncidentStatus
from messaging.models import Contact
from tests.support.incidents import ANA, BEN, reply, sms_to

pytestmark = pytest.mark.django_db


def test_opening_an_incident_pages_the_first_contact_and_creates_unknown_numbers_as_contacts(api):
    response = api.post("/api/v1/incidents/", {"description": "Gas leak at 5 Main St", "contacts": [ANA, BEN],
                                               "wait_seconds": 30, "reminders": 2}, format="json")
    assert response.status_code == 201
    body = response.json()
    incident = Incident.objects.get()
    assert body == {"id": incident.pk, "status": "not_acknowledged", "reference": incident.pk}
    assert Contact.objects.get(phone=ANA).name == ANA
    assert len(sms_to(ANA)) == 1 and sms_to(BEN) == []
    assert [lvl["wait_seconds"] for lvl in incident.snapshot["levels"]] == [30, 30]
    assert [lvl["reminders"] for lvl in incident.snapshot["levels"]] == [2, 2]


def test_the_seeds_first_and_second_contact_are_accepted_with_the_defaults(api):
    response = api.post("/api/v1/incidents/", {"description": "Leak", "first_contact": ANA, "second_contact": BEN},
                        format="json")
    assert response.status_code == 201
    incident = Incident.objects.get(pk=response.json()["id"])
    assert [lvl["contacts"][0]["phone"] for lvl in incident.snapshot["levels"]] == [ANA, BEN]
    assert {(lvl["wait_seconds"], lvl["reminders"]) for lvl in incident.snapshot["levels"]} == {(60, 1)}


@pytest.mark.parametrize("payload,field", [
    ({"contacts": [ANA]}, "description"),
    ({"description": "", "contacts": [ANA]}, "description"),
    ({"description": "Leak"}, "contacts"),
    ({"description": "Leak", "contacts": []}, "contacts"),
    ({"description": "Leak", "contacts": [ANA, "206-555-0100"]}, "contacts"),
    ({"description": "Leak", "first_contact": "0612345678"}, "first_contact"),
    ({"description": "Leak", "contacts": [ANA], "wait_seconds": 0}, "wait_seconds"),
    ({"description": "Leak", "contacts": [ANA], "reminders": -1}, "reminders"),
    ({"description": "Leak", "contacts": [ANA], "url": "not a url"}, "url"),
    # 10**18 seconds was an OverflowError in the first due time: a 500.
    ({"description": "Leak", "contacts": [ANA], "wait_seconds": 10 ** 18}, "wait_seconds"),
    ({"description": "Leak", "contacts": [ANA], "wait_seconds": 86401}, "wait_seconds"),
    ({"description": "Leak", "contacts": [ANA], "reminders": 10 ** 6}, "reminders"),
])
def test_bad_input_is_refused_whole_naming_the_field(api, payload, field):
    response = api.post("/api/v1/incidents/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists() and not Contact.objects.exists()


def test_the_longest_wait_is_a_day(api):
    response = api.post("/api/v1/incidents/", {"description": "Leak", "contacts": [ANA], "wait_seconds": 86400},
                        format="json")
    assert response.status_code == 201
    assert Incident.objects.get().snapshot["levels"][0]["wait_seconds"] == 86400


@pytest.mark.parametrize("url", ["no url", "No URL", "  NO url  ", ""])
def test_the_seeds_no_url_is_accepted_and_stored_as_no_url(api, url):
    response = api.post("/api/v1/incidents/", {"description": "Leak", "contacts": [ANA], "url": url},
                        format="json")
    assert response.status_code == 201
    assert Incident.objects.get().url == ""
    assert api.get(f"/api/v1/incidents/{response.json()['id']}/").json()["url"] == ""


def test_a_real_url_is_still_checked_and_kept(api):
    assert api.post("/api/v1/incidents/", {"description": "Leak", "contacts": [ANA], "url": "no url at all"},
                    format="json").status_code == 400
    response = api.post("/api/v1/incidents/", {"description": "Leak", "contacts": [ANA],
                                               "url": "https://grafana.example/d/1"}, format="json")
    assert Incident.objects.get(pk=response.json()["id"]).url == "https://grafana.example/d/1"


def test_reading_an_incident_gives_status_contacts_and_the_timeline(api, people):
    incident_id = api.post("/api/v1/incidents/", {"description": "Leak", "url": "https://x.example/1",
                                                  "contacts": [ANA, BEN]}, format="json").json()["id"]
    reply(ANA, "YES")
    response = api.get(f"/api/v1/incidents/{incident_id}/")
    assert response.status_code == 200
    body = response.json()
    assert {"id", "description", "status", "acknowledged_by", "contacts", "timeline", "reference", "url",
            "level"} <= set(body)
    assert (body["status"], body["acknowledged_by"], body["contacts"]) == ("acknowledged", ANA, [ANA, BEN])
    assert [(e["event"], e["contact"]) for e in body["timeline"]] == [("notified", ANA), ("acknowledged", ANA)]
    assert all(e["at"].endswith("Z") or "+" in e["at"] for e in body["timeline"])


def test_resolve_returns_the_incident_resolved(api, people):
    incident_id = api.post("/api/v1/incidents/", {"description": "Leak", "contacts": [ANA]},
                           format="json").json()["id"]
    response = api.post(f"/api/v1/incidents/{incident_id}/resolve/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == IncidentStatus.RESOLVED
    assert response.json()["timeline"][-2]["event"] == "resolved"
    assert api.post("/api/v1/incidents/999999/resolve/", {}, format="json").status_code == 404
    assert api.get("/api/v1/incidents/999999/").status_code == 404


def test_the_api_needs_a_key(client, db):
    response = client.post("/api/v1/incidents/", {"description": "Leak", "contacts": [ANA]},
                           content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Incident.objects.exists()
