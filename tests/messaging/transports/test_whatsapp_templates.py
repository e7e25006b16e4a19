"""WhatsApp templates: ``whatsapp_templates_sync`` through Stubber (moto has no socialmessaging),
a variant pointing at an approved template, and a refusal with Meta's reason for any other.

https://docs.aws.amazon.com/social-messaging/latest/APIReference/API_ListWhatsAppMessageTemplates.html
"""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from messaging.models import Contact, WhatsAppTemplate
from messaging.templates.render import TemplateRefused, template_render
from messaging.templates.sending import templated_send
from messaging.templates.services import template_save
from messaging.transports import clients
from tests.support.aws_transports import META

pytestmark = pytest.mark.django_db
WABA = "waba-1234567890abcdef"

LISTED = [
    {"templateName": "shift_offer", "metaTemplateId": "111", "templateStatus": "APPROVED",
     "templateLanguage": "es_MX", "templateCategory": "UTILITY"},
    {"templateName": "promo", "metaTemplateId": "222", "templateStatus": "REJECTED",
     "templateLanguage": "en_US", "templateCategory": "MARKETING"},
]
DEFINITIONS = {
    "111": {"name": "shift_offer", "language": "es_MX", "status": "APPROVED", "category": "UTILITY",
            "components": [{"type": "BODY", "text": "Hola {{1}}, turno {{2}} disponible."}]},
    "222": {"name": "promo", "language": "en_US", "status": "REJECTED", "category": "MARKETING",
            "rejected_reason": "INVALID_FORMAT", "components": [{"type": "BODY", "text": "Buy now"}]},
}


def stub_sync(stub, wa_client, listed=LISTED):
    stubber = stub(wa_client)
    stubber.add_response("list_whatsapp_message_templates",
                         {"templates": listed[:1], "nextToken": "page-2", "ResponseMetadata": META}, {"id": WABA})
    stubber.add_response("get_whatsapp_message_template",
                         {"template": json.dumps(DEFINITIONS["111"]), "ResponseMetadata": META},
                         {"id": WABA, "metaTemplateId": "111"})
    stubber.add_response("list_whatsapp_message_templates",
                         {"templates": listed[1:], "ResponseMetadata": META}, {"id": WABA, "nextToken": "page-2"})
    for summary in listed[1:]:
        stubber.add_response("get_whatsapp_message_template",
                             {"template": json.dumps(DEFINITIONS[summary["metaTemplateId"]]), "ResponseMetadata": META},
                             {"id": WABA, "metaTemplateId": summary["metaTemplateId"]})
    return stubber


@pytest.fixture
def synced(stub, wa_client, settings, monkeypatch, aws_settings):
    settings.WHATSAPP_WABA_ID = WABA
    monkeypatch.setattr(clients, "aws_client", lambda service: wa_client)
    stubber = stub_sync(stub, wa_client)
    call_command("whatsapp_templates_sync")
    return stubber


def test_the_sync_reads_every_page_and_stores_status_components_and_reason(synced):
    rows = {t.name: t for t in WhatsAppTemplate.objects.all()}

    assert (rows["shift_offer"].status, rows["shift_offer"].language) == ("APPROVED", "es_MX")
    assert rows["shift_offer"].components[0]["text"].startswith("Hola {{1}}")
    assert (rows["promo"].status, rows["promo"].reason) == ("REJECTED", "INVALID_FORMAT")


def test_a_variant_pointing_at_an_approved_template_sends_it_with_its_parameters(synced):
    template_save(name="offer", placeholders=["shift"], variants=[{
        "channel": "whatsapp", "body": "Hola {first_name}, turno {shift}", "whatsapp_template": "shift_offer",
        "whatsapp_language": "es_MX", "whatsapp_parameters": ["first_name", "shift"]}])
    ana = Contact.objects.create(name="Ana Ruiz", phone="+12065550101", locale="es-MX")

    [message] = templated_send(template_name="offer", channel="whatsapp", contacts=[ana],
                               context_for=lambda c: {"shift": "A1"})

    assert message.options["template"] == {"name": "shift_offer", "language": {"code": "es_MX"}, "components": [
        {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "A1"}]}]}


def test_a_variant_pointing_at_a_rejected_template_is_refused_with_metas_reason(synced):
    template_save(name="promo", variants=[{"channel": "whatsapp", "body": "Buy", "whatsapp_template": "promo",
                                           "whatsapp_language": "en_US"}])

    with pytest.raises(TemplateRefused, match="REJECTED, not APPROVED: INVALID_FORMAT"):
        template_render(template_name="promo", channel="whatsapp")


def test_a_template_no_longer_listed_is_marked_deleted_and_refused(synced):
    synced.add_response("list_whatsapp_message_templates", {"templates": [], "ResponseMetadata": META}, {"id": WABA})
    call_command("whatsapp_templates_sync")
    template_save(name="offer", variants=[{"channel": "whatsapp", "body": "x", "whatsapp_template": "shift_offer",
                                           "whatsapp_language": "es_MX"}])

    with pytest.raises(TemplateRefused, match="DELETED"):
        template_render(template_name="offer", channel="whatsapp")


def test_the_command_needs_a_business_account(settings):
    settings.WHATSAPP_WABA_ID = ""
    with pytest.raises(CommandError, match="WHATSAPP_WABA_ID"):
        call_command("whatsapp_templates_sync")


def test_an_email_with_headers_sends_them_through_ses(aws_settings, ses_client, stub):
    from messaging.transports.aws import EmailTransport
    from messaging.transports.base import OutgoingMessage

    headers = [{"Name": "List-Unsubscribe", "Value": "<https://portal.example/preferences/unsubscribe/t/>"},
               {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"}]
    stub(ses_client).add_response("send_email", {"MessageId": "ses-1", "ResponseMetadata": META}, {
        "FromEmailAddress": "portal@example.com", "Destination": {"ToAddresses": ["ana@example.org"]},
        "Content": {"Simple": {"Subject": {"Data": "News", "Charset": "UTF-8"},
                               "Body": {"Text": {"Data": "Hi", "Charset": "UTF-8"}}, "Headers": headers}},
        "EmailTags": [{"Name": "message_log_id", "Value": "7"}], "ConfigurationSetName": "portal-email"})

    result = EmailTransport(client=ses_client).send(OutgoingMessage(
        log_id=7, channel="email", recipient="ana@example.org", subject="News", body="Hi",
        options={"headers": headers}))

    assert result.provider_message_id == "ses-1"
