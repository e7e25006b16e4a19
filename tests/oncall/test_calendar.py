"""Calendar feeds: a secret URL per schedule or person, served as iCalendar with stable UIDs, UTC
times, the overrides as their own events, a fixed number of queries, and revocable tokens.

Every instant is fixed: ``timezone.now`` is frozen at NOW (a Monday of March 2026)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.utils import timezone

from messaging.contacts import contact_upsert
from oncall.calendars import calendar_feed_regenerate, calendar_feed_revoke, feed_events
from oncall.models import CalendarFeed
from oncall.services import override_add, schedule_create
from tests.support.incidents import ANA, BEN, CLEO, STRANGER

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
# 08:00 in Los Angeles (PST) is 16:00 UTC.
HANDOFF = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 16, 19, 30, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def rota(db, frozen):
    ana, _ = contact_upsert(name="Ana", phone=ANA)
    ben, _ = contact_upsert(name="Ben", phone=BEN)
    return schedule_create(name="East gas", time_zone="America/Los_Angeles", handoff=HANDOFF, turn_hours=24,
                           members=[ana, ben])


def make_feed(api, rota, **body) -> str:
    response = api.post(f"/api/v1/schedules/{rota.pk}/calendar/", body, format="json")
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://testserver")


def fetch(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return response.content, icalendar.Calendar.from_ical(response.content)


def events(cal) -> list[icalendar.Event]:
    return list(cal.walk("VEVENT"))


def test_a_schedule_feed_has_one_event_per_turn_in_utc_with_stable_uids(api, client, rota):
    path = make_feed(api, rota)
    raw, cal = fetch(client, path)
    text = raw.decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text and "X-PUBLISHED-TTL:PT1H" in text
    found = events(cal)
    starts = [e.decoded("dtstart") for e in found]
    # Whole turns from the one holding 7 days back to the one holding 90 days ahead.
    assert starts[0] == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)  # 08:00 PDT (clocks went forward on 8 March)
    assert found[-1].decoded("dtend") == datetime(2026, 6, 15, 15, 0, tzinfo=UTC)
    assert len(found) == 98
    assert "DTSTART:20260309T150000Z" in text  # UTC, written with Z
    for event in found:
        assert event.decoded("dtend") - event.decoded("dtstart") == 24 * H
    # Turn k is member k mod 2: the 16 March turn (14 turns after the handoff) is Ana's, the next Ben's.
    by_start = {e.decoded("dtstart"): str(e["summary"]) for e in found}
    assert by_start[datetime(2026, 3, 16, 15, 0, tzinfo=UTC)] == f"Ana ({ANA}) on call: East gas"
    assert by_start[datetime(2026, 3, 17, 15, 0, tzinfo=UTC)] == f"Ben ({BEN}) on call: East gas"
    assert len({str(e["uid"]) for e in found}) == len(found)

    again, _ = fetch(client, path)
    assert again == raw  # byte for byte: nothing in it depends on the moment of the fetch


def test_a_person_feed_has_only_their_turns(api, client, rota):
    path = make_feed(api, rota, phone=BEN)
    _, cal = fetch(client, path)
    found = events(cal)
    assert found and all(str(e["summary"]) == f"Ben ({BEN}) on call: East gas" for e in found)
    _, whole = fetch(client, make_feed(api, rota))
    assert {str(e["uid"]) for e in found} < {str(e["uid"]) for e in events(whole)}


def test_an_added_override_appears_as_its_own_event_and_other_uids_stay(api, client, rota):
    path = make_feed(api, rota)
    _, before = fetch(client, path)
    start, end = datetime(2026, 3, 20, 15, 0, tzinfo=UTC), datetime(2026, 3, 21, 15, 0, tzinfo=UTC)
    response = api.post(f"/api/v1/schedules/{rota.pk}/overrides/",
                        {"phone": CLEO, "start": start.isoformat(), "end": end.isoformat()}, format="json")
    assert response.status_code == 201
    _, after = fetch(client, path)
    [override] = [e for e in events(after) if "Cleo" in str(e["summary"]) or CLEO in str(e["summary"])]
    assert (override.decoded("dtstart"), override.decoded("dtend")) == (start, end)
    assert "(override)" in str(override["summary"])
    # The turn it replaced is gone; every other turn keeps its UID.
    old = {str(e["uid"]): e.decoded("dtstart") for e in events(before)}
    new = {str(e["uid"]): e.decoded("dtstart") for e in events(after)}
    assert [start] == [s for u, s in old.items() if u not in new]
    assert all(new[u] == s for u, s in old.items() if u in new)


def test_an_override_inside_a_turn_cuts_it_in_two(client, rota):
    cleo, _ = contact_upsert(name="Cleo", phone=CLEO)
    override_add(schedule=rota, contact=cleo, start=datetime(2026, 3, 20, 20, 0, tzinfo=UTC),
                 end=datetime(2026, 3, 20, 22, 0, tzinfo=UTC))
    pieces = [(e.person.name, e.start.hour, e.end.hour) for e in feed_events(schedule=rota)
              if datetime(2026, 3, 20, 15, tzinfo=UTC) <= e.start < datetime(2026, 3, 21, 15, tzinfo=UTC)]
    assert pieces == [("Ana", 15, 20), ("Cleo", 20, 22), ("Ana", 22, 15)]  # 18 turns on: Ana's


def test_a_fetch_costs_the_same_few_queries_however_big_the_schedule(api, client, rota,
                                                                      django_assert_max_num_queries):
    path = make_feed(api, rota)
    with django_assert_max_num_queries(3):
        fetch(client, path)
    members = [contact_upsert(name=f"M{i}", phone=f"+1206555{300 + i:04d}")[0] for i in range(20)]
    big = schedule_create(name="Big", time_zone="Europe/London", handoff=HANDOFF, turn_hours=12, members=members)
    for i in range(50):
        override_add(schedule=big, contact=members[i % 20], start=NOW + i * 40 * H, end=NOW + (i * 40 + 5) * H)
    big_path = make_feed(api, big)
    with django_assert_max_num_queries(3):
        _, cal = fetch(client, big_path)
    assert len([e for e in events(cal) if "(override)" in str(e["summary"])]) == 50


def test_a_revoked_or_regenerated_token_answers_404(api, client, rota):
    path = make_feed(api, rota)
    feed = CalendarFeed.objects.get()
    assert path.split("/")[-1][:8] == feed.prefix
    assert feed.token_hash not in path  # only the hash is stored
    new = calendar_feed_regenerate(feed=feed)
    assert client.get(path).status_code == 404
    assert client.get(new.path()).status_code == 200
    calendar_feed_revoke(feed=feed)
    assert client.get(new.path()).status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404


@pytest.mark.parametrize("body", [{"phone": STRANGER}, {"phone": "12"}, {"phone": ["x"]}, {"phone": CLEO}])
def test_bad_input_gets_400(api, rota, body):
    contact_upsert(name="Cleo", phone=CLEO)  # a contact, but on no schedule
    response = api.post(f"/api/v1/schedules/{rota.pk}/calendar/", body, format="json")
    assert response.status_code == 400, response.content
    assert "phone" in str(response.json())
    assert not CalendarFeed.objects.exists()


def test_an_unknown_schedule_is_404_and_a_key_is_needed(api, client, rota):
    assert api.post("/api/v1/schedules/999999/calendar/", {}, format="json").status_code == 404
    assert client.post(f"/api/v1/schedules/{rota.pk}/calendar/", {}).status_code in (401, 403)


def test_the_schedule_page_subscribes_and_the_feed_admin_regenerates(admin_client, client, rota):
    page = admin_client.get(f"/admin/oncall/schedule/{rota.pk}/change/").content.decode()
    assert 'value="Subscribe"' in page
    ben = rota.members.get(contact__phone=BEN).contact_id
    shown = admin_client.post(f"/admin/oncall/schedule/{rota.pk}/subscribe/", {"contact": ben},
                              follow=True).content.decode()
    https = re.search(r'href="(http://testserver/calendar/[\w-]+\.ics)"', shown).group(1)
    assert f'href="webcal://testserver/calendar/{https.split("/")[-1]}"' in shown
    _, cal = fetch(client, https.removeprefix("http://testserver"))
    assert {str(e["summary"]) for e in events(cal)} == {f"Ben ({BEN}) on call: East gas"}
    # Shown once: the schedule page does not show it again.
    assert https not in admin_client.get(f"/admin/oncall/schedule/{rota.pk}/change/").content.decode()

    feed = CalendarFeed.objects.get()
    again = admin_client.post("/admin/oncall/calendarfeed/", {"action": "regenerate", "_selected_action": [feed.pk]},
                              follow=True).content.decode()
    new = re.search(r'href="(http://testserver/calendar/[\w-]+\.ics)"', again).group(1)
    assert new != https
    assert client.get(https.removeprefix("http://testserver")).status_code == 404
    assert client.get(new.removeprefix("http://testserver")).status_code == 200
    admin_client.post(f"/admin/oncall/calendarfeed/{feed.pk}/delete/", {"post": "yes"})
    assert client.get(new.removeprefix("http://testserver")).status_code == 404
