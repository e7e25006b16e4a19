"""Fixtures of the AWS transport tests: fake credentials, the portal's AWS settings, a client per
service (wrapped in ``botocore.stub.Stubber`` by ``stub``). Nothing leaves the process."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from tests.support.aws_transports import WA_PHONE_ID, one_try_client


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Fake credentials, a fixed region, no profile files and no endpoint override."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SESV2"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def aws_settings(settings):
    settings.AWS_REGION = "us-east-1"
    settings.SMS_ORIGINATION_IDENTITY = "+12065550100"
    settings.SMS_CONFIGURATION_SET = "portal-sms"
    settings.SMS_MESSAGE_TYPE = "TRANSACTIONAL"
    settings.VOICE_ORIGINATION_IDENTITY = "+12065550111"
    settings.VOICE_ID = "JOANNA"
    settings.SES_FROM_EMAIL = "portal@example.com"
    settings.SES_CONFIGURATION_SET = "portal-email"
    settings.WHATSAPP_PHONE_NUMBER_ID = WA_PHONE_ID
    settings.WHATSAPP_META_API_VERSION = "v20.0"
    settings.CONNECT_INSTANCE_ID = "11111111-2222-3333-4444-555555555555"
    settings.CONNECT_CONTACT_FLOW_ID = "66666666-7777-8888-9999-000000000000"
    settings.CONNECT_QUEUE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    settings.CONNECT_SOURCE_PHONE_NUMBER = "+12065550199"
    return settings


@pytest.fixture
def sms_client(aws_env):
    return one_try_client("pinpoint-sms-voice-v2")


@pytest.fixture
def connect_client(aws_env):
    return one_try_client("connect")


@pytest.fixture
def ses_client(aws_env):
    return one_try_client("sesv2")


@pytest.fixture
def wa_client(aws_env):
    return one_try_client("socialmessaging")


@pytest.fixture
def stub():
    """``stub(client)`` activates a Stubber; every queued response must be consumed."""
    stubbers = []

    def make(client):
        stubber = Stubber(client)
        stubber.activate()
        stubbers.append(stubber)
        return stubber

    yield make
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
        stubber.deactivate()
