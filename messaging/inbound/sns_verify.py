"""Verification of Amazon SNS HTTP(S) deliveries, kept free of models and views.

``verify(body)`` either returns the normalised envelope or raises ``SnsRejected`` carrying the
HTTP status to answer with (``messaging.inbound.notifications.sns_delivery_receive`` calls it for the
``POST /sns/`` view). The body's shape is checked first by ``messaging.inbound.sns_envelope``;
``messaging.inbound.sns_storage`` keeps a verified envelope storable.
Nothing here looks at request headers, because some senders omit the ``x-amz-sns-*``
headers and send ``Content-Type: text/plain``.

Settings (all optional, read at call time so tests can override them):

- ``SNS_TOPIC_ARNS``: TopicArns to accept; empty accepts any topic's notifications (in a
  deployment that is an error of ``check --deploy``). Only listed topics are ever
  auto-confirmed; a confirmation for any other topic is stored for the admin, not followed.
- ``SNS_CERT_DIR``: folder of PEM files used instead of downloading (air-gapped sites, tests).
- ``SNS_MAX_AGE_SECONDS``: reject messages whose ``Timestamp`` is older; ``0`` disables.
  The default of one hour covers SNS's longest HTTP retry policy (3600 s), so a genuine
  retry is never refused while an old captured body cannot be replayed for ever.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from urllib.parse import SplitResult, urlsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings

from messaging.inbound.sns_envelope import (
    NOTIFICATION,
    SUBSCRIPTION_CONFIRMATION,
    UNSUBSCRIBE_CONFIRMATION,
    SnsRejected,
    parse_envelope,
    parse_timestamp,
)

__all__ = [
    "SnsRejected",
    "allowed_topics",
    "check_cert_url",
    "check_subscribe_url",
    "clear_certificate_cache",
    "download_certificate",
    "load_certificate",
    "parse_envelope",
    "string_to_sign",
    "topic_listed",
    "verify",
    "verify_signature",
]

DOWNLOAD_TIMEOUT_SECONDS = 5
# A real SNS signing certificate is under 2 KiB; the cap stops a hostile or broken
# response from making us buffer an arbitrary amount of data.
MAX_CERT_BYTES = 64 * 1024
CERT_CACHE_SIZE = 32
# A SigningCertURL that could not be fetched (or held no certificate) is refused without a new
# download for this long, so a stream of forged bodies naming it costs one outbound request a
# minute, not one each. Short, so a genuine blip at AWS heals itself quickly.
CERT_FAILURE_CACHE_SECONDS = 60
CERT_FAILURE_CACHE_SIZE = 256
_SIGNED_FIELDS = {
    NOTIFICATION: ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    SUBSCRIPTION_CONFIRMATION: (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
_SIGNED_FIELDS[UNSUBSCRIBE_CONFIRMATION] = _SIGNED_FIELDS[SUBSCRIPTION_CONFIRMATION]

_SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "1": hashes.SHA1,  # SHA1withRSA
    "2": hashes.SHA256,  # SHA256withRSA
}

# \Z rather than $: $ also matches before a trailing newline.
_SNS_HOST = re.compile(r"sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?\Z")
# urlsplit silently drops tabs/newlines and tolerates backslashes and spaces, and browsers
# and HTTP clients disagree about them, so any URL containing such characters is refused
# outright instead of being "cleaned" into something that passes.
_PLAIN_URL = re.compile(r"[!-~]+\Z")
_SAFE_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


# --------------------------------------------------------------------------- URLs


def _split_sns_url(url: object) -> SplitResult | None:
    """Split ``url`` if it is https on an SNS host with nothing else in the authority."""
    if not isinstance(url, str) or not _PLAIN_URL.match(url) or "\\" in url:
        return None
    if not url.startswith("https://"):
        return None
    parts = urlsplit(url)
    # Matching the whole netloc (not .hostname) is what rejects userinfo ("sns...@evil.com")
    # and explicit ports, which .hostname would hide.
    if parts.scheme != "https" or not _SNS_HOST.match(parts.netloc):
        return None
    if parts.fragment or "#" in url:
        return None
    return parts


def check_cert_url(url: object) -> None:
    """Refuse (403) any SigningCertURL that is not ``https://sns.<region>.amazonaws.com[.cn]/….pem``."""
    if not isinstance(url, str) or (parts := _split_sns_url(url)) is None:
        raise SnsRejected(403, "SigningCertURL is not an Amazon SNS https URL")
    # A query string could make the path look like it ends in .pem to us but not to the server.
    if "?" in url or parts.query:
        raise SnsRejected(403, "SigningCertURL has a query string")
    if not parts.path.endswith(".pem") or parts.path == "/.pem":
        raise SnsRejected(403, "SigningCertURL does not name a .pem file")


