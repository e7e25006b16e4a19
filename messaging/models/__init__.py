"""The messaging core's models: who we talk to, what we sent, what came back, and what is due.

One module per area; this package only re-exports them (as Zulip's ``zerver/models/__init__.py``
does), so every model is found at ``messaging.models`` and Django registers them all with this
app. Table names, app labels and class names are those of the one module this used to be.
"""

# The audience's and the history's models live beside their code; re-exported so that Django
# registers them with this app and callers find every model here.
from messaging.audience.models import (
    BulkSend,
    BulkSendStatus,
    ImportChunk,
    ImportKind,
    ImportRun,
    ImportStatus,
    WhatsAppOptOut,
)
from messaging.conversations.models import Conversation
from messaging.history.models import ArchivedDay, DailyDeliveryTime
from messaging.models.consent import OptOut, Suppression, SuppressionReason
from messaging.models.contacts import (
    AllowListEntry,
    AllowListScope,
    Contact,
    NotificationRule,
    NumberType,
    RuleMethod,
    RuleUrgency,
    Tag,
)
from messaging.models.dispatches import AttemptRole, Dispatch, DispatchAttempt, DispatchUseCase, FallbackState
from messaging.models.inbound import (
    DeliveryEvent,
    EventType,
    InboundSms,
    InboundStatus,
    NotificationKind,
    NotificationStatus,
    SnsNotification,
)
from messaging.models.keys import ApiKey, ApiScope
from messaging.models.messages import STATUS_RANK, DailyMessageCount, MessageStatus, OutboundMessage, SenderPace
from messaging.models.owned import Channel, OwnedQuerySet, owned_by_kind, owner_fields
from messaging.models.timers import Timer, TimerState

__all__ = [
    "STATUS_RANK", "AllowListEntry", "AllowListScope", "ApiKey", "ApiScope", "ArchivedDay", "AttemptRole", "BulkSend",
    "BulkSendStatus", "Channel", "Contact", "Conversation", "DailyDeliveryTime", "DailyMessageCount", "DeliveryEvent",
    "NotificationRule", "RuleMethod", "RuleUrgency",
    "Dispatch", "DispatchAttempt", "DispatchUseCase", "EventType", "FallbackState", "ImportChunk", "ImportKind",
    "ImportRun", "ImportStatus", "InboundSms", "InboundStatus", "MessageStatus", "NotificationKind",
    "NotificationStatus", "NumberType", "OptOut", "OutboundMessage", "OwnedQuerySet", "SenderPace", "SnsNotification",
    "Suppression", "SuppressionReason", "Tag", "Timer", "TimerState", "WhatsAppOptOut", "owned_by_kind",
    "owner_fields",
]
