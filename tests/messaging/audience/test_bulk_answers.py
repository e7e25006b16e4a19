"""Answers to bulk sends: recorded on the recipient's row and counted, never touching an incident;
confirmation sends confirm each answer, remind those who did not answer, and summarise at the
deadline. Replies arrive as signed SNS posts to /sns/, as from AWS."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import EventKind, Incident, IncidentStatus
from messaging.contacts import contact_upsert
from messaging.models import BulkSend, InboundSms, OutboundMessage
from tests.support.aws import INBOUND_TWO_WAY_SMS

pytestmark = pytest.mark.django_db

ANA, BEN, CLEO, BOSS = "+12065550101", "+12065550102", "+12065550103", "+12065550199"
_ids = itertools.count()


def text(post_sns, phone: str, body: str, previous: str = "") -> InboundSms:
    payload = INBOUND_TWO_WAY_SMS | {"originationNumber": phone, "messageBody": body,
                                     "messageKeyword": (body.split() or [""])[0].upper(),
                                     "inboundMessageId": f"bulk-answer-{next(_ids)}",
                                     "previousPublishedMessageId": previous}
    response, _ = post_sns.message(payload)
    assert response.status_code == 200
    return InboundSms.objects.get(inbound_message_id=payload["inboundMessageId"])


def sms_to(phone: str) -> list[str]:
    messages = OutboundMessage.objects.filter(recipient=phone, channel="sms").order_by("id")
    return list(messages.values_list("body", flat=True))


def test_a_yes_answering_a_bulk_send_is_counted_there_and_touches_no_incident(api, post, post_sns):
    incident = post("/api/v1/incidents/", {"description": "Gas leak at Dock 3", "contacts": [BEN]})
    made = post("/api/v1/bulk-sends/", {"name": "Saturday", "message": "Saturday is yours if you reply YES",
                                        "recipients": [{"phone": BEN}, {"phone": CLEO}]})
    # Ben answers the latest text he got, without a reference: the bulk send's offer, not the page.
    text(post_sns, BEN, " yes ")
    counts = api.get(f"/api/v1/bulk-sends/{made['id']}/").json()
    assert counts["replies"] == {"YES": 1}
    rows = {r["phone"]: r for r in api.get(f"/api/v1/bulk-sends/{made['id']}/recipients/").json()["results"]}
    assert rows[BEN]["reply"] == " yes " and rows[CLEO]["reply"] is None
    got = api.get(f"/api/v1/incidents/{incident['id']}/").json()
    assert got["status"] == "not_acknowledged"
    assert not Incident.objects.get(pk=incident["id"]).events.filter(kind=EventKind.ACKNOWLEDGED).exists()
    # A plain send asks for nothing, so it confirms nothing: Ben got the page and the offer only.
    assert len(sms_to(BEN)) == 2
    # The same YES naming the page by its id acknowledges the incident, as before.
    page = OutboundMessage.objects.filter(recipient=BEN, owner_type__model="incident").earliest("id")
    text(post_sns, BEN, "YES", previous=page.provider_message_id)
    assert Incident.objects.get(pk=incident["id"]).status == IncidentStatus.ACKNOWLEDGED
    assert api.get(f"/api/v1/bulk-sends/{made['id']}/").json()["replies"] == {"YES": 1}


def test_the_latest_reply_counts_once_per_recipient(api, post, post_sns):
    made = post("/api/v1/bulk-sends/", {"name": "x", "message": "Reply YES or NO",
                                        "recipients": [{"phone": ANA}, {"phone": BEN}]})
    text(post_sns, ANA, "YES")
    text(post_sns, ANA, "no")
    text(post_sns, BEN, "No")
    assert api.get(f"/api/v1/bulk-sends/{made['id']}/").json()["replies"] == {"NO": 2}


def test_a_confirmation_send_confirms_answers_reminds_the_others_and_summarises_at_the_deadline(
        api, post, post_sns, fire):
    contact_upsert(name="Ana", phone=ANA)
    contact_upsert(name="Ben", phone=BEN)
    contact_upsert(name="Cleo", phone=CLEO)
    start = timezone.now()
    deadline = start + timedelta(hours=2)
    made = post("/api/v1/bulk-sends/", {
        "name": "Evening tablets", "message": "{name}, did you take your evening tablets? Reply TAKEN or SKIPPED",
        "recipients": [{"phone": ANA}, {"phone": BEN}, {"phone": CLEO}],
        "confirm": {"answers": ["taken", "skipped"], "reminders": 2, "reminder_minutes": 30,
                    "deadline": deadline.isoformat(), "summary_to": BOSS}})
    answer = text(post_sns, ANA, "Taken, thanks")
    assert answer.reply == "Thank you, we recorded your answer: TAKEN."
    assert sms_to(ANA)[-1] == "Thank you, we recorded your answer: TAKEN."
    # Free text that is no expected answer is kept, gets no confirmation, and waits for a person.
    maybe = text(post_sns, CLEO, "maybe later")
    assert maybe.reply == "" and api.get(f"/api/v1/bulk-sends/{made['id']}/recipients/").json()["results"][2][
        "answer"] is None

    fire(start + timedelta(minutes=31))
    reminder = "Reminder: please answer TAKEN or SKIPPED to our earlier message."
    assert sms_to(BEN)[-1] == reminder and sms_to(CLEO)[-1] == reminder and reminder not in sms_to(ANA)
    text(post_sns, BEN, "skipped")
    fire(start + timedelta(minutes=61))
    assert sms_to(BEN).count(reminder) == 1 and sms_to(CLEO).count(reminder) == 2
    fire(start + timedelta(minutes=91))  # only two reminders
    assert sms_to(CLEO).count(reminder) == 2

    assert not sms_to(BOSS)
    fire(deadline)
    assert sms_to(BOSS) == [f"Evening tablets: 1 of 3 did not confirm: Cleo {CLEO}."]
    rows = {r["phone"]: r for r in api.get(f"/api/v1/bulk-sends/{made['id']}/recipients/").json()["results"]}
    assert (rows[ANA]["answer"], rows[BEN]["answer"], rows[CLEO]["answer"]) == ("TAKEN", "SKIPPED", None)
    counts = api.get(f"/api/v1/bulk-sends/{made['id']}/").json()
    assert counts["replies"] == {"TAKEN, THANKS": 1, "SKIPPED": 1, "MAYBE LATER": 1}


def test_a_reply_to_the_confirmation_itself_still_belongs_to_the_send(api, post, post_sns):
    made = post("/api/v1/bulk-sends/", {"name": "x", "message": "Reply YES or NO", "recipients": [{"phone": ANA}],
                                        "confirm": {}})
    text(post_sns, ANA, "yes")
    text(post_sns, ANA, "NO")  # answers the confirmation, the latest text Ana got: a change of mind
    send = BulkSend.objects.get(pk=made["id"])
    assert send.recipient_rows.get().answer == "NO"
    assert sms_to(ANA)[-1] == "Thank you, we recorded your answer: NO."


def test_a_key_reads_only_its_own_bulk_sends(api, post):
    from rest_framework.test import APIClient

    from messaging.api.keys import api_key_create

    made = post("/api/v1/bulk-sends/", {"name": "x", "message": "Hi", "recipients": [{"phone": ANA}]})
    _, other_raw = api_key_create(name="other", scopes=["log", "messages"])
    other = APIClient()
    other.credentials(HTTP_X_API_KEY=other_raw)
    assert other.get(f"/api/v1/bulk-sends/{made['id']}/").status_code == 404
    assert other.get(f"/api/v1/bulk-sends/{made['id']}/recipients/").status_code == 404
    _, all_raw = api_key_create(name="all", scopes=["log", "all_messages"])
    every = APIClient()
    every.credentials(HTTP_X_API_KEY=all_raw)
    assert every.get(f"/api/v1/bulk-sends/{made['id']}/").status_code == 200
