"""Inbound: POST /sns/ (views) → verify (sns_verify) → store, then act (notifications) →
delivery events (ingest_pg, messaging.events) or two-way SMS (router → the handlers named in
INBOUND_SMS_HANDLERS, whose contract is handlers.HandlerResult).

Nothing is imported here: a handler importing the contract must not import the router too.
"""
