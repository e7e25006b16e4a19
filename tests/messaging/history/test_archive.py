"""Retention: old rows go to gzipped JSON Lines (S3 or a folder), are checked, then deleted; a
worker killed mid-archive loses nothing; a day can be restored; the report keeps its history."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule
from moto import mock_aws

from messaging.history.archive import LocalStore, S3Store, history_archive_run, messages_archive
from messaging.models import DeliveryEvent, InboundSms, OutboundMessage, SnsNotification
from messaging.reports import delivery_report
from tests.support.qcluster import ROOT, database_url

BUCKET = "portal-archive-test"


def old_traffic(days_ago: int, n: int = 3) -> list[OutboundMessage]:
    at = timezone.now() - timedelta(days=days_ago)
    messages = OutboundMessage.objects.bulk_create([
        OutboundMessage(channel="sms", recipient=f"+1425555{i:04d}", body=f"=cmd {i}", status="delivered",
                        provider_message_id=f"pm-{days_ago}-{i}", created_at=at + timedelta(seconds=i))
        for i in range(n)])
    DeliveryEvent.objects.bulk_create([DeliveryEvent(message=m, provider_message_id=m.provider_message_id,
                                                     event_type="delivered", raw={"n": 1}) for m in messages])
    inbound = InboundSms.objects.create(inbound_message_id=f"in-{days_ago}", origination_number="+14255550000",
                                        body="YES", received_at=at)
    sns = SnsNotification.objects.create(message_id=f"sns-{days_ago}", type="Notification", raw={"a": 1})
    SnsNotification.objects.filter(pk=sns.pk).update(received_at=at)  # received_at is auto_now_add
    assert inbound.pk
    return messages


def read(store, key) -> list[dict]:
    data = store.get(key)
    return [json.loads(line) for line in gzip.decompress(data).decode().splitlines()] if data else []


@pytest.mark.django_db
@mock_aws
def test_old_days_go_to_s3_one_file_per_day_and_table_and_leave_the_database(settings):
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_S3_PREFIX = BUCKET, "site-a/"
    boto3.client("s3", region_name=settings.AWS_REGION).create_bucket(Bucket=BUCKET)
    old = old_traffic(40)
    recent = old_traffic(5)
    report_before = delivery_report(days=90)

    totals = messages_archive(before=timezone.localdate() - timedelta(days=30))

    assert totals == {"deliveryevent": 3, "outboundmessage": 3, "inboundsms": 1, "snsnotification": 1}
    day = timezone.localdate(old[0].created_at).isoformat()
    keys = sorted(o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == [f"site-a/{t}/{day}.jsonl.gz" for t in ("deliveryevent", "inboundsms", "outboundmessage",
                                                           "snsnotification")]
    archived = read(S3Store(BUCKET, "site-a/"), f"outboundmessage/{day}.jsonl.gz")
    assert [r["id"] for r in archived] == [m.pk for m in old] and archived[0]["body"] == "=cmd 0"
    assert not OutboundMessage.objects.filter(pk__in=[m.pk for m in old]).exists()
    assert OutboundMessage.objects.filter(pk__in=[m.pk for m in recent]).count() == 3
    assert DeliveryEvent.objects.count() == 3 and InboundSms.objects.count() == 1
    # The report still counts the archived day, from its rollup.
    assert delivery_report(days=90).daily == report_before.daily


@pytest.mark.django_db
def test_a_day_is_restored_from_a_local_folder(settings, tmp_path):
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_DIR = "", str(tmp_path)
    old = old_traffic(40)
    call_command("archive_messages", "--before", (timezone.localdate() - timedelta(days=30)).isoformat())
    assert not OutboundMessage.objects.exists()
    day = timezone.localdate(old[0].created_at)
    assert (tmp_path / settings.ARCHIVE_S3_PREFIX / "outboundmessage" / f"{day}.jsonl.gz").exists()

    call_command("restore_archive", day.isoformat())

    restored = OutboundMessage.objects.order_by("id")
    assert [(m.pk, m.body, m.created_at) for m in restored] == [(m.pk, m.body, m.created_at) for m in old]
    assert DeliveryEvent.objects.filter(message__in=restored).count() == 3
    assert InboundSms.objects.count() == 1 and SnsNotification.objects.count() == 1
    call_command("restore_archive", day.isoformat())  # again: nothing doubles
    assert OutboundMessage.objects.count() == 3


@pytest.mark.django_db
def test_retention_is_a_daily_schedule_that_does_nothing_until_set(settings, tmp_path):
    settings.ARCHIVE_DIR = str(tmp_path)
    assert Schedule.objects.get(func="messaging.tasks.history_archive_run").schedule_type == Schedule.DAILY
    old_traffic(40)
    settings.MESSAGE_RETENTION_DAYS = 0
    assert history_archive_run() == {} and OutboundMessage.objects.count() == 3
    settings.MESSAGE_RETENTION_DAYS = 30
    assert history_archive_run()["outboundmessage"] == 3 and not OutboundMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_archive_loses_no_row_and_the_next_run_finishes(settings, tmp_path):
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_DIR = "", str(tmp_path)
    ids = {m.pk for m in old_traffic(40, n=1500)}
    before = (timezone.localdate() - timedelta(days=30)).isoformat()
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "portal.settings",
           "ARCHIVE_DIR": str(tmp_path), "ARCHIVE_S3_BUCKET": "", "ARCHIVE_BATCH_SIZE": "1", "LOG_LEVEL": "WARNING"}
    env.pop("TEST_DATABASE_NAME", None)
    worker = subprocess.Popen([sys.executable, "manage.py", "archive_messages", "--before", before], cwd=ROOT,
                              env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while OutboundMessage.objects.count() > len(ids) - 100:  # deleting, in one-row batches
        assert worker.poll() is None, "the archive finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()

    left = set(OutboundMessage.objects.values_list("id", flat=True))
    store = LocalStore(Path(tmp_path) / settings.ARCHIVE_S3_PREFIX)
    day = timezone.localdate(OutboundMessage.objects.order_by("id").first().created_at)
    archived = {r["id"] for r in read(store, f"outboundmessage/{day}.jsonl.gz")}
    assert left and left != ids  # killed in the middle
    assert left | archived == ids  # every row is still in the database or in the checked file

    messages_archive(before=timezone.localdate() - timedelta(days=30))
    assert not OutboundMessage.objects.exists()
    assert {r["id"] for r in read(store, f"outboundmessage/{day}.jsonl.gz")} == ids
