"""The ``Message`` inside an SNS notification: decoded once, made storable, and classified.

Apart from ``notifications`` (which stores and acts) because it is pure: no database, no network.
"""

from __future__ import annotations

import json
import re

from messaging.events.aws import classify
from messaging.inbound.sns_verify import SUBSCRIPTION_CONFIRMATION, UNSUBSCRIBE_CONFIRMATION
from messaging.models import NotificationKind
from messaging.values.storable import clean_json

# Deep enough for every AWS event shape (a WhatsApp entry is about eight levels); a Message
# nested deeper is stored as "anything else" rather than walked.
MAX_MESSAGE_DEPTH = 64
# What in a Message's JSON text can decode to a NUL or a lone surrogate; text without any of it
# (nearly all) is decoded without the cleaning walk. An escaped surrogate pair also matches
# and is cleaned unchanged.
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
# The one field AWS nests as JSON text inside the Message (messaging.events.aws.parse_whatsapp_event decodes it).
_NESTED_JSON_FIELDS = ("whatsAppWebhookEntry",)


def decode_message(raw: dict) -> dict | None:
    """The notification's ``Message`` as a dict, or None when it is not a JSON object.

    This is what gets acted on, so every string in it is made storable: NUL (which PostgreSQL's
    text and jsonb refuse) is removed, so "YES\\u0000" still acknowledges, and a lone
    surrogate (which no UTF-8 can hold) becomes U+FFFD. The stored envelope keeps the original.
    """
    text = raw.get("Message") if isinstance(raw, dict) else None
    if not isinstance(text, str):
        return None
    try:
        # strict=False: a bare control character inside a string is kept (and cleaned below),
        # not a reason to treat an inbound SMS as "anything else".
        message = json.loads(text, strict=False)
    except (ValueError, RecursionError):
        return None
    if not isinstance(message, dict):
        return None
    if "\x00" in text or _UNSTORABLE_ESCAPE.search(text) or not text.isascii():
        try:
            message = clean_json(message, max_depth=MAX_MESSAGE_DEPTH)
        except ValueError:
            return None
        for name in _NESTED_JSON_FIELDS:
            if isinstance(message.get(name), str):
                message[name] = _clean_nested_json(message[name])
    return message


def _clean_nested_json(text: str) -> str:
    try:
        return json.dumps(clean_json(json.loads(text, strict=False), max_depth=MAX_MESSAGE_DEPTH))
    except (ValueError, RecursionError):
        return text  # not JSON: whoever decodes it will find out; it holds no NUL any more


def notification_kind(message: dict | None, sns_type: str = "Notification") -> str:
    if sns_type == SUBSCRIPTION_CONFIRMATION:
        return NotificationKind.SUBSCRIPTION
    if sns_type == UNSUBSCRIBE_CONFIRMATION:
        return NotificationKind.UNSUBSCRIBE
    return classify(message)
