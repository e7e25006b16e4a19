"""Which message an inbound reply answers, resolved once per message: the one rule for replies.

A reply belongs to the message it answers: the one named by ``previousPublishedMessageId``
(a WhatsApp reply's context id is the message's ``provider_alt_id``), else the latest message
sent to that number on that channel within ``REPLY_WINDOW_HOURS``. The owner of that message (an
incident's page, a campaign, a bulk send, a dispatch, an on-call notice, a handler's answer) gets
the first say: the router offers the message first to the handler that declares that owner in its
``owners``, and each handler asks ``answers(...)`` instead of looking the message up again.

A message that was never handed to a provider (suppressed) cannot have been answered, so it is
never the one a reply belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from messaging.models import Channel, InboundSms, MessageStatus, OutboundMessage

_CACHE_ATTR = "_reply_context"
# A handler's own answer ("Reply YES 12 or YES 13", "not a valid shift code") or a person's answer
# from the inbox belongs to no rule's owner: a reply to it is read as one that answers nothing.
PORTAL_REPLY_OWNERS = ("messaging.inboundsms", "messaging.conversation")


@dataclass(frozen=True)
class ReplyContext:
    message: OutboundMessage | None  # the message the reply answers, or None: it answers nothing
    owner_label: str = ""  # "app_label.model" of that message's owner, e.g. "incidents.incident"

    @property
    def answers_nothing(self) -> bool:
        return self.message is None

    @property
    def owner_id(self) -> int | None:
        return self.message.owner_id if self.message is not None else None

    @property
    def answers_the_portal(self) -> bool:
        """It answers nothing, or only an answer the portal gave (see PORTAL_REPLY_OWNERS)."""
        return self.message is None or self.owner_label in PORTAL_REPLY_OWNERS

    def answers(self, *labels: str) -> bool:
        """Whether the answered message belongs to one of these owners ("shifts.shiftcampaign")."""
        return bool(self.owner_label) and self.owner_label in labels


def _owner_label(message: OutboundMessage | None) -> str:
    if message is None or message.owner_type_id is None:
        return ""
    ct = ContentType.objects.get_for_id(message.owner_type_id)  # cached per process
    return f"{ct.app_label}.{ct.model}"


def answered_message(*, phone: str, channel: str, previous_id: str = "", now=None) -> OutboundMessage | None:
    """The message a reply from ``phone`` on ``channel`` answers (see the module docstring)."""
    sent = OutboundMessage.objects.exclude(status=MessageStatus.SUPPRESSED)
    if previous_id:
        by_id = (sent.filter(Q(provider_message_id=previous_id) | Q(provider_alt_id=previous_id))
                 .filter(recipient=phone).order_by("-id").first())
        if by_id is not None:
            return by_id
    now = now or timezone.now()
    since = now - timedelta(hours=settings.REPLY_WINDOW_HOURS)
    # msg_recipient_idx (channel, recipient, -created_at): one index probe. Nothing sent after the
    # reply arrived can be what it answers (a re-run routes it later).
    return (sent.filter(channel=channel, recipient=phone, created_at__gte=since, created_at__lte=now)
            .order_by("-created_at", "-id").first())


_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|fwd?|wg)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def subject_answered(subject: str) -> str:
    """The subject an email reply answers: "Re: Re: Incident #12" answers "Incident #12"."""
    return " ".join(_REPLY_PREFIX.sub("", subject or "").split())


def answered_email(*, address: str, ses_ids: list[str], subject: str, now=None) -> OutboundMessage | None:
    """The email of ours that an email from ``address`` answers: the one whose SES message id its
    In-Reply-To or References names, else the latest one sent to that address within
    ``REPLY_WINDOW_HOURS`` with the subject it answers. The same rule as for an SMS reply, with
    the email's own threading in place of ``previousPublishedMessageId``."""
    sent = OutboundMessage.objects.exclude(status=MessageStatus.SUPPRESSED).filter(channel=Channel.EMAIL,
                                                                                   recipient=address)
    if ses_ids:
        by_id = sent.filter(provider_message_id__in=ses_ids).order_by("-id").first()
        if by_id is not None:
            return by_id
    base = subject_answered(subject)
    if not base:
        return None
    now = now or timezone.now()
    since = now - timedelta(hours=settings.REPLY_WINDOW_HOURS)
    return (sent.filter(subject=base, created_at__gte=since, created_at__lte=now)
            .order_by("-created_at", "-id").first())


def reply_context(inbound: InboundSms) -> ReplyContext:
    """The context of ``inbound``: resolved on first use, then kept on the instance, so the router
    and every handler it calls share one lookup. A row already linked (``answers``) is not matched
    again: a re-run routes it against the message it answered the first time."""
    cached = getattr(inbound, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if inbound.answers_id is not None:
        message = OutboundMessage.objects.filter(pk=inbound.answers_id).first()
    else:
        message = answered_message(phone=inbound.origination_number, channel=inbound.channel or Channel.SMS,
                                   previous_id=inbound.previous_published_message_id, now=inbound.received_at)
    context = ReplyContext(message=message, owner_label=_owner_label(message))
    setattr(inbound, _CACHE_ATTR, context)
    return context
