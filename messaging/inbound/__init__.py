"""Inbound: POST /sns/ (views) → verify (sns_verify) → store, then act (notifications) →
delivery events (ingest_pg, messaging.events) or two-way SMS (router → the handlers named in
INBOUND_SMS_HANDLERS, whose contract is handlers.HandlerResult).

Old ``messaging.inbound.X`` paths resolve through ``messaging.old_paths``; the router is never
imported from here, or a handler importing the contract would import the router too.
"""
from messaging.old_paths import old_names

__getattr__ = old_names(__name__, ("handlers", "router"))
