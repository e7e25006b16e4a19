"""Consent: opt-outs (optouts), the STOP/START/HELP handler (keywords), email suppression, AWS syncs.

Old ``messaging.consent.X`` paths (``messaging.consent.consent_handler`` in INBOUND_SMS_HANDLERS
and in stored ``InboundSms.handled_by``) resolve through ``messaging.old_paths``.
"""
from messaging.old_paths import old_names

__getattr__ = old_names(__name__, ("optouts", "keywords", "suppression", "aws_sync"))
