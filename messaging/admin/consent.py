"""Opt-outs: typed in by staff, or recorded from STOP; numbers opted back in by an action."""

from django import forms
from django.contrib import admin, messages

from messaging import models as m
from messaging.consent.optouts import optin_record, optout_record
from messaging.phones import phone_normalize


class OptOutForm(forms.ModelForm):
    class Meta:
        model = m.OptOut
        fields = ["phone"]

    def clean_phone(self):
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
            row, _ = optout_record(phone=obj.phone, keyword="", source="admin")
            obj.pk = row.pk
            obj.refresh_from_db()

    @admin.action(description="Opt the selected numbers back in", permissions=["change"])
    def opt_in(self, request, queryset):
        n = sum(optin_record(phone=o.phone) for o in queryset)
        self.message_user(request, f"Opted {n} number(s) back in.", messages.SUCCESS)


@admin.register(m.WhatsAppOptOut)
class WhatsAppOptOutAdmin(admin.ModelAdmin):
    """Who said STOP on WhatsApp; recorded by the keyword handler, read here."""

    list_display = ["phone", "active", "keyword", "opted_out_at", "opted_in_at"]
    list_filter = ["active", "opted_out_at"]
    search_fields = ["phone"]
    readonly_fields = ["phone", "active", "keyword", "opted_out_at", "opted_in_at"]

    def has_add_permission(self, request):
        return False
