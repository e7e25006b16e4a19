"""The phone simulator's JSON endpoints and the inbound admin pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from messaging.consent.keywords import OPT_OUT_REPLY
from messaging.consent.optouts import optout_record
from messaging.models import (
    Contact,
    DeliveryEvent,
    InboundSms,
    MessageStatus,
    NotificationStatus,
    OptOut,
    OutboundMessage,
    SnsNotification,
    Suppression,
)
from messaging.outbound.send import message_send

pytestmark = pytest.mark.django_db

PHONE = "+12065550177"


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel="sms", recipient=PHONE, body="Incident 7: reply YES to accept")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT
    return msg


def post(client, url, data, capture):
    with capture(execute=True):
        return client.post(url, data=data, content_type="application/json")


def test_reply_is_wrapped_as_aws_would_and_refers_to_the_last_outbound(admin_client, sent,
                                                                        django_capture_on_commit_callbacks):
    r = post(admin_client, "/simulator/api/reply/", {"phone": PHONE, "body": "HELP"},
             django_capture_on_commit_callbacks)
    assert r.status_code == 200, r.content
    inbound = InboundSms.objects.get()
    assert inbound.previous_published_message_id == sent.provider_message_id
    assert inbound.destination_number == sent.sender
    assert set(inbound.raw) == {"originationNumber", "destinationNumber", "messageKeyword", "messageBody",
                                "inboundMessageId", "previousPublishedMessageId"}
    n = inbound.notification
    assert (n.type, n.status, n.kind) == ("Notification", NotificationStatus.PROCESSED, "inbound_sms")
    assert {"Type", "MessageId", "TopicArn", "Message", "Timestamp", "SignatureVersion"} <= set(n.raw)
    assert r.json()["reply"] == inbound.reply != ""

    convo = admin_client.get("/simulator/api/conversation/", {"phone": PHONE}).json()["messages"]
    assert [(m["direction"], m["body"][:4]) for m in convo] == [("out", "Inci"), ("in", "HELP"), ("out", "Oper")]


def test_mark_delivered_or_failed_emits_the_provider_event(admin_client, sent, django_capture_on_commit_callbacks):
    r = post(admin_client, "/simulator/api/mark/", {"message_id": sent.pk, "outcome": "delivered"},
             django_capture_on_commit_callbacks)
    assert r.json()["status"] == MessageStatus.DELIVERED
    event = DeliveryEvent.objects.get()
    assert (event.provider_event, event.notification.kind) == ("TEXT_DELIVERED", "sms_event")
    other = message_send(channel="sms", recipient=PHONE, body="second")
    OutboundMessage.objects.filter(pk=other.pk).update(status=MessageStatus.SENT, provider_message_id="sim-x")
    r = post(admin_client, "/simulator/api/mark/", {"message_id": other.pk, "outcome": "failed"},
             django_capture_on_commit_callbacks)
    assert r.json()["status"] == MessageStatus.FAILED


def test_bad_input_is_400_naming_the_field_and_creates_nothing(admin_client, sent):
    assert admin_client.post("/simulator/api/reply/", {"phone": "12345", "body": "x"},
                             content_type="application/json").json().keys() == {"phone"}
    assert admin_client.post("/simulator/api/reply/", {"phone": PHONE, "body": "  "},
                             content_type="application/json").json().keys() == {"body"}
    assert admin_client.post("/simulator/api/mark/", {"message_id": sent.pk, "outcome": "lost"},
                             content_type="application/json").json().keys() == {"outcome"}
    assert admin_client.post("/simulator/api/mark/", {"message_id": 999999, "outcome": "failed"},
                             content_type="application/json").json().keys() == {"message_id"}
    queued = message_send(channel="sms", recipient=PHONE, body="never handed over")
    assert admin_client.post("/simulator/api/mark/", {"message_id": queued.pk, "outcome": "failed"},
                             content_type="application/json").status_code == 400
    assert not InboundSms.objects.exists() and not SnsNotification.objects.exists()


def test_phones_lists_log_inbound_and_contacts(admin_client, sent, django_capture_on_commit_callbacks):
    Contact.objects.create(name="Quiet Quinn", phone="+12065550199")
    post(admin_client, "/simulator/api/reply/", {"phone": "+12065550155", "body": "hello?"},
         django_capture_on_commit_callbacks)
    phones = {p["phone"]: p for p in admin_client.get("/simulator/api/phones/").json()["phones"]}
    assert {PHONE, "+12065550155", "+12065550199"} <= set(phones)
    assert phones["+12065550199"]["name"] == "Quiet Quinn"


def test_simulator_needs_staff_and_acting_needs_permission(client, django_user_model):
    assert client.get("/simulator/").status_code == 302  # to the admin login
    analyst = django_user_model.objects.create_user("ana", password="pw", is_staff=True)
    # Reading the simulator takes the message log's view permission (messaging.simulator.views).
    analyst.user_permissions.add(Permission.objects.get(codename="view_outboundmessage"))
    client.force_login(analyst)
    page = client.get("/simulator/")
    assert page.status_code == 200 and "not answer as a phone" in page.content.decode()
    r = client.post("/simulator/api/reply/", {"phone": PHONE, "body": "STOP"}, content_type="application/json")
    assert r.status_code == 403
    assert not OptOut.objects.exists()


def test_admin_index_links_to_the_simulator(admin_client):
    assert 'href="/simulator/"' in admin_client.get("/admin/").content.decode()


# --------------------------------------------------------------------------- admin pages


def test_admin_changelists_render_with_filters_and_search(admin_client, sent, django_capture_on_commit_callbacks):
    post(admin_client, "/simulator/api/reply/", {"phone": PHONE, "body": "STOP"}, django_capture_on_commit_callbacks)
    Suppression.objects.create(address="gone@example.com", reason="bounce")
    for url in ("snsnotification", "deliveryevent", "inboundsms", "optout", "suppression"):
        r = admin_client.get(f"/admin/messaging/{url}/", {"q": "2065"})
        assert r.status_code == 200, url
        assert admin_client.get(f"/admin/messaging/{url}/").status_code == 200
    n = SnsNotification.objects.first()
    assert admin_client.get(f"/admin/messaging/snsnotification/{n.pk}/change/").status_code == 200
    assert "consent_handler" in admin_client.get("/admin/messaging/inboundsms/").content.decode()
    assert OPT_OUT_REPLY[:20] in admin_client.get("/admin/messaging/inboundsms/").content.decode()


def test_admin_opt_in_action_and_manual_opt_out(admin_client):
    optout_record(phone=PHONE, keyword="STOP", source="keyword")
    r = admin_client.post("/admin/messaging/optout/", {"action": "opt_in",
                                                       "_selected_action": [OptOut.objects.get().pk]}, follow=True)
    assert "Opted 1 number" in r.content.decode()
    assert not OptOut.objects.get().active
    r = admin_client.post("/admin/messaging/optout/add/", {"phone": "+12065550166"}, follow=True)
    assert r.status_code == 200
    added = OptOut.objects.get(phone="+12065550166")
    assert (added.active, added.source) == (True, "admin")
    r = admin_client.post("/admin/messaging/optout/add/", {"phone": "not a phone"})
    assert r.status_code == 200 and "E.164" in r.content.decode()


def test_admin_confirm_subscription_action(admin_client, monkeypatch):
    from messaging.inbound import notifications

    n = SnsNotification.objects.create(
        message_id="sub-1", type="SubscriptionConfirmation", kind="subscription", raw={},
        subscribe_url="https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc")
    fetched = []

    class Ok:
        status_code = 200

    monkeypatch.setattr(notifications.requests, "get", lambda url, **kw: fetched.append(url) or Ok())
    r = admin_client.post("/admin/messaging/snsnotification/", {"action": "confirm_subscription",
                                                                 "_selected_action": [n.pk]}, follow=True)
    assert "Confirmed subscription" in r.content.decode()
    assert fetched == [n.subscribe_url]
    n.refresh_from_db()
    assert n.confirmed_at is not None and n.status == NotificationStatus.PROCESSED


def test_a_shift_code_from_a_number_not_on_the_allow_list_shows_as_ignored_with_the_reason(
        admin_client, django_capture_on_commit_callbacks):
    r = post(admin_client, "/simulator/api/reply/", {"phone": "+12065550177", "body": "XYZ1234"},
             django_capture_on_commit_callbacks)
    assert r.json()["status"] == "ignored"
    [message] = admin_client.get("/simulator/api/conversation/", {"phone": "+12065550177"}).json()["messages"]
    assert (message["status"], message["outcome"]) == ("ignored", "sender not on the shifts allow-list; ignored")
    assert ".badge.ignored" in admin_client.get("/simulator/").content.decode()
