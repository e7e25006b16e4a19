"""Calendar feeds: a secret URL per schedule (or per person on it) serving its turns as iCalendar.

The feed shows who is on call as the pager sees it: the stretch is cut by
``oncall.selectors.oncall_timeline`` (the arithmetic ``oncall_at`` uses) at every turn boundary,
and each piece becomes one VEVENT. A turn is one event (a turn an override cuts in two is two,
the second with its own UID); an override is its own event. UIDs are derived from the schedule,
the turn's index in the rotation and the override's id, never from the time of the fetch, so a
calendar that fetches again updates events in place.

Fetching costs three queries whatever the size: the feed with its schedule and person, the
overrides of the window, and the members (bench/calendar_feed.py).

Tokens: 256 random bits shown once in the link; only their SHA-256 is stored (as API keys,
messaging/api/keys.py), so a database dump gives no one a feed. Deleting the row revokes it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import icalendar
from django.core.exceptions import ValidationError
from django.utils import timezone

from messaging.models import Contact
from oncall.models import CalendarFeed, Schedule, ScheduleMember, ScheduleOverride
from oncall.rotation import Segment, Turn, turn_at, turn_start
from oncall.selectors import oncall_timeline, schedule_zone

DAYS_BACK = 7
DAYS_AHEAD = 90
REFRESH = timedelta(hours=1)
PRODID = "-//Self-hosted pager//On-call calendar//EN"


def _hash(token: str) -> str:
    # 256 random bits: a fast hash is enough, there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeed
    token: str  # shown once; only its hash is stored

    def path(self) -> str:
        return f"/calendar/{self.token}.ics"


def calendar_feed_create(*, schedule: Schedule, contact: Contact | None = None, created_by: str = "") -> NewFeed:
    """A new secret feed URL for ``schedule`` (only ``contact``'s turns when given). ValidationError
    naming ``phone`` when ``contact`` is neither in the rotation nor holds an override on it."""
    if contact is not None and not (
            ScheduleMember.objects.filter(schedule=schedule, contact=contact).exists()
            or ScheduleOverride.objects.filter(schedule=schedule, contact=contact).exists()):
        raise ValidationError({"phone": f"{contact.phone} is not on the schedule {schedule.name}."})
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(schedule=schedule, contact=contact, token_hash=_hash(token),
                                       prefix=token[:8], created_by=created_by[:200])
    return NewFeed(feed=feed, token=token)


def calendar_feed_regenerate(*, feed: CalendarFeed, created_by: str = "") -> NewFeed:
    """A new link for the same feed; the old token answers 404 from now on."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.filter(pk=feed.pk).update(token_hash=_hash(token), prefix=token[:8],
                                                   created_by=created_by[:200], created_at=timezone.now())
    feed.refresh_from_db()
    return NewFeed(feed=feed, token=token)


def calendar_feed_revoke(*, feed: CalendarFeed) -> None:
    feed.delete()


def calendar_feed_get(*, token: str) -> CalendarFeed | None:
    return (CalendarFeed.objects.select_related("schedule", "contact")
            .filter(token_hash=_hash(token or "")).first())


def feed_window(*, schedule: Schedule, now: datetime) -> tuple[datetime, datetime]:
    """7 days back to 90 ahead, widened to whole turns: cut at ``now`` the first event's start
    would change on every fetch."""
    tz, handoff = schedule_zone(schedule=schedule), schedule.handoff
    start = turn_at(handoff=handoff, turn_hours=schedule.turn_hours, tz=tz, at=now - timedelta(days=DAYS_BACK))
    end = turn_at(handoff=handoff, turn_hours=schedule.turn_hours, tz=tz, at=now + timedelta(days=DAYS_AHEAD))
    return start.start, end.end


@dataclass(frozen=True)
class FeedEvent:
    key: str  # what the UID is made of
    person: object
    start: datetime
    end: datetime
    override_id: int | None


