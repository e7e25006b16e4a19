"""Bench-only settings: the portal's own, with the no-op view mounted (never in production)."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.sns_ingest_urls"
