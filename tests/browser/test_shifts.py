"""A shift manager in a real browser: CSV upload, compose a campaign, send it, watch progress live."""

import pytest

from messaging.contacts import allow_list_add, contact_upsert
from messaging.events.apply import delivery_event_apply
from messaging.events.types import NormalizedEvent
from messaging.models import OutboundMessage
from shifts.models import Shift, ShiftCampaign
from tests.support.browser import SCREENSHOTS
from tests.support.clock import iso_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = iso_day()  # always ahead of today: shifts that have started are no longer offered
CSV = f"""code,info,starts_at,ends_at,time_zone,location
xyz1234,Warehouse picker,{DAY} 08:00,{DAY} 16:00,UTC,Dock 3
ABC9876,Forklift driver,{DAY} 16:00,{DAY} 23:30,UTC,Yard B
"""


def test_manager_imports_shifts_composes_a_campaign_and_watches_it_go_out(browser_page, live_server, admin_login,
                                                                          tmp_path):
    for i in range(3):
        contact_upsert(name=f"Employee {i}", phone=f"+1206555020{i}", tags=["overtime"])
        allow_list_add(phone=f"+1206555020{i}", scope="shifts")
    page = browser_page
    admin_login(page, live_server.url, username="manager", groups=("shift manager",))

    # A CSV with a bad line first: the line is named and nothing is imported.
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + "NOT VALID,oops,,,,\n")
    page.goto(f"{live_server.url}/admin/shifts/shift/import/")
    page.set_input_files("#id_import_file", str(bad))
    page.select_option("#id_format", label="csv")
    page.click("input[type=submit]")
    page.wait_for_selector("#shift-import-errors")
    assert page.locator("td.csv-line").inner_text() == "4"
    page.screenshot(path=str(SCREENSHOTS / "shifts-import-error.png"), full_page=True)
    assert not Shift.objects.exists()

    good = tmp_path / "good.csv"
    good.write_text(CSV)
    page.set_input_files("#id_import_file", str(good))
    page.select_option("#id_format", label="csv")
    page.click("input[type=submit]")
    page.click("input[name=confirm]")
    page.wait_for_selector("#result_list")
    assert "XYZ1234" in page.locator("#result_list").inner_text()
    assert Shift.objects.count() == 2

    # Compose: pick the audience tag and one shift, leave the message empty to have it composed.
    page.goto(f"{live_server.url}/admin/shifts/shiftcampaign/add/")
    page.fill("#id_name", "Saturday overtime")
    page.click("#id_tag + .select2 .select2-selection")
    page.fill(".select2-search__field", "overtime")
    page.click(".select2-results__option >> text=overtime")
    page.select_option("#id_shifts_from", label=str(Shift.objects.get(code="XYZ1234")))
    page.click("#id_shifts_add")
    page.click("input[name=_save]")

    page.wait_for_selector("#campaign-preview")
    assert "XYZ1234: Warehouse picker" in page.locator("#preview-text").inner_text()
    assert "1 SMS part" in page.locator("#preview-parts").inner_text()
    assert page.locator("#audience-size").inner_text() == "3"
    page.screenshot(path=str(SCREENSHOTS / "shifts-campaign-preview.png"), full_page=True)
    assert not OutboundMessage.objects.exists()

    page.click("#confirm-send")
    page.wait_for_selector("#progress-bar")
    assert page.locator("#p-sent").inner_text() == "3"

    # A delivery receipt arrives; the open page picks it up without a reload.
    message = OutboundMessage.objects.filter(owner_id=ShiftCampaign.objects.get().pk).first()
    delivery_event_apply(event=NormalizedEvent(event_type="delivered", channel="sms", raw={},
                                               provider_message_id=message.provider_message_id,
                                               provider_event="TEXT_DELIVERED"))
    # A selector, not wait_for_function: Playwright evaluates that string with eval, which the CSP refuses.
    page.wait_for_selector("#p-delivered:text-is('1')", timeout=10000)
    page.screenshot(path=str(SCREENSHOTS / "shifts-campaign-progress.png"), full_page=True)
