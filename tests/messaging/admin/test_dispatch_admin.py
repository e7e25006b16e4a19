"""The dispatches in the admin: listed, filtered, searchable, with their attempts inline."""

from __future__ import annotations

import pytest

from tests.support.omnichannel import SMS_TO_EMAIL, attempt, payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_dispatches(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        a = api.post("/api/v1/messages/", SMS_TO_EMAIL, format="json", HTTP_IDEMPOTENCY_KEY="otp-77").json()
        data = payload(use_case="broadcast")
        data["pc"]["recipient"] = "+12065550999"
        b = api.post("/api/v1/messages/", data, format="json").json()
    return a["id"], b["id"]


def test_the_list_shows_both_channels_and_filters_by_use_case(admin_client, two_dispatches):
    page = admin_client.get("/admin/messaging/dispatch/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "+12065550123" in html and "user@example.com" in html and "+12065550999" in html
    only_broadcast = admin_client.get("/admin/messaging/dispatch/?use_case__exact=broadcast").content.decode()
    assert "+12065550999" in only_broadcast and "+12065550123" not in only_broadcast


@pytest.mark.parametrize("term", ["+12065550999", "otp-77", "provider"])
def test_search_by_recipient_idempotency_key_or_provider_id(admin_client, two_dispatches, term):
    first, second = two_dispatches
    if term == "provider":
        term = attempt(second).provider_message_id
    html = admin_client.get("/admin/messaging/dispatch/", {"q": term}).content.decode()
    expected = first if term == "otp-77" else second
    assert f"/admin/messaging/dispatch/{expected}/change/" in html
    other = second if expected == first else first
    assert f"/admin/messaging/dispatch/{other}/change/" not in html


def test_the_detail_page_shows_the_attempts_inline(admin_client, two_dispatches):
    first, _ = two_dispatches
    html = admin_client.get(f"/admin/messaging/dispatch/{first}/change/").content.decode()
    sms = attempt(first)
    assert sms.provider_message_id in html
    assert "Waiting for a delivery" in html
    assert f"/admin/messaging/outboundmessage/{sms.pk}/change/" in html
