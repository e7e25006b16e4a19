"""Status badges: the one piece of messaging's admin that other apps' admins import."""

from django.utils.html import format_html

_STATUS_COLOURS = {"queued": "#777", "sent": "#1f6fb2", "delivered": "#2e7d32", "failed": "#c62828",
                   "suppressed": "#8e24aa", "pending": "#1f6fb2", "fired": "#2e7d32", "cancelled": "#777",
                   "received": "#1f6fb2", "processed": "#2e7d32", "ignored": "#777", "handled": "#2e7d32",
                   "unhandled": "#777", "bounced": "#c62828", "complained": "#c62828", "read": "#2e7d32",
                   "unknown": "#555"}


def status_badge(value: str, label: str | None = None):
    return format_html('<span style="color:#fff;background:{};padding:1px 6px;border-radius:8px">{}</span>',
                       _STATUS_COLOURS.get(value, "#555"), label or value)
