"""Consent: opt-outs (optouts), the STOP/START/HELP handler (keywords), email suppression, AWS syncs.

``messaging.consent.consent_handler``, the path INBOUND_SMS_HANDLERS and stored
``InboundSms.handled_by`` rows hold, resolves through ``messaging.legacy_paths``.
"""
from messaging.legacy_paths import package_getattr

__getattr__ = package_getattr(__name__)
