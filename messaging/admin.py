from django import forms
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
    list_display = ["name", "prefix", "scopes", "senders", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    # Rights are set when the key is made (`create_api_key --scope/--sender`), so that what a key
    # may do is decided by whoever holds the shell, not by any staff user who can edit a form.
    readonly_fields = ["name", "prefix", "scopes", "senders", "created_at", "last_used_at", "revoked_at"]
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


# ---------------------------------------------------------------- inbound, events, consent

_STATUS_COLOURS.update({"received": "#1f6fb2", "processed": "#2e7d32", "ignored": "#777", "handled": "#2e7d32",
                        "unhandled": "#777", "bounced": "#c62828", "complained": "#c62828", "read": "#2e7d32",
                        "unknown": "#555"})


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
        import json

        from messaging.notifications import decode_message

        decoded = decode_message(obj.raw)
        text = json.dumps(decoded, indent=2) if decoded is not None else str(obj.raw.get("Message", ""))
        return format_html("<pre style='white-space:pre-wrap;margin:0'>{}</pre>", text)

    # "change" is the permission the actions need; the rows themselves stay read-only.
    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.has_perm("messaging.change_snsnotification")

    @admin.action(description="Confirm the selected subscriptions (GET SubscribeURL)", permissions=["change"])
    def confirm_subscription(self, request, queryset):
        from messaging.notifications import subscription_confirm

        for n in queryset.filter(type="SubscriptionConfirmation"):
            ok, error = subscription_confirm(notification=n)
            if ok:
                self.message_user(request, f"Confirmed subscription to {n.topic_arn}.", messages.SUCCESS)
            else:
                self.message_user(request, f"{n.message_id}: {error}", messages.ERROR)

    @admin.action(description="Re-run processing of the selected failed notifications", permissions=["change"])
    def rerun_processing(self, request, queryset):
        from messaging.notifications import notification_reprocess

        results = [notification_reprocess(notification=n) for n in queryset]
        done = [r for r in results if r is not None]
        failed = sum(1 for r in done if r == m.NotificationStatus.FAILED)
        skipped = len(results) - len(done)
        level = messages.WARNING if failed else messages.SUCCESS
        self.message_user(request, f"Re-ran {len(done)} notification(s): {len(done) - failed} ok, {failed} failed "
                                   f"again; {skipped} skipped (already processed).", level)


@admin.register(m.DeliveryEvent)
class DeliveryEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "channel", "event_type_badge", "provider_event", "permanent",
                    "provider_message_id", "message_link", "recipient", "parts", "price"]
    list_filter = ["event_type", "channel", "permanent", "provider_event", "created_at"]
    search_fields = ["provider_message_id", "recipient", "description"]
    date_hierarchy = "created_at"
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
class InboundSmsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "origination_number", "short_body", "status_badge", "handled_by", "outcome",
                    "short_reply", "destination_number"]
    list_filter = ["status", "handled_by", "destination_number", "received_at"]
    search_fields = ["origination_number", "body", "inbound_message_id", "previous_published_message_id"]
    date_hierarchy = "received_at"
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


class OptOutForm(forms.ModelForm):
    class Meta:
        model = m.OptOut
        fields = ["phone"]

    def clean_phone(self):
        from messaging.phones import phone_normalize

        return phone_normalize(self.cleaned_data["phone"])


@admin.register(m.OptOut)
class OptOutAdmin(admin.ModelAdmin):
    form = OptOutForm
    list_display = ["phone", "active", "keyword", "source", "opted_out_at", "opted_in_at"]
    list_filter = ["active", "source", "keyword", "opted_out_at"]
    search_fields = ["phone"]
    date_hierarchy = "opted_out_at"
    fields = ["phone", "active", "keyword", "source", "opted_out_at", "opted_in_at"]
    actions = ["opt_in"]

    def get_readonly_fields(self, request, obj=None):
        # A new row is an opt-out typed in by staff; existing rows change only through actions.
        return ["active", "keyword", "source", "opted_out_at", "opted_in_at"] + (["phone"] if obj else [])

    def save_model(self, request, obj, form, change):
        if not change:
            from messaging.consent import optout_record

            row, _ = optout_record(phone=obj.phone, keyword="", source="admin")
            obj.pk = row.pk
            obj.refresh_from_db()

    @admin.action(description="Opt the selected numbers back in", permissions=["change"])
    def opt_in(self, request, queryset):
        from messaging.consent import optin_record

        n = sum(optin_record(phone=o.phone) for o in queryset)
        self.message_user(request, f"Opted {n} number(s) back in.", messages.SUCCESS)


# ---------------------------------------------------------------- omnichannel dispatches


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
        from django.urls import reverse

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
        from messaging.dispatch import dispatch_status

        value = dispatch_status(dispatch=obj, attempts=list(obj.attempts.all()))
        return status_badge(value)

    @staticmethod
    def _summary(obj, role):
        attempt = next((a for a in obj.attempts.all() if a.role == role), None)
        spec = obj.primary if role == m.AttemptRole.PRIMARY else obj.fallback
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


# ---------------------------------------------------------------- email suppression


@admin.register(m.Suppression)
class EmailSuppressionAdmin(admin.ModelAdmin):
    list_display = ["address", "reason", "created_at"]
    list_filter = ["reason", "created_at"]
    search_fields = ["address"]
    readonly_fields = ["created_at", "raw"]
    fields = ["address", "reason", "created_at", "raw"]
    actions = ["remove_from_list"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["address", "reason"] if obj else [])

    def save_model(self, request, obj, form, change):
        obj.address = obj.address.strip().lower()
        super().save_model(request, obj, form, change)

    @admin.action(description="Remove the selected addresses from the suppression list", permissions=["delete"])
    def remove_from_list(self, request, queryset):
        from messaging.suppression import suppression_remove

        n = sum(suppression_remove(address=s.address) for s in queryset)
        self.message_user(request, f"Removed {n} address(es); email to them will be sent again.", messages.SUCCESS)
