"""The voice transport: text-to-speech calls (SendVoiceMessage) and Amazon Connect call-backs
(StartOutboundVoiceContact), against their real service models.

- https://docs.aws.amazon.com/pinpoint/latest/apireference_smsvoicev2/API_SendVoiceMessage.html
- https://docs.aws.amazon.com/connect/latest/APIReference/API_StartOutboundVoiceContact.html
"""

from __future__ import annotations

import pytest

from messaging.transports.aws import (
    VoiceTransport,
    callback_client_token,
    connect_configured,
)
from messaging.transports.base import (
    PermanentError,
    SendResult,
    TransientError,
)
from tests.support.aws_transports import sms


def test_voice_message_uses_text_to_speech(aws_settings, sms_client, stub):
    assert "JOANNA" in sms_client.meta.service_model.shape_for("VoiceId").enum
    stub(sms_client).add_response(
        "send_voice_message",
        {"MessageId": "voice-msg-0001"},
        {
            "DestinationPhoneNumber": "+14255550123",
            "OriginationIdentity": "+12065550111",
            "MessageBody": "Incident seven. Database down.",
            "MessageBodyTextType": "TEXT",
            "VoiceId": "JOANNA",
            "ConfigurationSetName": "portal-sms",
            "Context": {"message_log_id": "9"},
        },
    )
    message = sms(log_id=9, channel="voice", body="Incident seven. Database down.")

    result = VoiceTransport(client=sms_client).send(message)

    assert result == SendResult(provider_message_id="voice-msg-0001", sender="+12065550111")


def test_callback_places_a_connect_contact_with_a_stable_client_token(aws_settings,
                                                                      connect_client, stub):
    message = sms(log_id=55, channel="voice", body="", options={"kind": "callback"})
    token = callback_client_token(message)
    expected = {
        "DestinationPhoneNumber": "+14255550123",
        "ContactFlowId": "66666666-7777-8888-9999-000000000000",
        "InstanceId": "11111111-2222-3333-4444-555555555555",
        "ClientToken": token,
        "SourcePhoneNumber": "+12065550199",
        "QueueId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "Attributes": {"message_log_id": "55"},
    }
    stubber = stub(connect_client)
    # Connect answers a repeated ClientToken with the same contact: the phone rings once.
    stubber.add_response("start_outbound_voice_contact", {"ContactId": "contact-0001"}, expected)
    stubber.add_response("start_outbound_voice_contact", {"ContactId": "contact-0001"}, expected)

    transport = VoiceTransport(connect_client=connect_client)
    first = transport.send(message)
    # A retried task builds a fresh transport and message: the token must not change.
    again = VoiceTransport(connect_client=connect_client).send(
        sms(log_id=55, channel="voice", body="", options={"kind": "callback"})
    )

    assert first.provider_message_id == again.provider_message_id == "contact-0001"
    assert callback_client_token(sms(log_id=56, options={"kind": "callback"})) != token
    assert callback_client_token(
        sms(log_id=56, options={"kind": "callback", "client_token": "agent-req-1"})
    ) == callback_client_token(
        sms(log_id=57, options={"kind": "callback", "client_token": "agent-req-1"})
    )


def test_callback_omits_empty_queue(aws_settings, connect_client, stub):
    aws_settings.CONNECT_QUEUE_ID = ""
    message = sms(log_id=56, channel="voice", body="", options={"kind": "callback"})
    stub(connect_client).add_response(
        "start_outbound_voice_contact",
        {"ContactId": "contact-0002"},
        {
            "DestinationPhoneNumber": "+14255550123",
            "ContactFlowId": "66666666-7777-8888-9999-000000000000",
            "InstanceId": "11111111-2222-3333-4444-555555555555",
            "ClientToken": callback_client_token(message),
            "SourcePhoneNumber": "+12065550199",
            "Attributes": {"message_log_id": "56"},
        },
    )

    assert VoiceTransport(connect_client=connect_client).send(message).provider_message_id == (
        "contact-0002"
    )


def test_callback_without_connect_settings_is_permanent(aws_settings):
    aws_settings.CONNECT_INSTANCE_ID = ""
    assert connect_configured() is False

    with pytest.raises(PermanentError) as caught:
        VoiceTransport(connect_client=object()).send(
            sms(channel="voice", options={"kind": "callback"})
        )

    assert caught.value.code == "CONNECT_NOT_CONFIGURED"


def test_connect_configured_needs_instance_flow_and_queue_or_source(aws_settings):
    assert connect_configured() is True
    aws_settings.CONNECT_QUEUE_ID = ""
    assert connect_configured() is True
    aws_settings.CONNECT_SOURCE_PHONE_NUMBER = ""
    assert connect_configured() is False


def test_callback_connect_limit_is_transient(aws_settings, connect_client, stub):
    stub(connect_client).add_client_error(
        "start_outbound_voice_contact",
        service_error_code="LimitExceededException",
        service_message="Concurrent calls limit exceeded",
        http_status_code=429,
    )

    with pytest.raises(TransientError) as caught:
        VoiceTransport(connect_client=connect_client).send(
            sms(channel="voice", options={"kind": "callback"})
        )

    assert caught.value.context["http_status"] == 429
    assert caught.value.context["request"]["InstanceId"] == aws_settings.CONNECT_INSTANCE_ID
