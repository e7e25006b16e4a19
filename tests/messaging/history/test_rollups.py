"""Daily rollups: the report reads settled days from them and stays right as statuses change."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import Schedule

from messaging.history.rollups import (
    duration_bucket,
    history_rollup_refresh,
    rollup_days_rebuild,
    rollup_missing_days,
)
from messaging.models import DailyDeliveryTime, DailyMessageCount, MessageStatus, OutboundMessage
from messaging.reports import delivery_report, percentile
from tests.support.clock import on_day_ago

pytestmark = pytest.mark.django_db


def log(days_ago, status=MessageStatus.DELIVERED, channel="sms", price=Decimal("0.01")):
    return OutboundMessage.objects.create(channel=channel, recipient="+14255550100", status=status, price=price,
                                          created_at=on_day_ago(days_ago))


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


def delivered(days_ago, seconds, channel="sms"):
    created = on_day_ago(days_ago)
    return OutboundMessage.objects.create(channel=channel, recipient="+14255550100", status=MessageStatus.DELIVERED,
                                          created_at=created, sent_at=created + timedelta(seconds=1),
                                          delivered_at=created + timedelta(seconds=1 + seconds))


def test_duration_buckets_keep_two_significant_figures_in_tenths_of_a_second():
    assert [duration_bucket(timedelta(seconds=s)) for s in (0.05, 4.37, 9.99, 57.9, 123.4, 4321, -2)] == \
        [0, 43, 99, 570, 1200, 43000, 0]


def test_delivery_times_are_the_same_from_the_rollup_as_live_and_as_the_old_sample_computed():
    seconds = {"sms": [(0, 2), (0, 4), (1, 6), (5, 8), (5, 3.5), (12, 75), (20, 600)], "email": [(2, 30), (6, 45)]}
    for channel, rows in seconds.items():
        for days_ago, s in rows:
            delivered(days_ago, s, channel)
    def times(days=21):  # from the first message's day: every day before today is rolled up below
        return {c.channel: (c.seconds_to_deliver_p50, c.seconds_to_deliver_p90)
                for c in delivery_report(days=days).channels}

    before = times()
    # What the report computed before the rollup: nearest-rank percentiles of every delivery of the period.
    assert before == {c: (percentile([s for _, s in rows], 50), percentile([s for _, s in rows], 90))
                      for c, rows in seconds.items()}
    rollup_days_rebuild(days=rollup_missing_days(today=timezone.localdate()))
    history_rollup_refresh()
    assert DailyDeliveryTime.objects.filter(channel="sms", day=timezone.localdate() - timedelta(days=20),
                                            tenths=6000, messages=1).exists()
    with CaptureQueriesContext(connection) as ctx:
        after = times()
    assert after == before
    # settled days come from the rollup: only today is read from the message log
    assert sum("messaging_outboundmessage" in q["sql"] for q in ctx.captured_queries) == 2
    OutboundMessage.objects.exclude(created_at__date=timezone.localdate()).delete()  # as the archive does
    assert times(30)["sms"] == before["sms"] and times(30)["email"] == before["email"]


def test_a_day_rolled_up_before_delivery_times_existed_is_read_live_and_rolled_up_again():
    message = delivered(8, 12)
    day = timezone.localdate(message.created_at)
    rollup_days_rebuild(days=[day])
    DailyDeliveryTime.objects.filter(day=day).delete()  # as after the upgrade that added the rollup
    sms = delivery_report(days=14).channels[0]
    assert (sms.seconds_to_deliver_p50, sms.seconds_to_deliver_p90) == (12.0, 12.0)
    assert day in rollup_missing_days(today=timezone.localdate())
    history_rollup_refresh()
    assert DailyDeliveryTime.objects.filter(day=day, channel="sms", tenths=120).exists()
