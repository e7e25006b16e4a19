"""The monthly report: on the 1st, last month's numbers and the report's CSVs mailed to
REPORT_EMAILS, once however many times (or clusters) run it; "Send now" on the report page.
Every instant is fixed (March 2026), never today's."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone
from django_q.models import Schedule

from messaging.models import OptOut, OutboundMessage
from portal.models import MonthlyReport
from portal.monthly_report import monthly_report_send, previous_month
from portal.roles import ANALYST, DISPATCHER
from portal.tasks import monthly_report_due

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)  # the schedule's run on the 1st
IN_FEBRUARY = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
IN_JANUARY = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def february(settings, locmem):
    settings.TIME_ZONE = "UTC"
    settings.REPORT_EMAILS = ["boss@example.com", "ops@example.com"]
    for status in ("delivered", "delivered", "failed"):
        OutboundMessage.objects.create(channel="sms", recipient="+14255550100", body="x", status=status,
                                       created_at=IN_FEBRUARY)
    OutboundMessage.objects.create(channel="email", recipient="a@example.com", status="delivered",
                                   created_at=IN_FEBRUARY)
    OutboundMessage.objects.create(channel="sms", recipient="+14255550100", status="delivered", created_at=IN_JANUARY)
    OptOut.objects.create(phone="+14255550111", keyword="STOP", opted_out_at=IN_FEBRUARY)
    return locmem


def attached(message) -> dict[str, list[list[str]]]:
    return {f["filename"]: list(csv.reader(io.StringIO(f["content"].decode())))
            for f in message.options["attachment_files"]}


def run(django_capture_on_commit_callbacks, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        return monthly_report_send(**kw)


def test_the_month_before_is_a_calendar_month():
    month = previous_month(datetime(2026, 3, 1, 0, 30, tzinfo=UTC))
    assert (month.first.isoformat(), month.days, month.label) == ("2026-02-01", 28, "February 2026")
    assert previous_month(datetime(2026, 1, 15, tzinfo=UTC)).first.isoformat() == "2025-12-01"


def test_last_months_report_goes_to_every_address_with_the_csvs(february, django_capture_on_commit_callbacks):
    run(django_capture_on_commit_callbacks, now=NOW)

    assert sorted(m.recipient for m in february.outbox) == ["boss@example.com", "ops@example.com"]
    mail = february.outbox[0]
    assert mail.subject == "Delivery report, February 2026"
    assert "Messages: 4" in mail.body  # February's four, not January's
    assert "sms: 3 messages, 2 delivered, 1 failed" in mail.body
    assert "opt outs 1" in mail.body
    files = attached(mail)
    assert {"daily-2026-02.csv", "channels-2026-02.csv", "consent-2026-02.csv", "spend-2026-02.csv",
            "campaigns-2026-02.csv", "incident-weeks-2026-02.csv"} <= set(files)
    daily = files["daily-2026-02.csv"]
    assert len(daily) == 1 + 28 and daily[1][0] == "2026-02-01"
    channels = {row[0]: row for row in files["channels-2026-02.csv"][1:]}
    assert channels["sms"][1] == "3" and channels["email"][1] == "1"
    assert files["consent-2026-02.csv"][1][:2] == ["2026-02-10", "1"]


def test_sent_once_when_the_task_runs_twice(february, django_capture_on_commit_callbacks):
    first = run(django_capture_on_commit_callbacks, now=NOW)
    second = run(django_capture_on_commit_callbacks, now=NOW.replace(hour=7))

    assert first is not None and second is None
    assert len(february.outbox) == 2
    assert MonthlyReport.objects.get().month.isoformat() == "2026-02-01"
    # The CSVs are stored once for both addresses.
    mails = OutboundMessage.objects.filter(channel="email", subject__startswith="Delivery")
    assert len({tuple(m.options["attachments"]) for m in mails}) == 1


def test_nothing_is_sent_when_report_emails_is_empty(february, settings, django_capture_on_commit_callbacks):
    settings.REPORT_EMAILS = []

    assert run(django_capture_on_commit_callbacks, now=NOW) is None
    assert february.outbox == [] and not MonthlyReport.objects.exists()


def test_the_schedule_runs_the_task_monthly():
    schedule = Schedule.objects.get(func="portal.tasks.monthly_report_due")
    assert schedule.schedule_type == Schedule.MONTHLY and schedule.repeats == -1
    local = timezone.localtime(schedule.next_run)
    assert (local.day, local.hour) == (1, 6)


def test_the_task_sends_nothing_without_addresses(settings, locmem):
    settings.REPORT_EMAILS = []
    assert monthly_report_due() == "nothing to send"


def user_client(django_user_model, role: str, *, may_send: bool = False, **client_kw) -> Client:
    """A staff user in ``role``; ``may_send`` also gives them portal.send_monthlyreport, which no
    group has (sending is an action; the analyst group only reads)."""
    user = django_user_model.objects.create_user(f"u-{role}-{may_send}", password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    if may_send:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="portal",
                                                         codename="send_monthlyreport"))
    client = Client(**client_kw)
    client.force_login(user)
    return client


def test_send_now_mails_last_month_again_on_purpose(february, django_user_model, django_capture_on_commit_callbacks):
    run(django_capture_on_commit_callbacks, now=NOW)
    analyst = user_client(django_user_model, ANALYST, may_send=True)
    page = analyst.get("/admin/report/").content.decode()
    assert 'action="/admin/report/send/"' in page and "csrfmiddlewaretoken" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = analyst.post("/admin/report/send/", follow=True)

    assert response.status_code == 200
    assert "is on its way to boss@example.com, ops@example.com" in response.content.decode()
    assert len(february.outbox) == 4  # the schedule's two, and Send now's two
    assert all("channels-" in " ".join(attached(m)) for m in february.outbox[2:])


def test_send_now_is_a_post_with_csrf_by_permission(february, django_user_model):
    dispatcher = user_client(django_user_model, DISPATCHER)
    assert dispatcher.post("/admin/report/send/").status_code == 403
    assert 'action="/admin/report/send/"' not in dispatcher.get("/admin/report/").content.decode()
    reader = user_client(django_user_model, ANALYST)  # reads the report, may not send it
    assert reader.post("/admin/report/send/").status_code == 403
    assert 'action="/admin/report/send/"' not in reader.get("/admin/report/").content.decode()
    analyst = user_client(django_user_model, ANALYST, may_send=True, enforce_csrf_checks=True)
    assert analyst.get("/admin/report/send/").status_code == 405
    assert analyst.post("/admin/report/send/").status_code == 403  # no CSRF token
    assert february.outbox == []
