"""Schedules in the admin: the rotation inline, a 14-day picture of who is on call, and an
"add override" form on the same page.

Display and wiring only: overrides are added through oncall.services, and who is on call comes
from oncall.selectors (the one selector the pager and the API use too).
"""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from messaging.models import Contact
from messaging.values import limits
from messaging.values.instants import InstantFormField, instant_clamp
from oncall import services
from oncall.hotline import hotline_change_text
from oncall.models import Schedule, ScheduleMember, ScheduleOverride, TurnNotice
from oncall.selectors import oncall_at, schedule_overrides_upcoming, schedule_zone
from oncall.texts import local_time, zone_abbreviation, zone_label, zoned
from oncall.timeline import schedule_days


class ScheduleMemberInline(admin.TabularInline):
    model = ScheduleMember
    extra = 1
    autocomplete_fields = ["contact"]
    fields = ["position", "contact"]
    max_num = limits.MEMBERS_MAX
    verbose_name_plural = "rotation (turns go round in position order)"


class OverrideForm(forms.Form):
    contact = forms.ModelChoiceField(queryset=Contact.objects.order_by("name"))
    start = InstantFormField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = InstantFormField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].help_text = self.fields["end"].help_text = f"In the schedule's time zone, {zone}."


def _local_clock(value, tz):
    """An aware time as the naive wall-clock time in ``tz``: a form field shows a naive value as
    it is, where it would show an aware one in the site's zone (UTC)."""
    return value.astimezone(tz).replace(tzinfo=None) if value else value


def _in_zone(value, zone: str):
    """A form's parsed time (read in the site's zone) re-read as a wall-clock time in ``zone``."""
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return value  # the zone field reports its own error
    return timezone.localtime(value).replace(tzinfo=None).replace(tzinfo=tz)


