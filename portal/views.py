from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from incidents.reports import incident_report
from messaging.models import MessageStatus
from messaging.reports import DELIVERY_SAMPLE, STATUS_ORDER, DeliveryReport, delivery_report
from shifts.reports import shift_report

# Whoever may read the message log may read what it adds up to (analysts included).
REPORT_PERMISSION = "messaging.view_outboundmessage"
REPORT_DAYS = (7, 14, 30, 90)
STATUS_COLOURS = {
    MessageStatus.DELIVERED: "#2e7d32", MessageStatus.SENT: "#1565c0", MessageStatus.QUEUED: "#9e9e9e",
    MessageStatus.FAILED: "#c62828", MessageStatus.SUPPRESSED: "#ef6c00",
}
CHART_HEIGHT = 200
BAR_SPACE = 720  # the plot's width, shared out between the days


def home(request):
    return redirect("admin:index")


def healthz(request):
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
    except DatabaseError as exc:
        # 503, not a 500 page: load balancers and probes read it as "not ready", and it is.
        return JsonResponse({"ok": False, "database": type(exc).__name__}, status=503)
    return JsonResponse({"ok": True})


@dataclass
class Segment:
    status: str
    label: str
    count: int
    y: float
    height: float
    colour: str


@dataclass
class Bar:
    day: str
    x: float
    width: float
    total: int
    segments: list[Segment]
    show_label: bool


def daily_bars(report: DeliveryReport) -> tuple[list[Bar], int]:
    """The stacked bars of the daily chart, in SVG units; and the tallest day's total."""
    peak = max((sum(report.daily[d].values()) for d in report.days), default=0)
    slot = BAR_SPACE / len(report.days)
    labels = dict(MessageStatus.choices)
    bars = []
    for i, day in enumerate(report.days):
        counts = report.daily[day]
        y = float(CHART_HEIGHT)
        segments = []
        for status in STATUS_ORDER:
            height = CHART_HEIGHT * counts[status] / peak if peak else 0.0
            if counts[status]:
                y -= height
                segments.append(Segment(status, labels[status], counts[status], y, height, STATUS_COLOURS[status]))
        bars.append(Bar(day=day.strftime("%d %b"), x=i * slot + slot * 0.15, width=slot * 0.7,
                        total=sum(counts.values()), segments=segments,
                        show_label=len(report.days) <= 14 or i % (len(report.days) // 10) == 0))
    return bars, peak


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60)} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"


def share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


@staff_member_required
def report_page(request):
    """The delivery report: what the last days' messages, incidents and shifts came to, drawn."""
    if not request.user.has_perm(REPORT_PERMISSION):
        raise PermissionDenied
    try:
        days = int(request.GET.get("days", 14))
    except ValueError:
        days = 0
    if days not in REPORT_DAYS:
        days = 14
    now = timezone.now()
    report = delivery_report(days=days, now=now)
    bars, peak = daily_bars(report)
    channels = [{
        "label": c.label, "total": c.total,
        "counts": [c.by_status.get(s, 0) for s in STATUS_ORDER],
        "delivered_share": share(c.delivered_share), "spend": c.spend,
        "p50": duration(c.seconds_to_deliver_p50), "p90": duration(c.seconds_to_deliver_p90),
    } for c in report.channels]
    incidents = incident_report(since=report.since, now=now)
    shifts = shift_report(since=report.since, now=now)
    context = {
        **admin.site.each_context(request), "title": "Delivery report", "days": days, "day_choices": REPORT_DAYS,
        "report": report, "bars": bars, "peak": peak, "chart_height": CHART_HEIGHT, "chart_width": BAR_SPACE,
        "legend": [(dict(MessageStatus.choices)[s], STATUS_COLOURS[s]) for s in STATUS_ORDER],
        "status_labels": [dict(MessageStatus.choices)[s] for s in STATUS_ORDER], "channels": channels,
        "incidents": incidents, "incident_ack_share": share(incidents.acknowledged_share),
        "incident_p50": duration(incidents.seconds_to_acknowledge_p50),
        "incident_p90": duration(incidents.seconds_to_acknowledge_p90),
        "shifts": shifts, "shift_fill_share": share(shifts.filled_share),
        "shift_p50": duration(shifts.seconds_to_book_p50), "sample": DELIVERY_SAMPLE,
    }
    return render(request, "admin/report.html", context)
