"""Load the transport for a channel by setting, as Django loads mail backends.

``SMS_TRANSPORT=aws`` selects ``messaging.transports.aws.SmsTransport``; a dotted path selects
any other class, which is how tests plug in a transport of their own.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from messaging.transports.base import BaseTransport

_CLASS_NAMES = {"sms": "SmsTransport", "email": "EmailTransport", "whatsapp": "WhatsAppTransport",
                "voice": "VoiceTransport"}
TRANSPORT_SETTINGS = {"sms": "SMS_TRANSPORT", "email": "EMAIL_TRANSPORT", "whatsapp": "WHATSAPP_TRANSPORT",
             "voice": "VOICE_TRANSPORT"}


def transport_path(channel: str) -> str:
    name = getattr(settings, TRANSPORT_SETTINGS[channel])
    if "." in name:
        return name
    return f"messaging.transports.{name}.{_CLASS_NAMES[channel]}"


@cache
def _load(path: str) -> BaseTransport:
    return import_string(path)()


def get_transport(channel: str) -> BaseTransport:
    return _load(transport_path(channel))


def transport_supports(channel: str, options: dict) -> bool:
    """Whether the configured transport of ``channel`` can place a send with ``options``."""
    return get_transport(channel).supports(options)
