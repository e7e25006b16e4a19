"""POST/GET /api/v1/messages/: the seed's payload, its validation rules, and the Idempotency-Key."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from messaging.api.keys import api_key_create
from messaging.models import DeliveryEvent, Dispatch, OutboundMessage, Timer
from tests.support.omnichannel import SMS_TO_EMAIL, payload
from tests.support.threads import together

pytestmark = pytest.mark.django_db

URL = "/api/v1/messages/"


def _without(path: str) -> dict:
    data = payload()
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[p]
    del node[last]
    return data


def _with(path: str, value) -> dict:
    data = payload()
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[p]
    node[last] = value
    return data


EMAIL_PC = {"channel": "email", "sender": "noreply@example.com", "recipient": "user@example.com",
            "email": {"subject": "Hi", "text": "Hello"}}
WA_PC = {"channel": "whatsapp", "sender": "phone-number-id-1", "recipient": "+447700900123",
         "whatsapp": {"message": "Hello"}}

BAD = [
    ("no use_case", _without("use_case"), ["use_case"]),
    ("unknown use_case", _with("use_case", "blast-everything"), ["use_case"]),
    ("no fc", _without("fc"), ["fc"]),
    ("no fc for broadcast", {**_without("fc"), "use_case": "broadcast"}, ["fc"]),
    ("no pc", _without("pc"), ["pc"]),
    ("no fallback_seconds", _without("fallback_seconds"), ["fallback_seconds"]),
    ("fallback_seconds not a number", _with("fallback_seconds", "soon"), ["fallback_seconds"]),
    ("fallback_seconds zero", _with("fallback_seconds", "0"), ["fallback_seconds"]),
    ("fallback_seconds negative", _with("fallback_seconds", -5), ["fallback_seconds"]),
    ("fallback_seconds fractional", _with("fallback_seconds", "2.5"), ["fallback_seconds"]),
    # str.isdigit() is true for these, and int() refuses them: they were 500s.
    ("fallback_seconds superscript", _with("fallback_seconds", "²"), ["fallback_seconds"]),
    ("fallback_seconds other digits", _with("fallback_seconds", "٣٠"), ["fallback_seconds"]),
    ("fallback_seconds 5000 digits", _with("fallback_seconds", "9" * 5000), ["fallback_seconds"]),
    ("fallback_seconds huge", _with("fallback_seconds", 10 ** 18), ["fallback_seconds"]),
    ("unknown channel", _with("pc.channel", "pigeon"), ["pc", "channel"]),
    ("sms recipient not E.164", _with("pc.recipient", "555-0123"), ["pc", "recipient"]),
    ("sms recipient an email", _with("pc.recipient", "user@example.com"), ["pc", "recipient"]),
    ("email recipient not an address", _with("fc.recipient", "+12065550123"), ["fc", "recipient"]),
    ("email sender not an address", _with("fc.sender", "noreply"), ["fc", "sender"]),
    ("no sms object", _without("pc.sms"), ["pc", "sms", "message"]),
    ("no sms message", _without("pc.sms.message"), ["pc", "sms", "message"]),
    ("blank sms message", _with("pc.sms.message", "  "), ["pc", "sms", "message"]),
    ("no sms message_type", _without("pc.sms.message_type"), ["pc", "sms", "message_type"]),
    ("bad sms message_type", _with("pc.sms.message_type", "URGENT"), ["pc", "sms", "message_type"]),
    ("no email subject", _without("fc.email.subject"), ["fc", "email", "subject"]),
    ("no email body", _with("fc.email", {"subject": "Hi"}), ["fc", "email", "text"]),
    ("no whatsapp message", _with("pc", {**WA_PC, "whatsapp": {}}), ["pc", "whatsapp", "message"]),
    ("whatsapp recipient not E.164", _with("pc", {**WA_PC, "recipient": "07700900123"}), ["pc", "recipient"]),
    ("no sender", _without("pc.sender"), ["pc", "sender"]),
    ("no recipient", _without("fc.recipient"), ["fc", "recipient"]),
]


@pytest.mark.parametrize("data,path", [(d, p) for _, d, p in BAD], ids=[name for name, _, _ in BAD])
def test_a_bad_payload_is_refused_whole_naming_the_field(api, data, path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, data, format="json")
    assert response.status_code == 400, response.json()
    node = response.json()
    for key in path:
        assert key in node, (path, response.json())
        node = node[key]
    assert isinstance(node, list) and node and all(isinstance(m, str) for m in node)
    assert not Dispatch.objects.exists()
    assert not OutboundMessage.objects.exists()
    assert not Timer.objects.exists()


def test_several_errors_are_reported_together(api):
    data = _with("fc.recipient", "nope")
    data["pc"]["sms"] = {}
    body = api.post(URL, data, format="json").json()
    required = ["This field is required."]
    assert body == {"pc": {"sms": {"message": required, "message_type": required}},
                    "fc": {"recipient": body["fc"]["recipient"]}}


def test_a_body_that_is_not_an_object_is_refused(api):
    response = api.post(URL, [SMS_TO_EMAIL], format="json")
    assert response.status_code == 400
    assert not Dispatch.objects.exists()


@pytest.mark.parametrize("value", ["30", 30, " 30 ", 30.0])
def test_fallback_seconds_may_be_a_string_or_a_number(api, value, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, _with("fallback_seconds", value), format="json")
    assert response.status_code == 202
    assert Dispatch.objects.get().fallback_seconds == 30


def test_channel_names_are_matched_in_any_case_as_the_seed_writes_them(api, django_capture_on_commit_callbacks):
    data = payload(use_case="Broadcast")
    data["pc"]["channel"] = "SMS"
    data["fc"]["channel"] = "Email"
    data["fc"]["Email"] = data["fc"].pop("email")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, data, format="json")
    assert response.status_code == 202, response.json()
    assert sorted(OutboundMessage.objects.values_list("channel", flat=True)) == ["email", "sms"]


def test_unused_channel_objects_with_placeholders_are_ignored(api, django_capture_on_commit_callbacks):
    data = payload()
    data["pc"]["email"] = {"subject": "<email subject>"}
    data["fc"]["sms"] = {"message_type": "<PROMOTIONAL/TRANSACTIONAL>"}
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(URL, data, format="json").status_code == 202


def test_the_reply_is_202_with_id_and_status_and_get_returns_the_attempts(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, SMS_TO_EMAIL, format="json")
    assert response.status_code == 202
    body = response.json()
    assert isinstance(body["id"], int) and body["status"] in ("queued", "sent")
    detail = api.get(f"{URL}{body['id']}/").json()
    assert {"id", "use_case", "status", "attempts", "fallback"} <= set(detail)
    (primary,) = detail["attempts"]
    assert {"role", "channel", "recipient", "status", "provider_message_id", "created_at", "sent_at",
            "delivered_at", "failed_at"} <= set(primary)
    assert (primary["role"], primary["channel"], primary["recipient"]) == ("primary", "sms", "+12065550123")
    assert detail["fallback"]["state"] == "waiting" and detail["fallback"]["due_at"]


def test_an_unknown_id_is_404(api):
    assert api.get(f"{URL}999999/").status_code == 404


def test_the_api_needs_a_key(client):
    assert client.post(URL, SMS_TO_EMAIL, content_type="application/json").status_code in (401, 403)
    assert not Dispatch.objects.exists()


def test_the_same_idempotency_key_returns_the_first_result_and_sends_nothing_new(
        api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(URL, SMS_TO_EMAIL, format="json", HTTP_IDEMPOTENCY_KEY="order-1234-otp")
        again = api.post(URL, SMS_TO_EMAIL, format="json", HTTP_IDEMPOTENCY_KEY="order-1234-otp")
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Dispatch.objects.count() == 1
    assert OutboundMessage.objects.count() == 1
    assert Timer.objects.count() == 1


def test_a_different_idempotency_key_is_a_new_dispatch(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        a = api.post(URL, SMS_TO_EMAIL, format="json", HTTP_IDEMPOTENCY_KEY="k-1").json()
        b = api.post(URL, SMS_TO_EMAIL, format="json", HTTP_IDEMPOTENCY_KEY="k-2").json()
        c = api.post(URL, SMS_TO_EMAIL, format="json").json()
    assert len({a["id"], b["id"], c["id"]}) == 3


def test_a_refused_request_does_not_use_up_its_idempotency_key(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bad = api.post(URL, _without("fc"), format="json", HTTP_IDEMPOTENCY_KEY="k-9")
        good = api.post(URL, SMS_TO_EMAIL, format="json", HTTP_IDEMPOTENCY_KEY="k-9")
    assert bad.status_code == 400 and good.status_code == 202


def test_another_api_key_with_the_same_idempotency_key_gets_its_own_dispatch(
        api, django_capture_on_commit_callbacks):
    other = APIClient()
    other.credentials(HTTP_X_API_KEY=api_key_create(name="other team")[1])
    theirs = payload(pc={**SMS_TO_EMAIL["pc"], "recipient": "+12065550199"})
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(URL, SMS_TO_EMAIL, format="json", HTTP_IDEMPOTENCY_KEY="order-1")
        second = other.post(URL, theirs, format="json", HTTP_IDEMPOTENCY_KEY="order-1")
    assert first.status_code == second.status_code == 202
    assert second.json()["id"] != first.json()["id"]
    assert "Idempotent-Replayed" not in second
    assert second.json()["idempotency_key"] == "order-1"
    assert sorted(OutboundMessage.objects.values_list("recipient", flat=True)) == ["+12065550123", "+12065550199"]


def test_the_same_idempotency_key_with_another_body_is_a_422_and_sends_nothing(
        api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(URL, SMS_TO_EMAIL, format="json", HTTP_IDEMPOTENCY_KEY="order-2")
        changed = api.post(URL, payload(pc={**SMS_TO_EMAIL["pc"], "recipient": "+12065550199"}), format="json",
                           HTTP_IDEMPOTENCY_KEY="order-2")
    assert first.status_code == 202
    assert changed.status_code == 422
    error = changed.json()["Idempotency-Key"][0]
    assert "different body" in error and str(first.json()["id"]) in error
    assert Dispatch.objects.count() == 1
    assert list(OutboundMessage.objects.values_list("recipient", flat=True)) == ["+12065550123"]


def test_a_replay_may_order_keys_and_spaces_differently(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(URL, SMS_TO_EMAIL, format="json", HTTP_IDEMPOTENCY_KEY="order-3")
        reordered = json.dumps(dict(reversed(list(SMS_TO_EMAIL.items()))), indent=4)
        again = api.post(URL, reordered, content_type="application/json", HTTP_IDEMPOTENCY_KEY="order-3")
    assert again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert OutboundMessage.objects.count() == 1


def test_an_overlong_idempotency_key_is_refused(api):
    response = api.post(URL, SMS_TO_EMAIL, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Dispatch.objects.exists()


def test_the_request_is_kept_as_it_arrived(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = api.post(URL, SMS_TO_EMAIL, format="json").json()
    assert Dispatch.objects.get(pk=body["id"]).request == SMS_TO_EMAIL
    assert not DeliveryEvent.objects.exists()


def test_the_openapi_schema_documents_the_endpoints_and_the_status():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/messages/" in schema["paths"] and "/api/v1/messages/{id}/" in schema["paths"]
    status = schema["components"]["schemas"]["Dispatch"]["properties"]["status"]
    assert "suppressed" in str(status) or "Overall" in str(status)


@pytest.mark.parametrize("value", ["", "0", None, "<number of seconds until fallback channel>"])
def test_broadcast_ignores_whatever_fallback_seconds_holds(api, value, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, payload(use_case="broadcast", fallback_seconds=value), format="json")
    assert response.status_code == 202, response.json()
    assert Dispatch.objects.get().fallback_seconds is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_bodies_under_one_idempotency_key_send_one_and_the_others_are_422(api_key):
    responses = []

    def post(recipient: str):
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=api_key)
        body = payload(pc={**SMS_TO_EMAIL["pc"], "recipient": recipient})
        responses.append(client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="race-bodies"))

    together(*[lambda r=f"+1206555017{i}": post(r) for i in range(5)])
    assert sorted(r.status_code for r in responses) == [202, 422, 422, 422, 422]
    assert Dispatch.objects.count() == 1
    assert OutboundMessage.objects.count() == 1