def feed_events(*, schedule: Schedule, contact_id: int | None = None, now: datetime | None = None) -> list[FeedEvent]:
    """The events of a feed, in order: one per turn (or piece of a turn an override cuts) and
    one per override (or piece a newer override cuts), from who is on call as the pager sees it."""
    now = (now or timezone.now()).astimezone(UTC)
    start, end = feed_window(schedule=schedule, now=now)
    tz = schedule_zone(schedule=schedule)
    segments: list[Segment] = oncall_timeline(schedule=schedule, start=start, end=end, split_turns=True)
    events: list[FeedEvent] = []
    pieces: dict[str, int] = {}
    # The segments come in order and are cut at every turn boundary: follow the turn along
    # rather than asking turn_at for each (zone arithmetic, the bulk of a fetch's time).
    turn = turn_at(handoff=schedule.handoff, turn_hours=schedule.turn_hours, tz=tz, at=start)
    for seg in segments:
        while seg.start >= turn.end:
            turn = Turn(turn.index + 1, turn.end, turn_start(handoff=schedule.handoff, turn_hours=schedule.turn_hours,
                                                             tz=tz, index=turn.index + 2))
        if seg.person is None:
            continue
        prev = events[-1] if events else None
        if (seg.override_id is not None and prev and prev.override_id == seg.override_id and prev.end == seg.start):
            events[-1] = FeedEvent(prev.key, prev.person, prev.start, seg.end, prev.override_id)
            continue  # one override across a turn boundary stays one event
        base = f"override:{seg.override_id}" if seg.override_id is not None else f"turn:{turn.index}"
        n = pieces[base] = pieces.get(base, 0) + 1
        events.append(FeedEvent(base if n == 1 else f"{base}:{n}", seg.person, seg.start, seg.end, seg.override_id))
    if contact_id is not None:
        events = [e for e in events if e.person.id == contact_id]
    return events


def _who(person) -> str:
    """'Ana (+12065550101)': the name people know and the number the API knows them by."""
    name = (person.name or "").strip()
    return f"{name} ({person.phone})" if name and name != person.phone else person.phone


def _uid(seed: str, key: str) -> str:
    return f"{hashlib.sha256(f'{seed}:{key}'.encode()).hexdigest()[:32]}@oncall"


def feed_ical(*, feed: CalendarFeed, now: datetime | None = None) -> bytes:
    """The feed as RFC 5545 text, times in UTC."""
    schedule = feed.schedule
    name = f"On call: {schedule.name}" + (f" ({feed.contact.name})" if feed.contact_id else "")
    # DTSTAMP is when the schedule last changed, not the fetch: an unchanged feed is byte for byte the same.
    stamp = (schedule.updated_at or schedule.handoff).astimezone(UTC)
    # The schedule's creation time keeps two installs' schedule 1 apart in one calendar.
    seed = f"{schedule.pk}:{schedule.created_at.isoformat() if schedule.created_at else ''}"
    events = tuple(feed_events(schedule=schedule, contact_id=feed.contact_id, now=now))
    return _render(name, schedule.name, stamp, seed, events)


# The text is a pure function of its arguments, and a calendar mostly fetches a feed that has not
# changed: writing it is two thirds of a fetch (the library folds every line), so the last few
# are kept. A change of anyone, any time or any name is a different key.
@lru_cache(maxsize=128)
def _render(name: str, schedule_name: str, stamp: datetime, seed: str, events: tuple[FeedEvent, ...]) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for e in events:
        event = icalendar.Event()
        event.add("uid", _uid(seed, e.key))
        event.add("dtstamp", stamp)
        event.add("dtstart", e.start.astimezone(UTC))
        event.add("dtend", e.end.astimezone(UTC))
        # Five properties only: writing lines is most of a fetch's time (bench/calendar_feed.py).
        event.add("summary", f"{_who(e.person)} on call: {schedule_name}" + (" (override)" if e.override_id else ""))
        cal.add_component(event)
    return cal.to_ical()


def schedule_turns_ahead(*, schedule: Schedule, now: datetime, count: int = 10) -> list[FeedEvent]:
    """The next ``count`` rotation turns (or pieces) not yet started: the schedule page's
    "ask for cover" list."""
    return [e for e in feed_events(schedule=schedule, now=now) if e.override_id is None and e.start > now][:count]

