"""messaging.checks: a wrong handler, hook or transport is named at start-up, not at 3 a.m."""

from django.core.management import call_command
from django.core.management.base import SystemCheckError

from messaging.checks import delivery_outcome_hooks_check, inbound_handlers_check, transports_check


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
