"""Idempotency-Key on POST /api/v1/messages/: one key per API key, bound to the request body.

As Stripe does it: a repeat of the same key with the same body is answered with the first
dispatch and sends nothing; the same key with another body is a conflict (the API answers 422),
since it is either a client bug or a key reused for a new message that would otherwise be lost.
Another API key's identical Idempotency-Key is unrelated and creates its own dispatch.
"""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction

from messaging.dispatch import ChannelSpec, dispatch_create
from messaging.models import ApiKey, Dispatch


class IdempotencyConflict(Exception):
    def __init__(self, dispatch: Dispatch):
        super().__init__(f"Idempotency-Key already used for dispatch #{dispatch.pk} with another body")
        self.dispatch = dispatch


def request_fingerprint(*, payload) -> str:
    """SHA-256 of the body as data: key order and whitespace do not make two bodies differ."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def dispatch_find_replay(*, api_key: ApiKey, idempotency_key: str, fingerprint: str) -> Dispatch | None:
    """The dispatch this key already made with this body, or None; IdempotencyConflict for another body."""
    existing = Dispatch.objects.filter(api_key=api_key, idempotency_key=idempotency_key).first()
    # Dispatches made before bodies were fingerprinted have none; they replay as they always did.
    if existing is not None and existing.idempotency_fingerprint not in ("", fingerprint):
        raise IdempotencyConflict(existing)
    return existing


def dispatch_create_once(*, api_key: ApiKey, idempotency_key: str, fingerprint: str, use_case: str,
                         primary: ChannelSpec, fallback: ChannelSpec, fallback_seconds: int | None = None,
                         request_payload: dict | None = None) -> tuple[Dispatch, bool]:
    """``dispatch_create`` under an Idempotency-Key. Returns ``(dispatch, created)``.

    The unique (api_key, idempotency_key) pair decides between racing requests: the key is set in
    the transaction that creates the dispatch, a loser's insert fails, and its whole dispatch,
    sends included (they go out on commit), is rolled back in favour of the winner's.
    """
    replay = dispatch_find_replay(api_key=api_key, idempotency_key=idempotency_key, fingerprint=fingerprint)
    if replay is not None:
        return replay, False
    try:
        with transaction.atomic():
            dispatch, _ = dispatch_create(use_case=use_case, primary=primary, fallback=fallback,
                                          fallback_seconds=fallback_seconds, request_payload=request_payload,
                                          api_key=api_key)
            dispatch.idempotency_key = idempotency_key
            dispatch.idempotency_fingerprint = fingerprint
            dispatch.save(update_fields=["idempotency_key", "idempotency_fingerprint", "updated_at"])
    except IntegrityError:
        replay = dispatch_find_replay(api_key=api_key, idempotency_key=idempotency_key, fingerprint=fingerprint)
        if replay is None:
            raise
        return replay, False
    return dispatch, True
