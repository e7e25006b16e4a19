"""Old path, named by Timer.callback rows and DELIVERY_OUTCOME_HOOKS: see messaging.omnichannel.services."""

from messaging.omnichannel.services import (
    FALLBACK_CALLBACK,
    ChannelSpec,
    dispatch_create,
    dispatch_fallback_due,
    dispatch_on_delivery_outcome,
    dispatch_status,
)

__all__ = ["FALLBACK_CALLBACK", "ChannelSpec", "dispatch_create", "dispatch_fallback_due",
           "dispatch_on_delivery_outcome", "dispatch_status"]
