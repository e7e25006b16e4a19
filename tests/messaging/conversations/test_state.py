"""Conversation state: one row per number however many messages race in, the answered message
remembered on a re-run, and the home page's box of threads waiting for a reply."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.template.loader import render_to_string

from messaging.conversations.selectors import conversations_needing_reply
from messaging.inbound.router import inbound_sms_receive
from messaging.models import Conversation, InboundSms
from portal.roles import ANALYST, SHIFT_MANAGER
from tests.support.aws import INBOUND_TWO_WAY_SMS
from tests.support.threads import together

PHONE = "+12065550177"


def payload(i: int, body: str = "hello, anyone there?", phone: str = PHONE) -> dict:
    return INBOUND_TWO_WAY_SMS | {"originationNumber": phone, "messageBody": body, "inboundMessageId": f"race-{i}",
                                  "previousPublishedMessageId": ""}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_messages_racing_in_from_one_number_make_one_conversation():
    together(*[lambda i=i: inbound_sms_receive(payload=payload(i)) for i in range(8)])
    assert InboundSms.objects.filter(origination_number=PHONE).count() == 8
    [conversation] = Conversation.objects.all()
    assert conversation.needs_reply and conversation.last_body == "hello, anyone there?"


@pytest.mark.django_db
def test_a_message_that_needs_nothing_leaves_an_earlier_need_for_a_reply():
    inbound_sms_receive(payload=payload(1, "where do I park tomorrow"))
    inbound_sms_receive(payload=payload(2, "STOP"))
    conversation = Conversation.objects.get(phone=PHONE)
    assert conversation.needs_reply and conversation.last_body == "STOP"


@pytest.mark.django_db
def test_the_home_page_box_lists_the_threads_waiting_for_the_users_role(django_user_model):
    inbound_sms_receive(payload=payload(1, "where do I park tomorrow"))
    inbound_sms_receive(payload=payload(2, "SAT1", phone="+12065550178"))  # a shift code, ignored, not waiting
    analyst = django_user_model.objects.create_user("ann", is_staff=True)
    analyst.groups.add(Group.objects.get(name=ANALYST))
    rows = conversations_needing_reply(user=analyst, limit=5)
    assert [r["phone"] for r in rows] == [PHONE]
    html = render_to_string("admin/_home_conversations.html", {"conversations": rows})
    assert "where do I park tomorrow" in html and f"/admin/messaging/conversation/{rows[0]['conversation'].pk}/" in html
    manager = django_user_model.objects.create_user("sam", is_staff=True)
    manager.groups.add(Group.objects.get(name=SHIFT_MANAGER))
    assert conversations_needing_reply(user=manager, limit=5) == []  # not about shifts
    assert "Nobody is waiting" in render_to_string("admin/_home_conversations.html", {"conversations": []})


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_inbound_sms_whose_number_does_not_fit_is_kept_as_failed_not_refused(post_sns):
    response, envelope = post_sns.message(payload(9) | {"originationNumber": "+1" + "2" * 40})
    assert response.status_code == 200  # never a 5xx: SNS would deliver it again for ever
    from messaging.models import NotificationStatus, SnsNotification

    stored = SnsNotification.objects.get(message_id=envelope["MessageId"])
    assert stored.status == NotificationStatus.FAILED and "DataError" in stored.error
