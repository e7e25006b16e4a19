"""API keys: listed and revoked here, created only by `manage.py create_api_key`."""

from django.contrib import admin
from django.utils import timezone

from messaging import models as m
from messaging.api.keys import api_key_revoke


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
