"""The composer's "uncovered on-call slots" page: pick a schedule and N days, get a draft
campaign offering every gap as a shift, then preview and send it like any campaign.

Form and wiring only; the slots and the campaign come from shifts/cover_campaign.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from messaging.models import Tag
from oncall.models import Schedule
from oncall.selectors import schedule_zone
from shifts.cover_campaign import MAX_DAYS, cover_campaign_create, cover_slots


class CoverCampaignForm(forms.Form):
    schedule = forms.ModelChoiceField(queryset=Schedule.objects.order_by("name"))
    days = forms.IntegerField(min_value=1, max_value=MAX_DAYS, initial=14, label="Uncovered slots in the next",
                              help_text="days")
    tag = forms.ModelChoiceField(queryset=Tag.objects.order_by("name"), required=False,
                                 help_text="Who is offered the slots (needed to create the campaign).")


def cover_view(model_admin, request):
    # It writes a campaign and its shifts from a schedule's gaps, which it shows: all three rights.
    if not (model_admin.has_add_permission(request)
            and request.user.has_perms(["shifts.add_shift", "oncall.view_schedule"])):
        raise PermissionDenied
    form = CoverCampaignForm(request.POST or request.GET or None)
    slots = []
    if form.is_valid():
        schedule, days = form.cleaned_data["schedule"], form.cleaned_data["days"]
        tz = schedule_zone(schedule=schedule)
        slots = [(s.start.astimezone(tz), s.end.astimezone(tz))
                 for s in cover_slots(schedule=schedule, days=days, now=timezone.now())]
        if request.method == "POST":
            tag = form.cleaned_data["tag"]
            if tag is None:
                form.add_error("tag", "Choose who to offer the slots to.")
            else:
                campaign = cover_campaign_create(schedule=schedule, days=days, tag=tag, created_by=request.user)
                if campaign is None:
                    messages.info(request, f"{schedule.name} has nobody missing in the next {days} days.")
                else:
                    messages.success(request, f"Draft campaign with {campaign.shifts.count()} on-call slot(s). "
                                              "Check the preview and audience, then send.")
                    return redirect("admin:shifts_shiftcampaign_send", campaign.pk)
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta,
               "title": "Campaign for uncovered on-call slots", "form": form, "slots": slots}
    return TemplateResponse(request, "admin/shifts/shiftcampaign/cover.html", context)
