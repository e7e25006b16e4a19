"""Attachments on SES v2 SendEmail (Content.Simple/Template.Attachments), checked by Stubber
against botocore's own sesv2 model, which validates the Attachment shape."""

from __future__ import annotations

import pytest

from messaging.transports.aws import EmailTransport
from messaging.transports.base import OutgoingMessage, PermanentError
from tests.support.aws_transports import META

PDF = b"%PDF-1.4 rota\x00\xff"
CSV = b"name,shift\nAna,Mon\n"
FILES = [{"filename": "rota.pdf", "content_type": "application/pdf", "content": PDF},
         {"filename": "shifts.csv", "content_type": "text/csv", "content": CSV}]
SENT = [{"FileName": "rota.pdf", "RawContent": PDF, "ContentType": "application/pdf",
         "ContentDisposition": "ATTACHMENT", "ContentTransferEncoding": "BASE64"},
        {"FileName": "shifts.csv", "RawContent": CSV, "ContentType": "text/csv",
         "ContentDisposition": "ATTACHMENT", "ContentTransferEncoding": "BASE64"}]


def email(options: dict) -> OutgoingMessage:
    return OutgoingMessage(log_id=7, channel="email", recipient="ops@example.org", subject="Rota",
                           body="Attached.", options=options)


def test_simple_email_carries_its_files(aws_settings, ses_client, stub):
    stub(ses_client).add_response("send_email", {"MessageId": "m-1", "ResponseMetadata": META}, {
        "FromEmailAddress": "portal@example.com",
        "Destination": {"ToAddresses": ["ops@example.org"]},
        "Content": {"Simple": {
            "Subject": {"Data": "Rota", "Charset": "UTF-8"},
            "Body": {"Text": {"Data": "Attached.", "Charset": "UTF-8"}},
            "Attachments": SENT,
        }},
        "EmailTags": [{"Name": "message_log_id", "Value": "7"}],
        "ConfigurationSetName": "portal-email",
    })

    result = EmailTransport(client=ses_client).send(email({"attachments": [1, 2], "attachment_files": FILES}))

    assert result.provider_message_id == "m-1"


def test_template_email_carries_its_files(aws_settings, ses_client, stub):
    stub(ses_client).add_response("send_email", {"MessageId": "m-2", "ResponseMetadata": META}, {
        "FromEmailAddress": "portal@example.com",
        "Destination": {"ToAddresses": ["ops@example.org"]},
        "Content": {"Template": {"TemplateName": "rota", "TemplateData": "{}", "Attachments": SENT[:1]}},
        "EmailTags": [{"Name": "message_log_id", "Value": "7"}],
        "ConfigurationSetName": "portal-email",
    })

    EmailTransport(client=ses_client).send(email({"template": "rota", "attachments": [1],
                                                  "attachment_files": FILES[:1]}))


def test_an_attachment_gone_since_is_never_sent_without(aws_settings, ses_client, stub):
    stub(ses_client)  # no response queued: SES must not be called

    with pytest.raises(PermanentError) as caught:
        EmailTransport(client=ses_client).send(email({"attachments": [1, 2], "attachment_files": FILES[:1]}))

    assert caught.value.code == "ATTACHMENT_MISSING"
