"""The shape of an SNS HTTP(S) body: decoded, checked and normalised before any signature work.

Apart from ``sns_verify`` because it needs no certificate and no network: a body is refused
here for what it is (not JSON, too deep, no UTF-8, a field missing) before anything is fetched.
"""

from __future__ import annotations

import json
from datetime import datetime

from messaging.values.storable import has_lone_surrogate

# SNS MessageIds are UUIDs; the column that stores them (SnsNotification.message_id) holds 100.
MAX_MESSAGE_ID_LENGTH = 100
# An SNS body is flat, and Lambda's MessageAttributes ({"name": {"Type", "Value"}}) is the
# deepest part at three levels. Anything much deeper is not SNS, and refusing it here keeps
# deep structures away from code (and json.dumps) that would recurse through them.
MAX_ENVELOPE_DEPTH = 8

NOTIFICATION = "Notification"
SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"

_COMMON_FIELDS = (
    "Type",
    "MessageId",
    "Message",
    "Timestamp",
    "Signature",
    "SignatureVersion",
    "SigningCertURL",
    "TopicArn",
)
_CONFIRMATION_FIELDS = ("Token", "SubscribeURL")
# Optional, but a string whenever present (Lambda writes "Subject": null, removed before this).
_OPTIONAL_STRING_FIELDS = ("Subject", "UnsubscribeURL", "SubscribeURL", "Token")
_REQUIRED_FIELDS = {
    NOTIFICATION: _COMMON_FIELDS,
    SUBSCRIPTION_CONFIRMATION: _COMMON_FIELDS + _CONFIRMATION_FIELDS,
    UNSUBSCRIBE_CONFIRMATION: _COMMON_FIELDS + _CONFIRMATION_FIELDS,
}

# Lambda's SNS event record spells these differently from the HTTP body.
_LAMBDA_SPELLINGS = {
    "SigningCertUrl": "SigningCertURL",
    "UnsubscribeUrl": "UnsubscribeURL",
    "SubscribeUrl": "SubscribeURL",
}


class SnsRejected(Exception):
    """The delivery must not be acted on; ``status`` is the HTTP answer (400 or 403).

    ``envelope`` is set only when the body was verified (signed by SNS) and is refused for
    what it asks, not for what it is: a SubscriptionConfirmation for a topic that is not
    listed. The caller stores it for the admin without confirming it.
    """

    def __init__(self, status: int, reason: str, *, envelope: dict | None = None) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason
        self.envelope = envelope


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON, SNS never writes them, and PostgreSQL's jsonb refuses them:
    # stored, they would turn every redelivery into a 503.
    raise ValueError(f"{name} is not JSON")


def parse_envelope(body: bytes) -> dict:
    """Decode and shape-check an SNS body; raise ``SnsRejected(400)`` if it is malformed."""
    try:
        msg = json.loads(body, parse_constant=_refuse_constant)
    # JSONDecodeError and UnicodeDecodeError are ValueErrors; absurd nesting is RecursionError.
    except (ValueError, RecursionError):
        raise SnsRejected(400, "body is not JSON") from None
    if not isinstance(msg, dict):
        raise SnsRejected(400, "body is not a JSON object")
    _check_shape(msg)
    _normalise_spellings(msg)

    msg_type = msg.get("Type")
    if msg_type is None:
        raise SnsRejected(400, "missing field Type")
    if not isinstance(msg_type, str):
        raise SnsRejected(400, "field Type is not a string")
    if msg_type not in _REQUIRED_FIELDS:
        raise SnsRejected(400, "unknown Type")
    for name in _REQUIRED_FIELDS[msg_type]:
        if name not in msg or msg[name] is None:
            raise SnsRejected(400, f"missing field {name}")
        if not isinstance(msg[name], str):
            raise SnsRejected(400, f"field {name} is not a string")
    for name in _OPTIONAL_STRING_FIELDS:
        if name in msg and not isinstance(msg[name], str):
            raise SnsRejected(400, f"field {name} is not a string")
    # The MessageId is the row's unique key: it must fit its column and be stored as received.
    if len(msg["MessageId"]) > MAX_MESSAGE_ID_LENGTH or "\x00" in msg["MessageId"]:
        raise SnsRejected(400, f"field MessageId is not an SNS MessageId (at most {MAX_MESSAGE_ID_LENGTH} characters)")
    parse_timestamp(msg["Timestamp"])
    return msg


def _check_shape(msg: dict) -> None:
    """Refuse bodies no UTF-8 text can hold, and bodies nested deeper than SNS ever writes.

    A lone surrogate (``"\\ud800"`` is valid JSON syntax) cannot be encoded, so it can neither
    have been signed by SNS nor be stored; it is a 400 before anything tries either.
    """
    stack = [(msg, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_ENVELOPE_DEPTH:
            raise SnsRejected(400, f"body is nested deeper than {MAX_ENVELOPE_DEPTH} levels")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and has_lone_surrogate(key):
                raise SnsRejected(400, "body is not valid Unicode (lone surrogate)")
            if isinstance(item, str):
                if has_lone_surrogate(item):
                    raise SnsRejected(400, "body is not valid Unicode (lone surrogate)")
            elif isinstance(item, dict | list):
                stack.append((item, depth + 1))


def _normalise_spellings(msg: dict) -> None:
    for lambda_name, canonical in _LAMBDA_SPELLINGS.items():
        if lambda_name not in msg:
            continue
        value = msg.pop(lambda_name)
        # Two different certificate URLs in one body is ambiguous; refuse rather than guess
        # which one the sender meant us to trust.
        if canonical in msg and msg[canonical] != value:
            raise SnsRejected(400, f"conflicting {canonical} and {lambda_name}")
        msg[canonical] = value
    # Lambda writes "Subject": null where the HTTP body leaves Subject out.
    if "Subject" in msg and msg["Subject"] is None:
        del msg["Subject"]


def parse_timestamp(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SnsRejected(400, "Timestamp is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        # A naive time could be read in any zone, which would make the age check meaningless.
        raise SnsRejected(400, "Timestamp has no time zone")
    return parsed
