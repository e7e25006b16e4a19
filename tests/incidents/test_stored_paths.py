"""The dotted paths incidents keeps in rows still name callables: the step timer's callback (the
stable name and the one rows held before migration 0002), and the reply handler recorded on
every inbound SMS it answers."""

import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from incidents import services
from incidents.alerts import maintenance
from messaging.models import Timer, TimerState

STABLE_CALLBACKS = importlib.import_module("incidents.migrations.0002_stable_timer_callbacks")
RETRY_SCHEDULE = importlib.import_module("incidents.migrations.0008_alerts_retry_schedule")
HANDLER = "incidents.inbound.incident_reply_handler"


@pytest.mark.parametrize("path", [
    services.STEP_CALLBACK,  # Timer.callback of every step written now
    STABLE_CALLBACKS.OLD,  # Timer.callback of a step written before the move
    HANDLER,  # InboundSms.handled_by
    maintenance.END_CALLBACK,  # Timer.callback of a maintenance window's end
    RETRY_SCHEDULE.RETRY,  # Schedule.func of the failed-alert retry sweep
])
def test_every_stored_path_resolves_to_a_callable(path):
    assert callable(import_string(path))


def test_the_stored_paths_are_the_ones_rows_hold():
    assert services.STEP_CALLBACK == STABLE_CALLBACKS.NEW == "incidents.tasks.incident_step_fire"
    assert STABLE_CALLBACKS.OLD == "incidents.services.incident_step_fire"
    assert HANDLER in settings.INBOUND_SMS_HANDLERS
    assert maintenance.END_CALLBACK == "incidents.tasks.maintenance_window_end"


@pytest.mark.django_db
def test_the_migration_renames_pending_step_timers_only_and_back():
    due = timezone.now()
    pending = Timer.objects.create(callback=STABLE_CALLBACKS.OLD, due_at=due, kwargs={})
    fired = Timer.objects.create(callback=STABLE_CALLBACKS.OLD, due_at=due, kwargs={}, state=TimerState.FIRED)
    STABLE_CALLBACKS.forwards(apps, None)
    assert [t.callback for t in Timer.objects.filter(pk__in=[pending.pk, fired.pk]).order_by("pk")] == [
        STABLE_CALLBACKS.NEW, STABLE_CALLBACKS.OLD]
    STABLE_CALLBACKS.backwards(apps, None)
    assert Timer.objects.get(pk=pending.pk).callback == STABLE_CALLBACKS.OLD
