"""The incidents' daily rollup: the report's incident numbers are the same from it as counted live."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from incidents.models import DailyAckTime, DailyIncidentCount, EventKind, Incident, IncidentEvent, IncidentStatus
from incidents.reports import incident_report, incident_weeks
from incidents.rollups import incident_days
from messaging.history.rollups import history_rollup_refresh, rollup_days_rebuild, rollup_missing_days
from messaging.models import OutboundMessage
from messaging.reports import percentile
from tests.support.clock import on_day_ago

pytestmark = pytest.mark.django_db


def incident(days_ago, *, ack_after=None, status=IncidentStatus.RESOLVED, level=1, nobody=False):
    created = on_day_ago(days_ago)  # on that local day, whatever the hour the test runs at
    made = Incident.objects.create(
        description="Gas leak", status=status, level=level, created_at=created,
        acknowledged_at=created + timedelta(seconds=ack_after) if ack_after is not None else None)
    if nobody:
        IncidentEvent.objects.create(incident=made, kind=EventKind.UNACKNOWLEDGED, at=created + timedelta(minutes=9))
    return made


def summary(days=30):
    now = timezone.now()
    since = timezone.make_aware(datetime.combine(timezone.localdate(now) - timedelta(days=days - 1), time.min))
    report = incident_report(since=since, now=now)
    weeks = incident_weeks(since=since, now=now)
    return ((report.opened, report.by_status, report.acknowledged, report.seconds_to_acknowledge_p50,
             report.seconds_to_acknowledge_p90),
            [(w.week, w.opened, w.escalated, w.nobody_answered, w.seconds_to_acknowledge_p50,
              w.seconds_to_acknowledge_p90) for w in weeks])


@pytest.fixture
def history():
    # the rollup starts at the first day of the message log
    OutboundMessage.objects.create(channel="sms", recipient="+14255550100",
                                   created_at=on_day_ago(29))
    acks = [(0, 40), (0, 90), (2, 120), (6, 45), (9, 300), (9, 30), (16, 75), (23, 600)]
    for days_ago, seconds in acks:
        incident(days_ago, ack_after=seconds, level=2 if seconds > 100 else 1)
    incident(1, status=IncidentStatus.UNACKNOWLEDGED, nobody=True)
    incident(12, status=IncidentStatus.NOT_ACKNOWLEDGED, nobody=True)
    return acks


def test_the_incident_numbers_are_the_same_from_the_rollup_as_counted_live(history):
    before = summary()
    seconds = [float(s) for _, s in history]
    # as the report computed them before the rollup: every acknowledged incident of the period
    assert before[0] == (10, {**{s: 0 for s in IncidentStatus.values}, "resolved": 8, "unacknowledged": 1,
                              "not_acknowledged": 1}, 8, percentile(seconds, 50), percentile(seconds, 90))
    assert sum(w[1] for w in before[1]) == 10 and sum(w[2] for w in before[1]) == 3
    assert sum(w[3] for w in before[1]) == 2
    rollup_days_rebuild(days=rollup_missing_days(today=timezone.localdate()))
    history_rollup_refresh()
    assert DailyIncidentCount.objects.count() == 29  # every day before today, incidents or not
    assert DailyAckTime.objects.get(day=timezone.localdate() - timedelta(days=23)).tenths == 6000
    assert summary() == before


def test_rolled_up_days_are_read_from_the_rollup_and_statuses_stay_live(history):
    rollup_days_rebuild(days=rollup_missing_days(today=timezone.localdate()))
    history_rollup_refresh()
    old = Incident.objects.get(status=IncidentStatus.NOT_ACKNOWLEDGED)
    DailyIncidentCount.objects.filter(day=timezone.localdate(old.created_at)).update(opened=5)
    assert incident_days(first_day=timezone.localdate(old.created_at),
                         now=timezone.now())[timezone.localdate(old.created_at)]["opened"] == 5
    Incident.objects.filter(pk=old.pk).update(status=IncidentStatus.RESOLVED)  # resolved weeks later
    assert summary()[0][1]["resolved"] == 9


def test_a_day_not_rolled_up_yet_is_counted_live(history):
    rollup_days_rebuild(days=rollup_missing_days(today=timezone.localdate()))
    before = summary()
    DailyIncidentCount.objects.filter(day=timezone.localdate() - timedelta(days=9)).delete()
    DailyAckTime.objects.filter(day=timezone.localdate() - timedelta(days=9)).delete()
    assert summary() == before
    assert timezone.localdate() - timedelta(days=9) in rollup_missing_days(today=timezone.localdate())
