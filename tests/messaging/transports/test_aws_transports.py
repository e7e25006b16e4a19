"""The AWS transports against the real service models.

Every boto3 call goes through ``botocore.stub.Stubber``, which checks the parameters against the
service model and compares them with ``expected_params`` exactly, or through moto (SESv2, the
one API moto implements). Fake credentials and no ``AWS_ENDPOINT_URL``: nothing leaves the
process.

API references:
- SendTextMessage:
  https://docs.aws.amazon.com/pinpoint/latest/apireference_smsvoicev2/API_SendTextMessage.html
- SendVoiceMessage:
  https://docs.aws.amazon.com/pinpoint/latest/apireference_smsvoicev2/API_SendVoiceMessage.html
- SES SendEmail:
  https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
- SendWhatsAppMessage:
  https://docs.aws.amazon.com/social-messaging/latest/APIReference/API_SendWhatsAppMessage.html
- StartOutboundVoiceContact:
  https://docs.aws.amazon.com/connect/latest/APIReference/API_StartOutboundVoiceContact.html
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import (
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)
from botocore.stub import Stubber
from moto import mock_aws

from messaging.transports import clients
from messaging.transports.aws import (
    EmailTransport,
    SmsTransport,
    VoiceTransport,
    WhatsAppTransport,
    callback_client_token,
    connect_configured,
)
from messaging.transports.aws_errors import map_client_error
from messaging.transports.base import (
    BaseTransport,
    OutgoingMessage,
    PermanentError,
    SendResult,
    TransientError,
)

REQUEST_ID = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
META = {"RequestId": REQUEST_ID, "HTTPStatusCode": 200}
WA_PHONE_ID = "phone-number-id-01234567890123456789012345678901"


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Fake credentials, a fixed region, no profile files and no endpoint override."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SESV2"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def aws_settings(settings):
    settings.AWS_REGION = "us-east-1"
    settings.SMS_ORIGINATION_IDENTITY = "+12065550100"
    settings.SMS_CONFIGURATION_SET = "portal-sms"
    settings.SMS_MESSAGE_TYPE = "TRANSACTIONAL"
    settings.VOICE_ORIGINATION_IDENTITY = "+12065550111"
    settings.VOICE_ID = "JOANNA"
    settings.SES_FROM_EMAIL = "portal@example.com"
    settings.SES_CONFIGURATION_SET = "portal-email"
    settings.WHATSAPP_PHONE_NUMBER_ID = WA_PHONE_ID
    settings.WHATSAPP_META_API_VERSION = "v20.0"
    settings.CONNECT_INSTANCE_ID = "11111111-2222-3333-4444-555555555555"
    settings.CONNECT_CONTACT_FLOW_ID = "66666666-7777-8888-9999-000000000000"
    settings.CONNECT_QUEUE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    settings.CONNECT_SOURCE_PHONE_NUMBER = "+12065550199"
    return settings


def _client(service: str):
    # One attempt only, so a transport-level failure surfaces at once instead of being retried.
    return boto3.client(service, region_name="us-east-1",
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


@pytest.fixture
def sms_client(aws_env):
    return _client("pinpoint-sms-voice-v2")


@pytest.fixture
def connect_client(aws_env):
    return _client("connect")


@pytest.fixture
def ses_client(aws_env):
    return _client("sesv2")


@pytest.fixture
def wa_client(aws_env):
    return _client("socialmessaging")


@pytest.fixture
def stub():
    """``stub(client)`` activates a Stubber; every queued response must be consumed."""
    stubbers = []

    def make(client):
        stubber = Stubber(client)
        stubber.activate()
        stubbers.append(stubber)
        return stubber

    yield make
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def sms(**kw) -> OutgoingMessage:
    kw.setdefault("log_id", 42)
    kw.setdefault("channel", "sms")
    kw.setdefault("recipient", "+14255550123")
    kw.setdefault("body", "INC-7: database down. Reply YES to acknowledge, NO to pass.")
    return OutgoingMessage(**kw)


# --- SMS -------------------------------------------------------------------------------------


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


# --- voice -----------------------------------------------------------------------------------


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


# --- email -----------------------------------------------------------------------------------


def email(**kw) -> OutgoingMessage:
    kw.setdefault("log_id", 11)
    kw.setdefault("channel", "email")
    kw.setdefault("recipient", "ops@example.org")
    kw.setdefault("subject", "Your order")
    kw.setdefault("body", "Plain text body")
    return OutgoingMessage(**kw)


def test_email_with_text_and_html(aws_settings, ses_client, stub):
    stub(ses_client).add_response(
        "send_email",
        {"MessageId": "0100018f-ses-0001", "ResponseMetadata": META},
        {
            "FromEmailAddress": "portal@example.com",
            "Destination": {"ToAddresses": ["ops@example.org"]},
            "Content": {"Simple": {
                "Subject": {"Data": "Your order", "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": "Plain text body", "Charset": "UTF-8"},
                    "Html": {"Data": "<p>HTML body</p>", "Charset": "UTF-8"},
                },
            }},
            "EmailTags": [{"Name": "message_log_id", "Value": "11"}],
            "ConfigurationSetName": "portal-email",
        },
    )

    result = EmailTransport(client=ses_client).send(email(options={"html": "<p>HTML body</p>"}))

    assert result == SendResult(provider_message_id="0100018f-ses-0001",
                                sender="portal@example.com")


def test_email_html_only_and_sender_override(settings, aws_settings, ses_client, stub):
    settings.SES_CONFIGURATION_SET = ""
    stub(ses_client).add_response(
        "send_email",
        {"MessageId": "0100018f-ses-0002"},
        {
            "FromEmailAddress": "alerts@example.com",
            "Destination": {"ToAddresses": ["ops@example.org"]},
            "Content": {"Simple": {
                "Subject": {"Data": "Your order", "Charset": "UTF-8"},
                "Body": {"Html": {"Data": "<p>only html</p>", "Charset": "UTF-8"}},
            }},
            "EmailTags": [{"Name": "message_log_id", "Value": "11"}],
        },
    )

    message = email(body="", sender="alerts@example.com", options={"html": "<p>only html</p>"})

    assert EmailTransport(client=ses_client).send(message).provider_message_id == (
        "0100018f-ses-0002"
    )


def test_email_template(aws_settings, ses_client, stub):
    stub(ses_client).add_response(
        "send_email",
        {"MessageId": "0100018f-ses-0003"},
        {
            "FromEmailAddress": "portal@example.com",
            "Destination": {"ToAddresses": ["ops@example.org"]},
            "Content": {"Template": {
                "TemplateName": "OrderShipped",
                "TemplateData": json.dumps({"name": "Ana", "order": "A-17"}),
            }},
            "EmailTags": [{"Name": "message_log_id", "Value": "12"}],
            "ConfigurationSetName": "transactional",
        },
    )
    message = email(log_id=12, options={
        "template": "OrderShipped",
        "template_data": {"name": "Ana", "order": "A-17"},
        "configuration_set": "transactional",
    })

    assert EmailTransport(client=ses_client).send(message).provider_message_id == (
        "0100018f-ses-0003"
    )


def test_email_message_rejected_is_permanent(aws_settings, ses_client, stub):
    stub(ses_client).add_client_error(
        "send_email",
        service_error_code="MessageRejected",
        service_message="Email address is not verified.",
        response_meta={"RequestId": REQUEST_ID},
    )

    with pytest.raises(PermanentError) as caught:
        EmailTransport(client=ses_client).send(email())

    ctx = caught.value.context
    assert caught.value.code == "MessageRejected"
    assert ctx["request"]["FromEmailAddress"] == "portal@example.com"
    assert ctx["request"]["Content"] == {"Simple": {"Subject": "Your order", "Body": ["Text"]}}
    assert ctx["aws_request_id"] == REQUEST_ID


def test_email_too_many_requests_is_transient(aws_settings, ses_client, stub):
    stub(ses_client).add_client_error(
        "send_email", service_error_code="TooManyRequestsException",
        service_message="Maximum sending rate exceeded.", http_status_code=429,
    )

    with pytest.raises(TransientError):
        EmailTransport(client=ses_client).send(email())


@mock_aws
def test_email_through_moto_records_the_message(aws_env, aws_settings):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    client = boto3.client("sesv2", region_name="us-east-1")
    client.create_email_identity(EmailIdentity="portal@example.com")

    result = EmailTransport(client=client).send(email())

    assert result.provider_message_id
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert [m.id for m in sent] == [result.provider_message_id]
    assert sent[0].source == "portal@example.com"
    assert sent[0].subject == "Your order"


@mock_aws
def test_email_through_moto_builds_its_own_client(aws_env, aws_settings):
    boto3.client("sesv2", region_name="us-east-1").create_email_identity(
        EmailIdentity="example.com"
    )

    assert EmailTransport().send(email()).provider_message_id


@mock_aws
def test_email_from_unverified_identity_is_permanent_through_moto(aws_env, aws_settings):
    client = boto3.client("sesv2", region_name="us-east-1")

    with pytest.raises(PermanentError) as caught:
        EmailTransport(client=client).send(email(sender="stranger@example.net"))

    assert caught.value.code == "MessageRejected"
    assert caught.value.context["request"]["FromEmailAddress"] == "stranger@example.net"


# --- WhatsApp --------------------------------------------------------------------------------


def test_whatsapp_text_message(aws_settings, wa_client, stub):
    meta_json = {
        "messaging_product": "whatsapp",
        "to": "14255550123",
        "type": "text",
        "text": {"body": "Your order shipped"},
    }
    stub(wa_client).add_response(
        "send_whatsapp_message",
        {"messageId": "wa-aws-0001"},
        {
            "originationPhoneNumberId": WA_PHONE_ID,
            "message": json.dumps(meta_json).encode("utf-8"),
            "metaApiVersion": "v20.0",
        },
    )
    message = OutgoingMessage(log_id=21, channel="whatsapp", recipient="+14255550123",
                              body="Your order shipped", sender="+12065550100")

    result = WhatsAppTransport(client=wa_client).send(message)

    assert result == SendResult(provider_message_id="wa-aws-0001", provider_alt_id="",
                                sender=WA_PHONE_ID)


def test_whatsapp_template_message(aws_settings, wa_client, stub):
    aws_settings.WHATSAPP_META_API_VERSION = "v21.0"
    template = {
        "name": "order_update",
        "language": {"code": "en_US"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "A-17"}]}],
    }
    stub(wa_client).add_response(
        "send_whatsapp_message",
        {"messageId": "wa-aws-0002"},
        {
            "originationPhoneNumberId": WA_PHONE_ID,
            "message": json.dumps({
                "messaging_product": "whatsapp",
                "to": "14255550123",
                "type": "template",
                "template": template,
            }).encode("utf-8"),
            "metaApiVersion": "v21.0",
        },
    )
    message = OutgoingMessage(log_id=22, channel="whatsapp", recipient="+14255550123",
                              body="", options={"template": template})

    assert WhatsAppTransport(client=wa_client).send(message).provider_message_id == "wa-aws-0002"


def test_whatsapp_template_by_name_gets_a_default_language():
    message = OutgoingMessage(log_id=1, channel="whatsapp", recipient="+447700900123", body="",
                              options={"template": "hello_world"})

    assert WhatsAppTransport.meta_message(message) == {
        "messaging_product": "whatsapp",
        "to": "447700900123",
        "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}},
    }


def test_whatsapp_throttled_is_transient_with_summarised_request(aws_settings, wa_client, stub):
    stub(wa_client).add_client_error(
        "send_whatsapp_message",
        service_error_code="ThrottledRequestException",
        service_message="Too many requests",
        http_status_code=429,
        response_meta={"RequestId": REQUEST_ID},
    )
    message = OutgoingMessage(log_id=23, channel="whatsapp", recipient="+14255550123",
                              body="secret text")

    with pytest.raises(TransientError) as caught:
        WhatsAppTransport(client=wa_client).send(message)

    request = caught.value.context["request"]
    assert request["originationPhoneNumberId"] == WA_PHONE_ID
    assert request["metaApiVersion"] == "v20.0"
    assert request["message"] == {"type": "text", "to": "14255550123", "template": None}
    assert "secret text" not in json.dumps(caught.value.context)


def test_whatsapp_without_phone_number_id_is_permanent(settings):
    settings.WHATSAPP_PHONE_NUMBER_ID = ""

    with pytest.raises(PermanentError) as caught:
        WhatsAppTransport(client=object()).send(
            OutgoingMessage(log_id=1, channel="whatsapp", recipient="+14255550123", body="x")
        )

    assert caught.value.code == "WHATSAPP_NOT_CONFIGURED"


# --- map_client_error ------------------------------------------------------------------------


def _client_error(code, status=400, **extra):
    from botocore.exceptions import ClientError

    response = {
        "Error": {"Code": code, "Message": f"{code} happened"},
        "ResponseMetadata": {"RequestId": REQUEST_ID, "HTTPStatusCode": status},
        **extra,
    }
    return ClientError(response, "SendTextMessage")


@pytest.mark.parametrize("code", [
    "ThrottlingException", "TooManyRequestsException", "InternalServerException",
    "ServiceUnavailable", "ThrottledRequestException", "InternalServiceException",
])
def test_map_transient_codes(code):
    err = map_client_error(_client_error(code), {"operation": "send_text_message"})

    assert isinstance(err, TransientError)
    assert err.code == code
    assert err.context["operation"] == "send_text_message"
    assert err.context["aws_request_id"] == REQUEST_ID
    assert err.context["error_message"] == f"{code} happened"


@pytest.mark.parametrize("code", [
    "ValidationException", "AccessDeniedException", "ResourceNotFoundException",
    "MessageRejected", "AccountSuspendedException", "NotFoundException", "BadRequestException",
    "ServiceQuotaExceededException",
])
def test_map_permanent_codes(code):
    err = map_client_error(_client_error(code, status=500 if code == "ValidationException"
                                         else 400), {})

    assert isinstance(err, PermanentError)
    assert err.code == code
    assert err.opted_out is False


def test_map_unknown_codes_by_http_status():
    assert isinstance(map_client_error(_client_error("SomethingNew", 400)), PermanentError)
    assert isinstance(map_client_error(_client_error("SomethingNew", 503)), TransientError)
    assert isinstance(map_client_error(_client_error("SomethingNew", 429)), TransientError)


def test_map_opt_out_reason():
    err = map_client_error(
        _client_error("ConflictException", Reason="DESTINATION_PHONE_NUMBER_OPTED_OUT"),
        {"request": {"DestinationPhoneNumber": "+14255550123"}},
    )

    assert isinstance(err, PermanentError)
    assert err.opted_out is True
    assert err.code == "DESTINATION_PHONE_NUMBER_OPTED_OUT"
    assert err.context["request"] == {"DestinationPhoneNumber": "+14255550123"}


@pytest.mark.parametrize("exc", [
    EndpointConnectionError(endpoint_url="https://sms-voice.us-east-1.amazonaws.com/"),
    ConnectTimeoutError(endpoint_url="https://sms-voice.us-east-1.amazonaws.com/"),
    ReadTimeoutError(endpoint_url="https://sms-voice.us-east-1.amazonaws.com/"),
])
def test_map_network_errors_are_transient(exc):
    err = map_client_error(exc, {"operation": "send_text_message"})

    assert isinstance(err, TransientError)
    assert err.code == type(exc).__name__
    assert err.context["operation"] == "send_text_message"


def test_map_param_validation_is_permanent():
    err = map_client_error(ParamValidationError(report="Invalid length for parameter"), {})

    assert isinstance(err, PermanentError)


# --- client construction ---------------------------------------------------------------------


def test_clients_are_built_lazily_in_the_configured_region(aws_env, settings, monkeypatch):
    settings.AWS_REGION = "eu-west-2"
    built = []
    real = boto3.client

    def spy(service, **kwargs):
        built.append((service, kwargs))
        return real(service, **kwargs)

    monkeypatch.setattr(clients.boto3, "client", spy)
    transport = VoiceTransport()
    assert built == []

    assert transport.client.meta.region_name == "eu-west-2"
    assert transport.connect_client.meta.region_name == "eu-west-2"
    assert transport.client is transport.client
    assert [service for service, _ in built] == ["pinpoint-sms-voice-v2", "connect"]
    assert all("endpoint_url" not in kwargs for _, kwargs in built)


def test_aws_endpoint_url_env_var_is_honoured(aws_env, settings, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")

    assert SmsTransport().client.meta.endpoint_url == "http://localhost:4566"
