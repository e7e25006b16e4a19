"""Stable names for the dotted paths the portal stores in rows (a django-q2 Schedule.func)."""

from __future__ import annotations

from oncall.hotline import hotline_sweep, hotline_sync
from oncall.services import turn_notices_send

__all__ = ["hotline_sweep", "hotline_sync", "turn_notices_send"]
