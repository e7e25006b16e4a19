"""Malformed SNS bodies: not JSON, missing or non-string fields, unknown types.
"""

from __future__ import annotations

import pytest

from messaging.inbound import sns_verify as sns
from tests.support.sns import (
    body,
    sign_envelope,
    to_lambda_style,
)
from tests.support.sns_verify import reject


@pytest.mark.parametrize("raw", [b"", b"not json", b"{", b"\xff\xfe\x00garbage", b"{'a': 1}"])
def test_not_json(raw):
    rejected = reject(raw)
    assert (rejected.status, rejected.reason) == (400, "body is not JSON")


@pytest.mark.parametrize("raw", [b"[]", b'[{"Type": "Notification"}]', b'"x"', b"42", b"null"])
def test_json_but_not_an_object(raw):
    assert reject(raw).status == 400


def test_deeply_nested_json():
    assert reject(b"[" * 100_000 + b"]" * 100_000).status == 400


NOTIFICATION_FIELDS = [
    "Type",
    "MessageId",
    "Message",
    "Timestamp",
    "Signature",
    "SignatureVersion",
    "SigningCertURL",
    "TopicArn",
]
CONFIRMATION_FIELDS = [*NOTIFICATION_FIELDS, "Token", "SubscribeURL"]


@pytest.mark.parametrize(
    "kind, field",
    [("Notification", f) for f in NOTIFICATION_FIELDS]
    + [("SubscriptionConfirmation", f) for f in CONFIRMATION_FIELDS]
    + [("UnsubscribeConfirmation", f) for f in CONFIRMATION_FIELDS],
)
def test_missing_required_field(kind, field):
    envelope = sign_envelope("hi", type=kind)
    del envelope[field]
    rejected = reject(envelope)
    assert rejected.status == 400
    assert rejected.reason == f"missing field {field}"


@pytest.mark.parametrize("field", ["MessageId", "Message", "Signature", "TopicArn"])
def test_null_required_field_counts_as_missing(field):
    envelope = sign_envelope("hi")
    envelope[field] = None
    assert reject(envelope).reason == f"missing field {field}"


def test_missing_lambda_cert_url():
    record = to_lambda_style(sign_envelope("hi"))
    del record["SigningCertUrl"]
    assert reject(record).reason == "missing field SigningCertURL"


@pytest.mark.parametrize("field", ["Message", "MessageId", "Subject", "Timestamp", "Signature"])
def test_non_string_field(field):
    envelope = sign_envelope("hi", subject="Greetings")
    envelope[field] = {"nested": True}
    assert reject(envelope).status == 400


@pytest.mark.parametrize("kind", ["notification", "Notifications", "Unknown", ""])
def test_unknown_type(kind):
    envelope = sign_envelope("hi")
    envelope["Type"] = kind
    rejected = reject(envelope)
    assert (rejected.status, rejected.reason) == (400, "unknown Type")


def test_parse_envelope_ignores_unknown_fields():
    envelope = sign_envelope("hi")
    envelope["MessageAttributes"] = {"k": {"Type": "String", "Value": "v"}}
    assert sns.verify(body(envelope))["MessageAttributes"]["k"]["Value"] == "v"
