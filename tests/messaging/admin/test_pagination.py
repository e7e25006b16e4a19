"""The admin's big tables: counts that do not read the whole table, and search by phone."""

from __future__ import annotations

import pytest
from django.db import connection

from messaging.admin import pagination
from messaging.models import InboundSms, InboundStatus, OutboundMessage

pytestmark = pytest.mark.django_db


def messages(n, recipient="+14255550100", body="hello"):
    OutboundMessage.objects.bulk_create([OutboundMessage(channel="sms", recipient=recipient, body=body)
                                         for _ in range(n)])


def test_a_phone_search_finds_the_recipients_messages_however_the_number_is_typed(admin_client):
    messages(2)
    messages(1, recipient="+14255550199", body="call +14255550100 back")
    OutboundMessage.objects.create(channel="email", recipient="Ana@Example.com", subject="rota")
    page = admin_client.get("/admin/messaging/outboundmessage/", {"q": "+1 425-555 0100"})
    assert page.context["cl"].result_count == 2
    assert admin_client.get("/admin/messaging/outboundmessage/",
                            {"q": "ana@example.com"}).context["cl"].result_count == 1
    # a word still searches bodies
    assert admin_client.get("/admin/messaging/outboundmessage/", {"q": "back"}).context["cl"].result_count == 1


def test_small_tables_count_exactly(admin_client):
    messages(7)
    cl = admin_client.get("/admin/messaging/outboundmessage/").context["cl"]
    assert cl.result_count == 7 and cl.show_full_result_count is False


@pytest.mark.postgres
def test_on_postgresql_a_big_table_shows_the_planners_estimate_and_a_capped_filtered_count(
        admin_client, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_BELOW", 10)
    monkeypatch.setattr(pagination, "COUNT_CAP", 25)
    messages(60)
    with connection.cursor() as cur:
        cur.execute("ANALYZE messaging_outboundmessage")
    unfiltered = admin_client.get("/admin/messaging/outboundmessage/").context["cl"]
    assert unfiltered.result_count == 60  # reltuples, exact right after ANALYZE
    filtered = admin_client.get("/admin/messaging/outboundmessage/", {"status__exact": "queued"}).context["cl"]
    assert filtered.result_count == 25
    assert admin_client.get("/admin/messaging/outboundmessage/", {"p": "2"}).status_code == 200


def inbound(n, handler, to, start=0):
    InboundSms.objects.bulk_create([InboundSms(inbound_message_id=f"in-{handler}-{to}-{start + i}",
                                               origination_number="+14255550100", destination_number=to,
                                               handled_by=handler, body="YES", status=InboundStatus.HANDLED)
                                    for i in range(n)])


def test_the_inbound_list_offers_every_handler_and_number_and_filters_by_them(admin_client):
    inbound(3, "messaging.consent.consent_handler", "+18005550100")
    inbound(2, "incidents.inbound.reply_handler", "+18005550199")
    inbound(1, "", "+18005550100", start=10)
    page = admin_client.get("/admin/messaging/inboundsms/")
    specs = {spec.title: spec for spec in page.context["cl"].filter_specs}
    assert list(specs["handled by"].lookup_choices) == ["", "incidents.inbound.reply_handler",
                                                        "messaging.consent.consent_handler"]
    assert list(specs["to"].lookup_choices) == ["+18005550100", "+18005550199"]
    shown = page.content.decode()
    assert "?handled_by=incidents.inbound.reply_handler" in shown and "?destination_number=%2B18005550199" in shown
    assert admin_client.get("/admin/messaging/inboundsms/", {"handled_by": "incidents.inbound.reply_handler"}
                            ).context["cl"].result_count == 2
    assert admin_client.get("/admin/messaging/inboundsms/", {"destination_number": "+18005550100"}
                            ).context["cl"].result_count == 4


def test_distinct_values_stop_at_the_cap():
    inbound(1, "a", "+18005550101")
    inbound(1, "b", "+18005550102")
    inbound(1, "c", "+18005550103")
    assert pagination.distinct_values(InboundSms.objects.all(), "handled_by", limit=2) == ["a", "b"]
    assert pagination.distinct_values(InboundSms.objects.all(), "destination_number") == [
        "+18005550101", "+18005550102", "+18005550103"]
