"""messaging.checks: a wrong handler, hook or transport is named at start-up, not at 3 a.m."""

import pytest
from django.core.checks import WARNING
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from messaging.checks import delivery_outcome_hooks_check, inbound_handlers_check, legacy_paths_check, transports_check
from messaging.models import TimerState


def test_the_configured_handlers_hooks_and_transports_all_import():
    assert inbound_handlers_check(None) == []
    assert delivery_outcome_hooks_check(None) == []
    assert transports_check(None) == []


def test_a_handler_that_does_not_import_is_named_with_its_setting(settings):
    settings.INBOUND_SMS_HANDLERS = ["messaging.consent.consent_handler", "incidents.inbound.no_such_handler"]
    errors = inbound_handlers_check(None)
    assert [e.id for e in errors] == ["messaging.E001"]
    assert "INBOUND_SMS_HANDLERS" in errors[0].msg and "incidents.inbound.no_such_handler" in errors[0].msg


def test_a_hook_in_a_missing_module_is_named_with_its_setting(settings):
    settings.DELIVERY_OUTCOME_HOOKS = ["nowhere.at_all.hook"]
    errors = delivery_outcome_hooks_check(None)
    assert [e.id for e in errors] == ["messaging.E002"]
    assert "DELIVERY_OUTCOME_HOOKS" in errors[0].msg and "nowhere.at_all.hook" in errors[0].msg


def test_a_string_instead_of_a_list_is_an_error(settings):
    settings.DELIVERY_OUTCOME_HOOKS = "messaging.tasks.timer_fire"
    assert [e.id for e in delivery_outcome_hooks_check(None)] == ["messaging.E002"]


def test_a_transport_that_does_not_import_names_its_setting(settings):
    settings.WHATSAPP_TRANSPORT = "carrier-pigeon"
    errors = transports_check(None)
    assert [e.id for e in errors] == ["messaging.E003"]
    assert "WHATSAPP_TRANSPORT" in errors[0].msg and "messaging.transports.carrier-pigeon" in errors[0].msg


def test_manage_py_check_fails_on_a_wrong_entry(settings):
    settings.INBOUND_SMS_HANDLERS = ["messaging.consent.no_such_handler"]
    try:
        call_command("check")
    except SystemCheckError as exc:
        assert "messaging.E001" in str(exc)
    else:
        raise AssertionError("check passed with a handler that does not import")


@pytest.mark.django_db
def test_rows_and_hooks_that_still_name_a_legacy_path_are_each_reported(settings):
    from django_q.models import OrmQ, Schedule
    from django_q.signing import SignedPackage

    from messaging.models import Timer

    assert legacy_paths_check(None, databases=["default"]) == []
    now = timezone.now()
    Timer.objects.create(label="old-timer", callback="messaging.timers.timer_fire", due_at=now)
    Timer.objects.create(label="fired", callback="messaging.dispatch.dispatch_fallback_due", due_at=now,
                         state=TimerState.FIRED)  # history: it keeps the path it ran under
    Schedule.objects.create(name="old", func="messaging.services.messages_requeue_stale",
                            schedule_type=Schedule.MINUTES, minutes=5)
    OrmQ.objects.create(key="default", lock=now, payload=SignedPackage.dumps(
        {"id": "t1", "name": "t1", "func": "messaging.notifications.notifications_resume", "args": (), "kwargs": {}}))
    settings.DELIVERY_OUTCOME_HOOKS = ["messaging.sms_retry.sms_retry_on_delivery_outcome"]

    warnings = legacy_paths_check(None, databases=["default"])

    assert {w.id for w in warnings} == {"messaging.W001"}
    assert sorted(w.obj for w in warnings) == sorted([
        "messaging.timers.timer_fire", "messaging.services.messages_requeue_stale",
        "messaging.notifications.notifications_resume", "messaging.sms_retry.sms_retry_on_delivery_outcome"])
    assert all(w.level == WARNING for w in warnings)


def test_the_legacy_check_reads_no_database_unless_asked():
    assert legacy_paths_check(None) == []


def test_a_rollup_that_does_not_import_is_named_with_its_setting(settings):
    from messaging.checks import history_rollups_check

    assert history_rollups_check(None) == []
    settings.HISTORY_ROLLUPS = ["incidents.rollups.NO_SUCH_ROLLUP"]
    errors = history_rollups_check(None)
    assert [e.id for e in errors] == ["messaging.E004"]
    assert "HISTORY_ROLLUPS" in errors[0].msg and "NO_SUCH_ROLLUP" in errors[0].msg
