"""/api/v1/ contacts, allow-list and message log, and key authentication."""

import pytest
from django.core.management import call_command

from messaging.models import AllowListEntry, ApiKey, Contact, OutboundMessage
from messaging.outbound.send import message_send

pytestmark = pytest.mark.django_db


def test_create_contact_then_same_phone_updates_it(api):
    r = api.post("/api/v1/contacts/", {"name": "Ana", "phone": "+12065550101", "email": "ana@example.com",
                                       "tags": ["gas-engineers"]}, format="json")
    assert r.status_code == 201
    body = r.json()
    assert body["phone"] == "+12065550101" and body["tags"] == ["gas-engineers"] and body["id"]
    r2 = api.post("/api/v1/contacts/", {"name": "Ana B", "phone": "+12065550101"}, format="json")
    assert r2.status_code == 200
    assert r2.json()["id"] == body["id"]
    assert Contact.objects.get().name == "Ana B"


@pytest.mark.parametrize("payload, field", [
    ({"name": "Ana", "phone": "2065550101"}, "phone"),
    ({"phone": "+12065550101"}, "name"),
    ({"name": "Ana", "phone": "+12065550101", "email": "nope"}, "email"),
    ({"name": "Ana", "phone": "+12065550101", "tags": "not-a-list"}, "tags"),
])
def test_bad_contact_input_is_a_400_naming_the_field_and_creates_nothing(api, payload, field):
    r = api.post("/api/v1/contacts/", payload, format="json")
    assert r.status_code == 400
    assert field in r.json()
    assert Contact.objects.count() == 0


def test_malformed_json_is_a_clear_400(api):
    r = api.post("/api/v1/contacts/", data="{not json", content_type="application/json")
    assert r.status_code == 400
    assert "JSON" in r.json()["detail"]


def test_allow_list_add_is_201_then_200(api):
    r = api.post("/api/v1/allow-list/", {"phone": "+12065550101", "scope": "shifts"}, format="json")
    assert r.status_code == 201
    r = api.post("/api/v1/allow-list/", {"phone": "+12065550101", "scope": "shifts"}, format="json")
    assert r.status_code == 200
    assert AllowListEntry.objects.count() == 1


def test_unknown_allow_list_scope_is_refused(api):
    r = api.post("/api/v1/allow-list/", {"phone": "+12065550101", "scope": "everything"}, format="json")
    assert r.status_code == 400 and "scope" in r.json()
    assert AllowListEntry.objects.count() == 0


def test_message_log_lists_every_channel_newest_first_and_filters(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message_send(channel="sms", recipient="+12065550101", body="first")
        message_send(channel="email", recipient="a@example.com", subject="s", body="second")
        message_send(channel="sms", recipient="+12065550101", body="third")
    rows = api.get("/api/v1/message-log/").json()["results"]
    assert [r["body"] for r in rows] == ["third", "second", "first"]
    assert {"id", "channel", "recipient", "subject", "body", "status", "provider_message_id",
            "created_at"} <= set(rows[0])
    sms = api.get("/api/v1/message-log/", {"recipient": "+12065550101", "channel": "sms"}).json()["results"]
    assert [r["body"] for r in sms] == ["third", "first"]
    assert all(r["status"] == "sent" and r["provider_message_id"] for r in sms)
    # An unencoded "+" arrives as a space; the filter still finds the number.
    raw = api.get("/api/v1/message-log/?recipient=+12065550101").json()["results"]
    assert len(raw) == 2


def test_requests_without_a_key_or_with_a_bad_key_are_refused(client):
    assert client.get("/api/v1/message-log/").status_code == 401
    r = client.get("/api/v1/message-log/", HTTP_X_API_KEY="pk_wrong")
    assert r.status_code in (401, 403)


def test_create_api_key_prints_the_key_alone_on_the_last_line_and_stores_only_a_hash(client, capsys):
    call_command("create_api_key", "monitoring")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    key = ApiKey.objects.get(name="monitoring")
    assert raw not in (key.hashed_key, key.prefix) and len(key.hashed_key) == 64
    assert client.get("/api/v1/message-log/", HTTP_X_API_KEY=raw).status_code == 200


def test_a_revoked_key_stops_working(client, capsys):
    from messaging.api.keys import api_key_revoke

    call_command("create_api_key", "old")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    api_key_revoke(key=ApiKey.objects.get(name="old"))
    assert client.get("/api/v1/message-log/", HTTP_X_API_KEY=raw).status_code in (401, 403)


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/contacts/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_message_log_is_empty_for_unknown_recipient(api):
    assert api.get("/api/v1/message-log/", {"recipient": "+19995550000"}).json() == {"results": []}
    assert OutboundMessage.objects.count() == 0


def test_admin_test_sms_action_puts_a_sent_message_in_the_log(admin_client, django_capture_on_commit_callbacks):
    contact = Contact.objects.create(name="Ana", phone="+12065550101")
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post("/admin/messaging/contact/",
                              {"action": "send_test_sms", "_selected_action": [contact.pk]})
    assert r.status_code == 302
    msg = OutboundMessage.objects.get(recipient="+12065550101")
    assert msg.status == "sent" and msg.owner == contact
    page = admin_client.get("/admin/messaging/outboundmessage/").content.decode()
    assert "+12065550101" in page and "Sent" in page
