"""The email suppression list: added to by SES outcomes or by hand, and emptied by an action."""

from django.contrib import admin, messages

from messaging import models as m
from messaging.consent.suppression import suppression_remove, suppression_save


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
        suppression_save(suppression=obj)

    @admin.action(description="Remove the selected addresses from the suppression list", permissions=["delete"])
    def remove_from_list(self, request, queryset):
        n = sum(suppression_remove(address=s.address) for s in queryset)
        self.message_user(request, f"Removed {n} address(es); email to them will be sent again.", messages.SUCCESS)
