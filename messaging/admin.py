from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from messaging import models as m
from messaging.api_keys import api_key_revoke
from messaging.contacts import contacts_send_test
from messaging.timers import timer_cancel

_STATUS_COLOURS = {"queued": "#777", "sent": "#1f6fb2", "delivered": "#2e7d32", "failed": "#c62828",
                   "suppressed": "#8e24aa", "pending": "#1f6fb2", "fired": "#2e7d32", "cancelled": "#777"}


def status_badge(value: str, label: str | None = None):
    return format_html('<span style="color:#fff;background:{};padding:1px 6px;border-radius:8px">{}</span>',
                       _STATUS_COLOURS.get(value, "#555"), label or value)


@admin.register(m.Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name", "contact_count"]

    @admin.display(description="contacts")
    def contact_count(self, obj):
        return obj.contacts.count()


@admin.register(m.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "email", "whatsapp", "tag_list", "created_at"]
    list_filter = ["tags", "created_at"]
    search_fields = ["name", "phone", "email"]
    filter_horizontal = ["tags"]
    actions = ["send_test_sms"]

    @admin.action(description="Send a test SMS to the selected contacts", permissions=["change"])
    def send_test_sms(self, request, queryset):
        sent = contacts_send_test(contacts=list(queryset))
        self.message_user(request, f"Queued {len(sent)} test SMS; see the message log for their status.",
                          messages.SUCCESS)

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(t.name for t in obj.tags.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")


@admin.register(m.AllowListEntry)
class AllowListEntryAdmin(admin.ModelAdmin):
    list_display = ["phone", "scope", "created_at"]
    list_filter = ["scope"]
    search_fields = ["phone"]


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


@admin.register(m.Timer)
class TimerAdmin(admin.ModelAdmin):
    list_display = ["id", "label", "due_at", "state_badge", "fired_at", "lateness_s", "attempts", "owner_type",
                    "owner_id"]
    list_filter = ["state", "callback", "due_at"]
    search_fields = ["label", "callback"]
    readonly_fields = [f.name for f in m.Timer._meta.fields]
    actions = ["cancel_timers"]

    @admin.display(description="state", ordering="state")
    def state_badge(self, obj):
        return status_badge(obj.state, obj.get_state_display())

    @admin.display(description="late by (s)")
    def lateness_s(self, obj):
        return f"{obj.lateness:.3f}" if obj.lateness is not None else "—"

    @admin.action(description="Cancel the selected pending timers", permissions=["change"])
    def cancel_timers(self, request, queryset):
        n = sum(timer_cancel(timer_id=t.pk) for t in queryset)
        self.message_user(request, f"Cancelled {n} timer(s).", messages.SUCCESS)

    def has_add_permission(self, request):
        return False


@admin.register(m.ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # created by `manage.py create_api_key`, which shows the key once

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key)
        self.message_user(request, f"Revoked {queryset.count()} key(s) at {timezone.now():%H:%M:%S}.")


@admin.register(m.SenderPace)
class SenderPaceAdmin(admin.ModelAdmin):
    list_display = ["sender", "next_free_at"]
    readonly_fields = ["sender", "next_free_at"]
