"""The alerts in the admin: every stored body with the incident it opened, joined or resolved,
and the integrations whose routes pick a policy by labels.

Alerts are read-only: a stored body is evidence of what the monitor said, so nobody edits or
adds one here. The "send a test alert" button calls the intake service; nothing is decided here.
Registered from incidents/admin.py (Django only autodiscovers an app's admin module).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from incidents.alerts.intake import integration_send_test_alert
from incidents.alerts.maintenance import maintenance_window_save
from incidents.alerts.retry import alert_retry
from incidents.alerts.routing import matchers_parse
from incidents.models import Alert, AlertGroup, AlertIntegration, AlertRoute, AlertState, MaintenanceWindow


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _incident_link(incident_id: int | None):
    if not incident_id:
        return "—"
    return format_html('<a href="{}">#{}</a>', reverse("admin:incidents_incident_change", args=[incident_id]),
                       incident_id)


def _short(key: str) -> str:
    """A key for a list column: keys run to thousands of characters; the detail page shows it whole."""
    return key if len(key) <= 80 else f"{key[:79]}…"


@admin.register(Alert)
class AlertAdmin(_ReadOnly):
    list_display = ["received_at", "source", "status", "state", "dedup_key_short", "policy", "incident_link",
                    "outcome"]
    list_filter = ["state", "source", "status", "policy"]
    search_fields = ["dedup_key", "outcome"]
    list_select_related = ["policy"]
    date_hierarchy = "received_at"
    fields = ["received_at", "source", "status", "state", "attempts", "error", "policy", "dedup_key",
              "incident_link", "outcome", "body_pretty"]
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.action(description="Retry the selected failed alerts now", permissions=["retry_now"])
    def retry_now(self, request, queryset):
        states = [alert_retry(alert_id=pk) for pk in queryset.filter(state=AlertState.FAILED)
                  .order_by("received_at", "id").values_list("pk", flat=True)]
        done = sum(s != AlertState.FAILED for s in states)
        level = messages.SUCCESS if done == len(states) else messages.WARNING
        self.message_user(request, f"{done} of {len(states)} failed alert(s) acted on; the rest keep their error.",
                          level)

    def has_retry_now_permission(self, request):
        # Acting on an alert opens or resolves incidents: whoever may change incidents may retry.
        return request.user.has_perm("incidents.change_incident")

    @admin.display(description="dedup key")
    def dedup_key_short(self, obj: Alert) -> str:
        return _short(obj.dedup_key)

    @admin.display(description="incident", ordering="incident")
    def incident_link(self, obj: Alert):
        return _incident_link(obj.incident_id)

    @admin.display(description="body as received")
    def body_pretty(self, obj: Alert):
        return format_html("<pre>{}</pre>", json.dumps(obj.body, indent=2, ensure_ascii=False))


@admin.register(AlertGroup)
class AlertGroupAdmin(_ReadOnly):
    list_display = ["dedup_key_short", "policy", "incident_link", "is_open", "absorbed", "firing", "last_alert_at"]
    list_filter = ["is_open", "policy"]
    search_fields = ["dedup_key"]
    list_select_related = ["policy"]

    @admin.display(description="dedup key")
    def dedup_key_short(self, obj: AlertGroup) -> str:
        return _short(obj.dedup_key)

    @admin.display(description="incident", ordering="incident")
    def incident_link(self, obj: AlertGroup):
        return _incident_link(obj.incident_id)


class AlertRouteForm(forms.ModelForm):
    class Meta:
        model = AlertRoute
        fields = ["position", "matchers", "policy"]

    def clean_matchers(self):
        text = self.cleaned_data["matchers"]
        try:
            matchers_parse(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return text


class AlertRouteInline(admin.TabularInline):
    model = AlertRoute
    form = AlertRouteForm
    extra = 1
    ordering = ["position", "id"]


@admin.register(AlertIntegration)
class AlertIntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "default_policy", "webhook_path", "test_button"]
    inlines = [AlertRouteInline]
    readonly_fields = ["webhook_path", "test_button"]
    fields = ["name", "default_policy", "webhook_path", "test_button"]

    @admin.display(description="webhook URL (Alertmanager, Grafana)")
    def webhook_path(self, obj: AlertIntegration) -> str:
        return f"/api/v1/alerts/alertmanager/?integration={obj.pk}" if obj.pk else "— (save first)"

    @admin.display(description="test")
    def test_button(self, obj: AlertIntegration):
        if not obj.pk:
            return "—"
        url = reverse("admin:incidents_alertintegration_test", args=[obj.pk])
        # Submits the page's own form (and its CSRF token) to the test URL instead of saving it:
        # a form of its own may not sit inside the change form or the change list's form.
        return format_html('<button type="submit" class="button" formaction="{}" formmethod="post" '
                           'formnovalidate name="_test_alert">Send a test alert</button>', url)

    def get_urls(self):
        return [path("<int:pk>/test-alert/", self.admin_site.admin_view(self.test_view),
                     name="incidents_alertintegration_test"), *super().get_urls()]

    def test_view(self, request, pk: int):
        integration = get_object_or_404(AlertIntegration, pk=pk)
        if not self.has_change_permission(request, integration):
            raise PermissionDenied  # a test alert opens a real incident and pages its people
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:incidents_alertintegration_changelist"))
        outcome = integration_send_test_alert(integration=integration, by=request.user.get_username())
        if outcome.failed_alert is not None:
            messages.error(request, f"The test alert was stored but acting on it failed; it is retried every "
                                    f"minute (alert {outcome.failed_alert}, its error in Alerts).")
            return HttpResponseRedirect(reverse("admin:incidents_alert_change", args=[outcome.failed_alert]))
        messages.success(request, f"Test alert sent: incident #{outcome.incident_id} opened.")
        return HttpResponseRedirect(reverse("admin:incidents_incident_change", args=[outcome.incident_id]))


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ["policy", "start", "end", "reason", "created_by"]
    list_filter = ["policy"]
    fields = ["policy", "start", "end", "reason"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user.get_username()
        maintenance_window_save(window=obj)