def check_subscribe_url(url: object) -> bool:
    """Whether a SubscribeURL is safe to GET when auto-confirming (same host rule, https)."""
    return _split_sns_url(url) is not None


# --------------------------------------------------------------------------- signing


def string_to_sign(msg: dict) -> bytes:
    """The canonical ``Name\\nvalue\\n`` text SNS signs, for a normalised envelope."""
    fields = _SIGNED_FIELDS.get(msg.get("Type"))
    if fields is None:
        raise SnsRejected(400, "unknown Type")
    lines = []
    for name in fields:
        value = msg.get(name)
        # Only Subject may be absent; parse_envelope guarantees the rest.
        if value is None:
            continue
        lines.append(f"{name}\n{value}\n")
    return "".join(lines).encode("utf-8")


_cert_cache: OrderedDict[str, x509.Certificate] = OrderedDict()
# url -> (time.monotonic() until which it is refused, the reason it was refused)
_cert_failures: OrderedDict[str, tuple[float, str]] = OrderedDict()
_cert_cache_lock = threading.Lock()


def clear_certificate_cache() -> None:
    with _cert_cache_lock:
        _cert_cache.clear()
        _cert_failures.clear()


def load_certificate(url: str) -> x509.Certificate:
    """The signing certificate at ``url``: from the cache, ``SNS_CERT_DIR``, or a download.

    A download that fails is remembered for ``CERT_FAILURE_CACHE_SECONDS``: within that time
    the same URL is refused at once instead of being fetched again.
    """
    check_cert_url(url)  # never fetch or open anything the host rule has not approved
    with _cert_cache_lock:
        cert = _cert_cache.get(url)
        if cert is not None:
            _cert_cache.move_to_end(url)
            return cert
        failure = _cert_failures.get(url)
        if failure is not None:
            until, reason = failure
            if time.monotonic() < until:
                raise SnsRejected(403, f"{reason} (not retried for {CERT_FAILURE_CACHE_SECONDS} s)")
            del _cert_failures[url]

    pem = _read_local_certificate(url)
    try:
        if pem is None:
            pem = download_certificate(url)
        try:
            cert = x509.load_pem_x509_certificate(pem)
        except ValueError:
            raise SnsRejected(403, "signing certificate is not a PEM certificate") from None
    except SnsRejected as exc:
        _remember_failure(url, exc.reason)
        raise

    with _cert_cache_lock:
        _cert_cache[url] = cert
        _cert_cache.move_to_end(url)
        while len(_cert_cache) > CERT_CACHE_SIZE:
            _cert_cache.popitem(last=False)
    return cert


def _remember_failure(url: str, reason: str) -> None:
    with _cert_cache_lock:
        _cert_failures[url] = (time.monotonic() + CERT_FAILURE_CACHE_SECONDS, reason)
        _cert_failures.move_to_end(url)
        # Bounded: forged bodies can name any number of distinct URLs on an SNS host.
        while len(_cert_failures) > CERT_FAILURE_CACHE_SIZE:
            _cert_failures.popitem(last=False)


def _read_local_certificate(url: str) -> bytes | None:
    cert_dir = settings.SNS_CERT_DIR
    if not cert_dir:
        return None
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    # The name comes from the sender, so it must not be able to walk out of the folder.
    if not _SAFE_FILENAME.match(name):
        return None
    path = os.path.join(cert_dir, name)
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as fh:
        return fh.read(MAX_CERT_BYTES)


