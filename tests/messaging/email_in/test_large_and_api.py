"""Large email through a receipt rule's S3 action (read from moto's S3), and the auto-reply API's
bad input."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from messaging.api.keys import api_key_create
from messaging.models import EmailAutoReply, NotificationStatus, SnsNotification
from tests.support.ses_receipt import mime, receipt

pytestmark = pytest.mark.django_db
BUCKET = "portal-mail"


@pytest.fixture
def s3(monkeypatch, tmp_path, settings):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_CONFIG_FILE": str(tmp_path / "none"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                        "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    settings.AWS_REGION = "us-east-1"
    settings.SES_RECEIPT_S3_BUCKET = BUCKET
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_a_large_email_is_read_from_the_s3_object_the_notification_names(receive, rule, locmem, s3):
    big = "A line of a long report, repeated to pass the SNS action's 150 KB.\n" * 4000  # ~270 KB
    msg = mime(subject="Monthly report", text=big)
    s3.put_object(Bucket=BUCKET, Key="inbound/ses-big-1", Body=msg.as_bytes())
    email = receive(msg, s3=(BUCKET, "inbound/ses-big-1"), ses_id="ses-big-1")
    assert email.subject == "Monthly report" and len(email.text_body) == len(big)
    assert (email.s3_bucket, email.s3_key, email.raw) == (BUCKET, "inbound/ses-big-1", None)
    assert len(locmem.outbox) == 1  # and it is answered like any other


def test_an_s3_object_that_is_gone_is_refused_with_the_reason(post_sns, s3):
    response, envelope = post_sns.message(receipt(None, s3=(BUCKET, "inbound/missing")))
    assert response.status_code == 200
    row = SnsNotification.objects.get(message_id=envelope["MessageId"])
    assert row.status == NotificationStatus.REFUSED and "NoSuchKey" in row.error


@pytest.mark.parametrize("payload,field", [
    ({"match": "not an address", "text": "Hi"}, "match"),
    ({"match": "@", "text": "Hi"}, "match"),
    ({"match": "help@portal.example", "text": "Hi {order}"}, "text"),
    ({"match": "help@portal.example", "text": "Hi", "html": "<p>{first_name}</p>"}, "html"),
    ({"match": "help@portal.example", "text": "   "}, "text"),
    ({"match": "help@portal.example"}, "text"),
    ({"text": "Hi"}, "match"),
    ({"match": ["help@portal.example"], "text": "Hi"}, "match"),
    ({"match": "x" * 400 + "@portal.example", "text": "Hi"}, "match"),
])
def test_bad_rules_are_a_400_naming_the_field(api, payload, field):
    response = api.post("/api/v1/email-auto-replies/", payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert EmailAutoReply.objects.count() == 0


def test_a_rule_is_created_with_its_fields(api):
    response = api.post("/api/v1/email-auto-replies/", {"match": "Help@Portal.example", "subject_prefix": "Re:",
                                                        "text": "Hi {name}"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["match"], body["subject_prefix"], body["text"], body["html"], body["enabled"]) == (
        "help@portal.example", "Re:", "Hi {name}", "", True)


def test_a_key_without_the_messages_scope_is_refused(client):
    _, raw = api_key_create(name="reader", scopes=["log"])
    response = client.post("/api/v1/email-auto-replies/", {"match": "@portal.example", "text": "Hi"},
                           content_type="application/json", HTTP_X_API_KEY=raw)
    assert response.status_code == 403
