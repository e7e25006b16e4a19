"""When work runs: durable timers and each sender's pace."""

from django.contrib import admin, messages

from messaging import models as m
from messaging.admin.badges import status_badge
from messaging.admin.pagination import LargeTableAdminMixin
from messaging.scheduling.timers import timer_cancel


@admin.register(m.Timer)
class TimerAdmin(LargeTableAdminMixin, admin.ModelAdmin):
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


@admin.register(m.SenderPace)
class SenderPaceAdmin(admin.ModelAdmin):
    list_display = ["sender", "next_free_at"]
    readonly_fields = ["sender", "next_free_at"]
