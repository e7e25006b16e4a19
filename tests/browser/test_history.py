"""A newcomer's first look, in a real browser: the Tools table, the month's report, the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident, IncidentStatus
from messaging.models import Timer, owner_fields
from portal.demo import demo_seed
from portal.roles import ANALYST, DISPATCHER
from tests.support.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_tools_table_keeps_each_link_on_one_line(browser_page, live_server, admin_login):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    admin_login(page, live_server.url, username="ana", groups=(ANALYST,))
    page.goto(f"{live_server.url}/admin/")
    link = page.locator("#portal-tools th a", has_text="Delivery report")
    page.locator("#portal-tools").screenshot(path=str(SCREENSHOTS / "admin-home-tools.png"))
    line_height = float(link.evaluate("a => parseFloat(getComputedStyle(a).lineHeight) || 16"))
    box = link.bounding_box()
    assert box["height"] < 2 * line_height  # one line, not a letter per line
    assert box["width"] > 80


def test_an_analyst_sees_a_month_of_charts_each_with_its_table_and_csv(browser_page, live_server, admin_login):
    demo_seed()
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 1000})
    admin_login(page, live_server.url, username="ana", groups=(ANALYST,))
    page.goto(f"{live_server.url}/admin/report/?days=30")
    page.wait_for_selector("#chart-responders")
    page.screenshot(path=str(SCREENSHOTS / "report-month.png"), full_page=True)
    assert page.locator("#daily-chart g.bar").count() == 30
    for chart in ("incident-weeks", "incident-rates", "delivery-weeks", "spend", "responders", "campaigns",
                  "consent"):
        assert page.locator(f"#chart-{chart} .mark").count() > 0, chart
        assert page.locator(f"#table-{chart} tbody tr").count() > 0, chart
        # the chart is drawn with a real size, beside its table
        assert page.locator(f"#chart-{chart}").bounding_box()["height"] > 50
    with page.expect_download() as download:
        page.click("#responders a.csv")
    assert download.value.suggested_filename == "responders.csv"
    assert "acknowledged" in open(download.value.path()).readline()


def test_the_timeline_has_no_caption_row_per_entry_and_the_next_step_says_when(
        browser_page, live_server, admin_login):
    demo_seed()
    incident = Incident.objects.filter(level=2, acknowledged_at__isnull=False).first()
    Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.NOT_ACKNOWLEDGED)
    Timer.objects.create(callback="incidents.tasks.incident_step", label="reminder", state="pending",
                         due_at=timezone.now() + timedelta(seconds=90), **owner_fields(incident))
    page = browser_page
    admin_login(page, live_server.url, username="jo", groups=(DISPATCHER,))
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    timeline = page.locator("#events-group")
    page.screenshot(path=str(SCREENSHOTS / "incident-timeline.png"), full_page=True)
    assert "Notified" in timeline.inner_text()
    assert f"notified #{incident.pk}" not in timeline.inner_text()
    assert f"acknowledged #{incident.pk}" not in timeline.inner_text()
    due = page.locator(".field-next_timer .readonly").inner_text()
    assert " UTC, in 1 min " in due and "(reminder)" in due
