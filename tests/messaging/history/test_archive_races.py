"""The archive and the 5-minute rollup refresh at the same time, and each of them twice at once.

PostgreSQL only: SQLite runs one writer at a time, so it cannot show these races.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.history.archive import LocalStore, archive_restore, history_archive_run, messages_archive
from messaging.history.rollups import history_rollup_refresh, rollup_days_rebuild
from messaging.models import ArchivedDay, DailyMessageCount, DeliveryEvent, OutboundMessage
from tests.support.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def traffic(days_ago: int, n: int) -> list[OutboundMessage]:
    at = timezone.now() - timedelta(days=days_ago)
    messages = OutboundMessage.objects.bulk_create([
        OutboundMessage(channel="sms", recipient=f"+1425555{i:04d}", status="delivered", created_at=at)
        for i in range(n)])
    DeliveryEvent.objects.bulk_create([DeliveryEvent(message=m, provider_message_id=f"pm-{m.pk}",
                                                     event_type="delivered") for m in messages])
    return messages


def test_rebuilds_of_one_day_at_the_same_moment_all_succeed_and_leave_one_set_of_rows():
    """Before the per-day lock, the second of two rebuilds hit daily_count_unique."""
    messages = traffic(2, 20)
    day = timezone.localdate(messages[0].created_at)
    for _ in range(5):
        together(*[lambda: rollup_days_rebuild(days=[day])] * 4)
        assert DailyMessageCount.objects.get(day=day, channel="sms").messages == 20
        assert DailyMessageCount.objects.filter(day=day).count() == 2  # the marker and the one count


def test_the_archive_and_the_refresh_at_once_keep_the_day_counted_whole(settings, tmp_path):
    """A retention of one day: the archive's days are the refresh's settling days."""
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_DIR, settings.ARCHIVE_BATCH_SIZE = "", str(tmp_path), 10
    settings.MESSAGE_RETENTION_DAYS = 1
    days = [timezone.localdate() - timedelta(days=d) for d in (2, 3)]
    for d in (2, 3):
        traffic(d, 60)

    together(history_archive_run, history_rollup_refresh, history_rollup_refresh, lambda: rollup_days_rebuild(
        days=days))
    while OutboundMessage.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).exists():
        history_archive_run()  # what the queued next runs do
    together(history_rollup_refresh, history_rollup_refresh)

    assert [DailyMessageCount.objects.get(day=d, channel="sms").messages for d in days] == [60, 60]
    assert set(ArchivedDay.objects.values_list("day", flat=True)) == set(days)


def test_two_archive_runs_at_once_archive_every_row_once_and_restore_whole(settings, tmp_path):
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_DIR, settings.ARCHIVE_BATCH_SIZE = "", str(tmp_path), 7
    ids = {m.pk for m in traffic(40, 100)}
    before = timezone.localdate() - timedelta(days=30)

    results = together(lambda: messages_archive(before=before), lambda: messages_archive(before=before),
                       lambda: messages_archive(before=before))

    assert sum(r.get("outboundmessage", 0) for r in results) == 100
    assert not OutboundMessage.objects.exists() and not DeliveryEvent.objects.exists()
    store = LocalStore(tmp_path / settings.ARCHIVE_S3_PREFIX)
    day = (timezone.localdate() - timedelta(days=40)).isoformat()
    from tests.messaging.history.test_archive import read_day

    archived = [r["id"] for r in read_day(store, "outboundmessage", day)]
    assert sorted(archived) == sorted(ids)  # each once: no file holds a row another also holds
    archive_restore(day=timezone.localdate() - timedelta(days=40))
    assert set(OutboundMessage.objects.values_list("id", flat=True)) == ids and DeliveryEvent.objects.count() == 100


def test_a_scheduled_run_that_finds_another_running_ends_at_once(settings, tmp_path):
    settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_DIR, settings.MESSAGE_RETENTION_DAYS = "", str(tmp_path), 30
    traffic(40, 5)
    from django.db import connection

    from messaging.history.locks import archive_lock

    with archive_lock(wait=False) as held:  # a run in progress, on this connection
        assert held
        assert together(history_archive_run) == [{}]
        assert OutboundMessage.objects.count() == 5
    connection.close()
    assert history_archive_run()["outboundmessage"] == 5
