"""Stable names for the dotted paths shifts store in rows from now on (Timer.callback).

Older paths (``shifts.services.shifts_expire``, ``shifts.services.campaign_send_due``) stay where
they are, since rows hold them."""

from __future__ import annotations

from shifts.cover_asks import cover_ask_unfilled

__all__ = ["cover_ask_unfilled"]
