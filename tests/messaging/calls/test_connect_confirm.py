"""A bulk send by voice with VOICE_TRANSPORT=connect, Amazon Connect behind ``botocore.stub.Stubber``:
each call goes through the confirmation flow (CONNECT_CONFIRM_FLOW_ID) speaking the message and the
prompt, the calls are placed at most VOICE_CALLS_PER_SECOND apart, and the flow's ``page_action``
(confirm or cancel, read by GetContactAttributes after an EventBridge event or at the poll) is
recorded as the first or second answer.

- https://docs.aws.amazon.com/connect/latest/APIReference/API_StartOutboundVoiceContact.html
- https://docs.aws.amazon.com/connect/latest/APIReference/API_GetContactAttributes.html
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from botocore.stub import ANY, Stubber

from messaging.models import OutboundMessage, SenderPace, Timer
from messaging.scheduling.timers import timers_fire_due
from messaging.transports import _load, clients
from tests.support.aws_transports import one_try_client
from tests.support.connect import EVENTS_TOKEN, INSTANCE_ID, SOURCE_PHONE, connect_settings, contact_event

pytestmark = pytest.mark.django_db

ANA, BEN, CLEO = "+12065550191", "+12065550192", "+12065550193"
CONFIRM_FLOW_ID = "c2c2c2c2-3434-5656-7878-909090909090"
CONTACTS = {ANA: "c0ffee00-aaaa-bbbb-cccc-00000000000a", BEN: "c0ffee00-aaaa-bbbb-cccc-00000000000b",
            CLEO: "c0ffee00-aaaa-bbbb-cccc-00000000000c"}


@pytest.fixture
def connect(settings, monkeypatch, tmp_path):
    nothing = str(tmp_path / "none")
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": nothing, "AWS_SHARED_CREDENTIALS_FILE": nothing,
                        "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    connect_settings(settings)
    settings.CONNECT_CONFIRM_FLOW_ID = CONFIRM_FLOW_ID
    settings.VOICE_TRANSPORT = "connect"
    settings.VOICE_CALLS_PER_SECOND = 4
    client = one_try_client("connect")
    monkeypatch.setattr(clients, "aws_client", lambda service: client)
    _load.cache_clear()
    spoken = {}
    client.meta.events.register("provide-client-params.connect.StartOutboundVoiceContact",
                                lambda params, **_: spoken.update({params["DestinationPhoneNumber"]: params}))
    stubber = Stubber(client)
    stubber.activate()
    yield stubber, spoken
    stubber.assert_no_pending_responses()
    stubber.deactivate()
    _load.cache_clear()


def attributes_say(stubber, contact: str, action: str):
    stubber.add_response("get_contact_attributes", {"Attributes": {"page_text": "…", "page_action": action}},
                         {"InstanceId": INSTANCE_ID, "InitialContactId": contact})


def test_connect_calls_go_through_the_confirmation_flow_paced_and_the_flows_keys_are_the_answers(
        connect, api, client, run):
    stubber, spoken = connect
    for phone in (ANA, BEN, CLEO):
        stubber.add_response("start_outbound_voice_contact", {"ContactId": CONTACTS[phone]}, {
            "DestinationPhoneNumber": phone, "ContactFlowId": CONFIRM_FLOW_ID, "InstanceId": INSTANCE_ID,
            "ClientToken": ANY, "Attributes": ANY, "RingTimeoutInSeconds": 25, "SourcePhoneNumber": SOURCE_PHONE})
    made = run(api.post, "/api/v1/bulk-sends/", {
        "name": "Vaccination", "channel": "voice", "message": "Your vaccination is on Monday at 9.",
        "recipients": [{"phone": ANA}, {"phone": BEN}, {"phone": CLEO}], "confirm": {}}, format="json")
    assert made.status_code == 201, made.content
    bulk = made.json()["id"]
    assert spoken[ANA]["Attributes"]["page_text"] == (
        "Your vaccination is on Monday at 9. Press 1 to confirm, 2 to cancel.")
    assert spoken[ANA]["Attributes"]["about"] == f"messaging.bulksend:{bulk}"

    # Paced: 4 a second (slots 0.2525 s apart, for 99% of it). sent_at is taken when Connect has
    # answered, so the first call's one-off client set-up shortens the first gap a little.
    sent = list(OutboundMessage.objects.filter(channel="voice").order_by("sent_at").values_list("sent_at", flat=True))
    assert len(sent) == 3 and sent[2] - sent[0] >= timedelta(seconds=0.48)
    assert all(b - a >= timedelta(seconds=0.2) for a, b in zip(sent, sent[1:], strict=False))
    assert SenderPace.objects.filter(sender="voice:StartOutboundVoiceContact").exists()

    # Ana pressed 1: an EventBridge event makes the portal read the flow's page_action.
    attributes_say(stubber, CONTACTS[ANA], "confirm")
    response = run(client.post, "/connect/events/", data=json.dumps(contact_event(contact_id=CONTACTS[ANA])),
                   content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {EVENTS_TOKEN}")
    assert response.status_code == 200, response.content
    # Ben pressed 2 and Cleo nothing; the events were lost: the poll after the ring timeout reads both.
    attributes_say(stubber, CONTACTS[BEN], "cancel")
    attributes_say(stubber, CONTACTS[CLEO], "")
    stubber.add_response("describe_contact", {"Contact": {"Id": CONTACTS[CLEO]}},
                         {"InstanceId": INSTANCE_ID, "ContactId": CONTACTS[CLEO]})
    last_poll = Timer.objects.filter(callback="messaging.tasks.connect_call_poll").latest("due_at")
    run(timers_fire_due, now=last_poll.due_at + timedelta(seconds=1))

    rows = {r["phone"]: r for r in api.get(f"/api/v1/bulk-sends/{bulk}/recipients/").json()["results"]}
    assert (rows[ANA]["answer"], rows[BEN]["answer"], rows[CLEO]["answer"]) == ("YES", "NO", None)
    assert api.get(f"/api/v1/bulk-sends/{bulk}/").json()["replies"] == {"YES": 1, "NO": 1}
