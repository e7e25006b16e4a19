"""The WhatsApp transport (socialmessaging SendWhatsAppMessage) against its real service model.

https://docs.aws.amazon.com/social-messaging/latest/APIReference/API_SendWhatsAppMessage.html
"""

from __future__ import annotations

import json

import pytest

from messaging.transports.aws import (
    WhatsAppTransport,
)
from messaging.transports.base import (
    OutgoingMessage,
    PermanentError,
    SendResult,
    TransientError,
)
from tests.support.aws_transports import REQUEST_ID, WA_PHONE_ID


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
