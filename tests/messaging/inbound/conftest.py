"""Fixtures for the inbound tests: SNS signing with the test certificate, no network."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from messaging.inbound import notifications
from messaging.inbound import sns_verify as sns
from tests.sns_signing import body, install_cert, sign_envelope
from tests.support.threads import together


@pytest.fixture
def no_network(monkeypatch):
    def tripwire(*args, **kwargs):
        raise AssertionError(f"test tried to use the network: {args!r}")

    monkeypatch.setattr(sns.requests, "get", tripwire)
    monkeypatch.setattr(notifications.requests, "get", tripwire)


@pytest.fixture
def sns_certs(settings, tmp_path, no_network):
    settings.SNS_CERT_DIR = install_cert(tmp_path / "certs")
    settings.SNS_TOPIC_ARNS = []
    settings.SNS_MAX_AGE_SECONDS = 3600
    settings.SNS_AUTO_CONFIRM = False
    sns.clear_certificate_cache()
    yield settings
    sns.clear_certificate_cache()


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


@pytest.fixture
def post_sns(client, sns_certs, db, django_capture_on_commit_callbacks):
    return SnsPoster(client, django_capture_on_commit_callbacks)


def post_all_at_once(raw: bytes, copies: int = 8) -> list:
    """POST ``raw`` to /sns/ from ``copies`` threads released together, as racing SNS retries
    would arrive. Returns the responses."""
    return together(*[lambda: Client().post("/sns/", data=raw, content_type="text/plain")] * copies)
