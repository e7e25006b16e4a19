"""The email transport (SES v2 SendEmail) through Stubber and through moto, the one API of ours
moto implements.

https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
"""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from messaging.transports.aws import (
    EmailTransport,
)
from messaging.transports.base import (
    OutgoingMessage,
    PermanentError,
    SendResult,
    TransientError,
)
from tests.support.aws_transports import META, REQUEST_ID


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
