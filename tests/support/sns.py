"""Sign SNS envelopes the way Amazon does, with a throw-away key, so tests never need AWS.

Typical use::

    settings.SNS_CERT_DIR = install_cert(tmp_path)
    body = json.dumps(sign_envelope({"hello": "world"})).encode()
    messaging.inbound.sns_verify.verify(body)

The string to sign is built here independently of ``messaging.inbound.sns_verify`` on purpose: if both
sides shared one implementation, a wrong field order would sign and verify happily.

No real AWS example body is included. The documented example in the SNS developer guide
carries a placeholder ``Signature`` ("EXAMPLE…"), and a genuinely signed body would need
the matching AWS certificate, which tests cannot fetch without the network.

``SnsPoster`` (behind the ``post_sns`` fixture) and ``post_all_at_once`` deliver signed bodies to
/sns/ as SNS does.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import uuid
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.test import Client

from tests.support.threads import together

CERT_FILENAME = "SimpleNotificationService-test.pem"
CERT_URL = f"https://sns.us-east-1.amazonaws.com/{CERT_FILENAME}"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:portal-events"
SUBSCRIPTION_ARN = f"{TOPIC_ARN}:c9135db0-26c4-47ec-8998-413945fb5a96"

_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
_SIGNED_FIELDS = {
    "Notification": (
        "Message",
        "MessageId",
        "Subject",
        "Timestamp",
        "TopicArn",
        "Type",
    ),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
_SIGNED_FIELDS["UnsubscribeConfirmation"] = _SIGNED_FIELDS["SubscriptionConfirmation"]


@functools.cache
def private_key() -> rsa.RSAPrivateKey:
    """The test signing key, generated once per process (2048-bit keygen is not free)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def other_private_key() -> rsa.RSAPrivateKey:
    """A second key whose signatures must be refused: a forger's key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def certificate_pem() -> bytes:
    """A self-signed certificate for ``private_key()``, PEM-encoded."""
    key = private_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com (test)")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def install_cert(directory: str | os.PathLike[str], filename: str = CERT_FILENAME) -> str:
    """Write the test certificate into ``directory``; return it, ready for ``SNS_CERT_DIR``."""
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, filename), "wb") as fh:
        fh.write(certificate_pem())
    return directory


def format_timestamp(when: datetime) -> str:
    """SNS's own format: UTC, millisecond precision, ``Z`` suffix."""
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def string_to_sign(envelope: dict) -> bytes:
    parts = []
    for name in _SIGNED_FIELDS[envelope["Type"]]:
        if envelope.get(name) is not None:
            parts.append(f"{name}\n{envelope[name]}\n")
    return "".join(parts).encode("utf-8")


def signature_for(envelope: dict, *, key: rsa.RSAPrivateKey | None = None) -> str:
    """Base64 signature over ``envelope``'s current fields, per its ``SignatureVersion``."""
    hash_cls = _HASHES[envelope["SignatureVersion"]]
    raw = (key or private_key()).sign(string_to_sign(envelope), padding.PKCS1v15(), hash_cls())
    return base64.b64encode(raw).decode("ascii")


def resign(envelope: dict, *, key: rsa.RSAPrivateKey | None = None) -> dict:
    """Re-sign after a test edited fields, so only the edit under test can cause a rejection."""
    envelope["Signature"] = signature_for(envelope, key=key)
    return envelope


def sign_envelope(
    message: str | dict,
    *,
    type: str = "Notification",  # named after the SNS field, shadowing is harmless here
    topic_arn: str = TOPIC_ARN,
    subject: str | None = None,
    signature_version: str = "1",
    message_id: str | None = None,
    timestamp: str | datetime | None = None,
    cert_url: str | None = None,
    token: str | None = None,
    subscribe_url: str | None = None,
) -> dict:
    """A complete SNS HTTP envelope signed with the test key.

    ``message`` may be a dict, which is JSON-encoded the way SNS carries structured events.
    ``timestamp`` defaults to now, so the envelope passes the max-age check.
    """
    if isinstance(message, dict):
        message = json.dumps(message)
    if timestamp is None:
        timestamp = datetime.now(UTC)
    if isinstance(timestamp, datetime):
        timestamp = format_timestamp(timestamp)

    envelope: dict = {
        "Type": type,
        "MessageId": message_id or str(uuid.uuid4()),
        "TopicArn": topic_arn,
    }
    if subject is not None:
        envelope["Subject"] = subject
    if type == "Notification":
        envelope["Message"] = message
    else:
        envelope["Token"] = token or uuid.uuid4().hex * 4
        envelope["Message"] = message
        envelope["SubscribeURL"] = subscribe_url or (
            "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"
            f"&TopicArn={topic_arn}&Token={envelope['Token']}"
        )
    envelope["Timestamp"] = timestamp
    envelope["SignatureVersion"] = signature_version
    envelope["SigningCertURL"] = cert_url or CERT_URL
    if type == "Notification":
        envelope["UnsubscribeURL"] = (
            f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={SUBSCRIPTION_ARN}"
        )
    # An unknown version cannot be signed; leave a syntactically valid signature so the
    # verifier's refusal is about the version, not the encoding.
    if signature_version in _HASHES:
        envelope["Signature"] = signature_for(envelope)
    else:
        envelope["Signature"] = signature_for({**envelope, "SignatureVersion": "2"})
    return envelope


def to_lambda_style(envelope: dict) -> dict:
    """The same envelope as a Lambda SNS record spells it (``…Url``, ``"Subject": null``)."""
    record = dict(envelope)
    record["SigningCertUrl"] = record.pop("SigningCertURL")
    if "UnsubscribeURL" in record:
        record["UnsubscribeUrl"] = record.pop("UnsubscribeURL")
    record.setdefault("Subject", None)
    record.setdefault("MessageAttributes", {})
    return record


def body(envelope: dict) -> bytes:
    return json.dumps(envelope).encode("utf-8")


class SnsPoster:
    """Posts signed SNS envelopes to /sns/ the way SNS does: text/plain, no x-amz headers."""

    def __init__(self, client, capture):
        self.client = client
        self.capture = capture

    def raw(self, data: bytes | str, **headers):
        # A request commits; inside a test transaction, run its on_commit work (sends) as it would.
        with self.capture(execute=True):
            return self.client.post("/sns/", data=data, content_type="text/plain; charset=utf-8", **headers)

    def envelope(self, envelope: dict):
        return self.raw(body(envelope))

    def message(self, message, **kwargs):
        """Sign ``message`` (a dict is JSON-encoded) and post it; returns (response, envelope)."""
        envelope = sign_envelope(json.dumps(message) if isinstance(message, dict) else message, **kwargs)
        return self.envelope(envelope), envelope


def post_all_at_once(raw: bytes, copies: int = 8) -> list:
    """POST ``raw`` to /sns/ from ``copies`` threads released together, as racing SNS retries
    would arrive. Returns the responses."""
    return together(*[lambda: Client().post("/sns/", data=raw, content_type="text/plain")] * copies)
