"""A reply belongs to the message it answers (issue 20), driven as the black-box suite would:
incidents and campaigns through the API, replies as signed SNS posts to /sns/."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from incidents.models import EventKind, Incident, IncidentStatus
from messaging.audience.bulk import bulk_send_check, bulk_send_start
from messaging.audience.replies import bulk_send_replies, bulk_send_reply_by_phone
from messaging.contacts import allow_list_add, contact_upsert
from messaging.models import BulkSend, Conversation, InboundSms, InboundStatus, OutboundMessage
from tests.support.aws import INBOUND_TWO_WAY_SMS

pytestmark = pytest.mark.django_db

ANA, BEN, CLEO = "+12065550101", "+12065550102", "+12065550103"
_ids = itertools.count()


@pytest.fixture
def people(db):
    for name, phone in (("Ana", ANA), ("Ben", BEN), ("Cleo", CLEO)):
        contact_upsert(name=name, phone=phone, tags=["overtime"])


@pytest.fixture
def send(api, django_capture_on_commit_callbacks):
    """POST to the API as a client would; the sends it queues run (they would after commit)."""
    def post(url, data):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(url, data, format="json")
        assert response.status_code in (200, 201), response.content
        return response.json()
    return post


def text(post_sns, phone: str, body: str, previous: str = "") -> InboundSms:
    payload = INBOUND_TWO_WAY_SMS | {"originationNumber": phone, "messageBody": body,
                                     "messageKeyword": (body.split() or [""])[0].upper(),
                                     "inboundMessageId": f"conv-{next(_ids)}",
                                     "previousPublishedMessageId": previous}
    response, _ = post_sns.message(payload)
    assert response.status_code == 200
    return InboundSms.objects.get(inbound_message_id=payload["inboundMessageId"])


def page_of(incident_id: int, phone: str) -> OutboundMessage:
    return OutboundMessage.objects.filter(owner_id=incident_id, recipient=phone, channel="sms",
                                          owner_type__model="incident").earliest("id")


def last_sms_to(phone: str) -> str:
    return OutboundMessage.objects.filter(recipient=phone, channel="sms").latest("id").body


def bulk_send_to(phones, template="Hi, the Saturday shift is yours if you reply YES", send_now=True):
    data = ("phone\n" + "\n".join(phones) + "\n").encode()
    bulk = bulk_send_check(name="saturday.csv", template=template, data=data, source="admin")
    bulk_send_start(bulk=bulk, data=data)
    return BulkSend.objects.get(pk=bulk.pk)


def test_a_yes_to_a_campaign_leaves_the_incident_alone_and_a_yes_to_the_page_acknowledges_it(
        people, send, post_sns, django_capture_on_commit_callbacks):
    incident = send("/api/v1/incidents/", {"description": "Gas leak at Dock 3", "contacts": [BEN]})
    allow_list_add(phone=BEN, scope="shifts")
    send("/api/v1/shift-campaigns/", {"name": "Saturday", "message": "Saturday overtime: reply SAT1 to book",
                                      "tag": "overtime"})
    campaign_sms = OutboundMessage.objects.filter(recipient=BEN, owner_type__model="shiftcampaign").get()

    yes_to_campaign = text(post_sns, BEN, "YES", previous=campaign_sms.provider_message_id)
    assert yes_to_campaign.answers == campaign_sms
    assert Incident.objects.get(pk=incident["id"]).status == IncidentStatus.NOT_ACKNOWLEDGED
    assert yes_to_campaign.handled_by == "shifts.inbound.shift_command_handler"

    yes_to_page = text(post_sns, BEN, "YES", previous=page_of(incident["id"], BEN).provider_message_id)
    assert Incident.objects.get(pk=incident["id"]).status == IncidentStatus.ACKNOWLEDGED
    assert "it's yours" in yes_to_page.reply


def test_a_yes_to_a_bulk_send_is_recorded_there_and_does_not_acknowledge_the_page(people, send, post_sns,
                                                                                  django_capture_on_commit_callbacks):
    incident = send("/api/v1/incidents/", {"description": "Gas leak at Dock 3", "contacts": [BEN]})
    with django_capture_on_commit_callbacks(execute=True):
        bulk = bulk_send_to([BEN, CLEO])
    # Ben answers the latest text he got (no previousPublishedMessageId): the bulk send's offer.
    inbound = text(post_sns, BEN, "yes ")
    assert inbound.answers.owner == bulk
    assert inbound.handled_by == "messaging.audience.replies.bulk_send_reply_handler"
    assert Incident.objects.get(pk=incident["id"]).status == IncidentStatus.NOT_ACKNOWLEDGED
    assert bulk_send_replies(bulk=bulk) == {"YES": 1}
    assert bulk_send_reply_by_phone(bulk=bulk) == {BEN: "yes "}
    assert not Incident.objects.get(pk=incident["id"]).events.filter(kind=EventKind.ACKNOWLEDGED).exists()


def test_yes_with_the_number_of_an_incident_you_were_not_paged_for_names_the_one_you_are_paged_for(
        people, send, post_sns):
    incident = send("/api/v1/incidents/", {"description": "Gas leak at Dock 3", "contacts": [ANA]})
    inbound = text(post_sns, ANA, "Yes 999")
    assert Incident.objects.get(pk=incident["id"]).status == IncidentStatus.NOT_ACKNOWLEDGED
    assert inbound.reply == last_sms_to(ANA)
    assert "not paged for #999" in inbound.reply and f"#{incident['id']}" in inbound.reply
    assert f"YES {incident['id']}" in inbound.reply


def test_free_text_to_a_page_goes_on_the_timeline_and_into_the_inbox(people, send, post_sns, api):
    incident = send("/api/v1/incidents/", {"description": "Gas leak at Dock 3", "contacts": [ANA]})
    inbound = text(post_sns, ANA, "Running 10 min late")
    assert inbound.status == InboundStatus.HANDLED
    event = Incident.objects.get(pk=incident["id"]).events.get(kind=EventKind.REPLIED)
    assert (event.note, event.inbound) == ("Running 10 min late", inbound)
    assert Incident.objects.get(pk=incident["id"]).status == IncidentStatus.NOT_ACKNOWLEDGED
    detail = api.get(f"/api/v1/incidents/{incident['id']}/").json()
    assert [(e["event"], e["note"]) for e in detail["timeline"] if e["event"] == "replied"] == [
        ("replied", "Running 10 min late")]

    listed = api.get("/api/v1/conversations/?needs_reply=true").json()["results"]
    assert [(r["phone"], r["contact"], r["last_body"], r["needs_reply"]) for r in listed] == [
        (ANA, "Ana", "Running 10 min late", True)]
    thread = api.get("/api/v1/conversations/%2B12065550101/").json()
    assert thread["needs_reply"] is True and thread["contact"] == "Ana"
    page, answer_in = thread["messages"][0], thread["messages"][1]
    assert (page["direction"], page["about"]) == ("out", {"type": "incident", "id": incident["id"]})
    assert (answer_in["direction"], answer_in["body"], answer_in["about"]) == (
        "in", "Running 10 min late", {"type": "incident", "id": incident["id"]})


def test_text_nobody_takes_waits_for_a_person_and_gets_one_help_answer_a_day(people, post_sns):
    first = text(post_sns, CLEO, "who is this please")
    second = text(post_sns, CLEO, "hello? who is this")
    assert first.status == second.status == InboundStatus.UNHANDLED
    assert first.reply and second.reply == ""
    assert "already had one" in second.outcome
    assert OutboundMessage.objects.filter(recipient=CLEO).count() == 1
    assert Conversation.objects.get(phone=CLEO).needs_reply


def test_any_reply_of_the_portal_counts_toward_the_daily_help_answer(people, send, post_sns, api):
    send("/api/v1/incidents/", {"description": "Gas leak at Dock 3", "contacts": [ANA]})
    text(post_sns, ANA, "YES")  # answered: "it's yours"
    auto = text(post_sns, ANA, "I am out of office until Monday")  # an auto-responder
    assert auto.reply == ""
    assert len([m for m in OutboundMessage.objects.filter(recipient=ANA) if "yours" in m.body]) == 1
    assert OutboundMessage.objects.filter(recipient=ANA).count() == 2  # the page and the acknowledgement


def test_a_shift_code_from_a_campaign_recipient_not_on_the_allow_list_is_ignored_in_silence(people, send, post_sns):
    send("/api/v1/shift-campaigns/", {"name": "Saturday", "message": "Reply SAT1 to book", "tag": "overtime"})
    inbound = text(post_sns, CLEO, "SAT1")
    assert (inbound.status, inbound.reply) == (InboundStatus.IGNORED, "")
    assert OutboundMessage.objects.filter(recipient=CLEO).count() == 1  # the campaign only
    assert Conversation.objects.get(phone=CLEO).about_shifts


def test_the_reply_window_bounds_what_a_reply_without_a_reference_answers(people, send, post_sns, settings):
    incident = send("/api/v1/incidents/", {"description": "Gas leak", "contacts": [ANA]})
    OutboundMessage.objects.filter(recipient=ANA).update(created_at=timezone.now() - timezone.timedelta(hours=30))
    inbound = text(post_sns, ANA, "YES")
    assert inbound.answers is None
    # It answers no message, and Ana has exactly one open incident: that is the one.
    assert Incident.objects.get(pk=incident["id"]).status == IncidentStatus.ACKNOWLEDGED


@pytest.mark.parametrize("allow_listed", [True, False])
def test_a_one_word_answer_to_a_page_is_kept_on_the_incident_not_read_as_a_shift_code(people, send, post_sns,
                                                                                        allow_listed):
    if allow_listed:
        allow_list_add(phone=ANA, scope="shifts")
    incident = send("/api/v1/incidents/", {"description": "Gas leak", "contacts": [ANA]})
    inbound = text(post_sns, ANA, "Omw")
    assert inbound.handled_by == "incidents.inbound.incident_reply_handler"
    event = Incident.objects.get(pk=incident["id"]).events.get(kind=EventKind.REPLIED)
    assert event.note == "Omw"
    assert "not a valid shift code" not in last_sms_to(ANA)
    assert Conversation.objects.get(phone=ANA).needs_reply


def test_a_known_shift_code_still_books_whatever_the_last_message_was(people, send, post_sns):
    from shifts.services import shift_create

    allow_list_add(phone=ANA, scope="shifts")
    shift_create(code="SAT1", info="Saturday picker")
    send("/api/v1/incidents/", {"description": "Gas leak", "contacts": [ANA]})
    inbound = text(post_sns, ANA, "sat1")
    assert inbound.outcome == "booked shift SAT1"
