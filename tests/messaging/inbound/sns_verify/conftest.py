"""Every SNS verification test runs against a local certificate folder, an empty topic list and an
hour's age limit, with ``requests.get`` replaced by a tripwire: nothing here reaches the
network; the tests that exercise downloading supply their own fake."""

from __future__ import annotations

import pytest

from messaging.inbound import sns_verify as sns
from tests.support.sns import install_cert


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
