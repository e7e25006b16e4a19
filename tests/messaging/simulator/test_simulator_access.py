"""The phone simulator, tried as an attacker would: it exists only while every channel is
simulated, reading needs the message log's view permission, acting needs more, only simulated
sends can be marked, and no body of any shape gets a 500."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import Group, Permission

from messaging.models import (
    InboundSms,
    MessageStatus,
    OptOut,
    OutboundMessage,
    SnsNotification,
    Suppression,
)
from messaging.outbound.send import message_send
from portal.roles import ANALYST, DISPATCHER, SHIFT_MANAGER
from tests.support.qcluster import ROOT

pytestmark = pytest.mark.django_db

PHONE = "+12065550188"
READ_URLS = ["/simulator/", "/simulator/api/phones/", f"/simulator/api/conversation/?phone=%2B{PHONE[1:]}"]


@pytest.fixture
def sent(run):
    msg = run(message_send, channel="sms", recipient=PHONE, body="Incident 9: reply YES to accept")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT
    return msg


@pytest.fixture
def as_user(client, django_user_model):
    def login(*, groups=(), perms=(), username="someone"):
        user = django_user_model.objects.create_user(username, password="pw-for-tests-123", is_staff=True)
        user.groups.set(Group.objects.filter(name__in=groups))
        for codename in perms:
            user.user_permissions.add(Permission.objects.get(codename=codename))
        client.force_login(user)
        return client

    return login


def post_json(client, url, body, run=None):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    if run is None:
        return client.post(url, data=raw, content_type="application/json")
    return run(client.post, url, data=raw, content_type="application/json")


# ------------------------------------------------------------------ mounted only when simulated


def _in_a_fresh_process(code: str, **env) -> str:
    base = {k: v for k, v in os.environ.items()
            if not k.endswith("_TRANSPORT") and k not in ("SIMULATOR_ENABLED", "DJANGO_SETTINGS_MODULE")}
    r = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code], cwd=ROOT,
                       env={**base, "DJANGO_SETTINGS_MODULE": "tests.settings", **env},
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


_PROBE = """
from django.conf import settings
from django.test import Client
print(settings.SIMULATOR_ENABLED, Client().get("/simulator/").status_code,
      Client().get("/simulator/api/phones/").status_code)
