"""An email bulk send whose recipients each get their own file, named in a column as an object
of the S3 drop bucket (moto's S3): fetched once, carried only by that recipient's email."""

from __future__ import annotations

import base64

import boto3
import pytest
from moto import mock_aws

from messaging.models import Attachment, BulkSend

pytestmark = pytest.mark.django_db

BUCKET = "portal-drop"


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
    settings.S3_IMPORT_BUCKETS = [BUCKET]
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def send(api, capture, **extra):
    data = {"name": "payslips", "channel": "email", "subject": "Your payslip", "message": "Hi {name}",
            "attachment_column": "payslip", "recipients": [
                {"email": "ana@example.com", "name": "Ana", "payslip": f"s3://{BUCKET}/files/ana.pdf"},
                {"email": "ben@example.com", "name": "Ben", "payslip": f"s3://{BUCKET}/files/ben.pdf"},
                {"email": "cleo@example.com", "name": "Cleo", "payslip": ""}], **extra}
    with capture(execute=True):
        return api.post("/api/v1/bulk-sends/", data, format="json")


def files_of(outbox) -> dict[str, list[tuple[str, bytes]]]:
    return {m.recipient: [(f["filename"], f["content"]) for f in m.options.get("attachment_files", [])]
            for m in outbox}


def test_each_recipient_gets_their_own_file(api, locmem, s3, django_capture_on_commit_callbacks):
    s3.put_object(Bucket=BUCKET, Key="files/ana.pdf", Body=b"ana's", ContentType="application/pdf")
    s3.put_object(Bucket=BUCKET, Key="files/ben.pdf", Body=b"ben's", ContentType="application/pdf")
    cover = {"filename": "note.txt", "content_type": "text/plain", "content_base64": base64.b64encode(b"hi").decode()}

    response = send(api, django_capture_on_commit_callbacks, attachments=[cover])

    assert response.status_code == 201, response.content
    assert files_of(locmem.outbox) == {
        "ana@example.com": [("note.txt", b"hi"), ("ana.pdf", b"ana's")],
        "ben@example.com": [("note.txt", b"hi"), ("ben.pdf", b"ben's")],
        "cleo@example.com": [("note.txt", b"hi")]}
    assert Attachment.objects.count() == 3


def test_a_missing_object_is_a_400_naming_the_recipient(api, locmem, s3, django_capture_on_commit_callbacks):
    s3.put_object(Bucket=BUCKET, Key="files/ana.pdf", Body=b"ana's")

    response = send(api, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert "files/ben.pdf could not be fetched" in str(response.json()["recipients"])
    assert not BulkSend.objects.exists() and locmem.outbox == []


def test_another_bucket_is_never_fetched(api, locmem, s3, settings, django_capture_on_commit_callbacks):
    settings.S3_IMPORT_BUCKETS = ["some-other-bucket"]

    response = send(api, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert "is not on S3_IMPORT_BUCKETS" in str(response.json())
    assert Attachment.objects.count() == 0
