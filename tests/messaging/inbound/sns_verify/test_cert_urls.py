"""Which SigningCertURL and SubscribeURL values are refused before anything is fetched.
"""

from __future__ import annotations

import pytest

from messaging.inbound import sns_verify as sns
from tests.support.sns import (
    CERT_FILENAME,
    CERT_URL,
    TOPIC_ARN,
    body,
    sign_envelope,
)
from tests.support.sns_verify import reject

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
