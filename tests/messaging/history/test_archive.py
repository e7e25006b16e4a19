"""Retention: old rows go to gzipped JSON Lines (S3 or a folder), are checked, then deleted; a
worker killed mid-archive loses nothing; a day can be restored (from files of every version);
the report keeps its history; a scheduled run works in short runs that carry on."""

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

from messaging.history.archive import (
    LocalStore,
    S3Store,
    archive_restore,
    history_archive_run,
    messages_archive,
)
from messaging.history.archive import archiving as archiving_module
from messaging.history.archive.store import rows_encode
from messaging.models import (
    ArchivedDay,
    DailyMessageCount,
    DeliveryEvent,
    InboundSms,
    OutboundMessage,
    SnsNotification,
)
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


def read_day(store, table: str, day) -> list[dict]:
    """Every row of ``table`` archived for ``day``, from all of its batch files."""
    return [row for key in store.keys(f"{table}/{day}/") for row in read(store, key)]


@pytest.mark.django_db
@mock_aws
def test_old_days_go_to_s3_one_folder_per_day_and_table_and_leave_the_database(settings):
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_S3_PREFIX = BUCKET, "site-a/"
    boto3.client("s3", region_name=settings.AWS_REGION).create_bucket(Bucket=BUCKET)
    old = old_traffic(40)
    recent = old_traffic(5)
    report_before = delivery_report(days=90)

    totals = messages_archive(before=timezone.localdate() - timedelta(days=30))

    assert totals == {"deliveryevent": 3, "outboundmessage": 3, "inboundsms": 1, "snsnotification": 1}
    day = timezone.localdate(old[0].created_at).isoformat()
    keys = sorted(o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"])
    first = {"deliveryevent": old[0].pk, "outboundmessage": old[0].pk,
             "inboundsms": InboundSms.objects.order_by("pk").first().pk - 1,
             "snsnotification": SnsNotification.objects.order_by("pk").first().pk - 1}
    assert keys == [f"site-a/{t}/{day}/{first[t]:012d}.jsonl.gz" for t in sorted(first)]
    archived = read_day(S3Store(BUCKET, "site-a/"), "outboundmessage", day)
    assert [r["id"] for r in archived] == [m.pk for m in old] and archived[0]["body"] == "=cmd 0"
    assert not OutboundMessage.objects.filter(pk__in=[m.pk for m in old]).exists()
    assert OutboundMessage.objects.filter(pk__in=[m.pk for m in recent]).count() == 3
    assert DeliveryEvent.objects.count() == 3 and InboundSms.objects.count() == 1
    # The report still counts the archived day, from its rollup.
    assert delivery_report(days=90).daily == report_before.daily
    # And the day comes back from the bucket.
    assert archive_restore(day=timezone.localdate(old[0].created_at))["outboundmessage"] == 3
    assert list(OutboundMessage.objects.filter(pk__in=[m.pk for m in old]).values_list("body", flat=True)
                .order_by("pk")) == ["=cmd 0", "=cmd 1", "=cmd 2"]


@pytest.mark.django_db
def test_a_day_is_restored_from_a_local_folder(settings, tmp_path):
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_DIR = "", str(tmp_path)
    old = old_traffic(40)
    call_command("archive_messages", "--before", (timezone.localdate() - timedelta(days=30)).isoformat())
    assert not OutboundMessage.objects.exists()
    day = timezone.localdate(old[0].created_at)
    assert list((tmp_path / settings.ARCHIVE_S3_PREFIX / "outboundmessage" / f"{day}").glob("*.jsonl.gz"))

    call_command("restore_archive", day.isoformat())

    restored = OutboundMessage.objects.order_by("id")
    assert [(m.pk, m.body, m.created_at) for m in restored] == [(m.pk, m.body, m.created_at) for m in old]
    assert DeliveryEvent.objects.filter(message__in=restored).count() == 3
    assert InboundSms.objects.count() == 1 and SnsNotification.objects.count() == 1
    call_command("restore_archive", day.isoformat())  # again: nothing doubles
    assert OutboundMessage.objects.count() == 3


@pytest.mark.django_db
def test_retention_is_a_schedule_every_five_minutes_that_does_nothing_until_set(settings, tmp_path):
    settings.ARCHIVE_DIR = str(tmp_path)
    schedule = Schedule.objects.get(func="messaging.tasks.history_archive_run")
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 5)
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
    archived = {r["id"] for r in read_day(store, "outboundmessage", day)}
    assert left and left != ids  # killed in the middle
    assert left | archived == ids  # every row is still in the database or in the checked file

    messages_archive(before=timezone.localdate() - timedelta(days=30))
    assert not OutboundMessage.objects.exists()
    assert {r["id"] for r in read_day(store, "outboundmessage", day)} == ids


