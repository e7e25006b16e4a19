"""Schedules in the admin: the rotation inline, a 14-day picture of who is on call, and an
"add override" form on the same page.

Display and wiring only: overrides are added through oncall.services, and who is on call comes
from oncall.selectors (the one selector the pager and the API use too).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from messaging import limits
from messaging.instants import InstantFormField
from messaging.models import Contact
from oncall import services
from oncall.models import Schedule, ScheduleMember, ScheduleOverride, TurnNotice
from oncall.selectors import oncall_at, schedule_overrides_upcoming, schedule_zone
from oncall.texts import when
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
    start = InstantFormField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                help_text="In the schedule's time zone.")
    end = InstantFormField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    note = forms.CharField(max_length=200, required=False)


def _on_call_text(answer) -> str:
    tz = schedule_zone(schedule=answer.schedule)
    if answer.person is None:
        return "Nobody" + (f" until {when(answer.until, tz=tz)}" if answer.until else "")
    return (f"{answer.person.name} ({answer.person.phone}) until {when(answer.until, tz=tz)}"
            + (" · override" if answer.override else ""))


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "on_call_now", "time_zone", "turn_hours", "handoff"]
    search_fields = ["name"]
    inlines = [ScheduleMemberInline]
    fields = ["name", "time_zone", "handoff", "turn_hours", "notice_minutes"]
    change_form_template = "admin/oncall/schedule/change_form.html"

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
                upcoming_overrides=schedule_overrides_upcoming(schedule=schedule)[:50],
                override_form=OverrideForm() if request.user.has_perm("oncall.add_scheduleoverride") else None,
                schedule_tz=tz)
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
        messages.success(request, f"{data['contact'].name} is on call on {schedule.name} from "
                                  f"{data['start']:%a %d %b %H:%M} until {data['end']:%a %d %b %H:%M}.")
        return HttpResponseRedirect(back)


@admin.register(ScheduleOverride)
class ScheduleOverrideAdmin(admin.ModelAdmin):
    list_display = ["schedule", "contact", "start", "end", "note", "source"]
    list_filter = ["schedule"]
    autocomplete_fields = ["contact"]
    fields = ["schedule", "contact", "start", "end", "note"]
    date_hierarchy = "start"

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
