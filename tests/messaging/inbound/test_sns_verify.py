"""messaging.inbound.sns_verify: parsing, certificate-URL rules and signature checks for SNS deliveries.

Every test runs with ``requests.get`` replaced by a tripwire, so nothing here can reach the
network; the one test that exercises downloading supplies its own fake.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from messaging.inbound import sns_verify as sns
from tests.support.sns import (
    CERT_FILENAME,
    CERT_URL,
    TOPIC_ARN,
    body,
    certificate_pem,
    install_cert,
    other_private_key,
    resign,
    sign_envelope,
    to_lambda_style,
)

OTHER_TOPIC = "arn:aws:sns:us-east-1:123456789012:someone-elses-topic"


@pytest.fixture(autouse=True)
def sns_settings(settings, tmp_path):
    settings.SNS_CERT_DIR = install_cert(tmp_path / "certs")
    settings.SNS_TOPIC_ARNS = []
    settings.SNS_MAX_AGE_SECONDS = 3600
    sns.clear_certificate_cache()
    yield settings
    sns.clear_certificate_cache()


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def tripwire(*args, **kwargs):
        raise AssertionError(f"test tried to use the network: {args!r}")

    monkeypatch.setattr(sns.requests, "get", tripwire)


def reject(envelope_or_body) -> sns.SnsRejected:
    raw = envelope_or_body if isinstance(envelope_or_body, bytes) else body(envelope_or_body)
    with pytest.raises(sns.SnsRejected) as excinfo:
        sns.verify(raw)
    return excinfo.value


# --------------------------------------------------------------------------- accepted


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
    # The default is the one portal/settings.py gives when the environment names none.
    import importlib

    import portal.settings

    monkeypatch.delenv("SNS_MAX_AGE_SECONDS", raising=False)
    settings.SNS_MAX_AGE_SECONDS = importlib.reload(portal.settings).SNS_MAX_AGE_SECONDS
    now = datetime.now(UTC)
    sns.verify(body(sign_envelope("hi", timestamp=now - timedelta(minutes=59))))
    assert reject(sign_envelope("hi", timestamp=now - timedelta(minutes=61))).status == 403


# --------------------------------------------------------------------------- signature


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


# --------------------------------------------------------------------------- cert URLs

HOSTILE_CERT_URLS = [
    f"http://sns.us-east-1.amazonaws.com/{CERT_FILENAME}",
    f"ftp://sns.us-east-1.amazonaws.com/{CERT_FILENAME}",
    f"//sns.us-east-1.amazonaws.com/{CERT_FILENAME}",
    f"HTTPS://evil.com/{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.com@evil.com/{CERT_FILENAME}",
    f"https://evil.com@sns.us-east-1.amazonaws.com/{CERT_FILENAME}",
    f"https://user:pass@sns.us-east-1.amazonaws.com/{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.com:443/{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.com:8443/{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.com:/{CERT_FILENAME}",
    f"https://evil.com/sns.us-east-1.amazonaws.com/{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.com.evil.com/{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.com.cn.evil.com/{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.com./{CERT_FILENAME}",
    f"https://evilsns.us-east-1.amazonaws.com/{CERT_FILENAME}",
    f"https://sns.evil.com.amazonaws.com.evil.com/{CERT_FILENAME}",
    f"https://sns.us.amazonaws.com/{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.co/{CERT_FILENAME}",
    f"https://sns.us_east_1.amazonaws.com/{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.com%2eevil.com/{CERT_FILENAME}",
    f"https://[::1]/sns.us-east-1.amazonaws.com/{CERT_FILENAME}",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.txt",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem.txt",
    "https://sns.us-east-1.amazonaws.com/",
    "https://sns.us-east-1.amazonaws.com",
    "https://sns.us-east-1.amazonaws.com/.pem",
    f"https://sns.us-east-1.amazonaws.com/{CERT_FILENAME}?x=1",
    f"https://sns.us-east-1.amazonaws.com/{CERT_FILENAME}?",
    "https://sns.us-east-1.amazonaws.com/x?.pem",
    f"https://sns.us-east-1.amazonaws.com/{CERT_FILENAME}#frag",
    "https://sns.us-east-1.amazonaws.com/x#.pem",
    f"https://sns.us-east-1.amazonaws.com\\@evil.com/{CERT_FILENAME}",
    f"https://evil.com\\.sns.us-east-1.amazonaws.com/{CERT_FILENAME}",
    f"https://evil.com\\@sns.us-east-1.amazonaws.com/{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.com\\{CERT_FILENAME}",
    # WHATWG parsers read "\\" as "/", urllib does not: no backslash anywhere, path included.
    f"https://sns.us-east-1.amazonaws.com/certs\\{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.com\n/{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.com\t@evil.com/{CERT_FILENAME}",
    f" https://sns.us-east-1.amazonaws.com/{CERT_FILENAME}",
    f"https://sns.us-east-1.amazonaws.com/{CERT_FILENAME} ",
    "https://sns.us-east-1.amazonaws.com/Simple Notification.pem",
    f"https://sns.us-east-1.amazonaws.cöm/{CERT_FILENAME}",
    "",
]


@pytest.mark.parametrize("url", HOSTILE_CERT_URLS)
def test_hostile_cert_url_is_refused(url):
    with pytest.raises(sns.SnsRejected) as excinfo:
        sns.check_cert_url(url)
    assert excinfo.value.status == 403


@pytest.mark.parametrize("url", HOSTILE_CERT_URLS)
def test_hostile_cert_url_fails_verify_even_with_a_valid_signature(url):
    # The test certificate sits in SNS_CERT_DIR under the very name these URLs end in, so
    # only the URL check stands between them and a successful verification.
    assert reject(_with_cert_url(url)).status == 403


def _with_cert_url(url: str) -> dict:
    envelope = sign_envelope("hi")
    envelope["SigningCertURL"] = url
    return envelope


@pytest.mark.parametrize("url", [None, 123, ["https://sns.us-east-1.amazonaws.com/x.pem"]])
def test_non_string_cert_url(url):
    with pytest.raises(sns.SnsRejected) as excinfo:
        sns.check_cert_url(url)
    assert excinfo.value.status == 403
    # In a body, a non-string URL is a malformed envelope, caught while parsing.
    assert reject(_with_cert_url(url)).status == 400


@pytest.mark.parametrize(
    "url",
    [
        CERT_URL,
        "https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
        "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem",
        "https://sns.us-gov-west-1.amazonaws.com/certs/SimpleNotificationService-abc.pem",
    ],
)
def test_genuine_cert_urls_pass(url):
    assert sns.check_cert_url(url) is None


@pytest.mark.parametrize(
    "url, ok",
    [
        (
            f"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={TOPIC_ARN}&Token=abc123",
            True,
        ),
        (
            "https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription&Token=a",
            True,
        ),
        (
            "http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=a",
            False,
        ),
        (
            "https://sns.us-east-1.amazonaws.com@evil.com/?Action=ConfirmSubscription",
            False,
        ),
        ("https://sns.us-east-1.amazonaws.com:444/?Action=ConfirmSubscription", False),
        (
            "https://sns.us-east-1.amazonaws.com.evil.com/?Action=ConfirmSubscription",
            False,
        ),
        (
            "https://evil.com/sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
            False,
        ),
        (
            "https://evil.com\\@sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
            False,
        ),
        ("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription#x", False),
        ("https://sns.us-east-1.amazonaws.com\n/?Action=ConfirmSubscription", False),
        ("", False),
        (None, False),
    ],
)
def test_check_subscribe_url(url, ok):
    assert sns.check_subscribe_url(url) is ok


def test_confirmation_with_hostile_subscribe_url_still_verifies_but_is_flagged():
    # The signature covers SubscribeURL, so a signed hostile URL can only come from AWS; the
    # caller still runs check_subscribe_url before following it.
    envelope = sign_envelope(
        "confirm",
        type="SubscriptionConfirmation",
        subscribe_url="https://evil.com/confirm",
    )
    msg = sns.verify(body(envelope))
    assert not sns.check_subscribe_url(msg["SubscribeURL"])


# --------------------------------------------------------------------------- topic and age


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


# --------------------------------------------------------------------------- malformed bodies


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


# --------------------------------------------------------------------------- string to sign


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


# --------------------------------------------------------------------------- certificates


def test_certificate_cache_hit_does_not_reread_the_file(settings):
    sns.verify(body(sign_envelope("first")))
    os.remove(os.path.join(settings.SNS_CERT_DIR, CERT_FILENAME))
    sns.verify(body(sign_envelope("second", signature_version="2")))


def _offline(monkeypatch):
    def unreachable(url, **kwargs):
        raise sns.requests.ConnectionError("offline")

    monkeypatch.setattr(sns.requests, "get", unreachable)


def test_clear_certificate_cache_forgets(settings, monkeypatch):
    _offline(monkeypatch)
    sns.verify(body(sign_envelope("first")))
    os.remove(os.path.join(settings.SNS_CERT_DIR, CERT_FILENAME))
    sns.clear_certificate_cache()
    # No local file and no cache: the verifier would download, and the download fails.
    assert reject(sign_envelope("second")).status == 403


def test_certificate_cache_is_bounded(settings, monkeypatch):
    monkeypatch.setattr(sns, "CERT_CACHE_SIZE", 2)
    _offline(monkeypatch)
    urls = []
    for name in ("A.pem", "B.pem", "C.pem"):
        install_cert(settings.SNS_CERT_DIR, name)
        urls.append(f"https://sns.us-east-1.amazonaws.com/{name}")
        sns.load_certificate(urls[-1])
    for name in ("A.pem", "B.pem", "C.pem"):
        os.remove(os.path.join(settings.SNS_CERT_DIR, name))
    sns.load_certificate(urls[1])
    sns.load_certificate(urls[2])
    with pytest.raises(sns.SnsRejected):  # evicted, so it would need a download
        sns.load_certificate(urls[0])


def test_load_certificate_checks_the_url_itself():
    with pytest.raises(sns.SnsRejected) as excinfo:
        sns.load_certificate(f"https://evil.com/{CERT_FILENAME}")
    assert excinfo.value.status == 403


def _recording_download(monkeypatch, pem: bytes = b""):
    calls = []

    def fake_download(url):
        calls.append(url)
        return pem or certificate_pem()

    monkeypatch.setattr(sns, "download_certificate", fake_download)
    return calls


def test_missing_local_file_falls_back_to_download(monkeypatch):
    calls = _recording_download(monkeypatch)
    url = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-elsewhere.pem"
    sns.verify(body(sign_envelope("hi", cert_url=url)))
    sns.verify(body(sign_envelope("again", cert_url=url)))
    assert calls == [url]  # the second verification was served from the cache


def test_no_cert_dir_downloads(settings, monkeypatch):
    settings.SNS_CERT_DIR = None
    calls = _recording_download(monkeypatch)
    sns.verify(body(sign_envelope("hi")))
    assert calls == [CERT_URL]


def test_local_file_is_preferred_to_download(monkeypatch):
    calls = _recording_download(monkeypatch)
    sns.verify(body(sign_envelope("hi")))
    assert calls == []


def test_cert_dir_lookup_cannot_escape_the_folder(settings, monkeypatch, tmp_path):
    install_cert(tmp_path, "escape.pem")  # one level above SNS_CERT_DIR
    calls = _recording_download(monkeypatch)
    url = "https://sns.us-east-1.amazonaws.com/..%2Fescape.pem"
    sns.verify(body(sign_envelope("hi", cert_url=url)))
    assert calls == [url]  # not read from the parent folder


def test_downloaded_garbage_is_refused(monkeypatch):
    _recording_download(monkeypatch, pem=b"<html>not a certificate</html>")
    url = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-elsewhere.pem"
    assert reject(sign_envelope("hi", cert_url=url)).status == 403


class FakeResponse:
    def __init__(self, status_code=200, content=b"", error=None):
        self.status_code = status_code
        self.content = content
        self.error = error
        self.closed = False

    def iter_content(self, chunk_size):
        if self.error:
            raise self.error
        for i in range(0, len(self.content), chunk_size):
            yield self.content[i : i + chunk_size]

    def close(self):
        self.closed = True


def test_download_certificate_uses_a_timeout_and_no_redirects(monkeypatch):
    seen = {}
    response = FakeResponse(content=certificate_pem())

    def fake_get(url, **kwargs):
        seen.update(kwargs, url=url)
        return response

    monkeypatch.setattr(sns.requests, "get", fake_get)
    assert sns.download_certificate(CERT_URL) == certificate_pem()
    assert seen["url"] == CERT_URL
    assert seen["timeout"] == 5
    assert seen["allow_redirects"] is False
    assert response.closed


@pytest.mark.parametrize(
    "outcome",
    [
        FakeResponse(status_code=404),
        FakeResponse(status_code=301),
        FakeResponse(content=b"x" * (sns.MAX_CERT_BYTES + 1)),
        FakeResponse(error=sns.requests.ConnectionError("reset")),
        sns.requests.ConnectTimeout("slow"),
        sns.requests.ConnectionError("no route"),
    ],
)
def test_download_failures_are_403(monkeypatch, outcome):
    def fake_get(url, **kwargs):
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(sns.requests, "get", fake_get)
    with pytest.raises(sns.SnsRejected) as excinfo:
        sns.download_certificate(CERT_URL)
    assert excinfo.value.status == 403


def test_sns_rejected_carries_status_and_reason():
    exc = sns.SnsRejected(403, "because")
    assert (exc.status, exc.reason) == (403, "because")
    assert "because" in str(exc)


# --------------------------------------------------------------------------- failed downloads


class FailingSource:
    """Stands in for the one HTTP call (requests.get): answers ``status`` (or raises ``error``)
    and counts the calls, so a test sees how many outbound fetches forged bodies cost."""

    def __init__(self, status: int = 503, error: Exception | None = None):
        self.status, self.error, self.urls = status, error, []

    def __call__(self, url, **kwargs):
        self.urls.append(url)
        if self.error is not None:
            raise self.error
        if self.status == 200:
            return FakeResponse(content=certificate_pem())
        return FakeResponse(status_code=self.status)


ELSEWHERE = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-elsewhere.pem"


@pytest.mark.parametrize("source", [FailingSource(503), FailingSource(error=sns.requests.ConnectTimeout("slow")),
                                    FailingSource(200)], ids=["http-503", "timeout", "not-our-key"])
def test_a_failed_certificate_is_not_fetched_again_for_a_while(monkeypatch, source):
    source.urls.clear()
    monkeypatch.setattr(sns.requests, "get", source)
    # "not-our-key": the fetch works but the body is signed by another key, which is refused
    # after the fetch; that fetch is cached as a success, so it too happens only once.
    key = other_private_key() if source.status == 200 and source.error is None else None
    for i in range(20):
        envelope = sign_envelope(f"forged {i}", cert_url=ELSEWHERE)
        if key is not None:
            resign(envelope, key=key)
        assert reject(envelope).status == 403
    assert source.urls == [ELSEWHERE]


def test_a_failed_certificate_is_fetched_again_after_the_failure_window(monkeypatch):
    monkeypatch.setattr(sns, "CERT_FAILURE_CACHE_SECONDS", 0.3)
    source = FailingSource(503)
    monkeypatch.setattr(sns.requests, "get", source)
    assert "503" in reject(sign_envelope("x", cert_url=ELSEWHERE)).reason
    assert "not retried" in reject(sign_envelope("x", cert_url=ELSEWHERE)).reason
    assert len(source.urls) == 1
    time.sleep(0.35)
    source.status = 200  # AWS is reachable again: the genuine certificate now verifies
    assert sns.verify(body(sign_envelope("real", cert_url=ELSEWHERE)))["Message"] == "real"
    assert len(source.urls) == 2


def test_the_failure_cache_is_per_url_bounded_and_cleared_with_the_certificates(monkeypatch):
    monkeypatch.setattr(sns, "CERT_FAILURE_CACHE_SIZE", 2)
    source = FailingSource(404)
    monkeypatch.setattr(sns.requests, "get", source)
    urls = [f"https://sns.us-east-1.amazonaws.com/forged-{i}.pem" for i in range(3)]
    for url in urls:
        assert reject(sign_envelope("x", cert_url=url)).status == 403
    assert source.urls == urls  # each URL is fetched once: a failure of one says nothing of another
    reject(sign_envelope("x", cert_url=urls[2]))
    assert len(source.urls) == 3  # still remembered
    reject(sign_envelope("x", cert_url=urls[0]))
    assert source.urls[3:] == [urls[0]]  # the oldest was evicted, so it was fetched again
    sns.clear_certificate_cache()
    reject(sign_envelope("x", cert_url=urls[2]))
    assert source.urls[4:] == [urls[2]]


def test_a_rejected_url_or_field_never_enters_the_failure_cache(monkeypatch):
    source = FailingSource(200)
    monkeypatch.setattr(sns.requests, "get", source)
    # Refused before any fetch (bad host): nothing cached, so the real URL still works.
    assert reject(sign_envelope("x", cert_url="https://evil.example/x.pem")).status == 403
    assert sns.verify(body(sign_envelope("ok", cert_url=ELSEWHERE)))["Message"] == "ok"
    assert source.urls == [ELSEWHERE]
