"""Files sent with email by API: POST /api/v1/messages/ (the email object's "attachments") and
POST /api/v1/bulk-sends/ (channel email). Each file is stored once, whatever the number of
recipients; delivery hands the transport its bytes; bad base64, a file on SMS and an email over
SES's 40 MB are refused with the reason."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ValidationError

from messaging.audience.bulk_sends import bulk_send_create
from messaging.models import Attachment, Dispatch, OutboundMessage
from messaging.outbound.attachments import attachment_store

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 the rota\x00\xff\xfe"
FILE = {"filename": "rota.pdf", "content_type": "application/pdf", "content_base64": base64.b64encode(PDF).decode()}


def dispatch_payload(**email) -> dict:
    return {"use_case": "broadcast",
            "pc": {"channel": "email", "sender": "noreply@example.com", "recipient": "ana@example.com",
                   "email": {"subject": "Rota", "text": "Attached.", **email}},
            "fc": {"channel": "sms", "sender": "+12065550100", "recipient": "+12065550123",
                   "sms": {"message": "Rota sent by email", "message_type": "TRANSACTIONAL"}}}


def bulk_payload(**extra) -> dict:
    return {"name": "December rota", "channel": "email", "subject": "Your rota, {name}",
            "message": "Hi {name}, attached.", "recipients": [
                {"email": "ana@example.com", "name": "Ana"}, {"email": "ben@example.com", "name": "Ben"}], **extra}


def post(api, capture, url, data):
    with capture(execute=True):
        return api.post(url, data, format="json")


def test_omnichannel_email_delivers_the_file(api, locmem, django_capture_on_commit_callbacks):
    response = post(api, django_capture_on_commit_callbacks, "/api/v1/messages/", dispatch_payload(attachments=[FILE]))

    assert response.status_code == 202, response.content
    sent = [m for m in locmem.outbox if m.channel == "email"]
    assert [f["filename"] for f in sent[0].options["attachment_files"]] == ["rota.pdf"]
    assert sent[0].options["attachment_files"][0]["content"] == PDF
    assert sent[0].options["attachment_files"][0]["content_type"] == "application/pdf"
    # The stored request keeps no second copy of the bytes.
    stored = Dispatch.objects.get().request["pc"]["email"]["attachments"][0]
    assert stored["content_base64"].endswith("base64 characters>")


def test_bulk_email_stores_the_file_once_for_every_recipient(api, locmem, django_capture_on_commit_callbacks):
    response = post(api, django_capture_on_commit_callbacks, "/api/v1/bulk-sends/", bulk_payload(attachments=[FILE]))

    assert response.status_code == 201, response.content
    assert Attachment.objects.count() == 1
    assert sorted(m.recipient for m in locmem.outbox) == ["ana@example.com", "ben@example.com"]
    assert all(m.options["attachment_files"][0]["content"] == PDF for m in locmem.outbox)
    # Messages name the file; they do not copy it.
    ids = {tuple(m.options["attachments"]) for m in OutboundMessage.objects.all()}
    assert ids == {(Attachment.objects.get().pk,)}


def test_the_same_file_twice_is_stored_once(api, locmem, django_capture_on_commit_callbacks):
    for _ in range(2):
        assert post(api, django_capture_on_commit_callbacks, "/api/v1/bulk-sends/",
                    bulk_payload(attachments=[FILE])).status_code == 201
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize("url,data", [
    ("/api/v1/messages/", dispatch_payload(attachments=[{**FILE, "content_base64": "not base64!!"}])),
    ("/api/v1/bulk-sends/", bulk_payload(attachments=[{**FILE, "content_base64": "QUJD*"}])),
    ("/api/v1/bulk-sends/", bulk_payload(attachments=[{**FILE, "content_base64": ""}])),
    ("/api/v1/bulk-sends/", bulk_payload(attachments=[{**FILE, "filename": "../etc/passwd"}])),
    ("/api/v1/bulk-sends/", bulk_payload(attachments=[{**FILE, "content_type": "pdf please"}])),
    ("/api/v1/bulk-sends/", bulk_payload(attachments=[{"filename": "x.pdf"}])),
    ("/api/v1/bulk-sends/", bulk_payload(attachments="rota.pdf")),
])
def test_bad_files_are_a_400_naming_attachments(api, locmem, url, data, django_capture_on_commit_callbacks):
    response = post(api, django_capture_on_commit_callbacks, url, data)

    assert response.status_code == 400, response.content
    assert "attachments" in str(response.json())
    assert locmem.outbox == [] and Attachment.objects.count() == 0


def test_sms_carries_no_files(api, locmem, django_capture_on_commit_callbacks):
    data = {"name": "texts", "message": "Hi", "recipients": [{"phone": "+12065550101"}], "attachments": [FILE]}
    response = post(api, django_capture_on_commit_callbacks, "/api/v1/bulk-sends/", data)

    assert response.status_code == 400
    assert response.json()["attachments"] == ["Only email carries attachments."]


def test_an_email_over_ses_40_mb_is_refused_with_the_reason(locmem):
    # 31 MB is under 40 MB as bytes, but base64 makes it about 42 MB: SES would reject every message.
    big = attachment_store(filename="scan.tiff", content_type="image/tiff", content=b"\0" * (31 * 2**20))

    with pytest.raises(ValidationError) as caught:
        bulk_send_create(name="scans", channel="email", subject="Scan", message="Attached.",
                         recipients=[{"email": "ana@example.com"}], attachments=[big.pk])

    assert "40 MB" in str(caught.value) and "base64" in str(caught.value)
    assert OutboundMessage.objects.count() == 0


def test_an_email_under_the_limit_is_accepted(locmem):
    ok = attachment_store(filename="scan.tiff", content_type="image/tiff", content=b"\0" * (29 * 2**20))

    send = bulk_send_create(name="scans", channel="email", subject="Scan", message="Attached.",
                            recipients=[{"email": "ana@example.com"}], attachments=[ok.pk])

    assert send.attachments == [ok.pk]
