"""API keys carry rights: scopes (what a key may call) and senders (who it may send as)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from incidents.models import Incident
from messaging.api.keys import api_key_create
from messaging.models import AllowListEntry, ApiKey, Contact, Dispatch, OutboundMessage
from messaging.omnichannel.services import dispatch_fallback_due
from shifts.models import Shift, ShiftCampaign
from tests.support.omnichannel import SMS_TO_EMAIL, payload

pytestmark = pytest.mark.django_db

# Every scope a full-rights key holds: messaging's own and the ones incidents and shifts declare.
ALL = ["messages", "log", "contacts", "all_messages", "incidents", "shifts"]


def client_for(*, scopes=None, senders=None) -> APIClient:
    _, raw = api_key_create(name="scoped", scopes=scopes, senders=senders)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


def _stored() -> dict:
    return {"contacts": Contact.objects.count(), "allow": AllowListEntry.objects.count(),
            "incidents": Incident.objects.count(), "shifts": Shift.objects.count(),
            "campaigns": ShiftCampaign.objects.count(), "dispatches": Dispatch.objects.count(),
            "messages": OutboundMessage.objects.count()}


CALLS = [
    ("messages", "post", "/api/v1/messages/", SMS_TO_EMAIL),
    ("log", "get", "/api/v1/message-log/", None),
    ("log", "get", "/api/v1/messages/1/", None),
    ("contacts", "post", "/api/v1/contacts/", {"name": "Ana", "phone": "+12065550101"}),
    ("shifts", "post", "/api/v1/allow-list/", {"phone": "+12065550101", "scope": "shifts"}),
    ("incidents", "post", "/api/v1/incidents/", {"description": "Leak", "contacts": ["+12065550101"]}),
    ("incidents", "get", "/api/v1/incidents/1/", None),
    ("incidents", "post", "/api/v1/incidents/1/resolve/", {}),
    ("shifts", "post", "/api/v1/shifts/", {"code": "XYZ1234", "info": "Night"}),
    ("shifts", "get", "/api/v1/shifts/", None),
    ("shifts", "get", "/api/v1/shifts/XYZ1234/", None),
    ("shifts", "post", "/api/v1/shift-campaigns/", {"name": "N", "message": "Shifts!", "tag": "t"}),
]


@pytest.mark.parametrize("scope, method, path, body", CALLS, ids=[f"{m} {p}" for _, m, p, _ in CALLS])
def test_a_key_without_the_scope_gets_403_naming_it_and_changes_nothing(
        scope, method, path, body, django_capture_on_commit_callbacks):
    client = client_for(scopes=[s for s in ALL if s != scope])
    before = _stored()
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)(path, body, format="json")
    assert response.status_code == 403
    assert f"'{scope}'" in response.json()["detail"]
    assert _stored() == before


@pytest.mark.parametrize("scope, method, path, body", CALLS, ids=[f"{m} {p}" for _, m, p, _ in CALLS])
def test_a_key_with_only_that_scope_gets_past_the_door(scope, method, path, body,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client_for(scopes=[scope]), method)(path, body, format="json")
    # What happens next is the endpoint's business (201, 404 for an unknown id, 400 for a missing
    # tag); the key itself is not refused.
    assert response.status_code not in (401, 403), response.content


def test_a_log_reader_cannot_send_and_a_sender_cannot_read_the_log(django_capture_on_commit_callbacks):
    reader, sender = client_for(scopes=["log", "all_messages"]), client_for(scopes=["messages"])
    with django_capture_on_commit_callbacks(execute=True):
        sent = sender.post("/api/v1/messages/", SMS_TO_EMAIL, format="json")
    assert sent.status_code == 202
    assert sender.get("/api/v1/message-log/").status_code == 403
    assert sender.get(f"/api/v1/messages/{sent.json()['id']}/").status_code == 403
    assert reader.post("/api/v1/messages/", SMS_TO_EMAIL, format="json").status_code == 403
    log = reader.get("/api/v1/message-log/").json()["results"]
    assert [m["recipient"] for m in log] == ["+12065550123"]
    assert reader.get(f"/api/v1/messages/{sent.json()['id']}/").status_code == 200


# ---------------------------------------------------------------- whose messages `log` reads


def test_a_log_key_reads_what_it_sent_and_not_another_services_codes(django_capture_on_commit_callbacks):
    otp, shop = client_for(scopes=["messages", "log"]), client_for(scopes=["messages", "log"])
    with django_capture_on_commit_callbacks(execute=True):
        code = otp.post("/api/v1/messages/", SMS_TO_EMAIL, format="json").json()["id"]
        shipped = {**SMS_TO_EMAIL["pc"], "recipient": "+12065550124",
                   "sms": {**SMS_TO_EMAIL["pc"]["sms"], "message": "Your order shipped"}}
        order = shop.post("/api/v1/messages/", payload(pc=shipped), format="json").json()["id"]
    shop_log = shop.get("/api/v1/message-log/").json()["results"]
    assert [m["body"] for m in shop_log] == ["Your order shipped"]
    assert shop.get("/api/v1/message-log/?recipient=%2B12065550123").json()["results"] == []
    assert shop.get(f"/api/v1/messages/{code}/").status_code == 404
    assert shop.get(f"/api/v1/messages/{order}/").status_code == 200
    assert [m["body"] for m in otp.get("/api/v1/message-log/").json()["results"]] == ["Your code is 1234"]
    # A log-only key sent nothing, so it reads nothing.
    assert client_for(scopes=["log"]).get("/api/v1/message-log/").json()["results"] == []


def test_the_fallback_a_worker_sends_later_is_still_the_keys(django_capture_on_commit_callbacks):
    otp = client_for(scopes=["messages", "log"])
    with django_capture_on_commit_callbacks(execute=True):
        sent = otp.post("/api/v1/messages/", SMS_TO_EMAIL, format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_fallback_due(dispatch_id=sent)  # the fallback timer, as the worker fires it
    log = otp.get("/api/v1/message-log/").json()["results"]
    assert sorted(m["channel"] for m in log) == ["email", "sms"]
    assert client_for(scopes=["messages", "log"]).get("/api/v1/message-log/").json()["results"] == []


def test_all_messages_keys_and_full_rights_keys_read_everything(capsys, django_capture_on_commit_callbacks):
    otp = client_for(scopes=["messages", "log"])
    with django_capture_on_commit_callbacks(execute=True):
        otp.post("/api/v1/messages/", SMS_TO_EMAIL, format="json")
    # The portal's own sends (an incident page here) belong to no key.
    Contact.objects.create(name="Ana", phone="+12065550101")
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(scopes=["incidents"]).post("/api/v1/incidents/", {
            "description": "Leak", "contacts": ["+12065550101"]}, format="json").status_code == 201
    everything = {"+12065550123", "+12065550101"}
    _, monitoring = _create("monitoring", "--scope", "log", "--all-messages", capsys=capsys)
    _, full = _create("e2e", capsys=capsys)
    for raw in (monitoring, full):
        reader = APIClient()
        reader.credentials(HTTP_X_API_KEY=raw)
        assert {m["recipient"] for m in reader.get("/api/v1/message-log/").json()["results"]} == everything
    assert otp.get("/api/v1/message-log/").json()["results"][0]["recipient"] == "+12065550123"
    assert len(otp.get("/api/v1/message-log/").json()["results"]) == 1


def test_a_key_with_no_scopes_can_do_nothing():
    client = client_for(scopes=[])
    for _, method, path, body in CALLS:
        assert getattr(client, method)(path, body, format="json").status_code == 403


# ---------------------------------------------------------------- senders


def test_a_key_sends_only_as_its_senders(django_capture_on_commit_callbacks):
    client = client_for(senders=["+12065550100", "@example.com"])
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post("/api/v1/messages/", SMS_TO_EMAIL, format="json")
        named = payload(fc={**SMS_TO_EMAIL["fc"], "sender": "Ops <OPS@Example.com>"})
        also_ok = client.post("/api/v1/messages/", named, format="json")
    assert ok.status_code == 202 and also_ok.status_code == 202
    assert set(OutboundMessage.objects.values_list("sender", flat=True)) == {"+12065550100"}


@pytest.mark.parametrize("field, sender", [
    ("pc", "+12065550199"),                    # another number
    ("pc", "arn:aws:sms-voice:us-east-1:1:pool/pool-1"),
    ("fc", "ceo@example.org"),                 # another domain
    ("fc", "Support <noreply@example.com.evil.test>"),
])
def test_a_sender_not_on_the_key_is_a_400_naming_that_sender_and_nothing_is_sent(
        field, sender, django_capture_on_commit_callbacks):
    client = client_for(senders=["+12065550100", "noreply@example.com"])
    body = payload(**{field: {**SMS_TO_EMAIL[field], "sender": sender}})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/messages/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert "may not send as" in response.json()[field]["sender"][0]
    assert not Dispatch.objects.exists() and not OutboundMessage.objects.exists()


def test_an_empty_sender_list_allows_no_sender():
    response = client_for(senders=[]).post("/api/v1/messages/", SMS_TO_EMAIL, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"pc", "fc"}


# ---------------------------------------------------------------- Authorization: Bearer


def test_the_key_is_also_accepted_as_a_bearer_token():
    _, raw = api_key_create(name="alertmanager")
    client = APIClient()
    assert client.get("/api/v1/message-log/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert client.get("/api/v1/message-log/", HTTP_AUTHORIZATION=f"bearer  {raw} ").status_code == 200
    assert client.get("/api/v1/message-log/", HTTP_AUTHORIZATION="Bearer pk_wrong").status_code == 401
    assert client.get("/api/v1/message-log/", HTTP_AUTHORIZATION=f"Basic {raw}").status_code == 401


def test_a_bearer_key_keeps_its_scopes():
    _, raw = api_key_create(name="grafana", scopes=["incidents"])
    r = APIClient().get("/api/v1/message-log/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 403 and "'log'" in r.json()["detail"]


def test_the_schema_offers_both_ways_of_sending_the_key(client):
    schema = client.get("/api/schema/?format=json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
    assert schemes["Bearer"]["scheme"] == "bearer"
    # Either one: two requirements, not one that names both.
    assert schema["paths"]["/api/v1/messages/"]["post"]["security"] == [{"ApiKey": []}, {"Bearer": []}]


# ---------------------------------------------------------------- create_api_key


def _create(*args, capsys) -> tuple[ApiKey, str]:
    call_command("create_api_key", *args)
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    return ApiKey.objects.get(hashed_key=hashlib.sha256(raw.encode()).hexdigest()), raw


def test_create_api_key_by_default_makes_a_full_rights_key_printed_alone_on_the_last_line(capsys):
    key, raw = _create("e2e", capsys=capsys)
    assert raw.startswith("pk_")
    assert sorted(key.scopes) == sorted(ALL) and key.senders is None
    assert "all_messages" in key.scopes
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    assert client.get("/api/v1/message-log/").status_code == 200
    assert client.post("/api/v1/contacts/", {"name": "A", "phone": "+12065550101"}, format="json").status_code == 201


def test_create_api_key_limits_scopes_and_senders_when_asked(capsys, django_capture_on_commit_callbacks):
    key, raw = _create("otp", "--scope", "messages", "--scope", "log", "--sender", "+12065550100",
                       "--sender", "noreply@example.com", capsys=capsys)
    assert key.scopes == ["messages", "log"] and key.senders == ["+12065550100", "noreply@example.com"]
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/v1/messages/", SMS_TO_EMAIL, format="json").status_code == 202
    assert client.post("/api/v1/contacts/", {"name": "A", "phone": "+12065550101"}, format="json").status_code == 403


def test_create_api_key_refuses_an_unknown_scope(capsys):
    with pytest.raises(CommandError, match="everything"):
        call_command("create_api_key", "x", "--scope", "everything")
    assert not ApiKey.objects.exists()


# ---------------------------------------------------------------- keys made before scopes


@pytest.mark.django_db(transaction=True)
def test_keys_made_before_scopes_existed_keep_every_right():
    before = ("messaging", "0005_slimmer_event_indexes")
    after = ("messaging", "0006_api_key_scopes_idempotency_per_key")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old_apps = executor.loader.project_state([before]).apps
    raw = "pk_made-before-scopes"
    old_apps.get_model("messaging", "ApiKey").objects.create(
        name="legacy", prefix=raw[:11], hashed_key=hashlib.sha256(raw.encode()).hexdigest())
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    key = ApiKey.objects.get(name="legacy")
    assert sorted(key.scopes) == sorted(ALL) and key.senders is None
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    body = payload(pc={**SMS_TO_EMAIL["pc"], "sender": "+19995550000"})
    assert client.post("/api/v1/messages/", body, format="json").status_code == 202
    assert client.get("/api/v1/message-log/").status_code == 200