def download_certificate(url: str) -> bytes:
    """Fetch a PEM from an already-approved URL; any failure is a 403, never a 500."""
    try:
        # No redirects: the host check applies to the URL we fetch, not one we are sent to.
        response = requests.get(url, timeout=DOWNLOAD_TIMEOUT_SECONDS, allow_redirects=False, stream=True)
    except requests.RequestException:
        raise SnsRejected(403, "signing certificate could not be downloaded") from None
    try:
        if response.status_code != 200:
            raise SnsRejected(403, f"signing certificate download returned {response.status_code}")
        pem = b""
        for chunk in response.iter_content(8192):
            pem += chunk
            if len(pem) > MAX_CERT_BYTES:
                raise SnsRejected(403, "signing certificate is too large")
        return pem
    except requests.RequestException:
        raise SnsRejected(403, "signing certificate could not be downloaded") from None
    finally:
        response.close()


def verify_signature(msg: dict) -> None:
    """Check ``msg["Signature"]`` against its signing certificate; raise ``SnsRejected(403)``."""
    hash_cls = _SIGNATURE_HASHES.get(msg.get("SignatureVersion"))
    if hash_cls is None:
        raise SnsRejected(403, "unsupported SignatureVersion")
    try:
        signature = base64.b64decode(msg.get("Signature", ""), validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise SnsRejected(403, "Signature is not base64") from None

    public_key = load_certificate(msg["SigningCertURL"]).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SnsRejected(403, "signing certificate does not hold an RSA key")
    try:
        public_key.verify(signature, string_to_sign(msg), padding.PKCS1v15(), hash_cls())
    except InvalidSignature:
        raise SnsRejected(403, "signature does not match") from None


# --------------------------------------------------------------------------- pipeline


def allowed_topics() -> list[str]:
    """``SNS_TOPIC_ARNS`` as a list (the raw comma-separated env value is tolerated too)."""
    topics = settings.SNS_TOPIC_ARNS or []
    if isinstance(topics, str):
        topics = topics.split(",")
    return [t.strip() for t in topics if t and t.strip()]


def topic_listed(topic_arn: str) -> bool:
    """Whether ``topic_arn`` is named in ``SNS_TOPIC_ARNS``; never true for an empty list.

    This, not "accepted", is what auto-confirming asks: with an empty list every topic's
    notifications are accepted (a local run), but confirming an arbitrary topic would let any
    AWS account subscribe the portal to its own topic and then send it forged inbound SMS.
    """
    return topic_arn in allowed_topics()


def _check_topic(msg: dict) -> None:
    allowed = allowed_topics()
    if allowed and msg["TopicArn"] not in allowed:
        raise SnsRejected(403, "TopicArn is not accepted here")


def _check_age(msg: dict) -> None:
    max_age = int(settings.SNS_MAX_AGE_SECONDS or 0)
    if max_age <= 0:
        return
    sent = parse_timestamp(msg["Timestamp"])
    # Only the past is limited: a Timestamp slightly ahead is our clock drifting, and a
    # signed message cannot have had its Timestamp pushed forward by anyone but AWS.
    if datetime.now(UTC) - sent > timedelta(seconds=max_age):
        raise SnsRejected(403, "message is too old")


def verify(body: bytes) -> dict:
    """Parse and authenticate one SNS delivery; return the normalised envelope.

    The topic and URL checks run before the signature so that a body aimed at someone
    else's topic, or at a foreign certificate host, never costs a certificate fetch. The one
    exception is a SubscriptionConfirmation for an unlisted topic: it is verified in full and
    then refused with the envelope attached, so that the caller can store it for an operator
    who may want to list that topic (a confirmation is sent once, and its token is what
    confirming needs).
    """
    msg = parse_envelope(body)
    unlisted_confirmation = False
    try:
        _check_topic(msg)
    except SnsRejected:
        if msg["Type"] != SUBSCRIPTION_CONFIRMATION:
            raise
        unlisted_confirmation = True
    check_cert_url(msg["SigningCertURL"])
    verify_signature(msg)
    _check_age(msg)
    if unlisted_confirmation:
        raise SnsRejected(403, "TopicArn is not accepted here (the confirmation is stored, not followed)",
                          envelope=msg)
    return msg
