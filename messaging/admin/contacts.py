"""The address book: contacts, their tags and the allow-list."""

from django.contrib import admin, messages
from import_export.admin import ExportMixin

from messaging import models as m
from messaging.audience.resources import AllowListResource, ContactResource
from messaging.contacts import contacts_send_test


@admin.register(m.Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name", "contact_count"]

    @admin.display(description="contacts")
    def contact_count(self, obj):
        return obj.contacts.count()


@admin.register(m.Contact)
class ContactAdmin(ExportMixin, admin.ModelAdmin):
    # Imports are an ImportRun (messaging.admin.imports): checked whole, written in bulk.
    resource_classes = [ContactResource]
    # Tags next to the name: they decide who a campaign or a policy reaches. The carrier is on the
    # contact's page; with it here the tags fell off a 1,366 px screen.
    list_display = ["name", "phone", "tag_list", "email", "number_type", "whatsapp", "locale", "created_at"]
    list_filter = ["number_type", "tags", "locale", "created_at"]
    readonly_fields = ["number_type", "carrier", "number_checked_at"]
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
class AllowListEntryAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [AllowListResource]
    list_display = ["phone", "scope", "created_at"]
    list_filter = ["scope"]
    search_fields = ["phone"]
