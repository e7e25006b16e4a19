"""Certificates: the local folder, the bounded cache, downloads with a timeout, and failed downloads
not fetched again for a while.
"""

from __future__ import annotations

import os
import time

import pytest

from messaging.inbound import sns_verify as sns
from tests.support.sns import (
    CERT_FILENAME,
    CERT_URL,
    body,
    certificate_pem,
    install_cert,
    other_private_key,
    resign,
    sign_envelope,
)
from tests.support.sns_verify import reject


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
