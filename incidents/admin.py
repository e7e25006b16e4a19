"""The dispatcher's tool: policies with inline levels; open an incident and watch it escalate.

Forms, display and wiring only: every change goes through incidents/services.py,
every read the admin cannot get from its own querysets through incidents/selectors.py, and the
snapshot through incidents/snapshots.py, so the admin holds no decision of its own.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from incidents import selectors, services, texts
from incidents.alerts import admin as alerts_admin  # noqa: F401  (registers the alerts' admin, in its own module)
from incidents.heartbeats import admin as heartbeats_admin  # noqa: F401  (likewise the heartbeats')
from incidents.models import EscalationLevel, EscalationPolicy, Incident, IncidentEvent, IncidentStatus, Urgency
from incidents.snapshots import snapshot_level_count, snapshot_repeat
from messaging.admin.badges import status_badge
from messaging.admin.pagination import LargeTableAdminMixin
from messaging.models import Contact
from messaging.outbound.parts import sms_parts
from messaging.values import limits

_INCIDENT_COLOURS = {IncidentStatus.NOT_ACKNOWLEDGED: "failed", IncidentStatus.ACKNOWLEDGED: "sent",
                     IncidentStatus.UNACKNOWLEDGED: "suppressed", IncidentStatus.RESOLVED: "delivered"}


class EscalationLevelForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        if not data.get("DELETE") and not data.get("contacts") and not data.get("schedule"):
            raise ValidationError("A level needs contacts, a schedule, or both.")
        return data


class EscalationLevelInline(admin.TabularInline):
    model = EscalationLevel
    form = EscalationLevelForm
    extra = 1
    autocomplete_fields = ["contacts", "schedule"]
    fields = ["position", "contacts", "schedule", "wait_seconds", "reminders", "voice", "ack_all"]
    max_num = limits.LEVELS_MAX


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "level_count", "urgency", "repeat", "final_action", "final_contact", "updated_at"]
    search_fields = ["name"]
    autocomplete_fields = ["final_contact"]
    inlines = [EscalationLevelInline]

    @admin.display(description="levels")
    def level_count(self, obj):
        return obj.levels.count()


class IncidentEventInline(admin.TabularInline):
    model = IncidentEvent
    verbose_name = "timeline entry"
    verbose_name_plural = "timeline"
    extra = 0
    can_delete = False
    fields = ["at", "kind", "contact", "level", "round", "message_link", "inbound_link", "note"]
    readonly_fields = fields
    ordering = ["at", "id"]

    @admin.display(description="message")
    def message_link(self, obj):
        if not obj.message_id:
            return "—"
        url = reverse("admin:messaging_outboundmessage_change", args=[obj.message_id])
        return format_html('<a href="{}">{} #{}</a> {}', url, obj.message.channel, obj.message_id,
                           status_badge(obj.message.status))

    @admin.display(description="reply")
    def inbound_link(self, obj):
        if not obj.inbound_id:
            return "—"
        url = reverse("admin:messaging_inboundsms_change", args=[obj.inbound_id])
        return format_html('<a href="{}">“{}”</a>', url, obj.inbound.body[:40])

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class IncidentAddForm(forms.ModelForm):
    url = forms.URLField(required=False, max_length=2000, assume_scheme="https")
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.all(), required=False,
        help_text="Instead of a policy: these contacts are paged one after another, each its own level.")
    # The same numbers as EscalationLevel's validators and the API (messaging/values/limits.py).
    wait_seconds = forms.IntegerField(initial=services.DEFAULT_WAIT_SECONDS, min_value=limits.WAIT_SECONDS_MIN,
                                      max_value=limits.WAIT_SECONDS_MAX,
                                      help_text="With contacts only: seconds between reminders and escalations.")
    reminders = forms.IntegerField(initial=services.DEFAULT_REMINDERS, min_value=0, max_value=limits.REMINDERS_MAX,
                                   help_text="With contacts only: reminders before escalating.")
    urgency = forms.ChoiceField(choices=[("", "The policy's (high without a policy)"), *Urgency.choices],
                                required=False, help_text="Which of each person's notification rules run.")

    class Meta:
        model = Incident
        fields = ["description", "url", "policy"]
        help_texts = {"policy": "Choose a policy, or pick contacts below."}

    def clean(self):
        data = super().clean()
        policy, contacts = data.get("policy"), data.get("contacts")
        if policy and contacts:
            raise ValidationError("Choose a policy or contacts, not both.")
        if not policy and not contacts:
            raise ValidationError("Choose a policy or at least one contact to page.")
        if contacts and len(contacts) > limits.CONTACTS_MAX:
            self.add_error("contacts", f"At most {limits.CONTACTS_MAX} contacts.")
        if policy and not selectors.policy_is_pageable(policy=policy):
            self.add_error("policy", "This policy has no level with contacts or a schedule.")
        return data


class AcknowledgeForm(forms.Form):
    contact = forms.ModelChoiceField(queryset=Contact.objects.all(), label="Acknowledge on behalf of")


@admin.register(Incident)
class IncidentAdmin(LargeTableAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/incidents/incident/change_form.html"
    # What happens next beside the status, before the long description (which wraps).
    list_display = ["reference_display", "status_badge", "next_step_at", "level_display", "acknowledged_by",
                    "short_description", "created_at"]
    list_filter = ["status", "created_at", "policy"]
    search_fields = ["description", "=id"]
    date_hierarchy = "created_at"
    actions = ["acknowledge_on_behalf", "resolve", "repage"]
    inlines = [IncidentEventInline]
    readonly_fields = ["reference_display", "description", "url", "policy", "urgency", "alerts_display", "status_badge",
                       "level_display",
                       "next_timer", "sms_preview", "acknowledged_by", "acknowledged_at", "resolved_by",
                       "resolved_at", "created_by", "created_at", "snapshot_display"]
    fieldsets = [
        (None, {"fields": ["reference_display", "description", "url", "policy", "urgency", "alerts_display",
                           "sms_preview"]}),
        ("Now", {"fields": ["status_badge", "level_display", "next_timer", "acknowledged_by", "acknowledged_at",
                            "resolved_by", "resolved_at"]}),
        ("Escalation chain (snapshot taken when it opened)",
         {"fields": ["created_by", "created_at", "snapshot_display"], "classes": ["collapse"]}),
    ]

    # ------------------------------------------------------------------ forms

    def get_urls(self):
        preview = path("preview/", self.admin_site.admin_view(self.preview_view), name="incidents_incident_preview")
        return [preview, *super().get_urls()]

    def preview_view(self, request):
        """The first SMS as the add form stands, with its part count (the form's live preview)."""
        if not self.has_add_permission(request):
            raise PermissionDenied  # the add form's helper: only for who may open an incident
        text = selectors.incident_draft_page_text(description=request.GET.get("description", ""),
                                                  url=request.GET.get("url", ""))
        count = sms_parts(text)
        return JsonResponse({"text": text, "parts": count.parts, "encoding": count.encoding, "units": count.units})

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = IncidentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["description", "url", "policy", "urgency"]}),
                    ("Or page contacts directly", {"fields": ["contacts", "wait_seconds", "reminders"]})]
        return self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return  # an incident changes only through its actions
        data = form.cleaned_data
        incident = services.incident_open(
            description=data["description"], url=data.get("url") or "", policy=data.get("policy"),
            contacts=list(data.get("contacts") or []), wait_seconds=data.get("wait_seconds"),
            reminders=data.get("reminders"), created_by=request.user.get_username(),
            urgency=data.get("urgency") or None)
        obj.pk = incident.pk
        obj.refresh_from_db()

    def response_change(self, request, obj):
        who = request.user.get_username()
        if "_resolve" in request.POST:
            services.incident_resolve(incident_id=obj.pk, resolved_by=who)
            self.message_user(request, f"Incident #{obj.reference} resolved.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        if "_repage" in request.POST:
            services.incident_repage(incident_id=obj.pk, by=who)
            self.message_user(request, f"Incident #{obj.reference}: current level paged again.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    # ------------------------------------------------------------------ display

    @admin.display(description="ref", ordering="id")
    def reference_display(self, obj):
        return f"#{obj.reference}"

    @admin.display(description="description")
    def short_description(self, obj):
        return obj.description[:80]

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(_INCIDENT_COLOURS.get(obj.status, ""), obj.get_status_display())

    @admin.display(description="current level")
    def level_display(self, obj):
        text = f"{obj.level} of {snapshot_level_count(incident=obj)}"
        if repeat := snapshot_repeat(incident=obj):
            text += f", round {obj.round} of {repeat + 1}"
        return text

    @admin.display(description="alerts")
    def alerts_display(self, obj):
        """The same count as the API's "alerts" (the opener included), linking to the bodies."""
        count = selectors.incident_alert_count(incident=obj)
        if not count:
            return "—"
        url = reverse("admin:incidents_alert_changelist") + f"?incident__id__exact={obj.pk}"
        return format_html('<a href="{}">{} alert{}</a>', url, count, "" if count == 1 else "s")

    @admin.display(description="next step due")
    def next_timer(self, obj):
        timer = selectors.incident_next_timer(incident=obj)
        if not timer:
            return "—"
        return f"{timer.due_at:%Y-%m-%d %H:%M:%S} UTC, {texts.text_due_in(timer.due_at)} ({timer.label})"

    @admin.display(description="SMS preview")
    def sms_preview(self, obj):
        text = texts.incident_page_text(incident=obj, variants=texts.incident_wording())
        count = sms_parts(text)
        return format_html("{}<br><small>SMS preview: {} part{} ({}, {} units)</small>", text, count.parts,
                           "" if count.parts == 1 else "s", count.encoding, count.units)

    @admin.display(description="snapshot")
    def snapshot_display(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.snapshot, indent=2, ensure_ascii=False))

    # ------------------------------------------------------------------ actions

    @admin.action(description="Acknowledge on someone's behalf", permissions=["change"])
    def acknowledge_on_behalf(self, request, queryset):
        form = AcknowledgeForm(request.POST if "apply" in request.POST else None)
        # Offered and accepted alike: a contact not paged for every selected incident is a form error.
        form.fields["contact"].queryset = selectors.contacts_paged_by(incidents=queryset)
        if form.is_bound and form.is_valid():
            results = services.incidents_acknowledge(
                incident_ids=[i.pk for i in queryset], contact=form.cleaned_data["contact"],
                by=request.user.get_username())
            for result in results:
                self.message_user(request, result.outcome, messages.SUCCESS if result.changed else messages.WARNING)
            return None
        context = {**self.admin_site.each_context(request), "title": "Acknowledge on someone's behalf",
                   "incidents": queryset, "form": form, "opts": self.model._meta,
                   "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
        return TemplateResponse(request, "admin/incidents/incident/acknowledge.html", context)

    @admin.action(description="Resolve", permissions=["change"])
    def resolve(self, request, queryset):
        done = services.incidents_resolve(incident_ids=[i.pk for i in queryset],
                                          resolved_by=request.user.get_username())
        self.message_user(request, f"Resolved {done} incident(s).", messages.SUCCESS)

    @admin.action(description="Re-page the current level", permissions=["change"])
    def repage(self, request, queryset):
        done = services.incidents_repage(incident_ids=[i.pk for i in queryset], by=request.user.get_username())
        self.message_user(request, f"Re-paged {done} open incident(s).", messages.SUCCESS)
