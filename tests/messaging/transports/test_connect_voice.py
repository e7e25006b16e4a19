"""VOICE_TRANSPORT=connect: a voice page is ``StartOutboundVoiceContact`` through the flow that takes
a key, checked by ``botocore.stub.Stubber`` against botocore's own model of the call.

- https://docs.aws.amazon.com/connect/latest/APIReference/API_StartOutboundVoiceContact.html
  (Attributes: 32,768 bytes in all; ClientToken: idempotent for 7 days; RingTimeoutInSeconds)
"""

from __future__ import annotations

import pytest

from messaging.transports.aws import callback_client_token
from messaging.transports.base import PermanentError
from messaging.transports.connect import ATTRIBUTES_MAX_BYTES, VoiceTransport
from tests.support.aws_transports import sms
from tests.support.connect import PAGE_FLOW_ID, connect_settings

TEXT = "Incident 12. Gas leak on Main Street. Press 4 to acknowledge, 5 to decline, 6 to resolve."


@pytest.fixture
def page_settings(aws_settings):
    connect_settings(aws_settings)
    return aws_settings


def test_a_page_call_carries_text_reference_and_message_id_with_a_token_from_the_message_id(
        page_settings, connect_client, stub):
    message = sms(log_id=77, channel="voice", body=TEXT, about="incidents.incident:12")
    expected = {
        "DestinationPhoneNumber": "+14255550123",
        "ContactFlowId": PAGE_FLOW_ID,
        "InstanceId": page_settings.CONNECT_INSTANCE_ID,
        "ClientToken": callback_client_token(message),
        "Attributes": {"page_text": TEXT, "about": "incidents.incident:12", "message_id": "77"},
        "RingTimeoutInSeconds": 25,
        "SourcePhoneNumber": "+12065550199",
    }
    stubber = stub(connect_client)
    stubber.add_response("start_outbound_voice_contact", {"ContactId": "contact-77"}, expected)
    stubber.add_response("start_outbound_voice_contact", {"ContactId": "contact-77"}, expected)

    first = VoiceTransport(connect_client=connect_client).send(message)
    # A retry (a new worker, a fresh transport) sends the same token: Connect rings once.
    again = VoiceTransport(connect_client=connect_client).send(
        sms(log_id=77, channel="voice", body=TEXT, about="incidents.incident:12"))
    assert first.provider_message_id == again.provider_message_id == "contact-77"
    assert first.sender == "+12065550199"
    assert callback_client_token(sms(log_id=78, channel="voice")) != expected["ClientToken"]


def test_a_queue_places_the_call_when_no_source_number_is_set(page_settings, connect_client, stub):
    page_settings.CONNECT_SOURCE_PHONE_NUMBER = ""
    page_settings.CONNECT_QUEUE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    message = sms(log_id=5, channel="voice", body="x")
    stubber = stub(connect_client)
    stubber.add_response("start_outbound_voice_contact", {"ContactId": "c-5"}, {
        "DestinationPhoneNumber": "+14255550123", "ContactFlowId": PAGE_FLOW_ID,
        "InstanceId": page_settings.CONNECT_INSTANCE_ID, "ClientToken": callback_client_token(message),
        "Attributes": {"page_text": "x", "about": "", "message_id": "5"}, "RingTimeoutInSeconds": 25,
        "QueueId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"})
    assert VoiceTransport(connect_client=connect_client).send(message).provider_message_id == "c-5"


def test_attributes_stay_within_32_kb_whatever_the_text(page_settings, connect_client, stub):
    sent = {}
    stubber = stub(connect_client)
    stubber.add_response("start_outbound_voice_contact", {"ContactId": "c-big"})
    connect_client.meta.events.register("provide-client-params.connect.StartOutboundVoiceContact",
                                        lambda params, **_: sent.update(params))
    VoiceTransport(connect_client=connect_client).send(sms(log_id=9, channel="voice", body="é🚒" * 20_000))
    size = sum(len(k.encode()) + len(v.encode()) for k, v in sent["Attributes"].items())
    assert ATTRIBUTES_MAX_BYTES - 4 < size <= ATTRIBUTES_MAX_BYTES  # cut to fit, at a whole character
    assert sent["Attributes"]["page_text"].startswith("é🚒é🚒") and sent["Attributes"]["message_id"] == "9"


def test_without_the_page_flow_the_send_fails_for_good_and_callbacks_are_unchanged(page_settings):
    page_settings.CONNECT_PAGE_FLOW_ID = ""
    transport = VoiceTransport(connect_client=object())
    assert transport.supports({}) is False
    with pytest.raises(PermanentError) as failed:
        transport.send(sms(log_id=3, channel="voice", body="x"))
    assert failed.value.code == "CONNECT_NOT_CONFIGURED"
    assert transport.supports({"kind": "callback"}) is True  # the call-back flow is its own setting


def test_a_confirmation_call_goes_through_the_confirmation_flow(page_settings, connect_client, stub):
    page_settings.CONNECT_CONFIRM_FLOW_ID = "c2c2c2c2-3434-5656-7878-909090909090"
    body = "Your appointment is Tuesday. Press 1 to confirm, 2 to cancel."
    message = sms(log_id=31, channel="voice", body=body, about="messaging.bulksend:4", options={"call": "confirm"})
    stubber = stub(connect_client)
    stubber.add_response("start_outbound_voice_contact", {"ContactId": "c-31"}, {
        "DestinationPhoneNumber": "+14255550123", "ContactFlowId": "c2c2c2c2-3434-5656-7878-909090909090",
        "InstanceId": page_settings.CONNECT_INSTANCE_ID, "ClientToken": callback_client_token(message),
        "Attributes": {"page_text": body, "about": "messaging.bulksend:4", "message_id": "31"},
        "RingTimeoutInSeconds": 25, "SourcePhoneNumber": "+12065550199"})
    assert VoiceTransport(connect_client=connect_client).send(message).provider_message_id == "c-31"


def test_without_the_confirmation_flow_a_confirmation_call_fails_for_good_naming_the_setting(page_settings):
    page_settings.CONNECT_CONFIRM_FLOW_ID = ""
    transport = VoiceTransport(connect_client=object())
    assert transport.supports({}) is True and transport.supports({"call": "confirm"}) is False
    with pytest.raises(PermanentError, match="CONNECT_CONFIRM_FLOW_ID"):
        transport.send(sms(log_id=32, channel="voice", body="x", options={"call": "confirm"}))
