"""An email answering an incident's email (the final action's, to the duty manager) acts as that
SMS reply would: through /sns/ as a signed SES receipt, routed by the inbound handlers."""

from __future__ import annotations

import pytest

from incidents.models import IncidentStatus
from incidents.services import incident_open
from messaging.models import Channel, InboundEmail, InboundSms, OutboundMessage
from tests.support.incidents import ANA, CLEO, at
from tests.support.ses_receipt import mime, receipt

pytestmark = pytest.mark.django_db
PORTAL = "portal@example.com"


@pytest.fixture
def unacknowledged(people, policy_factory, locmem, settings, django_capture_on_commit_callbacks):
    """An incident nobody accepted: its final action emailed Cleo, the duty manager."""
    settings.SES_FROM_EMAIL = PORTAL
    policy = policy_factory([([ANA], 5, 0, False)], final_action="email", final_contact=CLEO)
    incident = incident_open(description="Gas leak at 5 Main St", policy=policy)
    with django_capture_on_commit_callbacks(execute=True):
        at(incident, 5)
    page = OutboundMessage.objects.get(channel=Channel.EMAIL, recipient="cleo@example.com")
    assert page.provider_message_id and incident.__class__.objects.get(pk=incident.pk).status == "unacknowledged"
    return incident, page


def email_in(post_sns, text: str, *, sender: str = "Cleo <cleo@example.com>", subject: str = "Re: anything",
             in_reply_to: str | None = None, headers: dict | None = None) -> InboundEmail:
    headers = dict(headers or {})
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = in_reply_to
    message = receipt(mime(sender=sender, to=PORTAL, subject=subject, text=text, headers=headers),
                      recipients=[PORTAL])
    response, _ = post_sns.message(message)
    assert response.status_code == 200
    return InboundEmail.objects.get(ses_message_id=message["mail"]["messageId"])


def quoted(first: str) -> str:
    return f"{first}\n\nOn Mon, 7 Dec 2026 at 09:00, Portal <{PORTAL}> wrote:\n> [#1] UNACKNOWLEDGED\n> YES"


def test_yes_in_reply_to_the_page_email_acknowledges_the_incident_and_is_answered_by_email(post_sns, unacknowledged,
                                                                                            locmem):
    incident, page = unacknowledged
    sent_before = len(locmem.outbox)
    email = email_in(post_sns, quoted("YES, on my way."), subject=f"Re: {page.subject}",
                     in_reply_to=f"<{page.provider_message_id}@email.amazonses.com>")

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED and incident.acknowledged_by.phone == CLEO
    routed = email.routed
    assert (routed.channel, routed.body, routed.answers_id) == (Channel.EMAIL, "YES", page.pk)
    assert routed.handled_by == "incidents.inbound.incident_reply_handler"
    answer = locmem.outbox[sent_before:]
    to_cleo = [m for m in answer if m.recipient == "cleo@example.com"]
    assert len(to_cleo) == 1 and to_cleo[0].channel == "email"
    assert to_cleo[0].subject == f"Re: {page.subject}"
    assert {"Name": "Auto-Submitted", "Value": "auto-replied"} in to_cleo[0].options["headers"]
    assert not InboundSms.objects.filter(channel=Channel.SMS).exists()  # nothing pretended to be a text


def test_without_threading_headers_the_sender_and_subject_find_the_page(post_sns, unacknowledged):
    incident, page = unacknowledged
    email = email_in(post_sns, "resolve - valve closed", subject=f"RE: {page.subject}")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED and "resolved by Cleo (email)" in email.outcome


def test_an_out_of_office_answer_acknowledges_nothing(post_sns, unacknowledged):
    incident, page = unacknowledged
    email = email_in(post_sns, "YES I am away until Monday", headers={"Auto-Submitted": "auto-replied"},
                     in_reply_to=f"<{page.provider_message_id}@email.amazonses.com>")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.UNACKNOWLEDGED and email.routed is None


def test_someone_the_page_was_not_sent_to_changes_nothing(post_sns, unacknowledged, people):
    incident, page = unacknowledged
    email = email_in(post_sns, "YES", sender="Ana <ana@example.com>",
                     in_reply_to=f"<{page.provider_message_id}@email.amazonses.com>")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.UNACKNOWLEDGED and email.routed is None


def test_free_text_answering_the_page_goes_on_the_timeline(post_sns, unacknowledged):
    incident, page = unacknowledged
    email = email_in(post_sns, quoted("Who is looking at this?"),
                     in_reply_to=f"<{page.provider_message_id}@email.amazonses.com>")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.UNACKNOWLEDGED
    assert incident.events.filter(kind="replied", inbound=email.routed).exists()
    assert email.routed.body == "Who is looking at this?"


def test_stop_by_email_is_no_sms_opt_out(post_sns, unacknowledged):
    from messaging.consent.optouts import phone_is_opted_out

    incident, page = unacknowledged
    email_in(post_sns, "STOP", in_reply_to=f"<{page.provider_message_id}@email.amazonses.com>")
    assert not phone_is_opted_out(phone=CLEO)
