"""Every dotted path the portal stores in a row (a django-q2 ``Schedule.func``), as a thin
stable name in front of the service, which may move freely behind it."""

from __future__ import annotations

from portal.monthly_report import monthly_report_send


def monthly_report_due() -> str:
    """Monthly, on the 1st: mail the previous month's report to REPORT_EMAILS, once per month."""
    report = monthly_report_send()
    return f"sent {report}" if report else "nothing to send"
