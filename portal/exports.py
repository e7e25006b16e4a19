"""CSV downloads for analysts: the message log, incidents, and every chart of the report.

Streamed row by row from a server-side cursor, so an export of a year's messages neither
holds the whole log in memory nor times out before the first byte. Cells that a spreadsheet
would run as a formula (a message body of ``=HYPERLINK(...)`` typed by anyone who can text
the portal) are defused by messaging.values.spreadsheets, the one guard every export uses.

Who may download what follows the admin's own view permissions, so the analyst group reads
every export and a user without the view permission gets a 403 and no rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse, StreamingHttpResponse
from django.utils import timezone

from incidents.models import Incident, IncidentStatus
from messaging.models import Channel, MessageStatus, OutboundMessage
from messaging.values.spreadsheets import spreadsheet_safe

EXPORT_DAYS_DEFAULT = 30
EXPORT_DAYS_MAX = 3660
CHUNK = 2000


def csv_cell(value) -> str:
    """One cell as text, defused if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return spreadsheet_safe(str(value))


class _Echo:
    def write(self, value):
        return value


def csv_stream(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row])


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_stream(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _period(request, errors: dict) -> datetime | None:
    raw = request.GET.get("days", str(EXPORT_DAYS_DEFAULT))
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if not 1 <= days <= EXPORT_DAYS_MAX:
        errors["days"] = [f"a whole number of days from 1 to {EXPORT_DAYS_MAX}"]
        return None
    return timezone.now() - timedelta(days=days)


def _choice(request, name: str, choices, errors: dict) -> str:
    value = request.GET.get(name, "")
    if value and value not in choices:
        errors[name] = [f"one of {', '.join(choices)}"]
    return value


MESSAGE_COLUMNS = ["id", "created_at", "channel", "sender", "recipient", "subject", "body", "status",
                   "provider_message_id", "error_code", "parts", "price", "sent_at", "delivered_at", "failed_at"]


@staff_member_required
def message_log_csv(request):
    """The message log over the last ``days`` days, newest first; optional channel, status, recipient."""
    _require(request, "messaging.view_outboundmessage")
    errors: dict = {}
    since = _period(request, errors)
    channel = _choice(request, "channel", Channel.values, errors)
    status = _choice(request, "status", MessageStatus.values, errors)
    if errors:
        return JsonResponse(errors, status=400)
    rows = OutboundMessage.objects.filter(created_at__gte=since)
    if channel:
        rows = rows.filter(channel=channel)
    if status:
        rows = rows.filter(status=status)
    if recipient := request.GET.get("recipient", "").strip():
        rows = rows.filter(recipient=recipient)
    rows = rows.order_by("-created_at", "-id").values_list(*MESSAGE_COLUMNS).iterator(chunk_size=CHUNK)
    return csv_response("message-log.csv", MESSAGE_COLUMNS, rows)


INCIDENT_COLUMNS = ["id", "created_at", "status", "description", "url", "policy", "level", "round",
                    "acknowledged_by", "acknowledged_by_phone", "acknowledged_at", "seconds_to_acknowledge",
                    "resolved_at", "resolved_by", "created_by"]


def _incident_rows(queryset) -> Iterator[list]:
    for i in queryset.iterator(chunk_size=CHUNK):
        ack = i.acknowledged_by
        seconds = (max((i.acknowledged_at - i.created_at).total_seconds(), 0.0)
                   if i.acknowledged_at else None)
        yield [i.id, i.created_at, i.status, i.description, i.url, i.policy.name if i.policy else "",
               i.level, i.round, ack.name if ack else "", ack.phone if ack else "", i.acknowledged_at,
               "" if seconds is None else f"{seconds:.1f}", i.resolved_at, i.resolved_by, i.created_by]


@staff_member_required
def incidents_csv(request):
    """Incidents opened in the last ``days`` days, newest first; optional status."""
    _require(request, "incidents.view_incident")
    errors: dict = {}
    since = _period(request, errors)
    status = _choice(request, "status", IncidentStatus.values, errors)
    if errors:
        return JsonResponse(errors, status=400)
    rows = Incident.objects.filter(created_at__gte=since).select_related("policy", "acknowledged_by")
    if status:
        rows = rows.filter(status=status)
    return csv_response("incidents.csv", INCIDENT_COLUMNS, _incident_rows(rows.order_by("-created_at", "-id")))
