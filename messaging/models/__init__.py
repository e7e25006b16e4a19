"""The messaging core's models: who we talk to, what we sent, what came back, and what is due.

One module per area; this package only re-exports them (as Zulip's ``zerver/models/__init__.py``
does), so every model is found at ``messaging.models`` and Django registers them all with this
app. Table names, app labels and class names are those of the one module this used to be.
"""

# The audience's and the history's models live beside their code; re-exported so that Django
# registers them with this app and callers find every model here.
from messaging.audience.models import (
    BulkPurpose,
    BulkRecipient,
    BulkSend,
    BulkSendStatus,
    ImportChunk,
    ImportKind,
    ImportRun,
    ImportStatus,
    RecipientStatus,
    WhatsAppOptOut,
)
from messaging.conversations.models import Conversation
from messaging.email_in.models import AutoReplySent, EmailAutoReply, InboundEmail
from messaging.history.models import ArchivedDay, DailyDeliveryTime
from messaging.models.attachments import Attachment
from messaging.models.calls import CallAction, CallState, ConnectEvent, VoiceCall
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
from messaging.models.erasure import ErasureReceipt
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
from messaging.selftest.models import SelfTestRun, SelfTestState
from messaging.templates.models import Template, TemplateChannel, TemplateVariant, WhatsAppTemplate
from messaging.topics.models import ContactPreference, Topic

__all__ = [
    "STATUS_RANK", "AllowListEntry", "AllowListScope", "ApiKey", "ApiScope", "ArchivedDay", "Attachment", "AttemptRole",
    "AutoReplySent", "BulkPurpose", "BulkRecipient", "BulkSend", "BulkSendStatus", "CallAction", "CallState",
    "Channel", "ConnectEvent", "Contact", "ContactPreference", "Conversation", "DailyDeliveryTime",
    "DailyMessageCount", "DeliveryEvent", "Dispatch", "DispatchAttempt", "DispatchUseCase", "EmailAutoReply",
    "ErasureReceipt", "EventType", "FallbackState", "ImportChunk", "ImportKind", "ImportRun", "ImportStatus",
    "InboundEmail", "InboundSms", "InboundStatus", "MessageStatus", "NotificationKind", "NotificationRule",
    "NotificationStatus", "NumberType", "OptOut", "OutboundMessage", "OwnedQuerySet", "RecipientStatus", "RuleMethod",
    "RuleUrgency", "SelfTestRun", "SelfTestState", "SenderPace", "SnsNotification", "Suppression",
    "SuppressionReason", "Tag", "Template", "TemplateChannel", "TemplateVariant", "Timer", "TimerState", "Topic",
    "VoiceCall", "WhatsAppOptOut", "WhatsAppTemplate", "owned_by_kind", "owner_fields",
]
