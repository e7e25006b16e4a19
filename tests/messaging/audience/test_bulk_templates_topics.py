"""A bulk send through a template in each recipient's language, and one about a topic: opted-out
people skipped, List-Unsubscribe on every email, and ``{preferences_url}`` a page that opens
(CONTRACT "Bulk sends", "Templates and topics"), driven through the API as the outside suite is."""

from __future__ import annotations

import pytest

from messaging.models import OutboundMessage

pytestmark = pytest.mark.django_db

MX, AR, FR = "+12065550111", "+12065550112", "+12065550113"


def test_a_bulk_send_through_a_template_speaks_each_recipients_language(post, locmem):
    for name, phone, locale in [("Lupe", MX, "es-MX"), ("Sofia", AR, "es-AR"), ("Amelie", FR, "fr")]:
        post("/api/v1/contacts/", {"name": name, "phone": phone, "locale": locale}, expect=201)
    post("/api/v1/templates/", {"name": "shift-reminder", "placeholders": ["shift"], "variants": [
        {"channel": "sms", "body": "Hi {name}, your shift {shift} starts soon."},
        {"channel": "sms", "locale": "es", "body": "Hola {name}, tu turno {shift} empieza pronto."},
        {"channel": "sms", "locale": "es-MX", "body": "Qué onda {name}, tu turno {shift} ya casi empieza."}]})

    sent = post("/api/v1/bulk-sends/", {"name": "Reminders", "template": "shift-reminder", "recipients": [
        {"phone": MX, "shift": "A1"}, {"phone": AR, "shift": "B2"}, {"phone": FR, "shift": "C3"}]})

    bodies = dict(OutboundMessage.objects.filter(owner_id=sent["id"]).values_list("recipient", "body"))
    assert bodies == {MX: "Qué onda Lupe, tu turno A1 ya casi empieza.",
                      AR: "Hola Sofia, tu turno B2 empieza pronto.",
                      FR: "Hi Amelie, your shift C3 starts soon."}


def test_a_template_with_a_placeholder_no_recipient_fills_is_refused(post, api):
    post("/api/v1/templates/", {"name": "needs-shift", "placeholders": ["shift"],
                                "variants": [{"channel": "sms", "body": "Your shift {shift}"}]})
    refused = api.post("/api/v1/bulk-sends/", {"name": "x", "template": "needs-shift",
                                               "recipients": [{"phone": MX}]}, format="json")
    assert refused.status_code == 400 and "shift" in str(refused.json()["template"])
    unknown = api.post("/api/v1/bulk-sends/", {"name": "x", "template": "nope", "recipients": [{"phone": MX}]},
                       format="json")
    assert unknown.status_code == 400 and "template" in unknown.json()


def test_a_topic_email_skips_who_opted_out_carries_list_unsubscribe_and_its_preferences_url_opens(
        post, locmem, client):
    post("/api/v1/contacts/", {"name": "Ana", "phone": MX, "email": "ana@example.com"})
    post("/api/v1/contacts/", {"name": "Ben", "phone": AR, "email": "ben@example.com"})
    post("/api/v1/topics/", {"name": "newsletter"})
    first = post("/api/v1/bulk-sends/", {
        "name": "News 1", "channel": "email", "topic": "newsletter", "subject": "News for {name}",
        "message": "Hello {name}. Your choices: {preferences_url}",
        "recipients": [{"email": "ana@example.com"}, {"email": "ben@example.com"}]})
    mail = OutboundMessage.objects.get(owner_id=first["id"], recipient="ben@example.com")
    headers = {h["Name"]: h["Value"] for h in mail.options["headers"]}
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Ben opens his preferences link (no login), then unsubscribes with one click.
    url = mail.body.split("Your choices: ", 1)[1].strip()
    page = client.get(url[url.index("/preferences/"):])
    assert page.status_code == 200 and b"newsletter" in page.content
    unsubscribe = headers["List-Unsubscribe"].strip("<>").split(">", 1)[0]
    assert client.post(unsubscribe[unsubscribe.index("/preferences/"):], data="List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded").status_code == 200

    second = post("/api/v1/bulk-sends/", {
        "name": "News 2", "channel": "email", "topic": "newsletter", "subject": "News", "message": "Hello {name}",
        "recipients": [{"email": "ana@example.com"}, {"email": "ben@example.com"}]}, expect=201)

    assert list(OutboundMessage.objects.filter(owner_id=second["id"]).values_list("recipient", flat=True)) == [
        "ana@example.com"]
