"""The Conversations admin as each role sees it: dispatchers read and answer, analysts read,
shift managers read and answer threads about shifts only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from messaging.consent.optouts import optout_record
from messaging.contacts import allow_list_add, contact_upsert
from messaging.models import Conversation, OutboundMessage
from portal.roles import ANALYST, DISPATCHER, SHIFT_MANAGER
from tests.messaging.conversations.test_replies import text

pytestmark = pytest.mark.django_db

ANA, BEN = "+12065550101", "+12065550102"
LIST = "/admin/messaging/conversation/"


@pytest.fixture
def threads(db, post_sns):
    """Ana asks a question no rule answers; Ben (not on the allow-list) texts a shift code."""
    contact_upsert(name="Ana", phone=ANA)
    text(post_sns, ANA, "is the gate code still 4412")
    text(post_sns, BEN, "SAT1")
    return Conversation.objects.get(phone=ANA), Conversation.objects.get(phone=BEN)


def login(client, django_user_model, group):
    user = django_user_model.objects.create_user(group.replace(" ", "_"), password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


def thread_url(conversation):
    return f"{LIST}{conversation.pk}/change/"


def test_a_dispatcher_sees_the_inbox_needing_reply_first_and_answers_a_thread(
        client, django_user_model, threads, django_capture_on_commit_callbacks):
    ana, ben = threads
    user = login(client, django_user_model, DISPATCHER)
    page = client.get(LIST).content.decode()
    assert page.index(ANA) < page.index(BEN)  # Ana waits for a reply; Ben's code was ignored
    assert "needs a reply" in page and "Ana" in page

    thread = client.get(thread_url(ana)).content.decode()
    assert "is the gate code still 4412" in thread and 'id="answer-form"' in thread
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{LIST}{ana.pk}/answer/", {"body": "Yes, 4412.", "channel": "sms"})
    assert response.status_code == 302
    sent = OutboundMessage.objects.filter(recipient=ANA).latest("id")
    assert (sent.body, sent.status) == ("Yes, 4412.", "sent")
    ana.refresh_from_db()
    assert (ana.needs_reply, ana.answered_by) == (False, user)

    assert client.post(f"{LIST}{ben.pk}/done/").status_code == 302
    ben.refresh_from_db()
    assert ben.done_by == user and ben.done_at is not None


def test_an_analyst_reads_every_thread_and_cannot_answer(client, django_user_model, threads):
    ana, _ = threads
    login(client, django_user_model, ANALYST)
    assert ANA in client.get(LIST).content.decode()
    thread = client.get(thread_url(ana)).content.decode()
    assert "is the gate code still 4412" in thread and 'id="answer-form"' not in thread
    assert client.post(f"{LIST}{ana.pk}/answer/", {"body": "x", "channel": "sms"}).status_code == 403
    assert client.post(f"{LIST}{ana.pk}/done/").status_code == 403
    assert not OutboundMessage.objects.filter(recipient=ANA, body="x").exists()


def test_a_shift_manager_reads_and_answers_only_threads_about_shifts(client, django_user_model, threads,
                                                                     django_capture_on_commit_callbacks):
    ana, ben = threads
    login(client, django_user_model, SHIFT_MANAGER)
    page = client.get(LIST).content.decode()
    assert BEN in page and ANA not in page
    assert client.get(thread_url(ana)).status_code in (302, 403, 404)
    assert client.post(f"{LIST}{ana.pk}/answer/", {"body": "x", "channel": "sms"}).status_code in (403, 404)
    assert 'id="answer-form"' in client.get(thread_url(ben)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{LIST}{ben.pk}/answer/", {"body": "Ask to be added", "channel": "sms"}).status_code == 302
    assert OutboundMessage.objects.filter(recipient=BEN, body="Ask to be added").exists()


def test_an_opted_out_number_has_no_answer_box_and_the_page_says_why(client, django_user_model, threads):
    ana, _ = threads
    optout_record(phone=ANA, keyword="STOP", source="keyword")
    from messaging.consent.optouts import whatsapp_optout_record

    whatsapp_optout_record(phone=ANA, keyword="STOP")
    login(client, django_user_model, DISPATCHER)
    thread = client.get(thread_url(ana)).content.decode()
    assert "opted out of SMS and WhatsApp" in thread and 'id="answer-form"' not in thread
    response = client.post(f"{LIST}{ana.pk}/answer/", {"body": "hello", "channel": "sms"})
    assert response.status_code == 200 and "opted out" in response.content.decode()
    assert not OutboundMessage.objects.filter(recipient=ANA, body="hello").exists()


def test_the_thread_links_what_each_message_was_about(client, django_user_model, post_sns, api,
                                                      django_capture_on_commit_callbacks):
    contact_upsert(name="Ana", phone=ANA)
    allow_list_add(phone=ANA, scope="shifts")
    with django_capture_on_commit_callbacks(execute=True):
        incident = api.post("/api/v1/incidents/", {"description": "Gas leak", "contacts": [ANA]}, format="json").json()
    text(post_sns, ANA, "Running 10 min late")
    login(client, django_user_model, DISPATCHER)
    thread = client.get(thread_url(Conversation.objects.get(phone=ANA))).content.decode()
    assert f'/admin/incidents/incident/{incident["id"]}/change/' in thread
    assert f"Incident #{incident['id']}" in thread and "timeline" in thread
