"""Migration 0008 moves stored paths to messaging.tasks: schedules and pending timers only."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from django_q.models import Schedule

from messaging.models import Timer, TimerState

migration = import_module("messaging.migrations.0008_stable_task_paths")

pytestmark = pytest.mark.django_db


def test_pending_timers_and_schedules_get_the_stable_names_and_history_keeps_its_own():
    due = timezone.now() + timedelta(hours=1)
    pending = Timer.objects.create(callback="messaging.sms_retry.sms_retry_send", due_at=due, kwargs={})
    fired = Timer.objects.create(callback="messaging.sms_retry.sms_retry_send", due_at=due, kwargs={},
                                 state=TimerState.FIRED)
    Schedule.objects.filter(func__startswith="messaging.").delete()
    schedule = Schedule.objects.create(func="messaging.timers.timers_sweep", schedule_type="I", minutes=1)

    migration.forwards(apps, None)
    pending.refresh_from_db(), fired.refresh_from_db(), schedule.refresh_from_db()
    assert (pending.callback, fired.callback, schedule.func) == (
        "messaging.tasks.sms_retry_send", "messaging.sms_retry.sms_retry_send", "messaging.tasks.timers_sweep")

    migration.backwards(apps, None)
    pending.refresh_from_db(), schedule.refresh_from_db()
    assert (pending.callback, schedule.func) == ("messaging.sms_retry.sms_retry_send", "messaging.timers.timers_sweep")
