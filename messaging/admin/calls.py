"""Calls that take a key: what became of each call, and the Amazon Connect events as they came."""

from django.contrib import admin

from messaging import models as m
from messaging.admin.badges import status_badge
from messaging.admin.inbound import ReadOnlyAdminMixin


@admin.register(m.VoiceCall)
class VoiceCallAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "provider_message_id", "state", "digits", "action", "outcome", "ended_at"]
    list_filter = ["state", "action"]
    search_fields = ["provider_message_id"]
    readonly_fields = ["provider_message_id", "message", "state", "digits", "action", "inbound", "outcome",
                       "created_at", "ended_at"]
    list_select_related = ["message"]


@admin.register(m.ConnectEvent)
class ConnectEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "event_type", "contact_id", "status_badge", "outcome", "event_id"]
    list_filter = ["status", "event_type"]
    search_fields = ["event_id", "contact_id"]
    readonly_fields = ["event_id", "event_type", "contact_id", "status", "outcome", "error", "received_at",
                       "processed_at", "raw"]

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status, obj.get_status_display())
