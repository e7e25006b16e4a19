"""The message log: every outbound message and the delivery events on it."""

from django.contrib import admin

from messaging import models as m
from messaging.admin.badges import status_badge
from messaging.admin.pagination import LargeTableAdminMixin, phone_search
from messaging.owners import owner_content_type, owner_kinds, owner_label


class OwnerKindFilter(admin.SimpleListFilter):
    """The kinds of thing a message belongs to (settings.MESSAGE_OWNERS), not every model."""

    title = "belongs to"
    parameter_name = "owner"
    NOTHING = "none"

    def lookups(self, request, model_admin):
        return [*owner_kinds(), (self.NOTHING, "nothing (sent on its own)")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == self.NOTHING:
            return queryset.filter(owner_type__isnull=True)
        content_type = owner_content_type(value)
        return queryset.none() if content_type is None else queryset.filter(owner_type=content_type)


class DeliveryEventInline(admin.TabularInline):
    model = m.DeliveryEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "event_type", "provider_event", "description", "parts", "price"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.OutboundMessage)
class OutboundMessageAdmin(LargeTableAdminMixin, admin.ModelAdmin):
    # Status, cost and owner before the body, which wraps. The provider id (a 40-character uuid
    # that pushed them off a 1,366 px screen) and the part count are on each message's page.
    list_display = ["id", "created_at", "channel", "recipient", "status_badge", "price", "owner_link",
                    "short_body"]
    list_filter = ["status", "channel", "created_at", OwnerKindFilter]
    search_fields = ["recipient", "body", "subject", "provider_message_id", "provider_alt_id"]
    # No date_hierarchy: its year links come from a DISTINCT over every row; the created_at filter stays.
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
        return f"{owner_label(obj.owner_type)} #{obj.owner_id}"

    def get_search_results(self, request, queryset, search_term):
        """A phone number or an address is looked up exactly, through the recipient index.

        ``channel IN (every channel)`` lets PostgreSQL use (channel, recipient, created_at) for a
        recipient alone; a word from a body still searches everything, as before.
        """
        term = search_term.strip()
        recipient = phone_search(term) or (term if "@" in term and " " not in term else None)
        if recipient:
            return queryset.filter(channel__in=m.Channel.values, recipient__iexact=recipient) \
                if "@" in recipient else queryset.filter(channel__in=m.Channel.values, recipient=recipient), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False  # messages are sent by features and the API, never typed into the log

    def has_change_permission(self, request, obj=None):
        return False
