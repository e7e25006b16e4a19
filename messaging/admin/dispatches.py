"""Omnichannel dispatches (POST /api/v1/messages/): read-only, each with its attempts."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from messaging import models as m
from messaging.admin.badges import status_badge
from messaging.omnichannel.services import dispatch_attempt, dispatch_spec, dispatch_status


class DispatchAttemptInline(admin.TabularInline):
    model = m.DispatchAttempt
    extra = 0
    can_delete = False
    fields = ["role", "message_link", "channel", "recipient", "status", "provider_message_id", "provider_alt_id",
              "error", "created", "sent_at", "delivered_at", "failed_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("message")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="message")
    def message_link(self, obj):
        return format_html('<a href="{}">#{}</a>',
                           reverse("admin:messaging_outboundmessage_change", args=[obj.message_id]), obj.message_id)

    @admin.display(description="channel")
    def channel(self, obj):
        return obj.message.get_channel_display()

    @admin.display(description="recipient")
    def recipient(self, obj):
        return obj.message.recipient

    @admin.display(description="status")
    def status(self, obj):
        return status_badge(obj.message.status, obj.message.get_status_display())

    @admin.display(description="provider id")
    def provider_message_id(self, obj):
        return obj.message.provider_message_id or "—"

    @admin.display(description="WhatsApp wamid")
    def provider_alt_id(self, obj):
        return obj.message.provider_alt_id or "—"

    @admin.display(description="error")
    def error(self, obj):
        return obj.message.error or "—"

    @admin.display(description="created")
    def created(self, obj):
        return obj.message.created_at

    @admin.display(description="sent")
    def sent_at(self, obj):
        return obj.message.sent_at or "—"

    @admin.display(description="delivered")
    def delivered_at(self, obj):
        return obj.message.delivered_at or "—"

    @admin.display(description="failed")
    def failed_at(self, obj):
        return obj.message.failed_at or "—"


@admin.register(m.Dispatch)
class DispatchAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "use_case", "overall_status", "primary_summary", "fallback_summary",
                    "fallback_state", "fallback_due_at"]
    list_filter = ["use_case", "fallback_state", "created_at", "attempts__message__channel",
                   "attempts__message__status"]
    search_fields = ["=id", "idempotency_key", "attempts__message__recipient",
                     "attempts__message__provider_message_id", "attempts__message__provider_alt_id"]
    date_hierarchy = "created_at"
    inlines = [DispatchAttemptInline]
    readonly_fields = [f.name for f in m.Dispatch._meta.fields] + ["overall_status"]
    fieldsets = [
        (None, {"fields": ["id", "use_case", "overall_status", "created_at", "idempotency_key", "api_key"]}),
        ("Fallback", {"fields": ["fallback_state", "fallback_seconds", "fallback_due_at", "fallback_decided_at",
                                 "fallback_reason", "fallback_timer"]}),
        ("What was asked", {"classes": ["collapse"], "fields": ["primary", "fallback", "request"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("attempts__message")

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset, True  # joins through attempts can repeat a dispatch

    @admin.display(description="status")
    def overall_status(self, obj):
        value = dispatch_status(dispatch=obj, attempts=list(obj.attempts.all()))
        return status_badge(value)

    @staticmethod
    def _summary(obj, role):
        attempt = dispatch_attempt(dispatch=obj, role=role)
        spec = dispatch_spec(dispatch=obj, role=role)
        text = f"{spec.get('channel', '')} → {spec.get('recipient', '')}"
        if attempt is None:
            return f"{text} (not sent)"
        return format_html("{} {}", text, status_badge(attempt.message.status))

    @admin.display(description="primary")
    def primary_summary(self, obj):
        return self._summary(obj, m.AttemptRole.PRIMARY)

    @admin.display(description="fallback channel")
    def fallback_summary(self, obj):
        return self._summary(obj, m.AttemptRole.FALLBACK)

    def has_add_permission(self, request):
        return False  # dispatches come from POST /api/v1/messages/

    def has_change_permission(self, request, obj=None):
        return False
