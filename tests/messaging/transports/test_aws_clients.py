"""How the AWS clients are built: lazily, in the configured region, honouring AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import boto3

from messaging.transports import clients
from messaging.transports.aws import (
    SmsTransport,
    VoiceTransport,
)


def test_clients_are_built_lazily_in_the_configured_region(aws_env, settings, monkeypatch):
    settings.AWS_REGION = "eu-west-2"
    built = []
    real = boto3.client

    def spy(service, **kwargs):
        built.append((service, kwargs))
        return real(service, **kwargs)

    monkeypatch.setattr(clients.boto3, "client", spy)
    transport = VoiceTransport()
    assert built == []

    assert transport.client.meta.region_name == "eu-west-2"
    assert transport.connect_client.meta.region_name == "eu-west-2"
    assert transport.client is transport.client
    assert [service for service, _ in built] == ["pinpoint-sms-voice-v2", "connect"]
    assert all("endpoint_url" not in kwargs for _, kwargs in built)


def test_aws_endpoint_url_env_var_is_honoured(aws_env, settings, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")

    assert SmsTransport().client.meta.endpoint_url == "http://localhost:4566"
