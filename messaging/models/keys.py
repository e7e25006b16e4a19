"""API keys and their scopes: hashed, never stored in the clear."""

from __future__ import annotations

from django.db import models


class ApiScope(models.TextChoices):
    """What an API key may do with messaging's calls; each /api/v1/ view names the one scope it
    needs. Other apps declare the scopes of their own calls (messaging.api.scopes)."""

    MESSAGES = "messages", "Send messages (POST messages/)"
    LOG = "log", "Read what this key sent (GET message-log/, GET messages/{id}/)"
    CONTACTS = "contacts", "Create and update contacts (contacts/)"
    # Not a call of its own: it widens ``log`` from this key's messages to every message, other
    # keys' one-time codes and the portal's own pages included (messaging.api.keys).
    ALL_MESSAGES = "all_messages", "With log: read every message, not only this key's"


class ApiKey(models.Model):
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True, editable=False)
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A row made without naming scopes can do nothing: rights are granted, never assumed.
    scopes = models.JSONField(default=list, blank=True, help_text=(
        "What the key may do: the scopes `manage.py create_api_key --help` lists."))
    # null, not [], is "any sender", so that an empty list keeps meaning what it says.
    senders = models.JSONField(null=True, blank=True, help_text=(
        "Empty (null): any sender. A list: the only `sender` values POST messages/ accepts from this key "
        "(phone numbers, origination identities, WhatsApp phone-number ids, email addresses, or @domain)."))

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    # DRF's IsAuthenticated checks this on request.user, which is the key itself.
    is_authenticated = True