@pytest.mark.django_db
def test_a_day_archived_before_batches_existed_still_restores(settings, tmp_path):
    """Files of the first version: one per day and table, ``<table>/<day>.jsonl.gz``."""
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_DIR = "", str(tmp_path)
    old = old_traffic(40)
    day = timezone.localdate(old[0].created_at)
    store = LocalStore(tmp_path / settings.ARCHIVE_S3_PREFIX)
    tables = {"outboundmessage": OutboundMessage, "deliveryevent": DeliveryEvent, "inboundsms": InboundSms,
              "snsnotification": SnsNotification}
    before = {name: list(model.objects.order_by("pk").values()) for name, model in tables.items()}
    for name, rows in before.items():
        store.put(f"{name}/{day}.jsonl.gz", rows_encode(rows))
    for model in tables.values():
        model.objects.all().delete()

    restored = archive_restore(day=day)

    assert {name: restored[name] for name in tables} == {"outboundmessage": 3, "deliveryevent": 3,
                                                         "inboundsms": 1, "snsnotification": 1}
    assert {name: list(model.objects.order_by("pk").values()) for name, model in tables.items()} == before


@pytest.mark.django_db
def test_a_scheduled_run_stops_after_its_time_and_queues_the_next_which_carries_on(settings, tmp_path,
                                                                                 monkeypatch):
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_DIR, settings.ARCHIVE_BATCH_SIZE = "", str(tmp_path), 2
    settings.MESSAGE_RETENTION_DAYS = 30
    old_traffic(40, n=5)
    old_traffic(41, n=5)
    queued = []
    monkeypatch.setattr(archiving_module, "enqueue", lambda func, **kw: queued.append((func, kw)))
    monkeypatch.setattr(archiving_module, "ARCHIVE_RUN_SECONDS", 1e-9)  # one batch, then out of time

    runs = 0
    while OutboundMessage.objects.exists() or InboundSms.objects.exists() or SnsNotification.objects.exists():
        queued.clear()
        history_archive_run()
        runs += 1
        assert [func for func, _ in queued] == ["messaging.tasks.history_archive_run"]
        assert runs < 30

    assert runs == 2 * (3 + 1 + 1)  # per day: messages in three batches of up to two, inbound, notifications
    queued.clear()
    assert history_archive_run() == {} and queued == []  # done: nothing to do, nothing queued
    assert DailyMessageCount.objects.filter(channel="sms").values_list("messages", flat=True).count() == 2
    assert sorted(DailyMessageCount.objects.filter(channel="sms").values_list("messages", flat=True)) == [5, 5]


@pytest.mark.django_db
def test_a_half_archived_day_keeps_its_whole_count_and_the_refresh_does_not_recount_it(settings, tmp_path):
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_DIR = "", str(tmp_path)
    old = old_traffic(2, n=4)  # inside the refresh's settling days
    day = timezone.localdate(old[0].created_at)
    from messaging.history.archive import batch_archive
    from messaging.history.archive.plan import UNITS
    from messaging.history.rollups import history_rollup_refresh, rollup_day_finalize

    rollup_day_finalize(day=day)
    batch_archive(unit=UNITS[0], day=day, store=LocalStore(tmp_path), batch_size=2)  # then the run stopped
    assert OutboundMessage.objects.count() == 2
    history_rollup_refresh()
    assert DailyMessageCount.objects.get(day=day, channel="sms").messages == 4


@pytest.mark.django_db
def test_the_schedule_leaves_a_restored_day_alone_and_the_command_archives_it_again(settings, tmp_path):
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_DIR, settings.MESSAGE_RETENTION_DAYS = "", str(tmp_path), 30
    old = old_traffic(40)
    history_archive_run()
    day = timezone.localdate(old[0].created_at)
    archive_restore(day=day)
    assert OutboundMessage.objects.count() == 3

    assert history_archive_run() == {} and OutboundMessage.objects.count() == 3
    assert messages_archive(before=timezone.localdate() - timedelta(days=30))["outboundmessage"] == 3
    assert ArchivedDay.objects.get(day=day).restored_at is None
