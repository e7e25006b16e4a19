"""The archive's side of an erasure: files in a versioned S3 bucket keep no older version that
names the person, files of the first format are rewritten too, and the day still restores
whole for everybody else."""

from __future__ import annotations

import gzip
from datetime import timedelta

import boto3
import pytest
from django.utils import timezone
from moto import mock_aws

from messaging.history.archive import S3Store, archive_restore, messages_archive
from messaging.history.archive.erasing import archive_erase
from messaging.history.archive.store import LocalStore, rows_encode
from messaging.models import ArchivedDay, DeliveryEvent, OutboundMessage

pytestmark = pytest.mark.django_db

ANA, BEN, BUCKET = "+14255550123", "+14255550199", "portal-archive-test"


def _old_messages(days_ago: int = 40):
    """Two messages each to Ana and Ben with their events, ``days_ago``; returns when."""
    when = timezone.now() - timedelta(days=days_ago)
    made = []
    for who in (ANA, BEN, ANA, BEN):
        msg = OutboundMessage.objects.create(channel="sms", recipient=who, body=f"to {who}", status="delivered")
        DeliveryEvent.objects.create(message=msg, channel="sms", event_type="delivered", recipient=who)
        made.append(msg)
    OutboundMessage.objects.filter(pk__in=[m.pk for m in made]).update(created_at=when)
    return when


def _all_versions(client) -> list[bytes]:
    versions = client.list_object_versions(Bucket=BUCKET).get("Versions", [])
    return [gzip.decompress(client.get_object(Bucket=BUCKET, Key=v["Key"], VersionId=v["VersionId"])["Body"].read())
            for v in versions]


@mock_aws
def test_a_versioned_bucket_keeps_no_older_version_naming_the_person(settings):
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_S3_PREFIX = BUCKET, "site/"
    client = boto3.client("s3", region_name=settings.AWS_REGION)
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    when = _old_messages()
    messages_archive(before=timezone.localdate() - timedelta(days=30))
    assert any(ANA.encode() in data for data in _all_versions(client))

    result = archive_erase(identities=(ANA,), store=S3Store(BUCKET, "site/"))

    assert result == {"archived": 4, "archive_files": 2}  # 2 messages + 2 events, in 2 files
    assert not any(ANA.encode() in data for data in _all_versions(client))
    # Ben's rows come back whole; Ana's are gone for good.
    day = timezone.localdate(when)
    assert archive_restore(day=day)["outboundmessage"] == 2
    assert set(OutboundMessage.objects.values_list("recipient", flat=True)) == {BEN}
    assert DeliveryEvent.objects.filter(recipient=BEN).count() == 2


def test_a_first_format_day_file_is_rewritten_too(settings, tmp_path):
    store = LocalStore(tmp_path)
    day = timezone.localdate() - timedelta(days=400)
    ArchivedDay.objects.create(day=day)
    rows = [{"id": 1, "channel": "sms", "recipient": ANA, "body": "hi"},
            {"id": 2, "channel": "sms", "recipient": BEN, "body": "hi"}]
    store.put(f"outboundmessage/{day.isoformat()}.jsonl.gz", rows_encode(rows))

    assert archive_erase(identities=(ANA,), store=store) == {"archived": 1, "archive_files": 1}

    left = gzip.decompress(store.get(f"outboundmessage/{day.isoformat()}.jsonl.gz")).decode()
    assert BEN in left and ANA not in left
