"""Email in through /sns/ (a signed, real-shaped SES receipt): stored, auto-replied once with the
threading and RFC 3834 headers through SES v2 SendEmail, and never to a robot, a list or a loop."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber

from messaging.models import (
    Channel,
    Contact,
    Conversation,
    InboundEmail,
    MessageStatus,
    NotificationStatus,
    OutboundMessage,
    SnsNotification,
)
from messaging.transports import _load, clients
from tests.support.ses_receipt import OURS, mime, receipt

pytestmark = pytest.mark.django_db


@pytest.fixture
def ses(settings, monkeypatch, tmp_path):
    """The real EmailTransport with a Stubber-wrapped sesv2 client: botocore checks every parameter."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": str(tmp_path / "none"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                        "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    settings.EMAIL_TRANSPORT = "aws"
    settings.SES_CONFIGURATION_SET = ""
    client = boto3.client("sesv2", region_name="us-east-1")
    monkeypatch.setattr(clients, "aws_client", lambda service: client)
    _load.cache_clear()
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()
    _load.cache_clear()


def test_an_email_to_a_rule_address_is_stored_and_gets_one_reply_with_the_threading_headers(receive, rule, ses):
    msg = mime(subject="Where is my order?", message_id="<CAK42x7@mail.example.org>",
               headers={"References": "<first@mail.example.org>"})
    ses.add_response("send_email", {"MessageId": "0100018f-reply-0001"}, {
        "FromEmailAddress": OURS,
        "Destination": {"ToAddresses": ["ana@example.org"]},
        "Content": {"Simple": {
            "Subject": {"Data": "Re: Where is my order?", "Charset": "UTF-8"},
            "Body": {"Text": {"Data": ANY, "Charset": "UTF-8"}, "Html": {"Data": ANY, "Charset": "UTF-8"}},
            "Headers": [{"Name": "In-Reply-To", "Value": "<CAK42x7@mail.example.org>"},
                        {"Name": "References", "Value": "<first@mail.example.org> <CAK42x7@mail.example.org>"},
                        {"Name": "Auto-Submitted", "Value": "auto-replied"}],
        }},
        "EmailTags": ANY,
    })
    email = receive(msg, ses_id="ses-in-0001")

    assert (email.from_address, email.from_name, email.subject) == ("ana@example.org", "Ana Lima", "Where is my order?")
    assert email.text_body.strip() == "Hello, my order has not arrived."
    assert email.message_id == "<CAK42x7@mail.example.org>" and email.spam_verdict == "PASS"
    assert email.notification.status == NotificationStatus.PROCESSED
    reply = OutboundMessage.objects.get(channel=Channel.EMAIL)
    assert (reply.recipient, reply.status, reply.provider_message_id) == ("ana@example.org", MessageStatus.SENT,
                                                                          "0100018f-reply-0001")
    assert reply.body == "Dear Ana Lima, we got your email (ses-in-0001)."
    assert reply.options["html"] == "<p>Dear Ana Lima, we got your email (ses-in-0001).</p>"
    assert email.auto_reply == reply and "Auto-replied" in email.outcome


def test_utf8_content_is_read_as_well_as_base64(receive, rule, locmem):
    email = receive(mime(text="Olá, tudo bem?"), encoding="UTF8")
    assert email.text_body.strip() == "Olá, tudo bem?"
    assert len(locmem.outbox) == 1


def test_a_known_sender_is_named_by_their_contact_and_the_email_is_in_their_conversation(receive, rule, locmem,
                                                                                         admin_client):
    Contact.objects.create(name="Ana", phone="+12065550101", email="Ana@Example.org")
    email = receive(mime(subject="Shift swap"))
    assert email.contact.phone == "+12065550101"
    assert locmem.outbox[0].body.startswith("Dear Ana,")
    conversation = Conversation.objects.get(phone="+12065550101")
    page = admin_client.get(f"/admin/messaging/conversation/{conversation.pk}/change/").content.decode()
    assert "Shift swap" in page and "my order has not arrived" in page


def test_a_second_email_within_auto_reply_days_gets_no_reply(receive, rule, locmem):
    receive(mime(subject="One"))
    second = receive(mime(subject="Two"))
    assert len(locmem.outbox) == 1
    assert "answered within the last 4 days" in second.outcome


def test_after_auto_reply_days_the_sender_is_answered_again(receive, rule, locmem, settings):
    settings.AUTO_REPLY_DAYS = 0
    receive(mime(subject="One"))
    receive(mime(subject="Two"))
    assert len(locmem.outbox) == 2


@pytest.mark.parametrize("headers,kwargs,reason", [
    ({"Auto-Submitted": "auto-replied"}, {}, "Auto-Submitted: auto-replied"),
    ({"Auto-Submitted": "auto-generated"}, {}, "Auto-Submitted: auto-generated"),
    ({}, {"source": ""}, "empty sender"),
    ({}, {"sender": "MAILER-DAEMON@mail.example.org"}, "mail system"),
    ({}, {"sender": "postmaster@mail.example.org"}, "mail system"),
    ({}, {"sender": "noreply@shop.example"}, "mail system"),
    ({}, {"sender": "staff-request@lists.example"}, "request address"),
    ({"Precedence": "bulk"}, {}, "Precedence: bulk"),
    ({"Precedence": "list"}, {}, "Precedence: list"),
    ({"Precedence": "junk"}, {}, "Precedence: junk"),
    ({"List-Id": "<staff.lists.example>"}, {}, "List-Id"),
    ({"List-Unsubscribe": "<mailto:leave@lists.example>"}, {}, "List-Unsubscribe"),
    ({}, {"spam": "FAIL"}, "spam"),
    ({}, {"virus": "FAIL"}, "virus"),
    ({}, {"sender": "portal@example.com"}, "our own addresses"),
    ({}, {"sender": OURS}, "our own addresses"),
])
def test_the_loop_guards_each_stop_the_reply(receive, rule, locmem, settings, headers, kwargs, reason):
    settings.SES_FROM_EMAIL = "Portal <portal@example.com>"
    sender = kwargs.pop("sender", "Ana Lima <ana@example.org>")
    email = receive(mime(sender=sender, headers=headers), **kwargs)
    assert locmem.outbox == []
    assert reason in email.outcome and email.outcome.startswith("No auto-reply")


def test_auto_submitted_no_is_a_person_and_is_answered(receive, rule, locmem):
    receive(mime(headers={"Auto-Submitted": "no"}))
    assert len(locmem.outbox) == 1


def test_a_delivery_report_is_not_answered(receive, rule, locmem):
    report = mime(text="Delivery failed")
    report.replace_header("Content-Type", 'multipart/report; report-type=delivery-status; boundary="b1"')
    raw = (b"From: Mail Delivery <bounces@mail.example.org>\r\nTo: help@portal.example\r\nSubject: Undelivered\r\n"
           b"Message-ID: <r1@mail.example.org>\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
           b"--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n--b1--\r\n")
    email = receive(raw, source="bounces@mail.example.org")
    assert locmem.outbox == [] and "multipart/report" in email.outcome


def test_mail_to_an_address_without_a_rule_is_stored_and_not_answered(receive, rule, locmem):
    email = receive(mime(to="sales@portal.example"), recipients=["sales@portal.example"])
    assert locmem.outbox == [] and "no auto-reply rule matches sales@portal.example" in email.outcome


def test_a_domain_rule_answers_any_address_of_the_domain(receive, api, locmem):
    api.post("/api/v1/email-auto-replies/", {"match": "@portal.example", "subject_prefix": "[Auto]",
                                             "text": "Thanks {name}"}, format="json")
    receive(mime(to="sales@portal.example", subject="Quote"), recipients=["sales@portal.example"])
    (sent,) = locmem.outbox
    assert (sent.subject, sent.body, sent.sender) == ("[Auto] Quote", "Thanks Ana Lima", "sales@portal.example")


def test_the_same_email_delivered_twice_is_stored_once_and_answered_once(post_sns, rule, locmem):
    message = receipt(mime())
    post_sns.message(message)
    post_sns.message(message)  # a second notification of the same email (another rule, a replay)
    assert InboundEmail.objects.count() == 1 and len(locmem.outbox) == 1


@pytest.mark.parametrize("message,reason", [
    ({"notificationType": "Received", "receipt": {"action": {"type": "SNS"}}}, "needs a 'mail'"),
    ({"notificationType": "Received", "mail": {"source": "a@b.example"}, "receipt": {"action": {"type": "SNS"}}},
     "no messageId"),
    ({"notificationType": "Received", "mail": {"messageId": "x1"}, "receipt": {"action": {"type": "Lambda"}}},
     "only SNS"),
    ({"notificationType": "Received", "mail": {"messageId": "x2"}, "receipt": {"action": {"type": "SNS",
      "encoding": "BASE64"}}, "content": 42}, "not a string"),
    ({"notificationType": "Received", "mail": {"messageId": "x3"},
      "receipt": {"action": {"type": "S3", "bucketName": "elsewhere", "objectKey": "k"}}}, "not SES_RECEIPT_S3_BUCKET"),
])
def test_a_receipt_that_cannot_be_read_is_refused_with_the_reason_and_answered_200(post_sns, message, reason):
    response, envelope = post_sns.message(message)
    assert response.status_code == 200  # SNS must not retry it for ever
    row = SnsNotification.objects.get(message_id=envelope["MessageId"])
    assert row.status == NotificationStatus.REFUSED and reason in row.error
    assert InboundEmail.objects.count() == 0


def test_garbage_base64_and_mime_are_stored_not_a_500(post_sns, rule, locmem):
    message = receipt(b"\xff\xfe not mime at all \x00")
    response, envelope = post_sns.message(message)
    assert response.status_code == 200
    assert SnsNotification.objects.get(message_id=envelope["MessageId"]).status == NotificationStatus.PROCESSED
    assert locmem.outbox == []  # no From: an empty sender


def test_a_receipt_is_not_taken_for_a_sending_event(post_sns):
    """SES's own sending events carry "mail" too; a receipt must not become a delivery event."""
    from messaging.models import DeliveryEvent

    post_sns.message(receipt(mime()))
    assert DeliveryEvent.objects.count() == 0


def test_the_admin_refuses_an_unknown_placeholder_and_shows_a_received_email(receive, rule, locmem, admin_client):
    response = admin_client.post("/admin/messaging/emailautoreply/add/", {
        "match": "@portal.example", "subject_prefix": "Re:", "text": "Hi {first_name}", "html": "", "enabled": "on"})
    assert response.status_code == 200 and "Unknown placeholder {first_name}" in response.content.decode()
    email = receive(mime(subject="Broken boiler", headers={"X-Mailer": "Tests"}))
    page = admin_client.get(f"/admin/messaging/inboundemail/{email.pk}/change/").content.decode()
    assert "Broken boiler" in page and "X-Mailer" in page and "spam PASS" in page and "Auto-replied" in page


def test_a_from_address_mail_cannot_be_sent_to_gets_no_reply_and_no_error(receive, rule, locmem):
    raw = (b'From: "Quote\\" <x@y.z>\r\nTo: help@portal.example\r\nSubject: odd\r\nMessage-ID: <q@y.z>\r\n\r\nHi\r\n')
    email = receive(raw, source="x@y.z")
    assert locmem.outbox == [] and "not one mail can be sent to" in email.outcome
    assert email.notification.status == NotificationStatus.PROCESSED


@pytest.mark.parametrize("encoding", ["BASE64", "UTF8"])
def test_a_receipt_that_names_no_action_is_read_from_its_content_either_way(post_sns, rule, locmem, encoding):
    message = receipt(mime(text="No action named"), encoding=encoding)
    del message["receipt"]["action"]
    response, _ = post_sns.message(message)
    assert response.status_code == 200
    assert InboundEmail.objects.get().text_body.strip() == "No action named" and len(locmem.outbox) == 1
