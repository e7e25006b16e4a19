"""The flat modules that messaging's surfaces moved out of still resolve, for a release.

Timer rows and settings store dotted paths (``messaging.dispatch.dispatch_fallback_due``, the
DELIVERY_OUTCOME_HOOKS entry), and other code may still import the old names.
"""

import pytest
from django.utils.module_loading import import_string

OLD_TO_NEW = {
    "messaging.dispatch.dispatch_fallback_due": "messaging.omnichannel.services.dispatch_fallback_due",
    "messaging.dispatch.dispatch_on_delivery_outcome": "messaging.omnichannel.services.dispatch_on_delivery_outcome",
    "messaging.dispatch.FALLBACK_CALLBACK": "messaging.omnichannel.services.FALLBACK_CALLBACK",
    "messaging.dispatch_idempotency.dispatch_create_once": "messaging.omnichannel.services.dispatch_create_once",
    "messaging.dispatch_api.DispatchCreateView": "messaging.omnichannel.api.DispatchCreateView",
    "messaging.dispatch_urls.urlpatterns": "messaging.omnichannel.urls.urlpatterns",
    "messaging.api.ContactCreateView": "messaging.api.views.ContactCreateView",
    "messaging.api_auth.ApiKeyAuthentication": "messaging.api.auth.ApiKeyAuthentication",
    "messaging.api_auth.exception_handler": "portal.api.exception_handler",
    "messaging.api_keys.api_key_create": "messaging.api.keys.api_key_create",
    "messaging.api_parsers.StrictJSONParser": "messaging.api.parsers.StrictJSONParser",
    "messaging.api_urls.urlpatterns": "messaging.api.urls.urlpatterns",
    "messaging.serializers.E164Field": "messaging.api.serializers.E164Field",
    "messaging.admin.status_badge": "messaging.admin.badges.status_badge",
}


@pytest.mark.parametrize("old", OLD_TO_NEW)
def test_an_old_path_resolves_to_the_same_object_as_its_new_one(old):
    assert import_string(old) is import_string(OLD_TO_NEW[old])


def test_the_fallback_timer_callback_is_a_path_that_resolves():
    from messaging.omnichannel.services import FALLBACK_CALLBACK, dispatch_fallback_due

    assert import_string(FALLBACK_CALLBACK) is dispatch_fallback_due
