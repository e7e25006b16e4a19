"""Signature checks: any change after signing, another key, a wrong version, and the string to sign.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from messaging.inbound import sns_verify as sns
from tests.support.sns import (
    other_private_key,
    resign,
    sign_envelope,
)
from tests.support.sns_verify import reject


@pytest.mark.parametrize(
    "field, value",
    [
        ("Message", "tampered"),
        ("MessageId", "00000000-0000-0000-0000-000000000000"),
        ("Subject", "Tampered"),
        ("TopicArn", "arn:aws:sns:us-east-1:123456789012:other"),
        ("Timestamp", (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")),
    ],
)
def test_tampered_notification_field(field, value):
    envelope = sign_envelope("original", subject="Greetings")
    envelope[field] = value
    rejected = reject(envelope)
    assert rejected.status == 403
    assert rejected.reason == "signature does not match"


def test_subject_added_after_signing():
    envelope = sign_envelope("hi")
    envelope["Subject"] = "Injected"
    assert reject(envelope).status == 403


def test_subject_removed_after_signing():
    envelope = sign_envelope("hi", subject="Greetings")
    del envelope["Subject"]
    assert reject(envelope).status == 403


def test_subject_nulled_after_signing():
    envelope = sign_envelope("hi", subject="Greetings")
    envelope["Subject"] = None
    assert reject(envelope).status == 403


@pytest.mark.parametrize("field", ["Token", "SubscribeURL", "Message"])
def test_tampered_confirmation_field(field):
    envelope = sign_envelope("confirm", type="SubscriptionConfirmation")
    envelope[field] = envelope[field].replace("a", "b") + "x"
    assert reject(envelope).status == 403


def test_signature_from_another_key():
    envelope = resign(sign_envelope("hi"), key=other_private_key())
    rejected = reject(envelope)
    assert (rejected.status, rejected.reason) == (403, "signature does not match")


@pytest.mark.parametrize("signature", ["", "AAAA", "not base64!!", "QUJD" * 100, "é"])
def test_garbage_signature(signature):
    envelope = sign_envelope("hi")
    envelope["Signature"] = signature
    assert reject(envelope).status == 403


@pytest.mark.parametrize("claimed, actual", [("2", "1"), ("1", "2")])
def test_signature_version_mismatch(claimed, actual):
    envelope = sign_envelope("hi", signature_version=actual)
    envelope["SignatureVersion"] = claimed
    assert reject(envelope).status == 403


@pytest.mark.parametrize("version", ["3", "0", "", "1.0", "v1", " 1"])
def test_unsupported_signature_version(version):
    rejected = reject(sign_envelope("hi", signature_version=version))
    assert (rejected.status, rejected.reason) == (403, "unsupported SignatureVersion")


def test_certificate_without_rsa_key(settings):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    with open(os.path.join(settings.SNS_CERT_DIR, "Ec.pem"), "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    envelope = sign_envelope("hi", cert_url="https://sns.us-east-1.amazonaws.com/Ec.pem")
    assert reject(envelope).status == 403


def test_local_file_that_is_not_a_certificate(settings):
    with open(os.path.join(settings.SNS_CERT_DIR, "Junk.pem"), "wb") as fh:
        fh.write(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    envelope = sign_envelope("hi", cert_url="https://sns.us-east-1.amazonaws.com/Junk.pem")
    assert reject(envelope).status == 403


def test_string_to_sign_notification_with_subject():
    msg = {
        "Type": "Notification",
        "MessageId": "id-1",
        "TopicArn": "arn:t",
        "Subject": "Sub",
        "Message": "line1\nline2",
        "Timestamp": "2012-05-02T00:54:06.655Z",
        "UnsubscribeURL": "https://ignored",
    }
    assert sns.string_to_sign(msg) == (
        b"Message\nline1\nline2\nMessageId\nid-1\nSubject\nSub\n"
        b"Timestamp\n2012-05-02T00:54:06.655Z\nTopicArn\narn:t\nType\nNotification\n"
    )


@pytest.mark.parametrize("subject", ["absent", None])
def test_string_to_sign_notification_without_subject(subject):
    msg = {
        "Type": "Notification",
        "MessageId": "i",
        "TopicArn": "t",
        "Message": "m",
        "Timestamp": "ts",
    }
    if subject != "absent":
        msg["Subject"] = subject
    assert sns.string_to_sign(msg) == (b"Message\nm\nMessageId\ni\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n")


@pytest.mark.parametrize("kind", ["SubscriptionConfirmation", "UnsubscribeConfirmation"])
def test_string_to_sign_confirmation(kind):
    msg = {
        "Type": kind,
        "MessageId": "i",
        "Token": "tok",
        "TopicArn": "t",
        "Message": "m",
        "SubscribeURL": "https://s",
        "Timestamp": "ts",
        "Subject": "not signed for confirmations",
    }
    assert sns.string_to_sign(msg) == (
        b"Message\nm\nMessageId\ni\nSubscribeURL\nhttps://s\nTimestamp\nts\n"
        b"Token\ntok\nTopicArn\nt\nType\n" + kind.encode() + b"\n"
    )
