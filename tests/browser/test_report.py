import pytest

from messaging.models import MessageStatus
from tests.portal.test_report import log
from tests.support.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_opens_the_report_from_the_admin_home_and_switches_the_period(
        browser_page, live_server, admin_login):
    for days_ago in (0, 0, 3, 10):
        log(seconds_to_deliver=5, days_ago=days_ago)
    log(status=MessageStatus.FAILED, days_ago=3)
    page = browser_page
    admin_login(page, live_server.url, username="ana", groups=("analyst",))
    page.click("text=Delivery report")
    page.wait_for_selector("#daily-chart")
    page.screenshot(path=str(SCREENSHOTS / "delivery-report.png"), full_page=True)
    # Two weeks: the days ten and three days ago and today, drawn as stacked bars.
    assert page.locator("#daily-chart rect.segment").count() == 4
    assert page.locator("#tile-messages b").inner_text() == "5"

    page.select_option("#days", "7")  # submits the form
    page.wait_for_url("**/admin/report/?days=7")
    assert page.locator("#tile-messages b").inner_text() == "4"
    assert "80.0%" not in page.locator("#channels").inner_text()  # 3 of 4 delivered now, not 4 of 5
    assert "75.0%" in page.locator("#channels").inner_text()
