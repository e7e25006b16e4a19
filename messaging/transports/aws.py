"""The real AWS transports: one class per channel, each a thin wrapper round one boto3 call.

| channel  | client                    | call                             |
| -------- | ------------------------- | -------------------------------- |
| sms      | ``pinpoint-sms-voice-v2`` | ``send_text_message``            |
| voice    | ``pinpoint-sms-voice-v2`` | ``send_voice_message``           |
| voice    | ``connect`` (call-back)   | ``start_outbound_voice_contact`` |
| email    | ``sesv2``                 | ``send_email``                   |
| whatsapp | ``socialmessaging``       | ``send_whatsapp_message``        |

Like Django's mail backends, a transport reads its settings when it sends, builds its boto3
client lazily, and accepts an injected client (``client=...``) so tests can hand it one wrapped
in ``botocore.stub.Stubber``. No ``endpoint_url`` is ever passed, so botocore's own
``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` variables keep working.

Every provider failure comes out as a ``TransientError`` or a ``PermanentError`` built by
``messaging.transports.aws_errors.map_client_error``; its ``context`` holds the request
parameters (message bodies left out), the AWS request id and the AWS error code and message.
Transports never touch the database.

Settings (all optional; their defaults are in ``portal/settings/``):

- ``AWS_REGION`` ("us-east-1"), ``AWS_CONNECT_TIMEOUT`` (5 s), ``AWS_READ_TIMEOUT`` (8 s, under the 15 s task timeout)
- SMS: ``SMS_ORIGINATION_IDENTITY``, ``SMS_CONFIGURATION_SET``, ``SMS_MESSAGE_TYPE``
  ("TRANSACTIONAL")
- voice: ``VOICE_ORIGINATION_IDENTITY`` (falls back to ``SMS_ORIGINATION_IDENTITY``),
  ``VOICE_ID`` ("JOANNA"), ``VOICE_CONFIGURATION_SET`` (falls back to ``SMS_CONFIGURATION_SET``)
- call-back: ``CONNECT_INSTANCE_ID``, ``CONNECT_CONTACT_FLOW_ID``, ``CONNECT_QUEUE_ID``,
  ``CONNECT_SOURCE_PHONE_NUMBER``
- email: ``SES_FROM_EMAIL``, ``SES_CONFIGURATION_SET``
- WhatsApp: ``WHATSAPP_PHONE_NUMBER_ID``, ``WHATSAPP_META_API_VERSION`` ("v20.0")
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import ValidationError

from messaging.values.senders import email_sender_mime

from . import clients
from .aws_errors import map_client_error, summarise
from .base import (
    BaseTransport,
    OutgoingMessage,
    PermanentError,
    SendResult,
)

logger = logging.getLogger(__name__)

DEFAULT_META_API_VERSION = "v20.0"
LOG_ID_KEY = "message_log_id"

# A fixed namespace so the same call-back always yields the same Connect ClientToken.
CALLBACK_TOKEN_NAMESPACE = uuid.UUID("6f1c2b7e-3c5d-4a8e-9b0f-2d7a4e1c9b53")

def connect_configured() -> bool:
    """True when an Amazon Connect call-back can be placed.

    Connect needs an instance and a contact flow, and either a queue or a source number.
    """
    return bool(
        settings.CONNECT_INSTANCE_ID
        and settings.CONNECT_CONTACT_FLOW_ID
        and (settings.CONNECT_QUEUE_ID or settings.CONNECT_SOURCE_PHONE_NUMBER)
    )


def callback_client_token(message: OutgoingMessage) -> str:
    """A deterministic Connect ``ClientToken``: the same call-back never rings twice."""
    seed = message.options.get("client_token") or f"message-log:{message.log_id}"
    return str(uuid.uuid5(CALLBACK_TOKEN_NAMESPACE, str(seed)))


class AwsTransport(BaseTransport):
    """Shared plumbing: a lazily built client and one guarded call."""

    service: str = ""

    def __init__(self, *, client=None, **kwargs):
        self._client = client

    @property
    def client(self):
        if self._client is None:
            self._client = clients.aws_client(self.service)
        return self._client

    def _call(self, client, operation: str, params: dict, message: OutgoingMessage) -> dict:
        try:
            service = client.meta.service_model.service_name
        except AttributeError:  # a hand-made fake client
            service = self.service
        context = {
            "service": service,
            "operation": operation,
            LOG_ID_KEY: message.log_id,
            "request": summarise(params),
        }
        try:
            response = getattr(client, operation)(**params)
        except (ClientError, BotoCoreError) as exc:
            error = map_client_error(exc, context)
            logger.warning(
                "%s.%s failed for message log %s: %s (%s)", context["service"], operation,
                message.log_id, error, "permanent" if error.permanent else "transient",
            )
            raise error from exc
        logger.info("%s.%s sent message log %s", context["service"], operation, message.log_id)
        return response


class SmsTransport(AwsTransport):
    """SMS through AWS End User Messaging SMS (``pinpoint-sms-voice-v2``)."""

    channel = "sms"
    service = "pinpoint-sms-voice-v2"

    def send(self, message: OutgoingMessage) -> SendResult:
        opts = message.options
        origination = message.sender or settings.SMS_ORIGINATION_IDENTITY
        params: dict[str, Any] = {"DestinationPhoneNumber": message.recipient}
        if origination:
            params["OriginationIdentity"] = origination
        params["MessageBody"] = message.body
        params["MessageType"] = str(
            opts.get("message_type") or settings.SMS_MESSAGE_TYPE
        ).upper()
        configuration_set = opts.get("configuration_set") or settings.SMS_CONFIGURATION_SET
        if configuration_set:
            params["ConfigurationSetName"] = configuration_set
        # Comes back in every delivery event, so events can be matched even without the id.
        params["Context"] = {LOG_ID_KEY: str(message.log_id)}
        response = self._call(self.client, "send_text_message", params, message)
        return SendResult(provider_message_id=response["MessageId"], sender=origination)


class VoiceTransport(AwsTransport):
    """Text-to-speech calls (``send_voice_message``), or Amazon Connect call-backs.

    ``options["kind"] == "callback"`` places an outbound Connect contact instead; its
    ``ClientToken`` derives from ``options["client_token"]`` or the log id, so a retried send
    does not ring the phone twice.
    """

    channel = "voice"
    service = "pinpoint-sms-voice-v2"

    def supports(self, options: dict) -> bool:
        return options.get("kind") != "callback" or connect_configured()

    def __init__(self, *, client=None, connect_client=None, **kwargs):
        super().__init__(client=client, **kwargs)
        self._connect_client = connect_client

    @property
    def connect_client(self):
        if self._connect_client is None:
            self._connect_client = clients.aws_client("connect")
        return self._connect_client

    def send(self, message: OutgoingMessage) -> SendResult:
        if message.options.get("kind") == "callback":
            return self._callback(message)
        return self._voice_message(message)

    def _voice_message(self, message: OutgoingMessage) -> SendResult:
        opts = message.options
        origination = (
            message.sender
            or settings.VOICE_ORIGINATION_IDENTITY
            or settings.SMS_ORIGINATION_IDENTITY
        )
        if not origination:
            raise PermanentError(
                "No origination identity for voice: set VOICE_ORIGINATION_IDENTITY",
                code="VOICE_NOT_CONFIGURED", context={LOG_ID_KEY: message.log_id},
            )
        params: dict[str, Any] = {
            "DestinationPhoneNumber": message.recipient,
            "OriginationIdentity": origination,
            "MessageBody": message.body,
            "MessageBodyTextType": str(opts.get("text_type") or "TEXT").upper(),
            "VoiceId": str(opts.get("voice_id") or settings.VOICE_ID).upper(),
        }
        configuration_set = (
            opts.get("configuration_set")
            or settings.VOICE_CONFIGURATION_SET
            or settings.SMS_CONFIGURATION_SET
        )
        if configuration_set:
            params["ConfigurationSetName"] = configuration_set
        params["Context"] = {LOG_ID_KEY: str(message.log_id)}
        response = self._call(self.client, "send_voice_message", params, message)
        return SendResult(provider_message_id=response["MessageId"], sender=origination)

    def _callback(self, message: OutgoingMessage) -> SendResult:
        if not connect_configured():
            raise PermanentError(
                "Amazon Connect call-backs need CONNECT_INSTANCE_ID, CONNECT_CONTACT_FLOW_ID and "
                "CONNECT_QUEUE_ID or CONNECT_SOURCE_PHONE_NUMBER",
                code="CONNECT_NOT_CONFIGURED", context={LOG_ID_KEY: message.log_id},
            )
        attributes = {str(k): str(v) for k, v in (message.options.get("attributes") or {}).items()}
        attributes[LOG_ID_KEY] = str(message.log_id)
        params: dict[str, Any] = {
            "DestinationPhoneNumber": message.recipient,
            "ContactFlowId": settings.CONNECT_CONTACT_FLOW_ID,
            "InstanceId": settings.CONNECT_INSTANCE_ID,
            "ClientToken": callback_client_token(message),
        }
        # The SMS sender (often a pool or short code) cannot place a call, so only the setting.
        source = settings.CONNECT_SOURCE_PHONE_NUMBER
        if source:
            params["SourcePhoneNumber"] = source
        queue = settings.CONNECT_QUEUE_ID
        if queue:
            params["QueueId"] = queue
        params["Attributes"] = attributes
        response = self._call(self.connect_client, "start_outbound_voice_contact", params, message)
        return SendResult(provider_message_id=response["ContactId"], sender=source)


class EmailTransport(AwsTransport):
    """Email through Amazon SES v2 ``send_email``: simple (text and/or html) or templated."""

    channel = "email"
    service = "sesv2"

    def send(self, message: OutgoingMessage) -> SendResult:
        opts = message.options
        sender = message.sender if "@" in (message.sender or "") else settings.SES_FROM_EMAIL
        if not sender:
            raise PermanentError(
                "No sender address for email: set SES_FROM_EMAIL",
                code="SES_NOT_CONFIGURED", context={LOG_ID_KEY: message.log_id},
            )
        try:
            from_header = email_sender_mime(sender)  # SES needs a non-ASCII display name encoded
        except ValidationError:
            from_header = sender  # SES_FROM_EMAIL as configured; SES itself says what is wrong
        files = opts.get("attachment_files") or []
        if len(files) != len(opts.get("attachments") or []):
            # Delivery reads the ids into files; one missing was deleted since: never send without it.
            raise PermanentError("An attachment of this email no longer exists.", code="ATTACHMENT_MISSING",
                                 context={LOG_ID_KEY: message.log_id})
        params: dict[str, Any] = {
            "FromEmailAddress": from_header,
            "Destination": {"ToAddresses": [message.recipient]},
            "Content": self._content(message),
            "EmailTags": [{"Name": LOG_ID_KEY, "Value": str(message.log_id)}],
        }
        configuration_set = opts.get("configuration_set") or settings.SES_CONFIGURATION_SET
        if configuration_set:
            params["ConfigurationSetName"] = configuration_set
        response = self._call(self.client, "send_email", params, message)
        return SendResult(provider_message_id=response["MessageId"], sender=sender)

    @staticmethod
    def _content(message: OutgoingMessage) -> dict:
        opts = message.options
        template = opts.get("template")
        # Files ride on Simple and Template content alike (botocore's sesv2 Attachment shape);
        # delivery has read the message's attachment ids into bytes (transports keep off the database).
        attachments = [{"FileName": f["filename"], "RawContent": f["content"], "ContentType": f["content_type"],
                        "ContentDisposition": "ATTACHMENT", "ContentTransferEncoding": "BASE64"}
                       for f in opts.get("attachment_files") or []]
        if template:
            content = {
                "TemplateName": template,
                "TemplateData": json.dumps(opts.get("template_data") or {}),
            }
            if attachments:
                content["Attachments"] = attachments
            return {"Template": content}
        body: dict[str, Any] = {}
        html = opts.get("html")
        if message.body or not html:
            body["Text"] = {"Data": message.body, "Charset": "UTF-8"}
        if html:
            body["Html"] = {"Data": html, "Charset": "UTF-8"}
        simple: dict[str, Any] = {
            "Subject": {"Data": message.subject, "Charset": "UTF-8"},
            "Body": body,
        }
        # Custom headers (In-Reply-To, References, Auto-Submitted for an answer to an email):
        # up to 15, on Simple content only; SES sets Message-ID and Date itself.
        headers = opts.get("headers")
        if headers:
            simple["Headers"] = [{"Name": str(h["Name"]), "Value": str(h["Value"])} for h in headers[:15]]
        if attachments:
            simple["Attachments"] = attachments
        return {"Simple": simple}


class WhatsAppTransport(AwsTransport):
    """WhatsApp through AWS End User Messaging Social (``socialmessaging``).

    The ``message`` blob is a Meta Cloud API message. The AWS ``messageId`` is returned; the
    wamid only arrives later in events, so ``provider_alt_id`` stays empty.
    """

    channel = "whatsapp"
    service = "socialmessaging"

    def send(self, message: OutgoingMessage) -> SendResult:
        # The sender is used only when it names a phone-number id (the API's pattern); a
        # display number such as "+15550100" falls back to the configured id.
        sender = message.sender or ""
        if sender.startswith(("phone-number-id-", "arn:")):
            origination = sender
        else:
            origination = settings.WHATSAPP_PHONE_NUMBER_ID
        if not origination:
            raise PermanentError(
                "No WhatsApp phone-number id: set WHATSAPP_PHONE_NUMBER_ID",
                code="WHATSAPP_NOT_CONFIGURED", context={LOG_ID_KEY: message.log_id},
            )
        params = {
            "originationPhoneNumberId": origination,
            "message": json.dumps(self.meta_message(message)).encode("utf-8"),
            "metaApiVersion": settings.WHATSAPP_META_API_VERSION
            or DEFAULT_META_API_VERSION,
        }
        response = self._call(self.client, "send_whatsapp_message", params, message)
        return SendResult(provider_message_id=response["messageId"], sender=origination)

    @staticmethod
    def meta_message(message: OutgoingMessage) -> dict:
        """The Meta Cloud API JSON: a text message, or a template when options["template"]."""
        to = message.recipient.strip().lstrip("+")
        template = message.options.get("template")
        if template:
            if isinstance(template, str):
                template = {"name": template}
            template = dict(template)
            template.setdefault(
                "language", {"code": message.options.get("language") or "en_US"}
            )
            return {"messaging_product": "whatsapp", "to": to, "type": "template",
                    "template": template}
        return {"messaging_product": "whatsapp", "to": to, "type": "text",
                "text": {"body": message.body}}
