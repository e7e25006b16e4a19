"""The message log: every outbound message and the delivery events on it."""

from django.contrib import admin

from messaging import models as m
from messaging.admin.badges import status_badge


class DeliveryEventInline(admin.TabularInline):
    model = m.DeliveryEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "event_type", "provider_event", "description", "parts", "price"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "channel", "recipient", "short_body", "status_badge", "parts",
                    "price", "provider_message_id", "owner_link"]
    list_filter = ["status", "channel", "created_at", "owner_type"]
    search_fields = ["recipient", "body", "subject", "provider_message_id", "provider_alt_id"]
    date_hierarchy = "created_at"
    inlines = [DeliveryEventInline]
    readonly_fields = [f.name for f in m.OutboundMessage._meta.fields] + ["owner_link"]
    list_select_related = ["owner_type"]

    @admin.display(description="body")
    def short_body(self, obj):
        return (obj.subject or obj.body)[:60]

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status, obj.get_status_display())

    @admin.display(description="belongs to")
    def owner_link(self, obj):
        if not obj.owner_type_id:
            return "—"
        return f"{obj.owner_type.model} #{obj.owner_id}"

    def has_add_permission(self, request):
        return False  # messages are sent by features and the API, never typed into the log

    def has_change_permission(self, request, obj=None):
        return False
