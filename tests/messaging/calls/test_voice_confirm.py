"""Bulk sends by voice (issue 25 §3): each person gets a call that speaks the message and "Press 1
to confirm, 2 to cancel."; the key is recorded as their answer, as a text would be, and touches no
incident. Driven through the HTTP surface under the simulator: the send and its rows by the API,
the call ids from the message log, the keys through ``POST /simulator/calls/{id}/keys/``.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group

from incidents.models import EventKind, Incident, IncidentStatus
from messaging.models import Timer
from messaging.scheduling.timers import timers_fire_due
from portal.roles import DISPATCHER

pytestmark = pytest.mark.django_db

ANA, BEN, CLEO = "+12065550181", "+12065550182", "+12065550183"
PROMPT = "Press 1 to confirm, 2 to cancel."


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_user("dispatcher", password="pw-for-tests-123", is_staff=True)
    user.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(user)
    return client


@pytest.fixture
def post(api, run):
    def _post(url, data, expect=201):
        response = run(api.post, url, data, format="json")
        assert response.status_code == expect, response.content
        return response.json()
    return _post


def calls_to(api, phone: str) -> list[dict]:
    rows = api.get("/api/v1/message-log/", {"recipient": phone, "channel": "voice"}).json()["results"]
    return rows


def press(client, run, call: str, digits: str):
    return run(client.post, f"/simulator/calls/{call}/keys/", data=json.dumps({"digits": digits}),
               content_type="application/json")


def rows_of(api, bulk_id: int) -> dict[str, dict]:
    return {r["phone"]: r for r in api.get(f"/api/v1/bulk-sends/{bulk_id}/recipients/").json()["results"]}


def test_a_voice_confirmation_records_key_1_and_key_2_as_answers_and_touches_no_incident(api, post, staff, run):
    incident = post("/api/v1/incidents/", {"description": "Gas leak at Dock 3", "contacts": [ANA]})
    made = post("/api/v1/bulk-sends/", {
        "name": "Tuesday appointments", "channel": "voice", "message": "Hello {name}, your appointment is {day}.",
        "recipients": [{"phone": ANA, "name": "Ana", "day": "Tuesday"}, {"phone": BEN, "name": "Ben", "day": "Friday"}],
        "confirm": {}})
    assert made["recipients"] == 2
    ana_call, ben_call = calls_to(api, ANA)[0], calls_to(api, BEN)[0]
    assert ana_call["body"] == f"Hello Ana, your appointment is Tuesday. {PROMPT}"
    assert ben_call["status"] == "sent" and ben_call["provider_message_id"]

    first = press(staff, run, ana_call["provider_message_id"], "1")
    second = press(staff, run, ben_call["provider_message_id"], "2")
    assert first.status_code == 200 and first.json()["state"] == "ended" and first.json()["action"] == "confirm"
    assert second.status_code == 200 and second.json()["action"] == "cancel"

    rows = rows_of(api, made["id"])
    assert (rows[ANA]["answer"], rows[ANA]["reply"]) == ("YES", "YES")
    assert (rows[BEN]["answer"], rows[BEN]["reply"]) == ("NO", "NO")
    assert api.get(f"/api/v1/bulk-sends/{made['id']}/").json()["replies"] == {"YES": 1, "NO": 1}
    # The answer is the call's: no confirmation text goes back, and Ana's open incident is untouched.
    assert not [m for m in api.get("/api/v1/message-log/", {"recipient": ANA, "channel": "sms"}).json()["results"]
                if "recorded your answer" in m["body"]]
    assert api.get(f"/api/v1/incidents/{incident['id']}/").json()["status"] == IncidentStatus.NOT_ACKNOWLEDGED
    assert not Incident.objects.get(pk=incident["id"]).events.filter(kind=EventKind.ACKNOWLEDGED).exists()
    assert press(staff, run, ana_call["provider_message_id"], "2").status_code == 409  # the call has ended


def test_keys_1_and_2_are_the_sends_own_answers_and_page_keys_do_nothing_on_it(api, post, staff, run):
    made = post("/api/v1/bulk-sends/", {"name": "Medicine", "channel": "voice", "message": "Did you take it?",
                                        "recipients": [{"phone": CLEO}],
                                        "confirm": {"answers": ["taken", "skipped"]}})
    call = calls_to(api, CLEO)[0]["provider_message_id"]
    replayed = press(staff, run, call, "4")
    assert replayed.json()["state"] == "ringing" and "played again" in replayed.json()["outcome"]
    assert press(staff, run, call, "2").json()["action"] == "cancel"
    assert rows_of(api, made["id"])[CLEO]["answer"] == "SKIPPED"


def test_the_phone_page_offers_the_confirmation_keys(api, post, staff):
    post("/api/v1/bulk-sends/", {"name": "Shift", "channel": "voice", "message": "Can you work Sunday?",
                                 "recipients": [{"phone": ANA}], "confirm": {}})
    html = staff.get("/simulator/").content.decode()
    assert f"Can you work Sunday? {PROMPT}" in html and "1 confirm · 2 cancel" in html


def test_a_voice_send_needs_two_answers_and_phones(api, post):
    one = post("/api/v1/bulk-sends/", {"name": "x", "channel": "voice", "message": "m", "recipients": [{"phone": ANA}],
                                       "confirm": {"answers": ["OK"]}}, expect=400)
    assert "confirm" in one
    no_phone = post("/api/v1/bulk-sends/", {"name": "x", "channel": "voice", "message": "m",
                                            "recipients": [{"email": "a@example.com"}]}, expect=400)
    assert "recipients" in no_phone


def test_a_reminder_is_another_call_with_the_prompt_and_its_key_counts(api, post, staff, run):
    made = post("/api/v1/bulk-sends/", {"name": "Clinic", "channel": "voice", "message": "Clinic on Monday.",
                                        "recipients": [{"phone": ANA}, {"phone": BEN}],
                                        "confirm": {"reminders": 1, "reminder_minutes": 30}})
    press(staff, run, calls_to(api, ANA)[0]["provider_message_id"], "1")
    reminder = Timer.objects.get(callback="messaging.tasks.bulk_send_remind")
    run(timers_fire_due, now=reminder.due_at + timedelta(seconds=1))
    assert len(calls_to(api, ANA)) == 1  # Ana answered: no reminder
    again = calls_to(api, BEN)[0]  # newest first
    assert len(calls_to(api, BEN)) == 2 and again["body"].endswith(PROMPT) and "Reminder" in again["body"]
    press(staff, run, again["provider_message_id"], "2")
    assert rows_of(api, made["id"])[BEN]["answer"] == "NO"
