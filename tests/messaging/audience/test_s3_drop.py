"""Files dropped in S3: the ObjectCreated event through SNS at /sns/, the object fetched from moto's S3."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from messaging.models import (
    AllowListEntry,
    Contact,
    ImportRun,
    ImportStatus,
    NotificationKind,
    NotificationStatus,
    SnsNotification,
)
from tests.support.aws import S3_OBJECT_CREATED_PUT, S3_TEST_EVENT, s3_object_created

pytestmark = pytest.mark.django_db

BUCKET = "portal-drop"
CONTACTS = b"name,phone,tags\nAna,+12065550101,nurses\nBen,+12065550102,nurses\n"


@pytest.fixture
def s3(monkeypatch, tmp_path, settings):
    """moto's S3 with one allowed bucket; fake credentials, nothing leaves the machine."""
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


def test_the_documented_record_is_an_s3_event_and_its_bucket_is_refused(post_sns, s3):
    response, envelope = post_sns.message(S3_OBJECT_CREATED_PUT)
    assert response.status_code == 200  # SNS needs a 200, or it delivers again
    row = SnsNotification.objects.get(message_id=envelope["MessageId"])
    assert (row.kind, row.status) == (NotificationKind.S3_EVENT, NotificationStatus.REFUSED)
    assert "amzn-s3-demo-bucket is not on S3_IMPORT_BUCKETS" in row.error
    assert ImportRun.objects.count() == 0


def test_a_contacts_file_in_an_allowed_bucket_is_fetched_and_imported_once(post_sns, s3):
    s3.put_object(Bucket=BUCKET, Key="contacts/week 49.csv", Body=CONTACTS)
    event = s3_object_created(bucket=BUCKET, key="contacts/week 49.csv")
    response, envelope = post_sns.message(event)
    assert response.status_code == 200
    run = ImportRun.objects.get()
    assert (run.status, run.created, run.updated, run.name) == (ImportStatus.DONE, 2, 0,
                                                                f"s3://{BUCKET}/contacts/week 49.csv")
    assert SnsNotification.objects.get(message_id=envelope["MessageId"]).status == NotificationStatus.PROCESSED
    assert set(Contact.objects.values_list("phone", flat=True)) == {"+12065550101", "+12065550102"}
    post_sns.envelope(envelope)  # SNS redelivers the same notification
    assert ImportRun.objects.count() == 1


def test_a_file_with_a_bad_line_is_recorded_with_the_line_and_imports_nothing(post_sns, s3):
    s3.put_object(Bucket=BUCKET, Key="contacts/bad.csv", Body=b"name,phone\nAna,+12065550101\nBen,nope\n")
    post_sns.message(s3_object_created(bucket=BUCKET, key="contacts/bad.csv"))
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED and [(e["line"], e["field"]) for e in run.errors] == [(3, "phone")]
    assert Contact.objects.count() == 0


def test_an_allow_list_file_adds_its_numbers_with_their_scope(post_sns, s3):
    s3.put_object(Bucket=BUCKET, Key="allow-list/shifts.csv", Body=b"phone,scope\n+12065550101,shifts\n")
    post_sns.message(s3_object_created(bucket=BUCKET, key="allow-list/shifts.csv"))
    assert list(AllowListEntry.objects.values_list("phone", "scope")) == [("+12065550101", "shifts")]


def test_a_key_under_no_known_prefix_is_refused_and_not_fetched(post_sns, s3):
    _, envelope = post_sns.message(s3_object_created(bucket=BUCKET, key="misc/file.csv"))
    row = SnsNotification.objects.get(message_id=envelope["MessageId"])
    assert row.status == NotificationStatus.REFUSED and "prefixes" in row.error


def test_a_missing_object_fails_the_run_with_the_reason(post_sns, s3):
    post_sns.message(s3_object_created(bucket=BUCKET, key="contacts/gone.csv"))
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED and "NoSuchKey" in run.error


def test_the_s3_test_event_is_stored_and_not_acted_on(post_sns, s3):
    _, envelope = post_sns.message(S3_TEST_EVENT)
    row = SnsNotification.objects.get(message_id=envelope["MessageId"])
    assert (row.kind, row.status) == (NotificationKind.S3_EVENT, NotificationStatus.IGNORED)
