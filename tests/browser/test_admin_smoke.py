import pytest

from tests.support.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_person_logs_in_adds_a_contact_and_sees_it_listed(browser_page, live_server, admin_login):
    page = browser_page
    admin_login(page, live_server.url)
    page.goto(f"{live_server.url}/admin/messaging/contact/add/")
    page.fill("#id_name", "Ana Duty")
    page.fill("#id_phone", "+12065550111")
    page.click("input[name=_save]")
    page.wait_for_selector("text=was added successfully")
    page.screenshot(path=str(SCREENSHOTS / "admin-contact-added.png"))
    assert page.locator("#result_list").inner_text().count("+12065550111") == 1


def test_a_number_that_is_not_e164_is_refused_with_a_reason(browser_page, live_server, admin_login):
    page = browser_page
    admin_login(page, live_server.url)
    page.goto(f"{live_server.url}/admin/messaging/contact/add/")
    page.fill("#id_name", "Bad Number")
    page.fill("#id_phone", "206-555-0100")
    page.click("input[name=_save]")
    assert "E.164" in page.locator(".errorlist").first.inner_text()
