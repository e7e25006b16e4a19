"""API keys: shown once at creation, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from messaging.models import ApiKey

PREFIX_LEN = 8


def _hash(raw: str) -> str:
    # Keys are 256-bit random strings, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_create(*, name: str) -> tuple[ApiKey, str]:
    """Create a key. Returns the row and the raw key, which is never stored."""
    raw = f"pk_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(name=name, prefix=raw[:PREFIX_LEN + 3], hashed_key=_hash(raw))
    return key, raw


def api_key_authenticate(*, raw: str) -> ApiKey | None:
    key = ApiKey.objects.filter(hashed_key=_hash(raw), revoked_at__isnull=True).first()
    if key is not None:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def api_key_revoke(*, key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
