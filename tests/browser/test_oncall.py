"""A shift manager adds an override on a schedule's page and sees it on the 14-day timeline."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from messaging.models import Contact
from oncall.models import ScheduleOverride
from oncall.services import schedule_create
from portal.roles import DISPATCHER, SHIFT_MANAGER
from tests.support.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ZONE = zoneinfo.ZoneInfo("Europe/London")


def _schedule():
    ana = Contact.objects.create(name="Ana Engineer", phone="+447700900101")
    ben = Contact.objects.create(name="Ben Engineer", phone="+447700900102")
    Contact.objects.create(name="Cai Cover", phone="+447700900103")
    today = timezone.now().astimezone(ZONE).date()
    return schedule_create(name="East gas", time_zone="Europe/London", turn_hours=24,
                           handoff=datetime.combine(today - timedelta(days=3), time(8), tzinfo=ZONE),
                           members=[ana, ben])


def test_a_shift_manager_adds_an_override_and_sees_it_marked_on_the_timeline(browser_page, live_server,
                                                                             admin_login):
    schedule = _schedule()
    page = browser_page
    admin_login(page, live_server.url, username="sam", groups=(SHIFT_MANAGER,))
    page.goto(f"{live_server.url}/admin/oncall/schedule/{schedule.pk}/change/")
    timeline = page.locator("#oncall-timeline")
    assert timeline.locator(".day").count() == 14
    assert "Ana Engineer" in timeline.inner_text() and "Ben Engineer" in timeline.inner_text()
    assert timeline.locator(".block.override").count() == 0

    day = timezone.now().astimezone(ZONE).date() + timedelta(days=2)
    page.select_option("#oncall-override-form select[name=contact]", label="Cai Cover (+447700900103)")
    page.fill("#oncall-override-form input[name=start]", f"{day:%Y-%m-%d}T12:00")
    page.fill("#oncall-override-form input[name=end]", f"{day:%Y-%m-%d}T18:00")
    page.fill("#oncall-override-form input[name=note]", "covering Ana's dentist")
    page.click("#oncall-override-form input[type=submit]")
    page.wait_for_selector("text=Cai Cover is on call on East gas")

    marked = page.locator("#oncall-timeline .block.override")
    assert marked.count() == 1
    assert "Cai Cover" in marked.inner_text()
    assert "12:00" in marked.get_attribute("title") and "18:00" in marked.get_attribute("title")
    override = ScheduleOverride.objects.get()
    assert override.start == datetime.combine(day, time(12), tzinfo=ZONE)
    page.screenshot(path=str(SCREENSHOTS / "oncall-schedule-with-override.png"), full_page=True)


def test_a_dispatcher_reads_the_schedule_but_gets_no_override_form(browser_page, live_server, admin_login):
    schedule = _schedule()
    page = browser_page
    admin_login(page, live_server.url, username="jo", groups=(DISPATCHER,))
    page.goto(f"{live_server.url}/admin/")
    assert "East gas" in page.locator("#oncall-now").inner_text()
    page.goto(f"{live_server.url}/admin/oncall/schedule/{schedule.pk}/change/")
    assert page.locator("#oncall-timeline .day").count() == 14
    assert page.locator("#oncall-override-form").count() == 0
