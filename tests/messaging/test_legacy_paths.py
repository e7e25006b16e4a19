"""Old dotted paths that rows and settings may hold still resolve; every other old path is gone.

Timer rows, django-q2's queued payloads and an operator's DELIVERY_OUTCOME_HOOKS hold dotted
paths (data), so the ones listed in messaging.legacy_paths must keep naming the same objects
until their removal condition holds. Paths that only code named were deleted with the code.
"""

import pydoc

import pytest
from django.utils.module_loading import import_string

from messaging import legacy_paths

STORED_OLD_TO_NEW = {
    "messaging.timers.timer_fire": "messaging.scheduling.timers.timer_fire",
    "messaging.timers.timers_sweep": "messaging.scheduling.timers.timers_sweep",
    "messaging.services.message_deliver": "messaging.outbound.deliver.message_deliver",
    "messaging.services.messages_deliver_batch": "messaging.outbound.deliver.messages_deliver_batch",
    "messaging.services.messages_requeue_stale": "messaging.outbound.deliver.messages_requeue_stale",
    "messaging.notifications.notifications_resume": "messaging.inbound.notifications.notifications_resume",
    "messaging.sms_retry.sms_retry_send": "messaging.outbound.sms_retry.sms_retry_send",
    "messaging.sms_retry.sms_retry_on_delivery_outcome": "messaging.outbound.sms_retry.sms_retry_on_delivery_outcome",
    "messaging.dispatch.dispatch_fallback_due": "messaging.omnichannel.services.dispatch_fallback_due",
    "messaging.dispatch.dispatch_on_delivery_outcome": "messaging.omnichannel.services.dispatch_on_delivery_outcome",
    "messaging.consent.consent_handler": "messaging.consent.keywords.consent_handler",
    "messaging.simulator.simulator_emit_event": "messaging.simulator.events.simulator_emit_event",
}

DELETED = [
    "messaging.api_auth.ApiKeyAuthentication", "messaging.api_keys.api_key_create",
    "messaging.api_parsers.StrictJSONParser", "messaging.api_urls.urlpatterns",
    "messaging.serializers.E164Field", "messaging.dispatch_api.DispatchCreateView",
    "messaging.dispatch_idempotency.dispatch_create_once", "messaging.dispatch_urls.urlpatterns",
    "messaging.simulator_views.simulator_page", "messaging.views.sns_endpoint",
    "messaging.sns.verify_signature", "messaging.ingest.event_notification_receive",
    "messaging.pace.pace_wait", "messaging.parts.sms_parts", "messaging.provisioning.aws_setup",
    "messaging.suppression.suppression_add", "messaging.queue.PortalOrmBroker",
    "messaging.api.ContactCreateView", "messaging.events.delivery_event_apply",
    "messaging.inbound.inbound_sms_receive", "messaging.transports.simulator.LocmemTransport",
]


@pytest.mark.parametrize("old", STORED_OLD_TO_NEW)
def test_a_stored_old_path_names_the_same_object_as_its_new_one(old):
    # django_q resolves a queued func with pydoc.locate; Timer and the hooks use import_string.
    assert import_string(old) is import_string(STORED_OLD_TO_NEW[old])
    assert pydoc.locate(old) is import_string(STORED_OLD_TO_NEW[old])


def test_every_legacy_entry_is_tested_and_says_when_it_goes():
    listed = {path.rsplit(".", 1)[0] for path in STORED_OLD_TO_NEW} | set(STORED_OLD_TO_NEW)
    for old, entry in {**legacy_paths.MODULES, **legacy_paths.NAMES}.items():
        assert old in listed
        assert entry.held_by and entry.remove_when


@pytest.mark.parametrize("old", DELETED)
def test_an_old_path_that_only_code_named_is_gone(old):
    with pytest.raises(ImportError):
        import_string(old)


def test_importing_an_old_name_leaves_the_real_module_its_own_spec():
    import importlib

    real = importlib.import_module("messaging.scheduling.timers")
    alias = importlib.import_module("messaging.timers")
    assert alias is real
    assert real.__spec__.name == "messaging.scheduling.timers" and real.__spec__.origin.endswith("timers.py")
    assert importlib.reload(real) is real  # reload finds its file again
