"""The alerts in the admin: every stored body with the incident it opened, joined or resolved.

Read-only: a stored body is evidence of what the monitor said, so nobody edits or adds one here.
Registered from incidents/admin.py (Django only autodiscovers an app's admin module).
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from incidents.models import Alert, AlertGroup


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _incident_link(incident_id: int | None):
    if not incident_id:
        return "—"
    return format_html('<a href="{}">#{}</a>', reverse("admin:incidents_incident_change", args=[incident_id]),
                       incident_id)


@admin.register(Alert)
class AlertAdmin(_ReadOnly):
    list_display = ["received_at", "source", "status", "dedup_key_short", "policy", "incident_link", "outcome"]
    list_filter = ["source", "status", "policy"]
    search_fields = ["dedup_key", "outcome"]
    list_select_related = ["policy"]
    date_hierarchy = "received_at"
    fields = ["received_at", "source", "status", "policy", "dedup_key", "incident_link", "outcome", "body_pretty"]
    readonly_fields = fields

    @admin.display(description="dedup key")
    def dedup_key_short(self, obj: Alert) -> str:
        return obj.dedup_key[:80]

    @admin.display(description="incident", ordering="incident")
    def incident_link(self, obj: Alert):
        return _incident_link(obj.incident_id)

    @admin.display(description="body as received")
    def body_pretty(self, obj: Alert):
        return format_html("<pre>{}</pre>", json.dumps(obj.body, indent=2, ensure_ascii=False))


@admin.register(AlertGroup)
class AlertGroupAdmin(_ReadOnly):
    list_display = ["dedup_key", "policy", "incident_link", "is_open", "absorbed", "firing", "last_alert_at"]
    list_filter = ["is_open", "policy"]
    search_fields = ["dedup_key"]
    list_select_related = ["policy"]

    @admin.display(description="incident", ordering="incident")
    def incident_link(self, obj: AlertGroup):
        return _incident_link(obj.incident_id)
