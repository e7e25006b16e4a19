"""Reads about conversations: the inbox list, one thread, and whether the portal answered lately.

A thread is read from the message log (what we sent, on every channel, to the number and to
its contact's email address) and the inbound rows (what they answered), newest THREAD_LIMIT
of each, by the recipient and origination-number indexes: its cost does not grow with the log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from messaging.conversations.models import Conversation
from messaging.models import Channel, InboundSms, OutboundMessage


def help_answer_period() -> timedelta:
    return timedelta(hours=settings.HELP_ANSWER_HOURS)


def portal_replied_since(*, phone: str, since: datetime) -> bool:
    """Whether the portal answered ``phone`` since then: a handler's reply or an inbox answer."""
    if InboundSms.objects.filter(origination_number=phone, received_at__gte=since).exclude(reply="").exists():
        return True
    return OutboundMessage.objects.filter(
        channel__in=(Channel.SMS, Channel.WHATSAPP), recipient=phone, created_at__gte=since,
        owner_type=ContentType.objects.get_for_model(Conversation)).exists()
