"""API keys: shown once at creation, stored only as a SHA-256 hash.

A key carries its rights: ``scopes`` (what it may call, ``ApiScope``) and ``senders`` (the only
``sender`` values it may put on POST /api/v1/messages/; ``None`` means any).

``log`` reads only what the key itself sent (its dispatches and their messages): a service that
sends one-time codes must not be readable by another service's key. The ``all_messages`` scope
widens ``log`` to every message; keys made with every scope hold it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from messaging.api.scopes import api_scope_names
from messaging.models import ApiKey, ApiScope, Channel
from messaging.values.senders import email_sender_parse

PREFIX_LEN = 8


def _hash(raw: str) -> str:
    # Keys are 256-bit random strings, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_create(*, name: str, scopes: list[str] | None = None,
                   senders: list[str] | None = None) -> tuple[ApiKey, str]:
    """Create a key. Returns the row and the raw key, which is never stored.

    ``scopes=None`` grants every scope; ``senders=None`` allows any sender.
    """
    limit = ApiKey._meta.get_field("name").max_length
    if len(name) > limit:  # the command line has no length of its own; the column has
        raise ValidationError({"name": f"At most {limit} characters; this has {len(name)}."})
    known = api_scope_names()
    scopes = known if scopes is None else list(dict.fromkeys(scopes))
    unknown = [s for s in scopes if s not in known]
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(known)}."})
    if senders is not None:
        senders = list(dict.fromkeys(s.strip() for s in senders if s.strip()))
    raw = f"pk_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(name=name, prefix=raw[:PREFIX_LEN + 3], hashed_key=_hash(raw),
                                scopes=scopes, senders=senders)
    return key, raw


# "Last used" to the minute is what an operator reads it for; writing it on every request was a
# write and a commit per call (bench/alerts.py).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_authenticate(*, raw: str) -> ApiKey | None:
    key = ApiKey.objects.filter(hashed_key=_hash(raw), revoked_at__isnull=True).first()
    now = timezone.now()
    if key is not None and (key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def api_key_revoke(*, key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_has_scope(*, key: ApiKey, scope: str) -> bool:
    return scope in (key.scopes or [])


def api_key_sent_by(*, key: ApiKey) -> ApiKey | None:
    """The key whose messages ``key`` may read: itself, or None (every message) with ``all_messages``."""
    return None if api_key_has_scope(key=key, scope=ApiScope.ALL_MESSAGES) else key


def _sender_address(*, channel: str, sender: str) -> str | None:
    """The part of a sender that identifies it: the address of ``Name <a@b>`` (None when the From
    is not one plain address, or its display name holds an address); phones as given."""
    sender = sender.strip()
    if channel == Channel.EMAIL:
        try:
            return email_sender_parse(sender)[1].lower()
        except ValidationError:
            return None
    return sender


def api_key_sender_allowed(*, key: ApiKey, channel: str, sender: str) -> bool:
    """Whether ``key`` may send as ``sender`` on ``channel``.

    Email addresses compare without case, and an entry ``@example.com`` allows every address
    of that domain; other senders (numbers, origination identities, phone-number ids) compare
    exactly.
    """
    if key.senders is None:
        return True
    wanted = _sender_address(channel=channel, sender=sender)
    if wanted is None:
        return False
    for allowed in key.senders:
        allowed = str(allowed).strip()
        if channel == Channel.EMAIL:
            allowed = allowed.lower()
            if allowed.startswith("@") and wanted.endswith(allowed):
                return True
        if allowed == wanted:
            return True
    return False
