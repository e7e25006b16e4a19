"""Bulk sends through the API (CONTRACT.md "Bulk sends"), driven as the black-box suite would:
listed recipients with their own columns, a tag, send_at, quiet hours in each recipient's own
zone, expiry, cancelling, and bad input. Times are relative to now, so any day and hour will do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from messaging.audience import bulk_sends
from messaging.audience.bulk_sends import bulk_send_cancel
from messaging.contacts import contact_upsert
from messaging.models import BulkSend, OutboundMessage, Timer, TimerState

pytestmark = pytest.mark.django_db

ANA, BEN, CLEO = "+12065550101", "+12065550102", "+12065550103"


def counts(api, send_id):
    response = api.get(f"/api/v1/bulk-sends/{send_id}/")
    assert response.status_code == 200
    return response.json()


def rows(api, send_id):
    results = api.get(f"/api/v1/bulk-sends/{send_id}/recipients/").json()["results"]
    return {r.get("phone") or r.get("email"): r for r in results}


def window_around_now(zone: str, *, inside: bool) -> dict:
    """A two-hour quiet window that the clock in ``zone`` is inside now (or 6 hours clear of)."""
    local = timezone.now().astimezone(ZoneInfo(zone)) + (timedelta(0) if inside else timedelta(hours=6))
    return {"start": (local - timedelta(hours=1)).strftime("%H:%M"),
            "end": (local + timedelta(hours=1)).strftime("%H:%M")}


def test_listed_recipients_get_their_own_columns_and_each_has_a_row_and_a_count(api, post):
    contact_upsert(name="Ana Lima", phone=ANA)
    made = post("/api/v1/bulk-sends/", {
        "name": "Saturday", "message": "Hi {first_name}, {shift} is yours if you reply YES",
        "recipients": [{"phone": ANA, "shift": "Sat 08:00 ward 3"}, {"phone": BEN, "shift": "Sun 20:00 ward 1"}]})
    assert made["recipients"] == 2 and made["status"] == "sent"
    bodies = dict(OutboundMessage.objects.values_list("recipient", "body"))
    assert bodies == {ANA: "Hi Ana, Sat 08:00 ward 3 is yours if you reply YES",
                      BEN: "Hi , Sun 20:00 ward 1 is yours if you reply YES"}  # Ben is no contact: no name
    got = counts(api, made["id"])
    assert got["sent"] == 2 and got["queued"] == got["deferred"] == got["failed"] == 0 and got["replies"] == {}
    each = rows(api, made["id"])
    assert set(each) == {ANA, BEN} and each[ANA]["status"] == "sent" and each[ANA]["sent_at"]
    assert each[ANA]["reply"] is None


def test_an_unknown_placeholder_is_refused_and_nothing_is_made(api, post):
    bad = post("/api/v1/bulk-sends/", {"name": "x", "message": "Hi {name}, see you at {site}",
                                       "recipients": [{"phone": ANA, "shift": "Sat"}]}, expect=400)
    assert "{site}" in str(bad["message"])
    # A column only some recipients have is no placeholder either: the others would get a gap.
    bad = post("/api/v1/bulk-sends/", {"name": "x", "message": "{shift}",
                                       "recipients": [{"phone": ANA, "shift": "Sat"}, {"phone": BEN}]}, expect=400)
    assert "{shift}" in str(bad["message"])
    assert not BulkSend.objects.exists() and not OutboundMessage.objects.exists()


@pytest.mark.parametrize("body", [
    {},
    {"name": "x", "recipients": [{"phone": ANA}]},  # no message or template
    {"name": "x", "message": "a", "template": "t", "recipients": [{"phone": ANA}]},
    {"name": "x", "message": "a"},  # nobody
    {"name": "x", "message": "a", "tag": "t", "recipients": [{"phone": ANA}]},
    {"name": "x", "message": "a", "recipients": []},
    {"name": "x", "message": "a", "recipients": "+12065550101"},
    {"name": "x", "message": "a", "recipients": [{"phone": "555"}]},
    {"name": "x", "message": "a", "recipients": [{"email": "a@example.com"}]},  # sms needs a phone
    {"name": "x", "message": "a", "recipients": [{"phone": ANA}, {"phone": ANA}]},
    {"name": "x", "message": "a", "recipients": [{"phone": ANA, "shift": {"a": 1}}]},
    {"name": "x", "message": "a", "recipients": [{"phone": ANA, "bad name": "v"}]},
    {"name": "x", "message": "a", "channel": "fax", "recipients": [{"phone": ANA}]},
    {"name": "x", "message": "a", "tag": "nobody-has-this"},
    {"name": "x", "template": "no-such-template", "recipients": [{"phone": ANA}]},
    {"name": "x", "message": "a", "recipients": [{"phone": ANA}], "send_at": "2001-01-01T00:00:00Z"},
    {"name": "x", "message": "a", "recipients": [{"phone": ANA}], "send_at": "tomorrow"},
    {"name": "x", "message": "a", "recipients": [{"phone": ANA}], "send_at": "9999-12-31T23:59:00Z"},
    {"name": "x", "message": "a", "recipients": [{"phone": ANA}], "quiet_hours": {"start": "25:00", "end": "08:00"}},
    {"name": "x", "message": "a", "recipients": [{"phone": ANA}], "quiet_hours": {"start": "08:00", "end": "08:00"}},
    {"name": "x", "message": "a", "recipients": [{"phone": ANA}], "quiet_hours": "21:00-08:00"},
    {"name": "x", "message": "a", "recipients": [{"phone": ANA}], "purpose": "spam"},
    {"name": "x", "message": "a", "recipients": [{"phone": ANA}], "confirm": {"reminders": 2}},
    {"name": "x", "message": "a", "recipients": [{"phone": ANA}], "confirm": {"summary_to": "+12065550199"}},
    {"name": "x", "message": "a", "recipients": [{"phone": ANA}], "confirm": {"answers": ["two words"]}},
    {"name": "x", "message": "{", "recipients": [{"phone": ANA}]},
    {"name": "x", "message": "{x.__class__}", "recipients": [{"phone": ANA, "x": "1"}]},
])
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_made(post, body):
    answer = post("/api/v1/bulk-sends/", body, expect=400)
    assert isinstance(answer, dict) and answer
    assert not BulkSend.objects.exists() and not OutboundMessage.objects.exists()


def test_reading_takes_the_log_scope_and_an_unknown_send_is_a_404(api):
    assert api.get("/api/v1/bulk-sends/999999/").status_code == 404
    assert api.get("/api/v1/bulk-sends/999999/recipients/").status_code == 404


def test_send_at_holds_the_whole_send_behind_one_timer_that_can_be_cancelled(api, post, fire):
    at = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    made = post("/api/v1/bulk-sends/", {"name": "later", "message": "Hi", "send_at": at.isoformat(),
                                        "recipients": [{"phone": ANA}, {"phone": BEN}]})
    assert made["status"] == "scheduled" and counts(api, made["id"])["queued"] == 2
    timer = Timer.objects.get(state=TimerState.PENDING)
    assert timer.due_at == at and "send_at" in timer.label  # visible in Timers
    fire(at - timedelta(seconds=1))
    assert not OutboundMessage.objects.exists()
    fire(at)
    assert OutboundMessage.objects.count() == 2 and counts(api, made["id"])["sent"] == 2

    other = post("/api/v1/bulk-sends/", {"name": "never", "message": "Hi", "send_at": at.isoformat(),
                                         "recipients": [{"phone": CLEO}]})
    bulk_send_cancel(send=BulkSend.objects.get(pk=other["id"]), by="ops")
    fire(at + timedelta(minutes=1))
    assert not OutboundMessage.objects.filter(recipient=CLEO).exists()
    assert counts(api, other["id"])["status"] == "cancelled" and counts(api, other["id"])["failed"] == 1
    assert "Cancelled by ops" in BulkSend.objects.get(pk=other["id"]).recipient_rows.get().error


def test_quiet_hours_hold_a_recipient_in_their_own_zone_until_the_window_ends(api, post, fire):
    post("/api/v1/contacts/", {"name": "Ana", "phone": ANA, "time_zone": "Asia/Kathmandu"}, expect=201)
    post("/api/v1/contacts/", {"name": "Ben", "phone": BEN, "time_zone": "America/Chicago"}, expect=201)
    # Ana's clock (Kathmandu, +5:45) is inside the window; Ben's (Chicago) is 10-11 hours away from it.
    made = post("/api/v1/bulk-sends/", {"name": "quiet", "message": "Hi {name}",
                                        "quiet_hours": window_around_now("Asia/Kathmandu", inside=True),
                                        "recipients": [{"phone": ANA}, {"phone": BEN}]})
    got = counts(api, made["id"])
    assert (got["deferred"], got["sent"], made["status"]) == (1, 1, "sending")
    held = rows(api, made["id"])[ANA]
    assert held["status"] == "deferred" and held["sent_at"] is None
    release = datetime.fromisoformat(held["release_at"])
    # It ends on Ana's clock at the window's end, a whole minute of Kathmandu time (xx:15, xx:30…).
    assert timedelta(0) < release - timezone.now() <= timedelta(hours=1, minutes=1)
    assert release.astimezone(ZoneInfo("Asia/Kathmandu")).second == 0
    assert list(OutboundMessage.objects.values_list("recipient", flat=True)) == [BEN]
    fire(release - timedelta(seconds=1))
    assert counts(api, made["id"])["deferred"] == 1
    fire(release)
    got = counts(api, made["id"])
    assert (got["deferred"], got["sent"], got["status"]) == (0, 2, "sent")


def test_a_number_without_a_zone_is_held_by_the_zones_its_number_is_in(api, post):
    # +1 206 is Seattle: America/Los_Angeles.
    made = post("/api/v1/bulk-sends/", {"name": "quiet", "message": "Hi",
                                        "quiet_hours": window_around_now("America/Los_Angeles", inside=True),
                                        "recipients": [{"phone": ANA}]})
    assert counts(api, made["id"])["deferred"] == 1
    made = post("/api/v1/bulk-sends/", {"name": "clear", "message": "Hi",
                                        "quiet_hours": window_around_now("America/Los_Angeles", inside=False),
                                        "recipients": [{"phone": BEN}]})
    assert counts(api, made["id"])["sent"] == 1


def test_held_recipients_share_one_timer_per_release_instant(api, post):
    phones = [f"+1206555{i:04d}" for i in range(20)]
    post("/api/v1/bulk-sends/", {"name": "many", "message": "Hi",
                                 "quiet_hours": window_around_now("America/Los_Angeles", inside=True),
                                 "recipients": [{"phone": p} for p in phones]})
    assert Timer.objects.filter(state=TimerState.PENDING).count() == 1


def test_an_expiry_before_the_window_ends_fails_the_recipient_with_the_reason(api, post):
    made = post("/api/v1/bulk-sends/", {
        "name": "expiring", "message": "Hi", "quiet_hours": window_around_now("America/Los_Angeles", inside=True),
        "expires_at": (timezone.now() + timedelta(minutes=20)).isoformat(),
        "recipients": [{"phone": ANA}]})
    row = BulkSend.objects.get(pk=made["id"]).recipient_rows.get()
    assert counts(api, made["id"])["failed"] == 1 and "after expires_at" in row.error


def test_the_expiry_timer_fails_what_is_still_held(api, post, fire):
    # Held until the window ends (at most an hour), expiring later: the expiry finds nobody held.
    made = post("/api/v1/bulk-sends/", {
        "name": "expiring", "message": "Hi", "quiet_hours": window_around_now("America/Los_Angeles", inside=True),
        "expires_at": (timezone.now() + timedelta(hours=3)).isoformat(), "recipients": [{"phone": ANA}]})
    send = BulkSend.objects.get(pk=made["id"])
    send.recipient_rows.update(release_at=timezone.now() + timedelta(hours=5))  # as if held again
    fire(send.expires_at)
    row = send.recipient_rows.get()
    assert row.status == "failed" and "Still held by quiet hours at expires_at" in row.error


def test_a_promotional_send_gets_the_default_quiet_window_and_a_transactional_one_does_not(api, post, settings):
    window = window_around_now("America/Los_Angeles", inside=True)
    settings.BULK_PROMOTIONAL_QUIET_HOURS = f"{window['start']}-{window['end']}"
    promo = post("/api/v1/bulk-sends/", {"name": "sale", "message": "Sale!", "purpose": "promotional",
                                         "recipients": [{"phone": ANA}]})
    plain = post("/api/v1/bulk-sends/", {"name": "rota", "message": "Rota changed", "recipients": [{"phone": BEN}]})
    assert counts(api, promo["id"])["deferred"] == 1 and counts(api, plain["id"])["sent"] == 1
    settings.BULK_PROMOTIONAL_QUIET_HOURS = ""
    promo = post("/api/v1/bulk-sends/", {"name": "sale", "message": "Sale!", "purpose": "promotional",
                                         "recipients": [{"phone": CLEO}]})
    assert counts(api, promo["id"])["sent"] == 1


def test_a_tag_by_email_fills_contact_fields_and_a_contact_without_an_address_fails(api, post):
    contact_upsert(name="Ana Lima", phone=ANA, email="Ana@Example.com", tags=["night"])
    contact_upsert(name="Ben", phone=BEN, tags=["night"])
    made = post("/api/v1/bulk-sends/", {"name": "mail", "channel": "email", "tag": "night",
                                        "subject": "For {first_name}", "message": "Dear {name}, all well."})
    message = OutboundMessage.objects.get()
    assert (message.channel, message.recipient, message.subject, message.body) == (
        "email", "ana@example.com", "For Ana", "Dear Ana Lima, all well.")
    got = counts(api, made["id"])
    assert got["sent"] == 1 and got["failed"] == 1
    assert "ana@example.com" in rows(api, made["id"])
    # Listed by email in another case, Ana is still the contact whose fields fill in.
    post("/api/v1/bulk-sends/", {"name": "mail", "channel": "email", "subject": "Hi",
                                 "message": "Dear {name}", "recipients": [{"email": "ANA@example.COM"}]})
    assert OutboundMessage.objects.latest("id").body == "Dear Ana Lima"


def test_an_opted_out_recipient_is_suppressed(api, post):
    from messaging.consent.optouts import optout_record

    optout_record(phone=BEN, keyword="STOP", source="test")
    made = post("/api/v1/bulk-sends/", {"name": "x", "message": "Hi", "recipients": [{"phone": ANA}, {"phone": BEN}]})
    assert counts(api, made["id"])["suppressed"] == 1 and rows(api, made["id"])[BEN]["status"] == "suppressed"


def test_a_large_send_is_placed_in_chunks_each_in_its_own_transaction(api, post, monkeypatch):
    monkeypatch.setattr(bulk_sends, "PLACE_BATCH", 3)
    monkeypatch.setattr(bulk_sends, "PLACE_SECONDS", 0)  # one batch per transaction
    made = post("/api/v1/bulk-sends/", {"name": "big", "message": "Hi",
                                        "recipients": [{"phone": f"+1206555{i:04d}"} for i in range(8)]})
    # The first chunk in the request, the rest on timers due at once (run after the commit here).
    assert counts(api, made["id"])["sent"] == 8 and counts(api, made["id"])["status"] == "sent"
    assert Timer.objects.filter(label__contains="the next").count() == 2  # 3 + 3 + 2


def test_contacts_take_and_return_an_iana_time_zone(api, post):
    made = post("/api/v1/contacts/", {"name": "Ana", "phone": ANA, "time_zone": "Australia/Eucla"})
    assert made["time_zone"] == "Australia/Eucla"
    again = post("/api/v1/contacts/", {"name": "Ana", "phone": ANA}, expect=200)
    assert again["time_zone"] == "Australia/Eucla"  # left out: kept
    bad = post("/api/v1/contacts/", {"name": "Ana", "phone": ANA, "time_zone": "Mars/Olympus"}, expect=400)
    assert "time_zone" in bad


def test_the_admin_cancels_a_scheduled_send(api, post, client, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("mgr", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="shift manager"))
    client.force_login(user)
    at = datetime.now(UTC) + timedelta(days=1)
    made = post("/api/v1/bulk-sends/", {"name": "later", "message": "Hi", "send_at": at.isoformat(),
                                        "recipients": [{"phone": ANA}]})
    response = client.post("/admin/messaging/bulksend/", {"action": "cancel_sends", "_selected_action": [made["id"]]})
    assert response.status_code == 302
    assert BulkSend.objects.get(pk=made["id"]).status == "cancelled"
    assert not Timer.objects.filter(state=TimerState.PENDING, label__contains="send_at").exists()
    page = client.get(f"/admin/messaging/bulksend/{made['id']}/change/").content.decode()
    assert "1 failed" in page
    assert client.get(f"/admin/messaging/bulkrecipient/?bulk__id__exact={made['id']}").status_code == 200


def test_whatsapp_sends_go_to_the_listed_numbers_on_whatsapp(api, post):
    made = post("/api/v1/bulk-sends/", {"name": "wa", "channel": "whatsapp", "message": "Hi {site}",
                                        "recipients": [{"phone": ANA, "site": "Dock 3"}]})
    message = OutboundMessage.objects.get()
    assert (message.channel, message.recipient, message.body) == ("whatsapp", ANA, "Hi Dock 3")
    assert rows(api, made["id"])[ANA]["status"] in ("sent", "failed")  # failed: outside WhatsApp's 24-hour window


def test_a_csv_uploaded_in_the_admin_is_sent_by_the_same_service_and_read_by_the_api(api, client, django_user_model,
                                                                                     django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = django_user_model.objects.create_user("mgr", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="shift manager"))
    client.force_login(user)
    contact_upsert(name="Ana Lima", phone=ANA)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/messaging/bulksend/add/", {
            "message": "Hi {first_name}, {shift} is yours",
            "file": SimpleUploadedFile("w.csv", f"phone,shift\n{ANA},Sat\n{BEN},Sun\n".encode(), "text/csv")})
    send = BulkSend.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/messaging/bulksend/{send.pk}/send/")
    assert dict(OutboundMessage.objects.values_list("recipient", "body")) == {
        ANA: "Hi Ana, Sat is yours", BEN: "Hi , Sun is yours"}
    assert counts(api, send.pk)["sent"] == 2 and set(rows(api, send.pk)) == {ANA, BEN}


def test_the_admin_upload_can_hold_its_send_until_send_at(api, client, django_user_model,
                                                         django_capture_on_commit_callbacks, fire):
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = django_user_model.objects.create_user("mgr", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="shift manager"))
    client.force_login(user)
    at = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/messaging/bulksend/add/", {
            "message": "Hi", "send_at": at.strftime("%Y-%m-%d %H:%M:%S"), "quiet_start": "", "quiet_end": "",
            "file": SimpleUploadedFile("w.csv", f"phone\n{ANA}\n".encode(), "text/csv")})
    send = BulkSend.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/messaging/bulksend/{send.pk}/send/")
    assert BulkSend.objects.get(pk=send.pk).status == "scheduled" and not OutboundMessage.objects.exists()
    fire(at)
    assert OutboundMessage.objects.filter(recipient=ANA).exists()
    # Half a quiet window is refused with the reason, and nothing is stored.
    response = client.post("/admin/messaging/bulksend/add/", {
        "message": "Hi", "quiet_start": "21:00", "quiet_end": "",
        "file": SimpleUploadedFile("w.csv", f"phone\n{ANA}\n".encode(), "text/csv")})
    assert "Give both ends of the quiet hours" in response.content.decode() and BulkSend.objects.count() == 1


def test_a_held_recipient_whose_timer_was_lost_is_released_by_the_minute_sweep(api, post,
                                                                              django_capture_on_commit_callbacks):
    from django_q.models import Schedule

    from messaging.audience.bulk_sends import bulk_sends_sweep

    assert Schedule.objects.filter(func="messaging.tasks.bulk_sends_sweep").exists()  # made by the migration
    made = post("/api/v1/bulk-sends/", {"name": "quiet", "message": "Hi",
                                        "quiet_hours": window_around_now("America/Los_Angeles", inside=True),
                                        "recipients": [{"phone": ANA}]})
    release = BulkSend.objects.get(pk=made["id"]).recipient_rows.get().release_at
    Timer.objects.filter(state=TimerState.PENDING).update(state=TimerState.FAILED)  # three failed attempts
    assert bulk_sends_sweep(now=release) == 0  # not yet overdue: a timer may still be on its way
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk_sends_sweep(now=release + timedelta(minutes=3)) == 1
    assert counts(api, made["id"])["sent"] == 1
