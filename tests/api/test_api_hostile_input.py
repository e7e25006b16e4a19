"""Hostile bodies on every /api/v1/ endpoint: a clear 400 (or 404) naming the field, never a 500,
and nothing stored. Runs on SQLite and PostgreSQL; NUL and over-long values are what PostgreSQL
refuses at the database, so there they were 500s."""

from __future__ import annotations

import json

import pytest

from incidents.models import Incident
from messaging.models import AllowListEntry, Contact, Dispatch, OutboundMessage, Tag
from shifts.models import Shift, ShiftCampaign
from tests.support.omnichannel import SMS_TO_EMAIL, payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident_id(api):
    return api.post("/api/v1/incidents/", {"description": "Leak", "contacts": ["+12065550101"]},
                    format="json").json()["id"]


def _stored() -> dict:
    return {"contacts": Contact.objects.count(), "allow": AllowListEntry.objects.count(),
            "incidents": Incident.objects.count(), "shifts": Shift.objects.count(),
            "campaigns": ShiftCampaign.objects.count(), "dispatches": Dispatch.objects.count(),
            "messages": OutboundMessage.objects.count(), "tags": Tag.objects.count()}


POSTS = ["/api/v1/contacts/", "/api/v1/allow-list/", "/api/v1/incidents/", "/api/v1/incidents/{id}/resolve/",
         "/api/v1/shifts/", "/api/v1/shift-campaigns/", "/api/v1/messages/"]

BODIES = [
    ("deep arrays", "[" * 100_000),
    ("deep objects", '{"a":' * 100_000),
    ("deep but complete", "[" * 40 + "]" * 40),
    ("NaN", '{"name": NaN}'),
    ("Infinity", '{"name": -Infinity}'),
    ("a number past float", '{"name": 1e400}'),
    ("a number past 64 bits", '{"name": ' + "9" * 30 + "}"),
    ("a number past Python's digit limit", '{"name": ' + "9" * 5000 + "}"),
    ("not UTF-8", b'{"name": "\xff\xfe"}'),
]


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("what, body", BODIES, ids=[b[0] for b in BODIES])
def test_every_post_refuses_a_hostile_body_with_a_clear_400(api, incident_id, path, what, body):
    before = _stored()
    response = api.post(path.format(id=incident_id), data=body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "JSON parse error" in response.json()["detail"]
    assert _stored() == before


@pytest.mark.parametrize("path", POSTS)
def test_every_post_refuses_a_nul_or_a_lone_surrogate_naming_where_it_was(api, incident_id, path):
    for text, problem in (("a\u0000b", "Null characters"), ("a\ud800b", "surrogate")):
        raw = json.dumps({"name": text, "nested": {"tags": ["ok", text]}})  # json escapes both
        response = api.post(path.format(id=incident_id), data=raw, content_type="application/json")
        assert response.status_code == 400
        errors = response.json()
        assert problem in str(errors["name"] if "name" in errors else errors["nested"]["tags"]["1"])


def test_a_nul_in_an_extra_key_of_a_message_is_a_400_naming_that_key(api):
    body = payload()
    body["note\u0000"] = "x"
    response = api.post("/api/v1/messages/", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"note\\u0000": ["Null characters are not allowed."]}
    assert not Dispatch.objects.exists() and not OutboundMessage.objects.exists()


def test_a_nul_in_template_data_is_a_400_naming_it(api):
    body = payload()
    body["fc"]["email"]["template_data"] = {"name": "Ana\u0000"}
    response = api.post("/api/v1/messages/", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"fc": {"email": {"template_data": {"name": ["Null characters are not allowed."]}}}}
    assert not Dispatch.objects.exists()


def test_a_nul_in_the_idempotency_key_is_a_400(api):
    response = api.post("/api/v1/messages/", SMS_TO_EMAIL, format="json", HTTP_IDEMPOTENCY_KEY="k\u0000")
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Dispatch.objects.exists()


def test_a_body_of_another_type_is_a_415(api):
    response = api.post("/api/v1/contacts/", data="name=Ana&phone=%2B12065550101",
                        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert not Contact.objects.exists()


def test_an_overlong_email_is_a_400_naming_it(api):
    long_email = "a" * 250 + "@example.com"  # 262 characters; Django's validator allows up to 320
    r = api.post("/api/v1/contacts/", {"name": "A", "phone": "+12065550101", "email": long_email}, format="json")
    assert r.status_code == 400 and "email" in r.json()
    assert not Contact.objects.exists()
    for field in ("recipient", "sender"):
        body = payload(fc={**SMS_TO_EMAIL["fc"], field: long_email})
        r = api.post("/api/v1/messages/", body, format="json")
        assert r.status_code == 400 and field in r.json()["fc"], r.json()
    assert not Dispatch.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/shifts/%00/", "/api/v1/message-log/?recipient=%00",
                                  "/api/v1/message-log/?status=%00", "/api/v1/shifts/?status=%00",
                                  "/api/v1/message-log/?limit=" + "9" * 30,
                                  "/api/v1/incidents/" + "9" * 30 + "/", "/api/v1/messages/" + "9" * 30 + "/"])
def test_a_nul_or_a_giant_number_in_a_path_or_query_is_a_400_or_404(api, path):
    assert api.get(path).status_code in (400, 404)
