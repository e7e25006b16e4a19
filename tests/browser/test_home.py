"""The admin home as each role sees it, in a browser: its own panels and no one else's, with the
app list below starting with what the role works on. Screenshots: test-results/home-*.png."""

from __future__ import annotations

import pytest

from portal.roles import ANALYST, DISPATCHER, SHIFT_MANAGER
from tests.support.browser import SCREENSHOTS
from tests.support.home import PANELS, SEEN_BY, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIRST_APP = {DISPATCHER: "Incidents", SHIFT_MANAGER: "Shifts", ANALYST: "Messaging"}


@pytest.mark.parametrize("role", [DISPATCHER, SHIFT_MANAGER, ANALYST])
def test_each_role_sees_its_panels_first_and_its_apps_in_its_order(browser_page, live_server, admin_login, role):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    world(2)
    admin_login(page, live_server.url, username=role.replace(" ", "-"), groups=(role,))
    page.goto(f"{live_server.url}/admin/")
    page.screenshot(path=str(SCREENSHOTS / f"home-{role.replace(' ', '-')}.png"), full_page=True)
    shown = {panel for panel in PANELS if page.locator(f"#{panel}").count()}
    assert shown == SEEN_BY[role]
    for panel in shown:
        assert page.locator(f"#{panel}").is_visible()
    if "home-incidents" in shown:
        assert "Paging Person" in page.locator("#home-incidents").inner_text()
    assert "(America/Los_Angeles)" in page.locator("#oncall-now").inner_text()
    # The panels come before the app list, whose first module is the role's own work.
    panels_bottom = page.locator("#home-panels").bounding_box()
    apps = [a.strip().lower() for a in page.locator("#content-main .module caption").all_inner_texts()]
    first_app = [a for a in apps if a in ("incidents", "shifts", "messaging", "on call")][0]
    assert first_app == FIRST_APP[role].lower()
    assert page.locator(f"#content-main .app-{first_app}").bounding_box()["y"] > \
        panels_bottom["y"] + panels_bottom["height"] - 1
