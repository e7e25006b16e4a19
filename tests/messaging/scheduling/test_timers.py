"""Durable timers: controlled clocks for the rules, a real qcluster for the timing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import Tag, Timer, TimerState
from messaging.scheduling.timers import timer_cancel, timer_fire, timer_schedule, timers_cancel_for, timers_fire_due
from tests.support.waiting import wait_for

CB = "tests.messaging.timer_callbacks.record"


@pytest.mark.django_db
class TestControlledClock:
    def test_a_timer_fires_once_at_its_due_time_and_not_before(self):
        now = timezone.now()
        timer = timer_schedule(callback=CB, due_at=now + timedelta(seconds=40), kwargs={"name": "reminder"},
                               label="reminder")
        assert timers_fire_due(now=now + timedelta(seconds=39)) == 0
        assert not Tag.objects.filter(name="reminder").exists()
        assert timers_fire_due(now=now + timedelta(seconds=40)) == 1
        assert timers_fire_due(now=now + timedelta(seconds=90)) == 0  # never twice
        timer.refresh_from_db()
        assert timer.state == TimerState.FIRED
        assert Tag.objects.filter(name="reminder").count() == 1

    def test_a_duplicate_fire_of_the_same_timer_does_nothing(self):
        now = timezone.now()
        timer = timer_schedule(callback=CB, due_at=now, kwargs={"name": "once"})
        assert timer_fire(timer_id=timer.pk, now=now) is True
        assert timer_fire(timer_id=timer.pk, now=now) is False
        assert Tag.objects.filter(name="once").count() == 1

    def test_a_cancelled_timer_never_fires(self):
        now = timezone.now()
        timer = timer_schedule(callback=CB, due_at=now, kwargs={"name": "cancelled"})
        assert timer_cancel(timer_id=timer.pk) is True
        assert timers_fire_due(now=now + timedelta(minutes=5)) == 0
        assert not Tag.objects.filter(name="cancelled").exists()
        assert Timer.objects.get(pk=timer.pk).state == TimerState.CANCELLED

    def test_cancelling_by_owner_stops_only_that_owners_pending_timers(self):
        now = timezone.now()
        mine, other = Tag.objects.create(name="owner-a"), Tag.objects.create(name="owner-b")
        timer_schedule(callback=CB, due_at=now, kwargs={"name": "a1"}, owner=mine)
        timer_schedule(callback=CB, due_at=now, kwargs={"name": "a2"}, owner=mine)
        timer_schedule(callback=CB, due_at=now, kwargs={"name": "b1"}, owner=other)
        assert timers_cancel_for(owner=mine) == 2
        timers_fire_due(now=now)
        assert set(Tag.objects.filter(name__in=["a1", "a2", "b1"]).values_list("name", flat=True)) == {"b1"}

    def test_a_failing_callback_rolls_back_and_is_retried_a_bounded_number_of_times(self):
        now = timezone.now()
        timer = timer_schedule(callback="tests.messaging.timer_callbacks.explode", due_at=now,
                               kwargs={"name": "boom"})
        for _ in range(5):
            timer_fire(timer_id=timer.pk, now=now)
        timer.refresh_from_db()
        assert timer.state == TimerState.FAILED
        assert timer.attempts == 3
        assert "failed on purpose" in timer.error
        assert not Tag.objects.filter(name="boom").exists()

    def test_an_unknown_callback_is_refused_when_scheduled_not_when_due(self):
        with pytest.raises(ImportError):
            timer_schedule(callback="messaging.nowhere.nothing", due_at=timezone.now())
        assert Timer.objects.count() == 0


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_timers_fire_on_a_real_qcluster_within_a_second_of_due(qcluster):
    start = timezone.now()
    due = [start + timedelta(seconds=s) for s in (1.0, 1.5, 2.0)]
    timers = [timer_schedule(callback=CB, due_at=d, kwargs={"name": f"real-{i}"}) for i, d in enumerate(due)]
    early = timer_schedule(callback=CB, due_at=start + timedelta(seconds=2), kwargs={"name": "cancel-me"})
    timer_cancel(timer_id=early.pk)
    wait_for(lambda: Tag.objects.filter(name__startswith="real-").count() == 3, timeout=15)
    for t in timers:
        t.refresh_from_db()
        assert t.state == TimerState.FIRED
        assert 0 <= t.lateness < 1.0, f"timer {t.pk} fired {t.lateness:.3f} s after due"
    assert Tag.objects.filter(name__startswith="real-").count() == 3  # none twice
    assert not Tag.objects.filter(name="cancel-me").exists()


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_a_timer_due_while_no_worker_runs_fires_when_one_starts(qcluster_factory):
    """Nothing is lost across a restart: the due task waits in the database."""
    timer = timer_schedule(callback=CB, due_at=timezone.now() + timedelta(seconds=0.5), kwargs={"name": "late"})
    import time

    time.sleep(1.0)  # due passes with no cluster running
    qcluster_factory(1)
    wait_for(lambda: Tag.objects.filter(name="late").exists(), timeout=15)
    timer.refresh_from_db()
    assert timer.state == TimerState.FIRED
