"""The conversations API: answer a thread, mark another done, scopes, and bad input to each call."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from messaging.api.keys import api_key_create
from messaging.consent.optouts import optout_record
from messaging.contacts import contact_upsert
from messaging.models import Conversation, OutboundMessage
from tests.messaging.conversations.test_replies import text

pytestmark = pytest.mark.django_db

ANA, BEN = "+12065550101", "+12065550102"
ANA_URL, BEN_URL = "/api/v1/conversations/%2B12065550101/", "/api/v1/conversations/%2B12065550102/"


@pytest.fixture
def waiting(db, post_sns):
    """Ana and Ben each wrote something no rule takes: both wait for a person."""
    contact_upsert(name="Ana", phone=ANA)
    text(post_sns, ANA, "can someone call me about Saturday")
    text(post_sns, BEN, "what is this number")
    return post_sns


def client_with(*scopes):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key_create(name="-".join(scopes), scopes=list(scopes))[1])
    return client


def test_answer_one_thread_and_mark_another_done(waiting, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answered = api.post(f"{ANA_URL}messages/", {"body": "Ana, I'll call you at 3."}, format="json")
    assert answered.status_code == 201
    message = OutboundMessage.objects.get(pk=answered.json()["id"])
    assert (message.recipient, message.channel, message.body) == (ANA, "sms", "Ana, I'll call you at 3.")
    assert answered.json()["status"] == "queued" and message.status == "sent"  # handed on after the commit
    assert message.owner == Conversation.objects.get(phone=ANA)

    done = api.post(f"{BEN_URL}done/", {}, format="json")
    assert done.status_code == 200 and done.json()["needs_reply"] is False

    assert api.get("/api/v1/conversations/?needs_reply=true").json()["results"] == []
    rows = api.get("/api/v1/conversations/").json()["results"]
    assert [r["phone"] for r in rows] == [ANA, BEN]  # latest activity first: the answer to Ana
    thread = api.get(ANA_URL).json()
    assert thread["needs_reply"] is False
    assert [(m["direction"], m["body"]) for m in thread["messages"]][-1] == ("out", "Ana, I'll call you at 3.")
    assert thread["messages"][-1]["about"] == {"type": "conversation", "id": Conversation.objects.get(phone=ANA).pk}


def test_an_answer_by_whatsapp_goes_by_whatsapp(waiting, api):
    response = api.post(f"{ANA_URL}messages/", {"body": "On WhatsApp", "channel": "whatsapp"}, format="json")
    assert response.status_code == 201
    assert OutboundMessage.objects.get(pk=response.json()["id"]).channel == "whatsapp"


def test_an_opted_out_number_is_not_texted_and_the_answer_says_why(waiting, api):
    optout_record(phone=ANA, keyword="STOP", source="keyword")
    before = OutboundMessage.objects.count()
    response = api.post(f"{ANA_URL}messages/", {"body": "Hello?"}, format="json")
    assert response.status_code == 400
    assert "opted out" in response.json()["channel"][0]
    assert OutboundMessage.objects.count() == before
    assert Conversation.objects.get(phone=ANA).needs_reply


def test_reading_takes_the_log_scope_and_answering_the_messages_scope(waiting):
    reader, sender = client_with("log"), client_with("messages")
    assert reader.get("/api/v1/conversations/").status_code == 200
    assert reader.get(ANA_URL).status_code == 200
    assert reader.post(f"{ANA_URL}messages/", {"body": "x"}, format="json").status_code == 403
    assert reader.post(f"{ANA_URL}done/", {}, format="json").status_code == 403
    assert sender.get("/api/v1/conversations/").status_code == 403
    assert sender.post(f"{ANA_URL}done/", {}, format="json").status_code == 200
    assert APIClient().get("/api/v1/conversations/").status_code in (401, 403)


@pytest.mark.parametrize("phone", ["12065550101", "%2Bnot-a-phone", "%2B1", "%20%2B12065550101",
                                   "%2B120655501011234567"])
def test_a_phone_that_is_not_e164_is_a_400_naming_phone_on_every_call(waiting, api, phone):
    base = f"/api/v1/conversations/{phone}/"
    for response in (api.get(base), api.post(f"{base}messages/", {"body": "x"}, format="json"),
                     api.post(f"{base}done/", {}, format="json")):
        assert response.status_code == 400, response.content
        assert "phone" in response.json()


@pytest.mark.parametrize("payload,field", [
    ({}, "body"), ({"body": ""}, "body"), ({"body": "   "}, "body"), ({"body": 12}, "body"),
    ({"body": None}, "body"), ({"body": "x" * 1601}, "body"), ({"body": "hi", "channel": "email"}, "channel"),
    ({"body": "hi", "channel": 3}, "channel"), ({"body": "hi", "channel": "voice"}, "channel"),
])
def test_a_bad_answer_is_a_400_naming_the_field_and_sends_nothing(waiting, api, payload, field):
    before = OutboundMessage.objects.count()
    response = api.post(f"{ANA_URL}messages/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert OutboundMessage.objects.count() == before


@pytest.mark.parametrize("raw", ["[]", "\"text\"", "not json", "12"])
def test_a_body_that_is_not_a_json_object_is_a_400(waiting, api, raw):
    for url in (f"{ANA_URL}messages/", f"{ANA_URL}done/"):
        response = api.post(url, raw, content_type="application/json")
        assert response.status_code == 400, (url, raw, response.content)


def test_needs_reply_filter_must_be_true_or_false(waiting, api):
    response = api.get("/api/v1/conversations/?needs_reply=maybe")
    assert response.status_code == 400 and "needs_reply" in response.json()
    assert api.get("/api/v1/conversations/?needs_reply=false").json()["results"] == []


def test_a_number_with_no_conversation_is_a_404(waiting, api):
    assert api.get("/api/v1/conversations/%2B14155550199/").status_code == 404
    assert api.post("/api/v1/conversations/%2B14155550199/done/", {}, format="json").status_code == 404


def test_a_log_key_without_all_messages_reads_no_other_keys_message_in_a_conversation(waiting):
    """The security review's finding (a log key read another service's one-time codes) in the
    conversations: the other key's text is absent from the thread and from the list's last line."""
    otp_sender = client_with("messages")
    sms = {"channel": "sms", "sender": "+12065550100", "recipient": ANA,
           "sms": {"message": "Your login code is 482913", "message_type": "TRANSACTIONAL"}}
    email = {"channel": "email", "sender": "codes@example.com", "recipient": "ana@example.com",
             "email": {"subject": "Your code", "text": "Your login code is 482913"}}
    sent = otp_sender.post("/api/v1/messages/", {"use_case": "broadcast", "fallback_seconds": "30", "pc": sms,
                                                 "fc": email}, format="json")
    assert sent.status_code == 202, sent.content
    reader, everything = client_with("log"), client_with("log", "all_messages")

    thread = reader.get(ANA_URL).json()["messages"]
    listed = {r["phone"]: r for r in reader.get("/api/v1/conversations/").json()["results"]}

    assert all("482913" not in (m["body"] or "") for m in thread)
    assert ANA not in listed or "482913" not in (listed[ANA]["last_body"] or "")
    assert any("482913" in (m["body"] or "") for m in everything.get(ANA_URL).json()["messages"])


def test_marking_done_shows_no_message_to_a_key_that_may_only_answer(waiting):
    """The done call answers with the state, not the last line, which may be another key's code."""
    client_with("messages").post(f"{ANA_URL}messages/", {"body": "Your code is 482913"}, format="json")
    response = client_with("messages").post(f"{ANA_URL}done/", {}, format="json")
    assert response.status_code == 200
    assert response.json() == {"phone": ANA, "needs_reply": False}
