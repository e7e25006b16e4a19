"""The admin of calendar feeds and weekly summaries, and the schedule page's "Subscribe" form.

Wiring only: links are made, regenerated and revoked by oncall/calendars.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from messaging.models import Contact
from oncall.calendars import NewFeed, calendar_feed_create, calendar_feed_regenerate
from oncall.models import CalendarFeed, Schedule, SummaryPreference, WeeklySummary, validate_time_zone


class SubscribeForm(forms.Form):
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False, empty_label="Everyone's turns",
                                     label="Feed of")

    def __init__(self, *args, schedule: Schedule, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(
            schedule_memberships__schedule=schedule).distinct().order_by("name")


def feed_links(request, new: NewFeed) -> str:
    """The two links, shown once: https:// for any client, webcal:// to open a calendar app."""
    https = request.build_absolute_uri(new.path())
    webcal = "webcal://" + https.split("://", 1)[1]
    return format_html('Calendar feed for {}: <a href="{}">{}</a> · <a href="{}">{}</a> — copy it now; '
                       "it is not shown again.", new.feed.contact or "everyone", webcal, webcal, https, https)


def subscribe_view(model_admin, request, pk):
    if request.method != "POST" or not request.user.has_perm("oncall.add_calendarfeed"):
        raise PermissionDenied
    schedule = model_admin.get_object(request, str(pk))
    if schedule is None:
        raise PermissionDenied
    back = reverse("admin:oncall_schedule_change", args=[schedule.pk])
    form = SubscribeForm(request.POST, schedule=schedule)
    if not form.is_valid():
        messages.error(request, "Choose a member of this schedule, or everyone.")
        return HttpResponseRedirect(back)
    try:
        new = calendar_feed_create(schedule=schedule, contact=form.cleaned_data["contact"],
                                   created_by=request.user.get_username())
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return HttpResponseRedirect(back)
    messages.success(request, feed_links(request, new))
    return HttpResponseRedirect(back)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Delete a feed to revoke its link; "regenerate" gives a new link and kills the old one."""

    list_display = ["schedule", "contact", "prefix", "created_by", "created_at"]
    list_filter = ["schedule"]
    list_select_related = ["schedule", "contact"]
    readonly_fields = ["schedule", "contact", "prefix", "created_by", "created_at"]
    fields = readonly_fields
    actions = ["regenerate"]

    def has_add_permission(self, request):
        return False  # made from the schedule page ("Subscribe") or the API, where the link is shown

    @admin.action(description="Regenerate the link (the old one stops working)", permissions=["change"])
    def regenerate(self, request, queryset):
        for feed in queryset:
            messages.success(request, feed_links(request, calendar_feed_regenerate(
                feed=feed, created_by=request.user.get_username())))


class SummaryPreferenceForm(forms.ModelForm):
    class Meta:
        model = SummaryPreference
        fields = ["contact", "weekday", "local_time", "time_zone", "channel"]
        widgets = {"local_time": forms.TimeInput(attrs={"type": "time"})}

    def clean_time_zone(self):
        zone = (self.cleaned_data.get("time_zone") or "").strip()
        if zone:
            validate_time_zone(zone)
        return zone

    def clean(self):
        data = super().clean()
        contact = data.get("contact")
        if contact and data.get("channel") == "email" and not contact.email:
            self.add_error("channel", f"{contact} has no email address.")
        return data


@admin.register(SummaryPreference)
class SummaryPreferenceAdmin(admin.ModelAdmin):
    form = SummaryPreferenceForm
    list_display = ["contact", "weekday", "local_time", "time_zone", "channel"]
    autocomplete_fields = ["contact"]


@admin.register(WeeklySummary)
class WeeklySummaryAdmin(admin.ModelAdmin):
    list_display = ["contact", "week", "message", "created_at"]
    list_select_related = ["contact", "message"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
