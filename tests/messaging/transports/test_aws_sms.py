"""The SMS transport (SendTextMessage) against its real service model, through botocore's Stubber.

https://docs.aws.amazon.com/pinpoint/latest/apireference_smsvoicev2/API_SendTextMessage.html
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import (
    EndpointConnectionError,
)

from messaging.transports.aws import (
    EmailTransport,
    SmsTransport,
    VoiceTransport,
    WhatsAppTransport,
)
from messaging.transports.base import (
    BaseTransport,
    PermanentError,
    SendResult,
    TransientError,
)
from tests.support.aws_transports import META, REQUEST_ID, sms


def test_transports_honour_the_contract():
    for cls, channel in [(SmsTransport, "sms"), (VoiceTransport, "voice"),
                         (EmailTransport, "email"), (WhatsAppTransport, "whatsapp")]:
        assert issubclass(cls, BaseTransport)
        assert cls.channel == channel


def test_sms_sends_with_defaults_from_settings_and_log_id_in_context(aws_settings, sms_client,
                                                                      stub):
    stub(sms_client).add_response(
        "send_text_message",
        {"MessageId": "sms-msg-0001", "ResponseMetadata": META},
        {
            "DestinationPhoneNumber": "+14255550123",
            "OriginationIdentity": "+12065550100",
            "MessageBody": "INC-7: database down. Reply YES to acknowledge, NO to pass.",
            "MessageType": "TRANSACTIONAL",
            "ConfigurationSetName": "portal-sms",
            "Context": {"message_log_id": "42"},
        },
    )

    result = SmsTransport(client=sms_client).send(sms())

    assert result == SendResult(provider_message_id="sms-msg-0001", sender="+12065550100")


def test_sms_options_and_sender_override_settings(aws_settings, sms_client, stub):
    stub(sms_client).add_response(
        "send_text_message",
        {"MessageId": "sms-msg-0002"},
        {
            "DestinationPhoneNumber": "+14255550123",
            "OriginationIdentity": "pool-0123456789abcdef0123456789abcdef",
            "MessageBody": "Shifts open: MON-AM, TUE-PM",
            "MessageType": "PROMOTIONAL",
            "ConfigurationSetName": "campaigns",
            "Context": {"message_log_id": "7"},
        },
    )
    message = sms(log_id=7, body="Shifts open: MON-AM, TUE-PM",
                  sender="pool-0123456789abcdef0123456789abcdef",
                  options={"message_type": "promotional", "configuration_set": "campaigns"})

    assert SmsTransport(client=sms_client).send(message).provider_message_id == "sms-msg-0002"


def test_sms_omits_empty_origination_identity_and_configuration_set(settings, sms_client, stub):
    settings.SMS_ORIGINATION_IDENTITY = ""
    settings.SMS_CONFIGURATION_SET = ""
    settings.SMS_MESSAGE_TYPE = "TRANSACTIONAL"
    stub(sms_client).add_response(
        "send_text_message",
        {"MessageId": "sms-msg-0003"},
        {
            "DestinationPhoneNumber": "+14255550123",
            "MessageBody": "hello",
            "MessageType": "TRANSACTIONAL",
            "Context": {"message_log_id": "42"},
        },
    )

    result = SmsTransport(client=sms_client).send(sms(body="hello"))

    assert result.provider_message_id == "sms-msg-0003"
    assert result.sender == ""


def test_sms_throttling_is_transient_and_carries_request_context(aws_settings, sms_client, stub):
    stub(sms_client).add_client_error(
        "send_text_message",
        service_error_code="ThrottlingException",
        service_message="Rate exceeded",
        http_status_code=400,
        response_meta={"RequestId": REQUEST_ID},
    )

    with pytest.raises(TransientError) as caught:
        SmsTransport(client=sms_client).send(sms())

    err = caught.value
    assert err.permanent is False
    assert err.code == "ThrottlingException"
    assert err.opted_out is False
    ctx = err.context
    assert ctx["service"] == "pinpoint-sms-voice-v2"
    assert ctx["operation"] == "send_text_message"
    assert ctx["message_log_id"] == 42
    assert ctx["aws_request_id"] == REQUEST_ID
    assert ctx["error_code"] == "ThrottlingException"
    assert ctx["error_message"] == "Rate exceeded"
    assert ctx["request"]["DestinationPhoneNumber"] == "+14255550123"
    assert ctx["request"]["OriginationIdentity"] == "+12065550100"
    assert ctx["request"]["ConfigurationSetName"] == "portal-sms"
    assert ctx["request"]["Context"] == {"message_log_id": "42"}
    assert "database down" not in json.dumps(ctx)  # the body itself is not copied
    json.dumps(ctx)  # storable as JSON


def test_sms_opted_out_destination_is_permanent_and_flagged(aws_settings, sms_client, stub):
    stub(sms_client).add_client_error(
        "send_text_message",
        service_error_code="ConflictException",
        service_message="The destination phone number is opted out.",
        http_status_code=400,
        modeled_fields={
            "Message": "The destination phone number is opted out.",
            "Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT",
            "ResourceType": "opt-out-list",
            "ResourceId": "Default",
        },
        response_meta={"RequestId": REQUEST_ID},
    )

    with pytest.raises(PermanentError) as caught:
        SmsTransport(client=sms_client).send(sms())

    err = caught.value
    assert err.permanent is True
    assert err.opted_out is True
    assert err.code == "DESTINATION_PHONE_NUMBER_OPTED_OUT"
    assert err.context["reason"] == "DESTINATION_PHONE_NUMBER_OPTED_OUT"
    assert err.context["error_code"] == "ConflictException"
    assert err.context["aws_request_id"] == REQUEST_ID


def test_other_conflicts_are_permanent_but_not_opt_outs(aws_settings, sms_client, stub):
    stub(sms_client).add_client_error(
        "send_text_message",
        service_error_code="ConflictException",
        service_message="Destination not verified",
        modeled_fields={"Message": "Destination not verified",
                        "Reason": "DESTINATION_PHONE_NUMBER_NOT_VERIFIED"},
    )

    with pytest.raises(PermanentError) as caught:
        SmsTransport(client=sms_client).send(sms())

    assert caught.value.opted_out is False
    assert caught.value.code == "ConflictException"


def test_sms_validation_error_is_permanent(aws_settings, sms_client, stub):
    stub(sms_client).add_client_error(
        "send_text_message",
        service_error_code="ValidationException",
        service_message="Invalid destination phone number",
        modeled_fields={"Message": "Invalid destination phone number",
                        "Reason": "INVALID_PARAMETER"},
        response_meta={"RequestId": REQUEST_ID},
    )

    with pytest.raises(PermanentError) as caught:
        SmsTransport(client=sms_client).send(sms())

    assert caught.value.code == "ValidationException"
    assert caught.value.opted_out is False
    assert caught.value.context["request"]["DestinationPhoneNumber"] == "+14255550123"


def test_sms_connection_failure_is_transient(aws_settings, sms_client):
    def refuse(request, **kwargs):
        raise EndpointConnectionError(endpoint_url=request.url)

    sms_client.meta.events.register("before-send", refuse)

    with pytest.raises(TransientError) as caught:
        SmsTransport(client=sms_client).send(sms())

    assert caught.value.code == "EndpointConnectionError"
    assert caught.value.context["request"]["DestinationPhoneNumber"] == "+14255550123"
