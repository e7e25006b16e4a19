"""Fixtures for the inbound tests: SNS signing with the test certificate, no network.

The helpers behind them are plain modules in tests/support (sns, aws).
"""

from __future__ import annotations

import pytest

from messaging.inbound import notifications
from messaging.inbound import sns_verify as sns
from tests.support.sns import SnsPoster, install_cert


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


@pytest.fixture
def post_sns(client, sns_certs, db, django_capture_on_commit_callbacks):
    return SnsPoster(client, django_capture_on_commit_callbacks)
