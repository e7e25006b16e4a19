"""A backlog larger than one task may take, archived by a real qcluster run after run."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db.models import Max, Min
from django.utils import timezone
from django_q.models import Schedule, Task

from messaging.models import ArchivedDay, DailyMessageCount, OutboundMessage
from messaging.scheduling.queue import enqueue

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]


def test_a_backlog_is_worked_off_in_short_runs_that_each_queue_the_next(qcluster_factory, settings, tmp_path):
    for days_ago in (40, 41, 42):
        at = timezone.now() - timedelta(days=days_ago)
        OutboundMessage.objects.bulk_create([OutboundMessage(channel="sms", recipient="+14255550100",
                                                             status="delivered", created_at=at) for _ in range(200)])
    # Only the run queued here, and the runs it queues: the schedule's next turn is minutes away.
    Schedule.objects.filter(func="messaging.tasks.history_archive_run").update(
        next_run=timezone.now() + timedelta(hours=1))
    # A 2 s task timeout gives each run 1 s, and 600 one-message batches take longer than that.
    qcluster_factory(1, Q_TIMEOUT=2, Q_RETRY=4, ARCHIVE_BATCH_SIZE=1, MESSAGE_RETENTION_DAYS=30,
                     ARCHIVE_DIR=tmp_path, ARCHIVE_S3_BUCKET="")
    settings.TASKS_EAGER = False
    enqueue("messaging.tasks.history_archive_run")

    deadline = time.monotonic() + 90
    while OutboundMessage.objects.exists():
        assert time.monotonic() < deadline, f"{OutboundMessage.objects.count()} messages left"
        time.sleep(0.5)

    assert not Task.objects.filter(success=False).exists()  # no run was killed or failed
    # It took longer than the task timeout, which kills a run: so it was done by several runs.
    spans = ArchivedDay.objects.aggregate(first=Min("started_at"), last=Max("finished_at"))
    assert (spans["last"] - spans["first"]).total_seconds() > 2
    assert sorted(DailyMessageCount.objects.filter(channel="sms").values_list("messages", flat=True)) == [200] * 3