"""


def test_with_any_real_transport_the_simulator_is_not_there():
    # Anonymous: a mounted simulator sends you to the login page (302), an absent one is 404.
    assert _in_a_fresh_process(_PROBE) == "True 302 302"
    assert _in_a_fresh_process(_PROBE, EMAIL_TRANSPORT="aws") == "False 404 404"
    assert _in_a_fresh_process(_PROBE, SMS_TRANSPORT="aws", VOICE_TRANSPORT="aws") == "False 404 404"
    # An operator may still mount it on purpose, or switch it off with every channel simulated.
    assert _in_a_fresh_process(_PROBE, WHATSAPP_TRANSPORT="aws", SIMULATOR_ENABLED="true") == "True 302 302"
    assert _in_a_fresh_process(_PROBE, SIMULATOR_ENABLED="false") == "False 404 404"


def test_switched_off_every_view_is_404_and_the_admin_index_does_not_list_it(admin_client, sent, settings, run):
    assert 'href="/simulator/"' in admin_client.get("/admin/").content.decode()
    settings.SIMULATOR_ENABLED = False
    for url in READ_URLS:
        assert admin_client.get(url).status_code == 404, url
    r = post_json(admin_client, "/simulator/api/reply/", {"phone": PHONE, "body": "STOP"}, run)
    assert r.status_code == 404
    r = post_json(admin_client, "/simulator/api/mark/", {"message_id": sent.pk, "outcome": "failed"}, run)
    assert r.status_code == 404
    assert not OptOut.objects.exists() and not InboundSms.objects.exists()
    assert OutboundMessage.objects.get(pk=sent.pk).status == MessageStatus.SENT
    index = admin_client.get("/admin/").content.decode()
    assert "Phone simulator" not in index and "Delivery report" in index


# ------------------------------------------------------------------ who may read, who may act


def test_anonymous_users_are_sent_to_the_login(client):
    for url in READ_URLS:
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith("/admin/login/"), url


def test_staff_without_the_message_log_permission_may_not_read(as_user, sent):
    c = as_user(perms=["view_inboundsms"])  # inbound texts alone are not the message log
    for url in READ_URLS:
        assert c.get(url).status_code == 403, url
    r = c.get("/simulator/api/conversation/", {"phone": PHONE})
    assert r.status_code == 403 and "view the message log" in r.json()["detail"]
    assert "Phone simulator" not in c.get("/admin/").content.decode()


def test_an_analyst_reads_conversations_but_cannot_reply_or_mark(as_user, sent, run):
    c = as_user(groups=[ANALYST])
    page = c.get("/simulator/")
    assert page.status_code == 200 and "not answer as a phone" in page.content.decode()
    assert 'href="/simulator/"' in c.get("/admin/").content.decode()
    convo = c.get("/simulator/api/conversation/", {"phone": PHONE}).json()["messages"]
    assert [m["body"] for m in convo] == ["Incident 9: reply YES to accept"]

    r = post_json(c, "/simulator/api/reply/", {"phone": PHONE, "body": "STOP"}, run)
    assert r.status_code == 403 and "not act as a phone" in r.json()["detail"]
    r = post_json(c, "/simulator/api/mark/", {"message_id": sent.pk, "outcome": "failed"}, run)
    assert r.status_code == 403
    assert not OptOut.objects.exists()
    assert OutboundMessage.objects.get(pk=sent.pk).status == MessageStatus.SENT


@pytest.mark.parametrize("group", [DISPATCHER, SHIFT_MANAGER])
def test_dispatchers_and_shift_managers_answer_as_a_phone_and_mark(as_user, sent, run, group):
    c = as_user(groups=[group])
    assert "not answer as a phone" not in c.get("/simulator/").content.decode()
    r = post_json(c, "/simulator/api/mark/", {"message_id": sent.pk, "outcome": "delivered"}, run)
    assert r.status_code == 200 and r.json()["status"] == MessageStatus.DELIVERED
    r = post_json(c, "/simulator/api/reply/", {"phone": PHONE, "body": "STOP"}, run)
    assert r.status_code == 200
    assert OptOut.objects.filter(phone=PHONE).exists()


def test_a_message_sent_by_a_real_provider_cannot_be_marked(admin_client, run):
    # The simulator may be switched on with email on AWS; a fake bounce of a real email would
    # put a real address on the suppression list.
    real = OutboundMessage.objects.create(channel="email", recipient="ops@example.com", subject="Hi", body="x",
                                          status=MessageStatus.SENT,
                                          provider_message_id="0100018f3e1b7c2d-6a1b2c3d-ses-000000")
    r = post_json(admin_client, "/simulator/api/mark/", {"message_id": real.pk, "outcome": "failed"}, run)
    assert r.status_code == 400 and "real provider" in r.json()["message_id"][0]
    assert not Suppression.objects.exists()
    assert OutboundMessage.objects.get(pk=real.pk).status == MessageStatus.SENT
    sms = OutboundMessage.objects.create(channel="sms", recipient=PHONE, body="real", status=MessageStatus.SENT,
                                         provider_message_id="a1b2c3d4-aws-sms-id")
    convo = admin_client.get("/simulator/api/conversation/", {"phone": PHONE}).json()["messages"]
    assert [m["can_mark"] for m in convo if m["id"] == sms.pk] == [False]


# ------------------------------------------------------------------ bodies of every shape


DEEP = "[" * 100000
BAD_BODIES = [
    (DEEP, "detail"),
    ('{"phone": ' + "[" * 100000 + "]" * 100000 + ', "body": "x"}', "detail"),
    ('{"phone": "+12065550188", "body": Infinity}', "detail"),
    ('{"phone": "+12065550188", "body": NaN}', "detail"),
    ('{"phone": "+12065550188", "body": -Infinity}', "detail"),
    ('{"phone": "+12065550188", "body": "\\ud800 STOP"}', "body"),
    ('{"phone": "+12065550188\\udfff", "body": "STOP"}', "phone"),
    ('{"phone": "+12065550188", "body": "ST\\u0000OP"}', "body"),
    (b'{"phone": "+12065550188", "body": "\xff\xfe"}', "detail"),
    ('["+12065550188", "STOP"]', "detail"),
    ('"STOP"', "detail"),
    ("42", "detail"),
    ("null", "detail"),
    ("{not json", "detail"),
    ({"phone": 12065550188, "body": "STOP"}, "phone"),
    ({"phone": ["+12065550188"], "body": "STOP"}, "phone"),
    ({"phone": PHONE, "body": {"text": "STOP"}}, "body"),
    ({"phone": PHONE, "body": ["STOP"]}, "body"),
    ({"phone": PHONE, "body": True}, "body"),
    ({"phone": PHONE, "body": "x" * 1601}, "body"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_a_bad_reply_body_is_a_clear_400_and_changes_nothing(admin_client, sent, run, body, field):
    r = post_json(admin_client, "/simulator/api/reply/", body, run)
    assert r.status_code == 400, r.content[:200]
    assert field in r.json() and all(isinstance(m, str) and m for m in r.json()[field])
    assert not InboundSms.objects.exists() and not OptOut.objects.exists()


BAD_MARKS = [
    ({"message_id": True, "outcome": "failed"}, "message_id"),  # not message 1
    ({"message_id": 1.0, "outcome": "failed"}, "message_id"),
    ({"message_id": "1e3", "outcome": "failed"}, "message_id"),
    ({"message_id": 10**30, "outcome": "failed"}, "message_id"),
    ({"message_id": -1, "outcome": "failed"}, "message_id"),
    ({"message_id": None, "outcome": "failed"}, "message_id"),
    ({"message_id": [1], "outcome": "failed"}, "message_id"),
    ({"message_id": "١", "outcome": "failed"}, "message_id"),  # an Arabic-Indic one
    ({"outcome": "failed"}, "message_id"),
    ('{"message_id": Infinity, "outcome": "failed"}', "detail"),
    ('{"message_id": NaN, "outcome": "failed"}', "detail"),
    ({"message_id": "SENT_ID", "outcome": ["failed"]}, "outcome"),
    ({"message_id": "SENT_ID", "outcome": 1}, "outcome"),
    ({"message_id": "SENT_ID", "outcome": "failed\ud800"}, "outcome"),
    (DEEP, "detail"),
    ("[]", "detail"),
]


@pytest.mark.parametrize(("body", "field"), BAD_MARKS, ids=range(len(BAD_MARKS)))
def test_a_bad_mark_body_is_a_clear_400_and_changes_nothing(admin_client, sent, run, body, field):
    if isinstance(body, dict) and body.get("message_id") == "SENT_ID":
        body = {**body, "message_id": sent.pk}
    # json.dumps escapes a lone surrogate as \ud800, which is how a client would send it.
    r = post_json(admin_client, "/simulator/api/mark/", body, run)
    assert r.status_code == 400, r.content[:200]
    assert field in r.json()
    assert OutboundMessage.objects.get(pk=sent.pk).status == MessageStatus.SENT
    assert not SnsNotification.objects.exists()


def test_a_message_id_may_come_as_a_number_or_a_string_of_digits(admin_client, sent, run):
    r = post_json(admin_client, "/simulator/api/mark/", {"message_id": str(sent.pk), "outcome": "delivered"}, run)
    assert r.status_code == 200 and r.json()["status"] == MessageStatus.DELIVERED


def test_a_form_post_still_works(admin_client, sent, run):
    r = run(admin_client.post, "/simulator/api/reply/", {"phone": PHONE, "body": "HELP"})
    assert r.status_code == 200 and r.json()["reply"]
    r = run(admin_client.post, "/simulator/api/reply/", {"phone": PHONE, "body": "a\x00b"})
    assert r.status_code == 400 and "body" in r.json()
