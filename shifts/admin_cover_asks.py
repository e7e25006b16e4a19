"""Cover requests in the admin, and the schedule page's "Ask for cover" button beside each turn.

Wiring only: the turn is found and offered by shifts/cover_by_text.py, exactly as a COVER text would.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone

from messaging.models import Contact
from oncall.models import Schedule
from shifts.cover_by_text import cover_ask_make, cover_turn_starting
from shifts.models import CoverAsk


def _row(model, pk: str | None):
    return model.objects.filter(pk=int(pk)).first() if (pk or "").isdigit() and len(pk) < 12 else None


@admin.register(CoverAsk)
class CoverAskAdmin(admin.ModelAdmin):
    list_display = ["shift", "schedule", "asker", "outcome", "offered_to", "created_by", "created_at"]
    list_filter = ["outcome", "schedule"]
    list_select_related = ["shift", "schedule", "asker"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False  # asked by text (COVER) or from the schedule page

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("ask/", self.admin_site.admin_view(self.ask_view), name="shifts_coverask_ask"),
                *super().get_urls()]

    def ask_view(self, request):
        """POST schedule, contact, start (ISO): offer that turn, as its holder's COVER text would."""
        if request.method != "POST" or not request.user.has_perm("shifts.add_shift"):
            raise PermissionDenied
        schedule, contact = _row(Schedule, request.POST.get("schedule")), _row(Contact, request.POST.get("contact"))
        try:
            start = datetime.fromisoformat(request.POST.get("start") or "")
        except ValueError:
            start = None
        if schedule is None or contact is None or start is None or start.tzinfo is None:
            messages.error(request, "That turn could not be read; reload the schedule page and try again.")
            return HttpResponseRedirect(reverse("admin:oncall_schedule_changelist"))
        back = reverse("admin:oncall_schedule_change", args=[schedule.pk])
        now = timezone.now()
        turn = cover_turn_starting(schedule=schedule, contact=contact, start=start, now=now)
        if turn is None:
            messages.error(request, f"{contact} has no turn starting then on {schedule} that has not started.")
            return HttpResponseRedirect(back)
        try:
            offer = cover_ask_make(turn=turn, asker=contact, created_by=request.user.get_username(), now=now)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(back)
        if offer.outcome == "nobody":
            messages.warning(request, f"Nobody else is on {schedule} to ask.")
        elif offer.outcome == "already":
            messages.info(request, f"That turn is already offered as {offer.code}.")
        else:
            messages.success(request, f"Offered {offer.turn} to {offer.ask.offered_to} member(s) as {offer.code}; "
                                      f"{contact} will be told who takes it.")
        return HttpResponseRedirect(back)
