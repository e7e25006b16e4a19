"""The review's "headers" finding, replayed in a real browser: every page the portal serves comes
with a Content-Security-Policy, and under it the admin (its home, a change form with inlines and
autocomplete widgets, the incident form's live preview), the phone simulator, the report's
charts, the schedule page's timeline and the API docs all work with no violation; an injected
inline script does not run."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from messaging.models import Contact, InboundSms
from messaging.outbound.send import message_send
from oncall.services import schedule_create
from tests.portal.test_report import log
from tests.support.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "+12065550142"
# Recorded in each document as it loads, so violations of every page are kept.
WATCH = """window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline")));"""


class Watch:
    def __init__(self, page):
        self.page, self.console, self.headers = page, [], {}
        page.add_init_script(WATCH)
        page.on("console", lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("response", lambda r: self.headers.__setitem__(r.url, r.headers.get("content-security-policy")))

    def visit(self, url: str):
        response = self.page.goto(url)
        assert response.status == 200, url
        assert "script-src 'self' 'nonce-" in (response.headers.get("content-security-policy") or ""), url
        return response

    def assert_clean(self, where: str):
        violations = self.page.evaluate("window.__cspViolations")
        assert violations == [] and self.console == [], (where, violations, self.console)


@pytest.fixture
def watch(browser_page):
    return Watch(browser_page)


def test_every_page_works_under_the_policy_with_no_violation(watch, live_server, admin_login):
    page, base = watch.page, live_server.url
    zone = zoneinfo.ZoneInfo("Europe/London")
    ana = Contact.objects.create(name="Ana Engineer", phone="+447700900101")
    schedule = schedule_create(name="East gas", time_zone="Europe/London", turn_hours=24, members=[ana],
                               handoff=datetime.combine(timezone.now().astimezone(zone).date() - timedelta(days=1),
                                                        time(8), tzinfo=zone))
    for days_ago in (0, 3):
        log(seconds_to_deliver=5, days_ago=days_ago)
    message_send(channel="sms", recipient=PHONE, body="Incident 12: gas leak on Elm St. Reply YES to accept")

    admin_login(page, base)
    watch.visit(f"{base}/admin/")
    page.wait_for_selector("text=Phone simulator")
    watch.assert_clean("admin home")

    # A change form with inline rows and autocomplete widgets (the admin's own JavaScript).
    watch.visit(f"{base}/admin/incidents/escalationpolicy/add/")
    before = page.locator("#levels-group tr.form-row:not(.empty-form)").count()
    page.click("#levels-group .add-row a")
    assert page.locator("#levels-group tr.form-row:not(.empty-form)").count() == before + 1
    page.locator("#levels-group tr.form-row:not(.empty-form) .select2-selection").first.click()
    page.wait_for_selector(".select2-results__option >> text=Ana Engineer")
    page.keyboard.press("Escape")
    watch.assert_clean("policy change form")

    # The incident form's inline (nonce'd) script fetches the live SMS preview.
    watch.visit(f"{base}/admin/incidents/incident/add/")
    page.fill("#id_description", "Gas smell at 5 Main St")
    page.wait_for_selector("#sms-live-text:has-text('5 Main St')")
    watch.assert_clean("incident add form")

    # The simulator: answer as a phone, see the answer.
    watch.visit(f"{base}/simulator/")
    page.click(f"#phones a[data-phone='{PHONE}']")
    page.wait_for_selector(".bubble.out >> text=gas leak on Elm St")
    page.fill("#reply-body", "hello")
    page.click("#send")
    page.wait_for_selector(".bubble.in >> text=hello")
    assert InboundSms.objects.filter(body="hello").exists()
    watch.assert_clean("simulator")

    # The report: charts drawn, and the period switch (a nonce'd listener, not onchange=).
    watch.visit(f"{base}/admin/report/")
    drawn = page.locator("#daily-chart rect.segment").count()
    assert drawn >= 2  # today's and three days ago's messages, stacked by status
    page.select_option("#days", "7")
    page.wait_for_url("**/admin/report/?days=7")
    assert page.locator("#daily-chart rect.segment").count() == drawn  # both days are in the last 7
    watch.assert_clean("report")

    # The schedule page: the timeline's bars are placed and coloured.
    watch.visit(f"{base}/admin/oncall/schedule/{schedule.pk}/change/")
    bar = page.locator("#oncall-timeline .block").first
    assert bar.bounding_box()["width"] > 0
    assert page.evaluate("getComputedStyle(document.querySelector('#oncall-timeline .block')).backgroundColor") \
        not in ("", "rgba(0, 0, 0, 0)")
    watch.assert_clean("schedule page")

    # The API docs: Swagger UI starts from its own script URL.
    watch.visit(f"{base}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Operations portal API" in page.inner_text(".swagger-ui .info .title")
    watch.assert_clean("API docs")
    page.screenshot(path=str(SCREENSHOTS / "csp-api-docs.png"), full_page=True)

    # Every response the browser received carried the policy: pages, the docs' script, JSON. (The
    # live server serves /static/ itself, past the middleware; tests/security/test_headers.py
    # checks static files through WhiteNoise as a deployment serves them.)
    missing = [url for url, csp in watch.headers.items()
               if url.startswith(base) and not url.startswith(f"{base}/static/") and not csp]
    assert missing == [] and len(watch.headers) > 10


def test_an_injected_inline_script_is_refused(watch, live_server, admin_login):
    page, base = watch.page, live_server.url
    admin_login(page, base)
    watch.visit(f"{base}/admin/")
    page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.__injected = true";
        document.body.appendChild(s);
        const img = document.createElement("img");
        img.setAttribute("onerror", "window.__injected = true");
        img.src = "/no-such-image.png";
        document.body.appendChild(img);
    }""")
    for _ in range(50):  # page.wait_for_function evaluates with eval, which this very policy refuses
        if len(page.evaluate("window.__cspViolations")) >= 2:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("window.__injected === undefined")
    assert all(v.startswith("script-src") for v in page.evaluate("window.__cspViolations"))
