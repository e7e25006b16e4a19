"""Heartbeats in the admin: state, last ping and deadline at a glance; pause and resume actions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from incidents.heartbeats.models import Heartbeat
from incidents.heartbeats.services import (
    heartbeat_pause,
    heartbeat_resume,
    heartbeat_timeout_changed,
    heartbeat_token,
)


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "policy", "timeout_seconds", "state", "last_ping_at", "deadline", "incident_link"]
    list_filter = ["state"]
    search_fields = ["name"]
    list_select_related = ["policy"]
    autocomplete_fields = ["policy"]
    fields = ["name", "policy", "timeout_seconds", "ping_url", "state", "last_ping_at", "deadline", "incident_link"]
    readonly_fields = ["ping_url", "state", "last_ping_at", "deadline", "incident_link"]
    actions = ["pause", "resume"]

    def save_model(self, request, obj, form, change):
        if not obj.token:
            obj.token = heartbeat_token()
        super().save_model(request, obj, form, change)
        if change and "timeout_seconds" in form.changed_data:
            heartbeat_timeout_changed(heartbeat=obj)

    @admin.display(description="ping URL")
    def ping_url(self, obj):
        if not obj.pk:
            return "Shown once saved."
        # A link on this portal's own address: "copy link" gives the absolute URL for the job.
        path = reverse("heartbeat-ping", kwargs={"token": obj.token})
        return format_html('<a href="{}">{}</a> (GET or POST; the token is its only credential)', path, path)

    @admin.display(description="deadline")
    def deadline(self, obj):
        return obj.deadline or "-"

    @admin.display(description="incident")
    def incident_link(self, obj):
        if obj.incident_id is None:
            return "-"
        url = reverse("admin:incidents_incident_change", args=[obj.incident_id])
        return format_html('<a href="{}">#{}</a>', url, obj.incident_id)

    @admin.action(description="Pause (no incident while paused)", permissions=["change"])
    def pause(self, request, queryset):
        for heartbeat in queryset:
            heartbeat_pause(heartbeat=heartbeat)
        self.message_user(request, f"Paused {len(queryset)} heartbeat(s).", messages.SUCCESS)

    @admin.action(description="Resume (armed again by the next ping)", permissions=["change"])
    def resume(self, request, queryset):
        for heartbeat in queryset:
            heartbeat_resume(heartbeat=heartbeat)
        self.message_user(request, f"Resumed {len(queryset)} heartbeat(s); each is armed by its next ping.",
                          messages.SUCCESS)

