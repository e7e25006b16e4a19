"""The review's "spoofed display names" finding, replayed: a key limited to ``@example.com`` may
not send as ``"security@yourbank.com" <a@example.com>`` or any other From whose display name a
reader would take for the sender; an honest name still goes out as checked."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from rest_framework.test import APIClient

from messaging.api.keys import api_key_create
from messaging.models import Dispatch, OutboundMessage
from messaging.transports.aws import EmailTransport
from messaging.transports.base import OutgoingMessage
from tests.support.omnichannel import SMS_TO_EMAIL, payload

pytestmark = pytest.mark.django_db

SPOOFS = [
    '"security@yourbank.com" <a@example.com>',
    "security@yourbank.com <a@example.com>",           # unquoted: two addresses to a parser
    '"security＠yourbank.com" <a@example.com>',         # full-width at sign
    '"security﹫yourbank.com" <a@example.com>',         # small at sign
    "a@example.com (security@yourbank.com)",           # a comment is shown as the name
    '"Bank <security@yourbank.com>" <a@example.com>',
    '"Bank ＜x＞" <a@example.com>',
    "Bank <a@evil.test> <a@example.com>",
    "a@example.com, b@example.com",
    "Bank\r\nBcc: all@example.com <a@example.com>",
    "Bank\u202e <a@example.com>",                      # right-to-left override turns text round
]


def client_for_example_com():
    _, raw = api_key_create(name="limited", senders=["+12065550100", "@example.com"])
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


@pytest.mark.parametrize("sender", SPOOFS)
def test_a_from_whose_display_name_holds_an_address_is_a_400_naming_sender(sender, django_capture_on_commit_callbacks):
    body = payload(fc={**SMS_TO_EMAIL["fc"], "sender": sender})
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for_example_com().post("/api/v1/messages/", body, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["fc"] and list(response.json()["fc"]) == ["sender"]
    assert not Dispatch.objects.exists() and not OutboundMessage.objects.exists()


@pytest.mark.parametrize("sender", SPOOFS[:3])
def test_a_key_allowed_any_sender_is_refused_the_spoof_too(api, sender):
    response = api.post("/api/v1/messages/", payload(fc={**SMS_TO_EMAIL["fc"], "sender": sender}), format="json")
    assert response.status_code == 400 and "sender" in response.json()["fc"]


@pytest.mark.parametrize(("sender", "stored"), [
    ("Ops <ops@example.com>", "Ops <ops@example.com>"),
    ('"Ops, night desk" <ops@example.com>', '"Ops, night desk" <ops@example.com>'),
    ("Gasversorgung Süd <ops@example.com>", "Gasversorgung Süd <ops@example.com>"),
    ("  ops@example.com ", "ops@example.com"),
])
def test_an_honest_display_name_goes_out_as_checked(sender, stored, django_capture_on_commit_callbacks):
    body = payload(pc={**SMS_TO_EMAIL["fc"], "sender": sender}, fc=SMS_TO_EMAIL["pc"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for_example_com().post("/api/v1/messages/", body, format="json")
    assert response.status_code == 202, response.content
    assert OutboundMessage.objects.get(channel="email").sender == stored


@pytest.mark.parametrize(("sender", "header"), [
    ("Gasversorgung Süd <ops@example.com>", "=?utf-8?q?Gasversorgung_S=C3=BCd?= <ops@example.com>"),
    ('"Ops, night desk" <ops@example.com>', '"Ops, night desk" <ops@example.com>'),
    ("ops@example.com", "ops@example.com"),
])
def test_ses_gets_the_checked_from_with_a_non_ascii_name_encoded(settings, sender, header):
    """SES takes FromEmailAddress as a header value: a non-ASCII name must be RFC 2047 encoded."""
    settings.AWS_REGION, settings.SES_CONFIGURATION_SET = "us-east-1", ""
    client = boto3.client("sesv2", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        stubber.add_response("send_email", {"MessageId": "ses-1"}, {
            "FromEmailAddress": header, "Destination": {"ToAddresses": ["user@example.org"]},
            "Content": {"Simple": {"Subject": {"Data": "Hi", "Charset": "UTF-8"},
                                   "Body": {"Text": {"Data": "Body", "Charset": "UTF-8"}}}},
            "EmailTags": [{"Name": "message_log_id", "Value": "7"}]})
        EmailTransport(client=client).send(OutgoingMessage(
            log_id=7, channel="email", recipient="user@example.org", sender=sender, subject="Hi", body="Body"))
        stubber.assert_no_pending_responses()
