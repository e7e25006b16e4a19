"""Conversations: one thread per phone number across SMS, WhatsApp, email and voice, and the
inbox where a person answers what no rule can (models, selectors, services, api, admin)."""
