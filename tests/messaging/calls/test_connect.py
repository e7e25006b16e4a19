"""VOICE_TRANSPORT=connect end to end, with Amazon Connect behind ``botocore.stub.Stubber`` (moto
implements none of these calls): the page call (StartOutboundVoiceContact), the EventBridge
delivery to ``POST /connect/events/`` that makes the portal read the key
(GetContactAttributes), and the poll after the ring timeout (GetContactAttributes, DescribeContact).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from botocore.stub import ANY, Stubber
from django.utils import timezone

from messaging.calls.keys import key_inbound
from messaging.models import ConnectEvent, OutboundMessage, Timer, TimerState
from messaging.scheduling.timers import timers_fire_due
from messaging.transports import _load, clients
from messaging.transports.connect import poll_delay
from tests.support.aws_transports import one_try_client
from tests.support.connect import EVENTS_TOKEN, INSTANCE_ID, PAGE_FLOW_ID, SOURCE_PHONE, connect_settings, contact_event

pytestmark = pytest.mark.django_db

ANA, BEN = "+12065550181", "+12065550182"
CONTACT = "c0ffee00-aaaa-bbbb-cccc-000000000001"


@pytest.fixture
def connect(settings, monkeypatch, tmp_path):
    """Connect configured, VOICE_TRANSPORT=connect, and one Stubber-wrapped client for every caller."""
    nothing = str(tmp_path / "none")
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": nothing, "AWS_SHARED_CREDENTIALS_FILE": nothing,
                        "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    connect_settings(settings)
    settings.VOICE_TRANSPORT = "connect"
    client = one_try_client("connect")
    monkeypatch.setattr(clients, "aws_client", lambda service: client)
    _load.cache_clear()  # transports are cached per path; build this test's with the stubbed client
    stubber = Stubber(client)
    stubber.activate()
    yield stubber
    stubber.assert_no_pending_responses()
    stubber.deactivate()
    _load.cache_clear()


@pytest.fixture
def paged(connect, api, run):
    """An incident whose level 1 texts and calls Ana; Connect answers the call with CONTACT."""
    connect.add_response("start_outbound_voice_contact", {"ContactId": CONTACT}, {
        "DestinationPhoneNumber": ANA, "ContactFlowId": PAGE_FLOW_ID, "InstanceId": INSTANCE_ID,
        "ClientToken": ANY, "Attributes": ANY, "RingTimeoutInSeconds": 25, "SourcePhoneNumber": SOURCE_PHONE})
    levels = [{"contacts": [ANA], "wait_seconds": 300, "reminders": 0, "voice": True},
              {"contacts": [BEN], "wait_seconds": 300, "reminders": 0}]
    policy = api.post("/api/v1/policies/", {"name": "Gas", "levels": levels}, format="json").json()["id"]
    opened = run(api.post, "/api/v1/incidents/", {"description": "Gas leak on Main St", "policy": policy},
                 format="json")
    assert opened.status_code == 201
    return opened.json()["id"]


def post_event(client, event, *, token: str | None = EVENTS_TOKEN, run=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    body = event if isinstance(event, (str, bytes)) else json.dumps(event)

    def call():
        return client.post("/connect/events/", data=body, content_type="application/json", **headers)
    return run(call) if run else call()


def attributes_say(stubber, action: str | None):
    attributes = {"page_text": "…", "message_id": "1"} | ({"page_action": action} if action else {})
    stubber.add_response("get_contact_attributes", {"Attributes": attributes},
                         {"InstanceId": INSTANCE_ID, "InitialContactId": CONTACT})


def timeline(api, pk):
    return api.get(f"/api/v1/incidents/{pk}/").json()


def test_the_page_call_carries_its_text_reference_and_message_id_and_schedules_one_poll(paged):
    call = OutboundMessage.objects.get(channel="voice")
    assert call.provider_message_id == CONTACT and call.status == "sent"
    poll = Timer.objects.get(callback="messaging.tasks.connect_call_poll")
    assert poll.kwargs == {"message_id": call.pk} and poll.state == TimerState.PENDING
    assert poll.due_at - call.sent_at >= timedelta(seconds=25) and poll.due_at - call.sent_at == pytest.approx(
        poll_delay(), abs=timedelta(seconds=2))


@pytest.mark.parametrize("action,status,word", [("ack", "acknowledged", "acknowledged"),
                                                ("decline", "not_acknowledged", "declined"),
                                                ("resolve", "resolved", "resolved")])
def test_a_disconnected_event_reads_the_key_and_acts_once_by_phone(paged, connect, client, api, run,
                                                                   action, status, word):
    attributes_say(connect, action)
    event = contact_event(contact_id=CONTACT)
    r = post_event(client, event, run=run)
    assert r.status_code == 200 and r.json()["status"] == "processed"
    body = timeline(api, paged)
    assert body["status"] == status
    entries = [e for e in body["timeline"] if e["event"] == word]
    assert len(entries) == 1 and "phone" in entries[0]["note"]
    if action == "decline":
        assert body["level"] == 2  # nobody else on level 1: escalated at once
    # Redelivered, and a CONTACT_DATA_UPDATED arriving after it: stored once, acted on once, and
    # Connect is not asked again (the Stubber has no response queued for it).
    assert post_event(client, event, run=run).json()["duplicate"] is True
    late = post_event(client, contact_event(contact_id=CONTACT, event_type="CONTACT_DATA_UPDATED"), run=run)
    assert late.status_code == 200
    assert len([e for e in timeline(api, paged)["timeline"] if e["event"] == word]) == 1
    assert ConnectEvent.objects.count() == 2


def test_a_data_updated_event_before_the_key_then_the_disconnect(paged, connect, client, api, run):
    attributes_say(connect, None)  # answered, the page is being spoken: no key yet
    assert post_event(client, contact_event(contact_id=CONTACT, event_type="CONTACT_DATA_UPDATED"),
                      run=run).status_code == 200
    assert timeline(api, paged)["status"] == "not_acknowledged"
    attributes_say(connect, "ack")
    assert post_event(client, contact_event(contact_id=CONTACT), run=run).status_code == 200
    assert timeline(api, paged)["status"] == "acknowledged"


def test_the_poll_after_the_ring_timeout_finds_a_key_the_events_missed(paged, connect, api, run):
    attributes_say(connect, "ack")
    poll = Timer.objects.get(callback="messaging.tasks.connect_call_poll")
    run(timers_fire_due, now=poll.due_at + timedelta(seconds=1))
    assert timeline(api, paged)["status"] == "acknowledged"
    assert key_inbound(provider_message_id=CONTACT).channel == "voice"


def test_a_call_answered_with_no_key_is_not_an_acknowledgement(paged, connect, api, run):
    attributes_say(connect, None)
    answered = timezone.now() - timedelta(seconds=50)  # what Connect says: answered, then hung up
    connect.add_response("describe_contact", {"Contact": {
        "Id": CONTACT, "ConnectedToSystemTimestamp": answered,
        "DisconnectTimestamp": answered + timedelta(seconds=40)}},
        {"InstanceId": INSTANCE_ID, "ContactId": CONTACT})
    poll = Timer.objects.get(callback="messaging.tasks.connect_call_poll")
    run(timers_fire_due, now=poll.due_at + timedelta(seconds=1))
    body = timeline(api, paged)
    assert body["status"] == "not_acknowledged" and not any(e["event"] == "acknowledged" for e in body["timeline"])
    assert OutboundMessage.objects.get(channel="voice").call.outcome.startswith("Connect poll: answered")


def test_404_while_no_token_is_set(connect, client, settings):
    settings.CONNECT_EVENTS_TOKEN = ""
    assert post_event(client, contact_event(contact_id=CONTACT)).status_code == 404
    assert ConnectEvent.objects.count() == 0


@pytest.mark.parametrize("token", [None, "wrong", EVENTS_TOKEN + "x", ""])
def test_401_without_the_bearer_token(connect, client, token):
    assert post_event(client, contact_event(contact_id=CONTACT), token=token).status_code == 401
    assert ConnectEvent.objects.count() == 0


def test_2xx_for_a_well_formed_event_about_an_unknown_contact_without_asking_connect(connect, client):
    r = post_event(client, contact_event(contact_id="00000000-0000-0000-0000-000000000000"))
    assert 200 <= r.status_code < 300 and r.json()["status"] == "ignored"
    assert ConnectEvent.objects.get().raw["detail-type"] == "Amazon Connect Contact Event"  # stored as it came


@pytest.mark.parametrize("body", ["{", "[]", '"x"', json.dumps({"detail": {}}), json.dumps({"id": 5}),
                                  b"\xff\xfe", json.dumps({"id": "a", "detail": {"eventType": "x\u0000"}})])
def test_400_for_malformed_bodies(connect, client, body):
    assert post_event(client, body).status_code == 400
    assert ConnectEvent.objects.count() == 0


def test_503_when_connect_cannot_be_asked_and_the_redelivery_acts(paged, connect, client, api, run):
    connect.add_client_error("get_contact_attributes", service_error_code="ThrottlingException", http_status_code=429)
    event = contact_event(contact_id=CONTACT)
    assert post_event(client, event, run=run).status_code == 503
    assert ConnectEvent.objects.get().status == "failed"
    attributes_say(connect, "ack")
    assert post_event(client, event, run=run).status_code == 200
    assert timeline(api, paged)["status"] == "acknowledged"
