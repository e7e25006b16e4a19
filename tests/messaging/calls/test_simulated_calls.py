"""The simulator rings: a voice page is a ringing call, and keys pressed on it act as the same
SMS reply would (4 = YES, 5 = NO, 6 = RESOLVE), with "by phone" on the incident's timeline.

Driven through the HTTP surface only: the policy and the incident by the API, the call's id read
from the phone page's conversation, the keys through ``POST /simulator/calls/{id}/keys/``.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group

from messaging.models import Contact, NumberType, OutboundMessage
from portal.roles import ANALYST, DISPATCHER, SHIFT_MANAGER

pytestmark = pytest.mark.django_db

ANA, BEN = "+12065550171", "+12065550172"


@pytest.fixture
def staff(client, django_user_model):
    def as_role(role: str):
        user = django_user_model.objects.create_user(role.replace(" ", "-"), password="pw-for-tests-123",
                                                     is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        return client
    return as_role


@pytest.fixture
def page(api, run):
    """Open an incident on a policy whose first level texts and calls; returns (incident id, call id)."""
    def open_incident(level_one=(ANA,), level_two=(BEN,)):
        levels = [{"contacts": list(level_one), "wait_seconds": 300, "reminders": 0, "voice": True},
                  {"contacts": list(level_two), "wait_seconds": 300, "reminders": 0}]
        policy = api.post("/api/v1/policies/", {"name": f"Gas {len(level_one)}", "levels": levels}, format="json")
        assert policy.status_code == 201, policy.content
        opened = run(api.post, "/api/v1/incidents/", {"description": "Gas leak on Main St",
                                                      "policy": policy.json()["id"]}, format="json")
        assert opened.status_code == 201, opened.content
        return opened.json()["id"]
    return open_incident


def call_id(client, phone: str) -> str:
    messages = client.get("/simulator/api/conversation/", {"phone": phone}).json()["messages"]
    calls = [m for m in messages if m["direction"] == "out" and m["channel"] == "voice"]
    assert calls, messages
    return calls[-1]["provider_message_id"]


def press(client, run, call: str, digits: str):
    return run(client.post, f"/simulator/calls/{call}/keys/", data=json.dumps({"digits": digits}),
               content_type="application/json")


def incident(api, pk: int) -> dict:
    return api.get(f"/api/v1/incidents/{pk}/").json()


def test_a_voice_page_rings_on_the_phone_page_with_its_text_and_a_keypad(staff, page):
    page()
    c = staff(DISPATCHER)
    html = c.get("/simulator/").content.decode()
    call = call_id(c, ANA)
    assert "Ringing" in html and ANA in html and "Gas leak on Main St" in html
    assert f"/simulator/calls/{call}/keys/" in html  # the keypad is forms: it works without JavaScript


def test_4_acknowledges_by_phone(staff, page, api, run):
    pk = page()
    c = staff(DISPATCHER)
    call = call_id(c, ANA)
    r = press(c, run, call, "4")
    assert r.status_code == 200 and r.json()["state"] == "ended" and r.json()["action"] == "ack"
    body = incident(api, pk)
    assert body["status"] == "acknowledged" and body["acknowledged_by"] == ANA
    acked = [e for e in body["timeline"] if e["event"] == "acknowledged"]
    assert len(acked) == 1 and "phone" in acked[0]["note"]
    assert press(c, run, call, "4").status_code == 409  # the call has ended


def test_5_declines_and_escalates_at_once_when_nobody_else_is_on_the_level(staff, page, api, run):
    pk = page()
    c = staff(DISPATCHER)
    r = press(c, run, call_id(c, ANA), "5")
    assert r.status_code == 200 and r.json()["action"] == "decline"
    body = incident(api, pk)
    assert body["level"] == 2 and body["status"] == "not_acknowledged"
    declined = [e for e in body["timeline"] if e["event"] == "declined"]
    assert len(declined) == 1 and "phone" in declined[0]["note"] and declined[0]["contact"] == ANA
    assert any(e["event"] == "notified" and e["contact"] == BEN for e in body["timeline"])


def test_6_resolves_by_phone(staff, page, api, run):
    pk = page()
    c = staff(DISPATCHER)
    assert press(c, run, call_id(c, ANA), "6").status_code == 200
    body = incident(api, pk)
    assert body["status"] == "resolved" and "phone" in body["resolved_by"]
    resolved = [e for e in body["timeline"] if e["event"] == "resolved"]
    assert len(resolved) == 1 and "phone" in resolved[0]["note"]


def test_star_plays_it_again_and_the_third_replay_hangs_up_without_acknowledging(staff, page, api, run):
    pk = page()
    c = staff(DISPATCHER)
    call = call_id(c, ANA)
    first = press(c, run, call, "*")
    assert first.status_code == 200 and first.json()["state"] == "ringing"
    assert press(c, run, call, "*9").json()["state"] == "ended"
    assert press(c, run, call, "4").status_code == 409
    assert incident(api, pk)["status"] == "not_acknowledged"


def test_a_hung_up_call_is_not_an_acknowledgement_and_takes_no_more_keys(staff, page, api, run):
    pk = page()
    c = staff(DISPATCHER)
    call = call_id(c, ANA)
    r = run(c.post, f"/simulator/calls/{call}/hang-up/")
    assert r.status_code == 302  # a form post goes back to the page
    assert press(c, run, call, "4").status_code == 409
    assert incident(api, pk)["status"] == "not_acknowledged"
    assert call not in c.get("/simulator/").content.decode()


def test_the_keypad_form_works_without_javascript(staff, page, api, run):
    pk = page()
    c = staff(DISPATCHER)
    r = run(c.post, f"/simulator/calls/{call_id(c, ANA)}/keys/", {"digits": "4"})
    assert r.status_code == 302 and r["Location"].startswith("/simulator/")
    assert incident(api, pk)["status"] == "acknowledged"


def test_unknown_call_is_404_and_bad_keys_are_400(staff, page, run):
    page()
    c = staff(DISPATCHER)
    assert press(c, run, "sim-00000000-0000-0000-0000-000000000000", "4").status_code == 404
    call = call_id(c, ANA)
    for bad in ("", "4a", "1" * 21):
        assert press(c, run, call, bad).status_code == 400
    r = run(c.post, f"/simulator/calls/{call}/keys/", data="{", content_type="application/json")
    assert r.status_code == 400
    r = run(c.post, f"/simulator/calls/{call}/keys/", data=json.dumps({"digits": 4}), content_type="application/json")
    assert r.status_code == 400


def test_only_a_dispatcher_may_answer_an_incident_call_and_a_refusal_leaves_the_call_ringing(staff, page, api, run):
    pk = page()
    c = staff(SHIFT_MANAGER)
    call = call_id(c, ANA)
    r = press(c, run, call, "4")
    assert r.status_code == 403 and "Can change incident" in r.json()["detail"]
    assert incident(api, pk)["status"] == "not_acknowledged"
    analyst = staff(ANALYST)
    assert press(analyst, run, call, "4").status_code == 403
    assert press(staff(DISPATCHER), run, call, "4").status_code == 200


def test_anonymous_users_are_sent_to_the_login_and_nothing_exists_with_the_simulator_off(client, page, run,
                                                                                          settings):
    page()
    r = press(client, run, "sim-x", "4")
    assert r.status_code == 302 and "/login/" in r["Location"]
    settings.SIMULATOR_ENABLED = False
    assert press(client, run, "sim-x", "4").status_code == 404


def test_a_landline_paged_only_by_a_call_acknowledges_with_4_and_is_sent_no_sms(staff, page, api, run):
    Contact.objects.create(name="Desk", phone=ANA, number_type=NumberType.LANDLINE)
    pk = page()
    c = staff(DISPATCHER)
    assert not OutboundMessage.objects.filter(recipient=ANA, channel="sms").exists()
    assert press(c, run, call_id(c, ANA), "4").status_code == 200
    body = incident(api, pk)
    assert body["status"] == "acknowledged" and body["acknowledged_by"] == ANA
    assert not OutboundMessage.objects.filter(recipient=ANA, channel="sms").exists()
