from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from incidents.reports import incident_report
from messaging.models import MessageStatus
from messaging.reports import STATUS_ORDER, DeliveryReport, delivery_report
from portal.exports import csv_response
from portal.history import history_sections, report_tables
from portal.models import MonthlyReport
from portal.monthly_report import monthly_report_send, report_emails
from shifts.reports import shift_report

# Whoever may read the message log may read what it adds up to (analysts included).
REPORT_PERMISSION = "messaging.view_outboundmessage"
SEND_PERMISSION = "portal.send_monthlyreport"
REPORT_DAYS = (7, 14, 30, 90, 365)
STATUS_COLOURS = {
    MessageStatus.DELIVERED: "#2e7d32", MessageStatus.SENT: "#1565c0", MessageStatus.QUEUED: "#9e9e9e",
    MessageStatus.FAILED: "#c62828", MessageStatus.SUPPRESSED: "#ef6c00",
}
CHART_HEIGHT = 200
BAR_SPACE = 720  # the plot's width, shared out between the days
ROWS_SHOWN = 50  # per table on the page; the CSV has every row


def home(request):
    return redirect("admin:index")


def api_docs_guard(view):
    """``view`` (the API docs or schema) behind the admin's login when API_DOCS_LOGIN_REQUIRED
    (default: in a deployment). Read per request, so the setting decides and tests can change it."""
    guarded = staff_member_required(view)

    def wrapper(request, *args, **kwargs):
        chosen = guarded if settings.API_DOCS_LOGIN_REQUIRED else view
        return chosen(request, *args, **kwargs)

    return wrapper


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


def daily_marks(bars: list[Bar]) -> SafeString:
    """The daily chart's bars as SVG, built here: a year of them is too many for a template loop."""
    out = []
    for bar in bars:
        out.append(f'<g class="bar"><title>{bar.day}: {bar.total} messages</title>')
        out += [f'<rect class="segment {s.status}" x="{bar.x:.2f}" y="{s.y:.2f}" width="{bar.width:.2f}" '
                f'height="{s.height:.2f}" fill="{s.colour}"><title>{bar.day}: {s.count} {escape(s.label.lower())}'
                f'</title></rect>' for s in bar.segments]
        out.append("</g>")
        if bar.show_label:
            out.append(f'<text x="{bar.x:.2f}" y="{CHART_HEIGHT + 16}">{bar.day}</text>')
    return mark_safe("".join(out))  # noqa: S308 - every interpolated value is a number, a status or escaped


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60)} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"


def _cell(header: str, value) -> str:
    """A raw table value as the page shows it: rates as percentages, seconds as durations."""
    if value is None:
        return "–"
    if header.endswith("rate"):
        return share(value)
    if header.startswith("seconds"):
        return duration(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d %b %Y %H:%M")
    return str(value)


def _shown(section):
    """A section as the template reads it: its header words and its first rows, formatted."""
    rows = [[_cell(h, v) for h, v in zip(section.header, row, strict=True)] for row in section.rows[:ROWS_SHOWN]]
    return section, [h.replace("_", " ") for h in section.header], rows


def share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


@staff_member_required
def report_page(request):
    """The delivery report: what the last days' messages, incidents and shifts came to, drawn."""
    if not request.user.has_perm(REPORT_PERMISSION):
        raise PermissionDenied
    days = _report_days(request)
    now = timezone.now()
    report = delivery_report(days=days, now=now)
    bars, peak = daily_bars(report)
    channels = [{
        "label": c.label, "total": c.total,
        "counts": [c.by_status.get(s, 0) for s in STATUS_ORDER],
        "delivered_share": share(c.delivered_share), "spend": None if c.spend is None else f"{c.spend:.2f}",
        "p50": duration(c.seconds_to_deliver_p50), "p90": duration(c.seconds_to_deliver_p90),
    } for c in report.channels]
    incidents = incident_report(since=report.since, now=now)
    shifts = shift_report(since=report.since, now=now)
    context = {
        **admin.site.each_context(request), "title": "Delivery report", "days": days, "day_choices": REPORT_DAYS,
        "report": report, "daily_marks": daily_marks(bars), "peak": peak, "chart_height": CHART_HEIGHT,
        "chart_width": BAR_SPACE,
        "legend": [(dict(MessageStatus.choices)[s], STATUS_COLOURS[s]) for s in STATUS_ORDER],
        "status_labels": [dict(MessageStatus.choices)[s] for s in STATUS_ORDER], "channels": channels,
        "incidents": incidents, "incident_ack_share": share(incidents.acknowledged_share),
        "incident_p50": duration(incidents.seconds_to_acknowledge_p50),
        "incident_p90": duration(incidents.seconds_to_acknowledge_p90),
        "shifts": shifts, "shift_fill_share": share(shifts.filled_share),
        "shift_p50": duration(shifts.seconds_to_book_p50),
        "sections": [_shown(section)
                     for section in history_sections(since=report.since, now=now, counts=report.counts)],
        "rows_shown": ROWS_SHOWN,
        "can_send_monthly": request.user.has_perm(SEND_PERMISSION), "report_emails": report_emails(),
        "monthly_last": MonthlyReport.objects.first(),
    }
    return render(request, "admin/report.html", context)


@staff_member_required
@require_POST
def report_send(request):
    """"Send now": the previous month's report to REPORT_EMAILS (POST, with the CSRF token)."""
    if not request.user.has_perm(SEND_PERMISSION):
        raise PermissionDenied
    sent = monthly_report_send(by=request.user.get_username())
    if sent is None:
        messages.warning(request, "Nothing was sent: REPORT_EMAILS is empty.")
    else:
        messages.success(request, f"The report for {sent} is on its way to {sent.recipients.replace(',', ', ')}.")
    return redirect("report")


def _report_days(request) -> int:
    try:
        days = int(request.GET.get("days", 14))
    except ValueError:
        days = 0
    return days if days in REPORT_DAYS else 14


@staff_member_required
def report_csv(request, chart: str):
    """One chart of the report as CSV, over the same period as the page."""
    if not request.user.has_perm(REPORT_PERMISSION):
        raise PermissionDenied
    tables = report_tables(_report_days(request), timezone.now())
    if chart not in tables:
        raise Http404("no such chart")
    header, rows = tables[chart]
    return csv_response(f"{chart}.csv", header, rows)
