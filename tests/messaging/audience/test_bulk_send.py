"""Bulk sends from a CSV: checked with the template, previewed, sent like a campaign; by admin or S3 drop."""

from __future__ import annotations

import boto3
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from moto import mock_aws

from messaging.models import BulkSend, BulkSendStatus, ImportRun, ImportStatus, OutboundMessage
from tests.support.aws import s3_object_created

pytestmark = pytest.mark.django_db

FILE = b"phone,name,shift\n+12065550101,Ana,Sat 08:00 ward 3\n+12065550102,Ben,Sun 20:00 ward 1\n"
TEMPLATE = "Hi {name}, {shift} is yours if you reply YES"


@pytest.fixture
def manager(client, django_user_model):
    user = django_user_model.objects.create_user("mgr", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="shift manager"))
    client.force_login(user)
    return client


def upload(c, body=FILE, message=TEMPLATE):
    """Upload a file; the check that the worker runs after the upload commits runs inline here."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return c.post("/admin/messaging/bulksend/add/", {
            "message": message, "file": SimpleUploadedFile("week.csv", body, content_type="text/csv")})


def bodies():
    return dict(OutboundMessage.objects.values_list("recipient", "body"))


def test_upload_previews_the_first_messages_and_longest_part_count_then_sends_each_their_own(manager):
    upload(manager)
    bulk = BulkSend.objects.get()
    page = manager.get(f"/admin/messaging/bulksend/{bulk.pk}/change/").content.decode()
    assert "Hi Ana, Sat 08:00 ward 3 is yours if you reply YES" in page and "1 SMS part(s)" in page
    assert ImportRun.objects.get().status == ImportStatus.CHECKED  # checked on the worker, waiting
    assert OutboundMessage.objects.count() == 0
    with TestCase.captureOnCommitCallbacks(execute=True):
        manager.post(f"/admin/messaging/bulksend/{bulk.pk}/send/")
    assert bodies() == {"+12065550101": "Hi Ana, Sat 08:00 ward 3 is yours if you reply YES",
                        "+12065550102": "Hi Ben, Sun 20:00 ward 1 is yours if you reply YES"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        manager.post(f"/admin/messaging/bulksend/{bulk.pk}/send/")  # a second click sends nothing more
    assert OutboundMessage.objects.count() == 2
    assert "2 sent" in manager.get(f"/admin/messaging/bulksend/{bulk.pk}/change/").content.decode()


def test_a_placeholder_that_is_no_column_is_refused_before_sending(manager):
    upload(manager, message="Hi {name}, see you at {site}")
    bulk = BulkSend.objects.get()
    assert bulk.status == BulkSendStatus.FAILED and "{site}" in bulk.errors[0]["error"]
    assert "Send now" not in manager.get(f"/admin/messaging/bulksend/{bulk.pk}/change/").content.decode()


def test_a_bad_phone_line_is_named_and_nothing_is_sent(manager):
    upload(manager, body=FILE + b"not-a-phone,Cy,x\n")
    bulk = BulkSend.objects.get()
    assert [(e["line"], e["field"]) for e in bulk.errors] == [(4, "phone")]
    with TestCase.captureOnCommitCallbacks(execute=True):
        manager.post(f"/admin/messaging/bulksend/{bulk.pk}/send/")
    assert OutboundMessage.objects.count() == 0


def test_a_file_dropped_under_sends_is_sent_with_the_message_in_its_metadata(post_sns, settings, monkeypatch,
                                                                               tmp_path):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": str(tmp_path / "none"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    settings.AWS_REGION = "us-east-1"
    settings.S3_IMPORT_BUCKETS = ["portal-drop"]
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="portal-drop")
        s3.put_object(Bucket="portal-drop", Key="sends/week.csv", Body=FILE, Metadata={"message": TEMPLATE})
        post_sns.message(s3_object_created(bucket="portal-drop", key="sends/week.csv"))
    run = ImportRun.objects.get()
    assert (run.status, run.created) == (ImportStatus.DONE, 2)
    assert BulkSend.objects.get().source == "s3"
    assert bodies()["+12065550102"] == "Hi Ben, Sun 20:00 ward 1 is yours if you reply YES"


def test_the_upload_request_only_stores_the_file_and_the_page_says_a_worker_checks_it(manager, settings):
    settings.TASKS_EAGER = False  # no worker runs: what the page shows until one does
    upload(manager)
    bulk = BulkSend.objects.get()
    assert bulk.status == BulkSendStatus.CHECKING and bulk.recipients == 0
    page = manager.get(f"/admin/messaging/bulksend/{bulk.pk}/change/").content.decode()
    assert "being checked on a worker" in page and "Send now" not in page and 'http-equiv="refresh"' in page
