"""The admin home's panels: what needs the person looking, now.

The composition root's job: each panel's facts come from a selector in the app that owns them
(incidents.selectors, oncall.selectors, messaging.selectors); this module only decides which
panels a user may see, by the same view permission the admin's app list uses for the model
behind the panel, and puts each fact into the words and links the template shows. Every
selector reads a bounded number of rows, so the page costs the same number of queries however
large the tables grow (tests/portal/test_home.py counts them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from incidents.models import IncidentStatus
from incidents.selectors import alert_groups_firing, incidents_board
from messaging.conversations.selectors import conversations_needing_reply
from messaging.owners import owner_label
from messaging.selectors import messages_failed_since
from oncall.selectors import schedule_zone, schedules_count, schedules_oncall_now
from oncall.texts import local_time, zoned

ROWS = 10  # per panel; each panel links to the full list
SCHEDULES_SHOWN = 25
FAILED_WINDOW = timedelta(hours=1)

# The permission that shows each panel: the view permission of the model the panel lists.
PANEL_PERMISSIONS = {
    "incidents": "incidents.view_incident",
    "alerts": "incidents.view_alertgroup",
    "oncall": "oncall.view_schedule",
    # Any of these: a shift manager reads the threads about shifts (messaging.conversations.selectors).
    "conversations": ("messaging.view_conversation", "messaging.shiftreply_conversation"),
    "failed": "messaging.view_outboundmessage",
    # Whoever may read the message log may read the report (portal.views.REPORT_PERMISSION).
    "report": "messaging.view_outboundmessage",
}


@dataclass(frozen=True)
class Link:
    text: str
    url: str


def clock(at: datetime | None) -> str:
    """A time on the home page, in the site's zone and saying so ('14:05 UTC', 'Mon 07 Dec 14:05 UTC')."""
    if at is None:
        return ""
    local = timezone.localtime(at)
    today = timezone.localtime().date()
    return f"{local:%H:%M %Z}" if local.date() == today else f"{local:%a %d %b %H:%M %Z}"


def incidents_panel() -> dict:
    board = incidents_board(limit=ROWS)
    changelist = reverse("admin:incidents_incident_changelist")
    labels = dict(IncidentStatus.choices)
    rows = []
    for row in board.rows:
        incident = row.incident
        if row.paging:
            who = "Paging " + ", ".join(f"{c.name or c.phone} ({c.phone})" for c in row.paging)
        elif incident.status == IncidentStatus.ACKNOWLEDGED:
            who = f"Accepted by {incident.acknowledged_by.name}" if incident.acknowledged_by else "Accepted"
        elif incident.status == IncidentStatus.UNACKNOWLEDGED:
            who = "Nobody accepted; the chain has run out"
        else:
            who = "Nobody to page"
        rows.append({"reference": incident.reference, "description": incident.description[:80],
                     "url": reverse("admin:incidents_incident_change", args=[incident.pk]),
                     "status": incident.status, "status_label": labels[incident.status], "who": who,
                     "next_step": clock(incident.next_step_at), "opened": clock(incident.created_at)})
    return {"total": board.total, "rows": rows, "url": f"{changelist}?status__in=" + ",".join(board.counts),
            "counts": [Link(f"{labels[status]}: {n}", f"{changelist}?status__exact={status}")
                       for status, n in board.counts.items()]}


def alerts_panel() -> dict:
    total, groups = alert_groups_firing(limit=ROWS)
    return {"total": total,
            "url": reverse("admin:incidents_alertgroup_changelist") + "?is_open__exact=1",
            "rows": [{"key": g.dedup_key[:80], "policy": g.policy.name, "firing": g.firing,
                      "since": clock(g.opened_at), "last": clock(g.last_alert_at),
                      "incident": Link(f"#{g.incident_id}",
                                       reverse("admin:incidents_incident_change", args=[g.incident_id]))}
                     for g in groups]}


def oncall_panel() -> dict:
    answers = schedules_oncall_now(limit=SCHEDULES_SHOWN)
    rows = []
    for answer in answers:
        tz = schedule_zone(schedule=answer.schedule)
        person = answer.person
        until = zoned(f"until {local_time(answer.until, tz=tz)}", tz=tz) if answer.until else ""
        rows.append({"schedule": answer.schedule.name,
                     "url": reverse("admin:oncall_schedule_change", args=[answer.schedule.pk]),
                     "who": f"{person.name} ({person.phone})" if person else "Nobody on call",
                     "until": until, "override": answer.override, "nobody": person is None})
    more = schedules_count() - len(rows)
    return {"rows": rows, "more": more, "url": reverse("admin:oncall_schedule_changelist"),
            "add_url": reverse("admin:oncall_schedule_add")}


def failed_panel(now: datetime) -> dict:
    total, messages = messages_failed_since(since=now - FAILED_WINDOW, limit=ROWS)
    return {"total": total, "url": reverse("admin:messaging_outboundmessage_changelist") + "?status__exact=failed",
            "rows": [{"at": clock(m.failed_at), "channel": m.get_channel_display(), "recipient": m.recipient,
                      "error": (m.error or m.error_code)[:100],
                      "owner": f"{owner_label(m.owner_type)} #{m.owner_id}" if m.owner_type_id else "",
                      "url": reverse("admin:messaging_outboundmessage_change", args=[m.pk])}
                     for m in messages]}


def home_panels(request) -> dict:
    """The template context of the panels ``request.user`` may see (absent: not theirs)."""
    user, now = request.user, timezone.now()
    can = {panel: any(user.has_perm(p) for p in ((needed,) if isinstance(needed, str) else needed))
           for panel, needed in PANEL_PERMISSIONS.items()}
    panels = {"now": clock(now)}
    if can["incidents"]:
        panels["incidents_panel"] = incidents_panel()
    if can["alerts"]:
        panels["alerts_panel"] = alerts_panel()
    if can["oncall"]:
        panels["oncall_panel"] = oncall_panel()
    if can["conversations"]:
        # The rows this user may read (a shift manager sees the threads about shifts only).
        panels["conversations_panel"] = True
        panels["conversations"] = conversations_needing_reply(user=user, limit=5)
    if can["failed"]:
        panels["failed_panel"] = failed_panel(now)
    if can["report"]:
        panels["report_url"] = reverse("report")
    return panels
