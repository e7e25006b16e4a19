"""The address book: contacts, their tags and the allow-list."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from import_export.admin import ExportMixin

from messaging import models as m
from messaging.audience.resources import AllowListResource, ContactResource
from messaging.contacts import contacts_send_test
from messaging.erasure.services import contact_erase
from messaging.notification_rules import notification_rules_summary, notification_rules_warning
from messaging.values import limits


class NotificationRuleForm(forms.ModelForm):
    def has_changed(self):
        # "SMS at once, any urgency" is every field's default: an added row that says it is a rule,
        # not an untouched blank (the inline shows no blank rows: extra = 0).
        return self.instance.pk is None or super().has_changed()


class NotificationRuleInline(admin.TabularInline):
    """How this person wants to be paged: each rule a method, a delay and an urgency."""

    model = m.NotificationRule
    form = NotificationRuleForm
    extra = 0
    max_num = limits.RULES_MAX
    fields = ["method", "after_seconds", "urgency"]
    verbose_name = "notification rule"
    verbose_name_plural = "notification rules (none: SMS at once, a call for a landline)"


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
    list_display = ["name", "phone", "tag_list", "email", "number_type", "whatsapp", "locale", "rules_summary",
                    "created_at"]
    list_filter = ["number_type", "tags", "locale", "created_at"]
    readonly_fields = ["number_type", "carrier", "number_checked_at", "rules_summary"]
    inlines = [NotificationRuleInline]
    search_fields = ["name", "phone", "email"]
    filter_horizontal = ["tags"]
    actions = ["send_test_sms", "erase_contacts"]

    def has_erase_permission(self, request):
        return request.user.has_perm("messaging.erase_contact")

    @admin.action(description="Erase the selected contacts and every trace of them", permissions=["erase"])
    def erase_contacts(self, request, queryset):
        if "apply" not in request.POST:
            return TemplateResponse(request, "admin/messaging/contact/erase.html", {
                **self.admin_site.each_context(request), "title": "Erase contacts", "contacts": queryset,
                "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME})
        for contact_id in list(queryset.values_list("pk", flat=True)):
            receipt = contact_erase(contact_id=contact_id, requested_by=request.user.get_username())
            counts = receipt.counts
            self.message_user(request, (
                f"Erased {receipt.contact_ref}: {counts.get('messages', 0)} messages, {counts.get('inbound', 0)} "
                f"texts in, {counts.get('events', 0)} delivery events, {counts.get('archived', 0)} archived rows "
                f"in {receipt.archive_files} files (receipt #{receipt.pk})."), messages.SUCCESS)
        return None

    @admin.action(description="Send a test SMS to the selected contacts", permissions=["change"])
    def send_test_sms(self, request, queryset):
        sent = contacts_send_test(contacts=list(queryset))
        self.message_user(request, f"Queued {len(sent)} test SMS; see the message log for their status.",
                          messages.SUCCESS)

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(t.name for t in obj.tags.all())

    @admin.display(description="paged by")
    def rules_summary(self, obj):
        rules = list(obj.notification_rules.all()) if obj.pk else []
        said = notification_rules_summary(rules) or "SMS at once (no rules)"
        warning = notification_rules_warning(rules)
        return f"{said}. ⚠ {warning}" if warning else said

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags", "notification_rules")

    def _warn(self, request, contact):
        if warning := notification_rules_warning(contact.notification_rules.all()):
            self.message_user(request, f"{contact.name}: {warning}", messages.WARNING)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._warn(request, form.instance)  # as GoAlert does: a page nobody hears at once is a risk

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and (contact := self.get_object(request, object_id)) is not None:
            self._warn(request, contact)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(m.AllowListEntry)
class AllowListEntryAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [AllowListResource]
    list_display = ["phone", "scope", "created_at"]
    list_filter = ["scope"]
    search_fields = ["phone"]


@admin.register(m.ErasureReceipt)
class ErasureReceiptAdmin(admin.ModelAdmin):
    """The record of each erasure; it names no phone or address, and nobody edits it."""

    list_display = ["erased_at", "contact_ref", "requested_by", "counts", "archive_files", "seconds",
                    "archive_seconds"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
