"""What arrived: SNS notifications, the delivery events read from them, and inbound SMS."""

import json

from django.contrib import admin, messages
from django.utils.html import format_html

from messaging import models as m
from messaging.admin.badges import status_badge
from messaging.admin.pagination import IndexedValuesFilter, LargeTableAdminMixin
from messaging.inbound.notifications import notifications_rerun, subscriptions_confirm
from messaging.inbound.sns_message import decode_message


class ReadOnlyAdminMixin:
    """Rows written by the pipeline: nobody types them in or edits them in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.SnsNotification)
class SnsNotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "type", "kind", "status_badge", "message_id", "topic_arn", "short_error",
                    "confirmed_at"]
    list_filter = ["kind", "status", "type", "topic_arn", "received_at"]
    search_fields = ["message_id", "topic_arn", "subject"]
    date_hierarchy = "received_at"
    readonly_fields = ["message_id", "type", "kind", "status", "topic_arn", "subject", "received_at",
                       "processed_at", "subscribe_url", "confirmed_at", "error", "pretty_message", "raw"]
    actions = ["confirm_subscription", "rerun_processing"]

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status, obj.get_status_display())

    @admin.display(description="error")
    def short_error(self, obj):
        return obj.error.splitlines()[0][:80] if obj.error else ""

    @admin.display(description="message (decoded)")
    def pretty_message(self, obj):
        decoded = decode_message(obj.raw)
        text = json.dumps(decoded, indent=2) if decoded is not None else str(obj.raw.get("Message", ""))
        return format_html("<pre style='white-space:pre-wrap;margin:0'>{}</pre>", text)

    # "change" is the permission the actions need; the rows themselves stay read-only.
    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.has_perm("messaging.change_snsnotification")

    @admin.action(description="Confirm the selected subscriptions (GET SubscribeURL)", permissions=["change"])
    def confirm_subscription(self, request, queryset):
        for n, ok, error in subscriptions_confirm(notifications=queryset):
            if ok:
                self.message_user(request, f"Confirmed subscription to {n.topic_arn}.", messages.SUCCESS)
            else:
                self.message_user(request, f"{n.message_id}: {error}", messages.ERROR)

    @admin.action(description="Re-run processing of the selected failed notifications", permissions=["change"])
    def rerun_processing(self, request, queryset):
        rerun = notifications_rerun(notifications=queryset)
        level = messages.WARNING if rerun.failed else messages.SUCCESS
        self.message_user(request, f"Re-ran {rerun.done} notification(s): {rerun.done - rerun.failed} ok, "
                                   f"{rerun.failed} failed again; {rerun.skipped} skipped (already processed).",
                          level)


@admin.register(m.DeliveryEvent)
class DeliveryEventAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "channel", "event_type_badge", "provider_event", "permanent",
                    "provider_message_id", "message_link", "recipient", "parts", "price"]
    # No provider_event filter and no date_hierarchy: both read every row (a DISTINCT) to draw links.
    list_filter = ["event_type", "channel", "permanent", "created_at"]
    search_fields = ["=provider_message_id", "recipient", "description"]
    # The primary key follows arrival; created_at has no index of its own (events are write-mostly).
    ordering = ["-id"]
    list_select_related = ["message"]
    readonly_fields = [f.name for f in m.DeliveryEvent._meta.fields]

    @admin.display(description="event", ordering="event_type")
    def event_type_badge(self, obj):
        return status_badge(obj.event_type, obj.get_event_type_display())

    @admin.display(description="message")
    def message_link(self, obj):
        if not obj.message_id:
            return "— (unknown id)"
        return format_html('<a href="../outboundmessage/{}/change/">#{}</a>', obj.message_id, obj.message_id)


@admin.register(m.InboundSms)
class InboundSmsAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "origination_number", "short_body", "status_badge", "handled_by", "outcome",
                    "short_reply", "destination_number"]
    # Handler and number choices come from a skip along their indexes, not a DISTINCT of every row.
    list_filter = ["status", ("handled_by", IndexedValuesFilter), ("destination_number", IndexedValuesFilter),
                   "received_at"]
    search_fields = ["origination_number", "body", "inbound_message_id", "previous_published_message_id"]
    readonly_fields = [f.name for f in m.InboundSms._meta.fields]

    @admin.display(description="body")
    def short_body(self, obj):
        return obj.body[:60]

    @admin.display(description="reply")
    def short_reply(self, obj):
        return obj.reply[:60]

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status, obj.get_status_display())
