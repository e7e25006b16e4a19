"""Who is on call, as pure arithmetic: turns on a local clock, and overrides that win.

No database here, so the rules are tested as plain functions and the selector is a thin loader.
Turn *k* starts at the handoff's local wall-clock time plus *k* turn lengths, read in the
schedule's zone: a daily 08:00 handoff stays at 08:00 when the clocks change (that day's turn is
23 or 25 hours long). Member *i* takes turn *k* when *i = k mod n*. Before the first handoff
nobody is on call: the rotation has not started.

An override covers exactly [start, end). Where overrides overlap, the newest (highest id) wins,
the way a later swap replaces an earlier one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo


@dataclass(frozen=True)
class Turn:
    index: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Span:
    """An override as the arithmetic needs it."""

    id: int
    person: object
    start: datetime
    end: datetime


@dataclass(frozen=True)
class OnCall:
    """The answer: ``person`` (None: nobody) from ``since`` until ``until`` (None: no change known)."""

    person: object | None
    since: datetime | None
    until: datetime | None
    override_id: int | None = None

    @property
    def override(self) -> bool:
        return self.override_id is not None


def _wall(at: datetime, tz: tzinfo) -> datetime:
    return at.astimezone(tz).replace(tzinfo=None)


def _utc(at: datetime) -> datetime:
    # Python compares two datetimes that share a tzinfo by wall clock, ignoring ``fold``: 01:15
    # the second time round on the autumn night would sort before 01:30 the first time. In UTC
    # every comparison is between instants.
    return at.astimezone(UTC)


def turn_start(*, handoff: datetime, turn_hours: int, tz: tzinfo, index: int) -> datetime:
    """The instant (in UTC) turn ``index`` starts: the handoff's local time, ``index`` turns on."""
    return _utc((_wall(handoff, tz) + timedelta(hours=turn_hours * index)).replace(tzinfo=tz))


def turn_at(*, handoff: datetime, turn_hours: int, tz: tzinfo, at: datetime) -> Turn:
    """The turn (of the endless sequence, negative before the handoff) that holds ``at``."""
    step = timedelta(hours=turn_hours)
    at = _utc(at)
    k = (_wall(at, tz) - _wall(handoff, tz)) // step
    # Wall-clock division can be one off next to a clock change (a repeated or skipped hour).
    while turn_start(handoff=handoff, turn_hours=turn_hours, tz=tz, index=k + 1) <= at:
        k += 1
    while turn_start(handoff=handoff, turn_hours=turn_hours, tz=tz, index=k) > at:
        k -= 1
    return Turn(index=k, start=turn_start(handoff=handoff, turn_hours=turn_hours, tz=tz, index=k),
                end=turn_start(handoff=handoff, turn_hours=turn_hours, tz=tz, index=k + 1))


def _earliest(*times: datetime | None) -> datetime | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None


def oncall_resolve(*, handoff: datetime, turn_hours: int, tz: tzinfo, members: Sequence[object],
                   overrides: Sequence[Span], at: datetime) -> OnCall:
    """Who is on call at ``at``, since when and until the next change.

    ``overrides`` must hold every override that covers ``at`` and those starting after it that
    could cut the answer short; any others are ignored. Their times are compared as given (the
    selector's are UTC): converting a few hundred per lookup would cost more than the lookup.
    """
    at, handoff = _utc(at), _utc(handoff)
    covering = [o for o in overrides if o.start <= at < o.end]
    if covering:
        win = max(covering, key=lambda o: o.id)
        # A newer override starting inside this one takes over from it.
        cut = _earliest(*(o.start for o in overrides if o.id > win.id and at < o.start < win.end))
        return OnCall(person=win.person, since=win.start, until=_earliest(win.end, cut), override_id=win.id)
    next_override = _earliest(*(o.start for o in overrides if o.start > at))
    if not members or at < handoff:
        since = max((o.end for o in overrides if o.end <= at), default=None)
        return OnCall(person=None, since=since, until=_earliest(next_override, handoff if members else None))
    turn = turn_at(handoff=handoff, turn_hours=turn_hours, tz=tz, at=at)
    ended = max((o.end for o in overrides if turn.start < o.end <= at), default=None)
    return OnCall(person=members[turn.index % len(members)], since=ended or turn.start,
                  until=_earliest(turn.end, next_override))


@dataclass(frozen=True)
class Segment:
    person: object | None
    start: datetime
    end: datetime
    override_id: int | None = None


def oncall_segments(*, handoff: datetime, turn_hours: int, tz: tzinfo, members: Sequence[object],
                    overrides: Sequence[Span], start: datetime, end: datetime,
                    split_turns: bool = False) -> list[Segment]:
    """The stretch [start, end) cut into who-is-on-call pieces, in order.

    ``split_turns`` also cuts at every turn boundary, so that stretches with nobody on call come
    out turn-sized (the slots a manager posts as shifts).
    """
    segments: list[Segment] = []
    at, end = _utc(start), _utc(end)
    while at < end:
        oc = oncall_resolve(handoff=handoff, turn_hours=turn_hours, tz=tz, members=members,
                            overrides=overrides, at=at)
        stop = _earliest(oc.until, end)
        if split_turns:
            stop = min(stop, turn_at(handoff=handoff, turn_hours=turn_hours, tz=tz, at=at).end)
        prev = segments[-1] if segments else None
        if (prev and not split_turns and prev.person == oc.person and prev.override_id == oc.override_id
                and prev.end == at):
            segments[-1] = Segment(prev.person, prev.start, stop, prev.override_id)
        else:
            segments.append(Segment(oc.person, at, stop, oc.override_id))
        at = stop
    return segments
