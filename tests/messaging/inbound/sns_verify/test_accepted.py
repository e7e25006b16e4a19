"""What messaging.inbound.sns_verify accepts: genuine notifications and confirmations in both
spellings, with the topic and age rules.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from messaging.inbound import sns_verify as sns
from tests.support.sns import (
    CERT_URL,
    TOPIC_ARN,
    body,
    sign_envelope,
    to_lambda_style,
)
from tests.support.sns_verify import OTHER_TOPIC, reject


@pytest.mark.parametrize("version", ["1", "2"])
def test_valid_notification(version):
    envelope = sign_envelope({"hello": "world"}, signature_version=version)
    msg = sns.verify(body(envelope))
    assert json.loads(msg["Message"]) == {"hello": "world"}
    assert msg["MessageId"] == envelope["MessageId"]
    assert msg["SignatureVersion"] == version


def test_non_ascii_message_is_signed_as_utf8():
    envelope = sign_envelope("Grüße aus Köln ✓ 😀", signature_version="2")
    assert sns.verify(body(envelope))["Message"] == "Grüße aus Köln ✓ 😀"


@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("kind", ["SubscriptionConfirmation", "UnsubscribeConfirmation"])
def test_valid_confirmations(kind, version):
    envelope = sign_envelope("You have chosen to subscribe", type=kind, signature_version=version)
    msg = sns.verify(body(envelope))
    assert msg["Type"] == kind
    assert msg["Token"] == envelope["Token"]
    assert sns.check_subscribe_url(msg["SubscribeURL"])


def test_subject_present_is_signed():
    msg = sns.verify(body(sign_envelope("hi", subject="Greetings")))
    assert msg["Subject"] == "Greetings"


def test_subject_absent():
    envelope = sign_envelope("hi")
    assert "Subject" not in envelope
    assert "Subject" not in sns.verify(body(envelope))


def test_subject_null_is_treated_as_absent():
    envelope = sign_envelope("hi")
    # Not part of the signature, exactly like an absent Subject.
    envelope["Subject"] = None
    assert "Subject" not in sns.verify(body(envelope))


def test_lambda_style_spellings_are_normalised():
    record = to_lambda_style(sign_envelope("hi", signature_version="2"))
    assert "SigningCertUrl" in record and record["Subject"] is None
    msg = sns.verify(body(record))
    assert msg["SigningCertURL"] == CERT_URL
    assert msg["UnsubscribeURL"].startswith("https://sns.us-east-1.amazonaws.com/")
    assert not {"SigningCertUrl", "UnsubscribeUrl", "Subject"} & msg.keys()


def test_lambda_style_with_subject():
    record = to_lambda_style(sign_envelope("hi", subject="Greetings"))
    assert sns.verify(body(record))["Subject"] == "Greetings"


def test_conflicting_cert_url_spellings_are_refused():
    envelope = sign_envelope("hi")
    envelope["SigningCertUrl"] = "https://sns.us-east-1.amazonaws.com/Other.pem"
    assert reject(envelope).status == 400


def test_topic_in_allow_list(settings):
    settings.SNS_TOPIC_ARNS = [OTHER_TOPIC, TOPIC_ARN]
    assert sns.verify(body(sign_envelope("hi")))["TopicArn"] == TOPIC_ARN


def test_allow_list_given_as_comma_separated_string(settings):
    settings.SNS_TOPIC_ARNS = f"{OTHER_TOPIC}, {TOPIC_ARN}"
    sns.verify(body(sign_envelope("hi")))


def test_max_age_zero_disables_the_check(settings):
    settings.SNS_MAX_AGE_SECONDS = 0
    envelope = sign_envelope("hi", timestamp="2012-05-02T00:54:06.655Z")
    sns.verify(body(envelope))


def test_recent_and_slightly_future_timestamps_pass(settings):
    settings.SNS_MAX_AGE_SECONDS = 60
    now = datetime.now(UTC)
    sns.verify(body(sign_envelope("hi", timestamp=now - timedelta(seconds=30))))
    sns.verify(body(sign_envelope("hi", timestamp=now + timedelta(seconds=30))))


def test_max_age_defaults_to_an_hour(settings, monkeypatch):
    # The default is the one portal/settings/ gives when the environment names none.
    import importlib

    import portal.settings.features

    monkeypatch.delenv("SNS_MAX_AGE_SECONDS", raising=False)
    settings.SNS_MAX_AGE_SECONDS = importlib.reload(portal.settings.features).SNS_MAX_AGE_SECONDS
    now = datetime.now(UTC)
    sns.verify(body(sign_envelope("hi", timestamp=now - timedelta(minutes=59))))
    assert reject(sign_envelope("hi", timestamp=now - timedelta(minutes=61))).status == 403


def test_topic_not_in_allow_list(settings):
    settings.SNS_TOPIC_ARNS = [OTHER_TOPIC]
    rejected = reject(sign_envelope("hi"))
    assert rejected.status == 403
    assert "TopicArn" in rejected.reason


def test_too_old(settings):
    settings.SNS_MAX_AGE_SECONDS = 600
    envelope = sign_envelope("hi", timestamp=datetime.now(UTC) - timedelta(seconds=601))
    rejected = reject(envelope)
    assert (rejected.status, rejected.reason) == (403, "message is too old")


def test_too_old_applies_to_confirmations():
    envelope = sign_envelope("confirm", type="SubscriptionConfirmation", timestamp="2012-05-02T00:54:06.655Z")
    assert reject(envelope).status == 403


@pytest.mark.parametrize(
    "timestamp",
    ["yesterday", "2024-13-45T00:00:00.000Z", "2024-01-01T00:00:00", "", "1714000000"],
)
def test_unparseable_timestamp(settings, timestamp):
    # A malformed Timestamp is refused even with no age limit.
    settings.SNS_MAX_AGE_SECONDS = 0
    rejected = reject(sign_envelope("hi", timestamp=timestamp))
    assert rejected.status == 400
    assert "Timestamp" in rejected.reason