class ScheduleForm(forms.ModelForm):
    """The handoff is a wall-clock time in the schedule's own zone, shown and read that way:
    shown in the site's zone (UTC), an 08:00 Los Angeles handoff read 16:00."""

    class Meta:
        model = Schedule
        fields = ["name", "time_zone", "handoff", "turn_hours", "notice_minutes", "hotline"]
        help_texts = {"handoff": "When the first turn starts, in the schedule's time zone. Each later turn starts "
                                 "turn hours after the one before, on the schedule's local clock."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.handoff:
            self.initial["handoff"] = _local_clock(self.instance.handoff, schedule_zone(schedule=self.instance))

    def clean(self):
        data = super().clean()
        if data.get("handoff") and data.get("time_zone"):
            data["handoff"] = _in_zone(data["handoff"], data["time_zone"])
        return data


def _on_call_text(answer) -> str:
    tz = schedule_zone(schedule=answer.schedule)
    if answer.person is None:
        return "Nobody" + (zoned(f" until {local_time(answer.until, tz=tz)}", tz=tz) if answer.until else "")
    text = f"{answer.person.name} ({answer.person.phone}) until {local_time(answer.until, tz=tz)}"
    return (zoned(text, tz=tz) if answer.until else text) + (" · override" if answer.override else "")


def _zoned_time(value, tz) -> str:
    """'Mon 07 Dec 08:00 PST' in the schedule's zone (a stored far-future end read within range)."""
    value = instant_clamp(value)
    return f"{value.astimezone(tz):%a %d %b %Y %H:%M} {zone_abbreviation(value, tz=tz)}"


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    form = ScheduleForm
    list_display = ["name", "on_call_now", "time_zone", "turn_hours", "handoff_local"]
    search_fields = ["name"]
    inlines = [ScheduleMemberInline]
    fields = ["name", "time_zone", "handoff", "turn_hours", "notice_minutes", "hotline", "hotline_changes"]
    readonly_fields = ["hotline_changes"]
    change_form_template = "admin/oncall/schedule/change_form.html"

    @admin.display(description="hotline changes")
    def hotline_changes(self, obj):
        changes = list(obj.hotline_changes.select_related("schedule")[:10]) if obj.pk else []
        if not changes:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}", ((hotline_change_text(c),) for c in changes))

    @admin.display(description="first handoff", ordering="handoff")
    def handoff_local(self, obj):
        return _zoned_time(obj.handoff, schedule_zone(schedule=obj))

    @admin.display(description="on call now")
    def on_call_now(self, obj):
        return _on_call_text(oncall_at(schedule=obj))

    def get_urls(self):
        return [path("<int:pk>/add-override/", self.admin_site.admin_view(self.add_override_view),
                     name="oncall_schedule_add_override"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        schedule = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if schedule is not None:
            tz = schedule_zone(schedule=schedule)
            extra.update(
                timeline_days=schedule_days(schedule=schedule),
                on_call_now=_on_call_text(oncall_at(schedule=schedule)),
                upcoming_overrides=[(o, _zoned_time(o.start, tz), _zoned_time(o.end, tz))
                                    for o in schedule_overrides_upcoming(schedule=schedule)[:50]],
                override_form=OverrideForm(zone=schedule.time_zone)
                if request.user.has_perm("oncall.add_scheduleoverride") else None,
                schedule_tz=tz, schedule_zone_label=zone_label(timezone.now(), tz=tz))
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def add_override_view(self, request, pk):
        if request.method != "POST" or not request.user.has_perm("oncall.add_scheduleoverride"):
            raise PermissionDenied
        schedule = self.get_object(request, str(pk))
        if schedule is None:
            raise PermissionDenied
        back = reverse("admin:oncall_schedule_change", args=[schedule.pk])
        form = OverrideForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{field}: {' '.join(errors)}")
            return HttpResponseRedirect(back)
        tz = schedule_zone(schedule=schedule)
        data = form.cleaned_data
        try:
            services.override_add(schedule=schedule, contact=data["contact"],
                                  start=data["start"].replace(tzinfo=None).replace(tzinfo=tz),
                                  end=data["end"].replace(tzinfo=None).replace(tzinfo=tz), note=data["note"],
                                  created_by=request.user.get_username())
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
            return HttpResponseRedirect(back)
        start = data["start"].replace(tzinfo=None).replace(tzinfo=tz)
        end = data["end"].replace(tzinfo=None).replace(tzinfo=tz)
        messages.success(request, f"{data['contact'].name} is on call on {schedule.name} from "
                                  f"{_zoned_time(start, tz)} until {zoned(_zoned_time(end, tz), tz=tz)}.")
        return HttpResponseRedirect(back)


class OverrideAdminForm(forms.ModelForm):
    """Start and end as wall-clock times in the schedule's zone, like the schedule page's form."""

    class Meta:
        model = ScheduleOverride
        fields = ["schedule", "contact", "start", "end", "note"]
        help_texts = {"start": "In the schedule's time zone.", "end": "In the schedule's time zone."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            tz = schedule_zone(schedule=self.instance.schedule)
            for name in ("start", "end"):
                self.initial[name] = _local_clock(getattr(self.instance, name), tz)

    def clean(self):
        data = super().clean()
        if data.get("schedule"):
            for name in ("start", "end"):
                if data.get(name):
                    data[name] = _in_zone(data[name], data["schedule"].time_zone)
            if data.get("start") and data.get("end") and data["end"] <= data["start"]:
                self.add_error("end", "An override must end after it starts.")
        return data


@admin.register(ScheduleOverride)
class ScheduleOverrideAdmin(admin.ModelAdmin):
    form = OverrideAdminForm
    list_display = ["schedule", "contact", "start_local", "end_local", "note", "source"]
    list_select_related = ["schedule", "contact", "shift"]
    list_filter = ["schedule"]
    autocomplete_fields = ["contact"]
    fields = ["schedule", "contact", "start", "end", "note"]
    date_hierarchy = "start"

    @admin.display(description="start (schedule's zone)", ordering="start")
    def start_local(self, obj):
        tz = schedule_zone(schedule=obj.schedule)
        return zoned(_zoned_time(obj.start, tz), tz=tz)

    @admin.display(description="end (schedule's zone)", ordering="end")
    def end_local(self, obj):
        tz = schedule_zone(schedule=obj.schedule)
        return zoned(_zoned_time(obj.end, tz), tz=tz)

    @admin.display(description="from")
    def source(self, obj):
        shift = getattr(obj, "shift", None)
        if shift is None:
            return obj.created_by or "—"
        return format_html('<a href="{}">shift {}</a>', reverse("admin:shifts_shift_change", args=[shift.pk]),
                           shift.code)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.override_add(schedule=obj.schedule, contact=obj.contact, start=obj.start, end=obj.end,
                                        note=obj.note, created_by=request.user.get_username())
        obj.pk, obj.created_at, obj.created_by = created.pk, created.created_at, created.created_by


@admin.register(TurnNotice)
class TurnNoticeAdmin(admin.ModelAdmin):
    list_display = ["schedule", "contact", "turn_start", "message", "created_at"]
    list_filter = ["schedule"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
