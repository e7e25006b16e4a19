"""The monthly report (the seed's "VDM stat export"): the previous month's delivery report mailed
to ``REPORT_EMAILS`` with the report page's CSVs attached.

Here, in the composition root, because it adds up every app (messages, spend, incidents, shifts,
opt-outs) through each app's own report selectors, as the report page does. Sent by a django-q2
schedule on the 1st (``portal.tasks.monthly_report_due``) or by the page's "Send now".

Once, even with several clusters: the ``MonthlyReport`` row of the month is inserted (its month is
unique) in the same transaction that logs the emails, so of two runs racing only one commits;
the emails then go through the send queue like any other message, durable and retried.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.reports import incident_report
from messaging.models import Channel
from messaging.outbound.attachments import attachment_store
from messaging.outbound.send import message_send
from portal.exports import csv_cell
from portal.history import report_tables
from portal.models import MonthlyReport
from shifts.reports import shift_report

SCHEDULE = "schedule"
ATTACHMENTS = "attachments"  # message options: the attachment ids (the bytes are stored once)


@dataclass(frozen=True)
class Month:
    first: date  # the month's first day
    since: datetime  # its first instant, in TIME_ZONE
    until: datetime  # the next month's first instant

    @property
    def days(self) -> int:
        return (timezone.localdate(self.until) - self.first).days

    @property
    def label(self) -> str:
        return self.first.strftime("%B %Y")


def previous_month(now: datetime) -> Month:
    """The calendar month before ``now``'s, in the portal's time zone (TIME_ZONE)."""
    this_first = timezone.localdate(now).replace(day=1)
    first = (this_first - timedelta(days=1)).replace(day=1)
    return Month(first=first, since=timezone.make_aware(datetime.combine(first, datetime.min.time())),
                 until=timezone.make_aware(datetime.combine(this_first, datetime.min.time())))


def report_emails() -> list[str]:
    return [a.strip() for a in settings.REPORT_EMAILS if a.strip()]


def _csv_bytes(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[csv_cell(v) for v in row] for row in rows])  # formulae escaped, as the downloads
    return out.getvalue().encode()


def monthly_report_content(month: Month) -> tuple[str, str, list[tuple[str, bytes]]]:
    """(subject, body, [(file name, CSV bytes)]): the report page's numbers and tables for the month."""
    last = month.until - timedelta(microseconds=1)  # the report counts whole days up to its ``now``
    tables = report_tables(month.days, last)
    incidents = incident_report(since=month.since, now=last)
    shifts = shift_report(since=month.since, now=last)
    _, daily = tables["daily"]
    lines = [f"Delivery report for {month.label}", "", f"Messages: {sum(row[-1] for row in daily)}"]
    header, channels = tables["channels"]
    for row in channels:
        values = dict(zip(header, row, strict=True))
        spend = "" if values["spend"] is None else f", spend {values['spend']:.2f}"
        lines.append(f"  {values['channel']}: {values['total']} messages, {values['delivered']} delivered, "
                     f"{values['failed']} failed{spend}")
    lines += ["", f"Incidents: {incidents.opened} opened, {incidents.acknowledged} acknowledged",
              f"Shifts: {shifts.posted} posted, {shifts.by_status.get('taken', 0)} taken"]
    header, rows = tables["consent"]
    lines.append("Opt-outs: " + ", ".join(f"{name.replace('_', ' ')} {sum(r[i] for r in rows)}"
                                          for i, name in enumerate(header) if name != "day"))
    lines += ["", "Attached: the report page's tables for the month, as CSV."]
    files = [(f"{slug}-{month.first:%Y-%m}.csv", _csv_bytes(header, rows)) for slug, (header, rows) in tables.items()]
    return f"Delivery report, {month.label}", "\n".join(lines), files


def monthly_report_send(*, now: datetime | None = None, by: str = SCHEDULE) -> MonthlyReport | None:
    """Mail the previous month's report to REPORT_EMAILS; the month's row, or None if nothing was sent.

    The schedule (``by="schedule"``) sends a month once: a month already sent is left alone.
    Send now (``by`` = the user) sends it again on purpose, and counts it on the same row.
    Nothing is sent, and no row is written, while REPORT_EMAILS is empty.
    """
    now = now or timezone.now()
    recipients = report_emails()
    if not recipients:
        return None
    month = previous_month(now)
    if by == SCHEDULE and MonthlyReport.objects.filter(month=month.first).exists():
        return None  # the common case of a second cluster, without building the report
    subject, body, files = monthly_report_content(month)
    ids = [attachment_store(filename=name, content_type="text/csv", content=data).pk for name, data in files]
    try:
        with transaction.atomic():
            report, created = MonthlyReport.objects.select_for_update().get_or_create(
                month=month.first, defaults={"recipients": ",".join(recipients), "sent_by": by, "sent_at": now})
            if not created:
                if by == SCHEDULE:
                    return None
                MonthlyReport.objects.filter(pk=report.pk).update(
                    sends=report.sends + 1, sent_by=by, sent_at=now, recipients=",".join(recipients))
            for address in recipients:
                message_send(channel=Channel.EMAIL, recipient=address, subject=subject, body=body,
                             options={ATTACHMENTS: ids}, owner=report)
    except IntegrityError:
        return None  # another cluster inserted the month between our look and our insert: theirs is sent
    report.refresh_from_db()
    return report
