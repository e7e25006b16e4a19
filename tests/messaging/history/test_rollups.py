"""Daily rollups: the report reads settled days from them and stays right as statuses change."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import Schedule

from messaging.history.rollups import history_rollup_refresh, rollup_days_rebuild, rollup_missing_days
from messaging.models import DailyMessageCount, MessageStatus, OutboundMessage
from messaging.reports import delivery_report

pytestmark = pytest.mark.django_db


def log(days_ago, status=MessageStatus.DELIVERED, channel="sms", price=Decimal("0.01")):
    return OutboundMessage.objects.create(channel=channel, recipient="+14255550100", status=status, price=price,
                                          created_at=timezone.now() - timedelta(days=days_ago, minutes=1))


def test_the_report_is_the_same_before_and_after_the_days_are_rolled_up():
    for days_ago in (0, 1, 5, 5, 20):
        log(days_ago)
    log(5, MessageStatus.FAILED, price=None)
    log(20, channel="email")
    before = delivery_report(days=30)
    assert history_rollup_refresh() >= 4
    rollup_days_rebuild(days=rollup_missing_days(today=timezone.localdate()))
    assert DailyMessageCount.objects.filter(day=timezone.localdate() - timedelta(days=20)).exists()
    after = delivery_report(days=30)
    assert after.daily == before.daily
    assert [(c.channel, c.by_status, c.spend) for c in after.channels] == \
        [(c.channel, c.by_status, c.spend) for c in before.channels]


def test_a_rolled_up_day_is_read_from_the_rollup_and_keeps_its_history_after_the_rows_go():
    old = log(10)
    rollup_days_rebuild(days=[timezone.localdate(old.created_at)])
    OutboundMessage.objects.filter(pk=old.pk).delete()  # as the archive does
    report = delivery_report(days=14)
    assert report.daily[timezone.localdate(old.created_at)][MessageStatus.DELIVERED] == 1
    assert report.total == 1


def test_today_is_counted_live_as_statuses_change():
    message = log(0, MessageStatus.SENT)
    history_rollup_refresh()
    OutboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.DELIVERED)
    assert delivery_report(days=7).daily[timezone.localdate()][MessageStatus.DELIVERED] == 1


def test_a_settling_day_is_rebuilt_by_the_next_refresh():
    message = log(3, MessageStatus.SENT)
    history_rollup_refresh()
    day = timezone.localdate(message.created_at)
    OutboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)  # a late receipt
    assert delivery_report(days=7).daily[day][MessageStatus.SENT] == 1  # the rollup, until it is rebuilt
    history_rollup_refresh()
    assert delivery_report(days=7).daily[day][MessageStatus.FAILED] == 1


def test_the_refresh_runs_on_a_schedule_under_a_stable_name():
    schedule = Schedule.objects.get(func="messaging.tasks.history_rollup_refresh")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 5
    assert import_string(schedule.func) is history_rollup_refresh
