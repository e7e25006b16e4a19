"""The fixed-width stand-in for an alert's dedup key that indexes and lookups use.

A key is stored whole in a text column, whatever its length (a Kubernetes route's groupKey runs
to hundreds of characters; a generic sender's may be longer), but a B-tree entry holds at most
about 2,700 bytes on PostgreSQL, so the unique index and every lookup go by its SHA-256.
Migration 0007 computes the same digest for rows stored before.
"""

from __future__ import annotations

import hashlib


def dedup_key_hash(key: str) -> str:
    """The key's SHA-256 in hex; blank for no key (a keyless alert is a problem of its own)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest() if key else ""
