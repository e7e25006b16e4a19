"""Who is on call, as pure arithmetic (oncall/rotation.py): turns, overrides, gaps and DST.

No database: the selector is a thin loader over these functions, so the rules are proved here
with plain values. Every date is relative to today (the DST changes are found, not written).
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time, timedelta

import pytest

from oncall.rotation import Span, oncall_resolve, oncall_segments, turn_at
from tests.support.oncall import dst_changes, next_year

ANN, BOB, CAT, DAN = "Ann", "Bob", "Cat", "Dan"
H = timedelta(hours=1)


def handoff_utc(hour: int = 8) -> datetime:
    """A handoff at ``hour``:00 UTC on 1 March of next year (no DST in UTC)."""
    return datetime(next_year(), 3, 1, hour, tzinfo=UTC)


def who(at, *, members=(ANN, BOB, CAT), turn_hours=24, overrides=(), handoff=None, tz=UTC):
    return oncall_resolve(handoff=handoff or handoff_utc(), turn_hours=turn_hours, tz=tz, members=list(members),
                          overrides=list(overrides), at=at)


class TestRotation:
    @pytest.mark.parametrize("turn_hours", [12, 24, 168, 1, 7, 13, 36, 100])
    def test_member_k_mod_n_takes_turn_k_for_its_whole_length(self, turn_hours):
        start = handoff_utc()
        step = timedelta(hours=turn_hours)
        members = [ANN, BOB, CAT]
        for k in range(8):
            turn_start = start + k * step
            for at in (turn_start, turn_start + step / 2, turn_start + step - timedelta(seconds=1)):
                oc = who(at, turn_hours=turn_hours)
                assert oc.person == members[k % 3], (turn_hours, k, at)
                assert (oc.since, oc.until) == (turn_start, turn_start + step)
                assert not oc.override

    def test_turn_at_gives_the_index_and_the_exact_bounds(self):
        start = handoff_utc()
        turn = turn_at(handoff=start, turn_hours=12, tz=UTC, at=start + timedelta(hours=30))
        assert (turn.index, turn.start, turn.end) == (2, start + 24 * H, start + 36 * H)

    def test_the_handoff_instant_belongs_to_the_incoming_person(self):
        start = handoff_utc()
        assert who(start + 24 * H - timedelta(microseconds=1)).person == ANN
        assert who(start + 24 * H).person == BOB

    def test_one_member_is_on_call_every_turn_and_until_moves_turn_by_turn(self):
        start = handoff_utc()
        for k in range(4):
            oc = who(start + k * 168 * H + H, members=[DAN], turn_hours=168)
            assert oc.person == DAN and oc.until == start + (k + 1) * 168 * H

    def test_two_members_alternate_weekly(self):
        start = handoff_utc()
        assert [who(start + k * 168 * H + H, members=[ANN, BOB], turn_hours=168).person
                for k in range(5)] == [ANN, BOB, ANN, BOB, ANN]

    def test_before_the_first_handoff_nobody_is_on_call_until_the_handoff(self):
        start = handoff_utc()
        oc = who(start - timedelta(seconds=1))
        assert (oc.person, oc.until) == (None, start)
        oc = who(start - 1000 * H)
        assert (oc.person, oc.until) == (None, start)

    def test_a_turn_index_before_the_handoff_is_negative(self):
        start = handoff_utc()
        assert turn_at(handoff=start, turn_hours=24, tz=UTC, at=start - H).index == -1

    def test_no_members_means_nobody_with_no_end_known(self):
        oc = who(handoff_utc() + 5 * H, members=[])
        assert (oc.person, oc.since, oc.until, oc.override) == (None, None, None, False)


class TestOverrides:
    def test_an_override_inside_a_turn_covers_exactly_start_to_end(self):
        start = handoff_utc()  # ANN's turn [start, start+24h)
        o = Span(id=1, person=DAN, start=start + 4 * H, end=start + 6 * H)
        before = who(o.start - timedelta(microseconds=1), overrides=[o])
        assert (before.person, before.since, before.until) == (ANN, start, o.start)
        during = who(o.start, overrides=[o])
        assert (during.person, during.since, during.until, during.override_id) == (DAN, o.start, o.end, 1)
        assert during.override
        assert who(o.end - timedelta(microseconds=1), overrides=[o]).person == DAN
        after = who(o.end, overrides=[o])
        assert (after.person, after.since, after.until, after.override) == (ANN, o.end, start + 24 * H, False)

    def test_an_override_across_a_handoff_wins_over_both_turns(self):
        start = handoff_utc()
        o = Span(id=1, person=DAN, start=start + 20 * H, end=start + 30 * H)
        assert who(start + 23 * H, overrides=[o]).person == DAN
        assert who(start + 25 * H, overrides=[o]).person == DAN
        assert who(start + 25 * H, overrides=[o]).until == start + 30 * H
        # Once it ends, the turn it cut into resumes: BOB's (turn 1), until the turn's end.
        after = who(start + 30 * H, overrides=[o])
        assert (after.person, after.until) == (BOB, start + 48 * H)

    def test_an_override_exactly_on_a_turn_replaces_it(self):
        start = handoff_utc()
        o = Span(id=1, person=DAN, start=start + 24 * H, end=start + 48 * H)
        assert who(start + 24 * H - timedelta(microseconds=1), overrides=[o]).person == ANN
        assert who(start + 24 * H, overrides=[o]).person == DAN
        assert who(start + 48 * H, overrides=[o]).person == CAT

    def test_a_later_override_shortens_until_of_the_rotation(self):
        start = handoff_utc()
        o = Span(id=1, person=DAN, start=start + 30 * H, end=start + 31 * H)
        assert who(start + 25 * H, overrides=[o]).until == start + 30 * H

    def test_overlapping_overrides_the_newest_wins_and_ends_cut_the_older(self):
        start = handoff_utc()
        old = Span(id=1, person=CAT, start=start + 2 * H, end=start + 10 * H)
        new = Span(id=2, person=DAN, start=start + 5 * H, end=start + 8 * H)
        spans = [old, new]
        first = who(start + 3 * H, overrides=spans)
        assert (first.person, first.until) == (CAT, new.start)  # the newer one takes over at its start
        assert who(start + 6 * H, overrides=spans).person == DAN
        assert who(start + 6 * H, overrides=spans).until == new.end
        assert who(start + 9 * H, overrides=spans).person == CAT
        assert who(start + 10 * H, overrides=spans).person == ANN

    def test_a_newer_override_hides_an_older_one_inside_it(self):
        start = handoff_utc()
        new = Span(id=5, person=DAN, start=start + 1 * H, end=start + 10 * H)
        old = Span(id=2, person=CAT, start=start + 3 * H, end=start + 4 * H)
        for hours in (1, 3, 3.5, 9):
            oc = who(start + hours * H, overrides=[old, new])
            assert (oc.person, oc.until) == (DAN, new.end)

    def test_the_newest_wins_whatever_order_they_are_given_in(self):
        start = handoff_utc()
        a = Span(id=7, person=CAT, start=start, end=start + 5 * H)
        b = Span(id=3, person=DAN, start=start, end=start + 5 * H)
        assert who(start + H, overrides=[a, b]).person == CAT
        assert who(start + H, overrides=[b, a]).person == CAT

    def test_an_override_before_the_first_handoff_and_with_no_members(self):
        start = handoff_utc()
        o = Span(id=1, person=DAN, start=start - 10 * H, end=start - 5 * H)
        assert who(start - 7 * H, overrides=[o]).person == DAN
        gap = who(start - 4 * H, overrides=[o])
        assert (gap.person, gap.since, gap.until) == (None, o.end, start)
        lonely = who(start - 12 * H, members=[], overrides=[o])
        assert (lonely.person, lonely.until) == (None, o.start)
        assert who(start - 7 * H, members=[], overrides=[o]).person == DAN
        assert who(start - 4 * H, members=[], overrides=[o]).until is None


class TestSegments:
    def test_a_stretch_is_cut_at_handoffs_and_override_edges(self):
        start = handoff_utc()
        o = Span(id=1, person=DAN, start=start + 20 * H, end=start + 30 * H)
        segs = oncall_segments(handoff=start, turn_hours=24, tz=UTC, members=[ANN, BOB], overrides=[o],
                               start=start - 2 * H, end=start + 72 * H)
        assert [(s.person, s.start - start, s.end - start, s.override_id is not None) for s in segs] == [
            (None, -2 * H, 0 * H, False), (ANN, 0 * H, 20 * H, False), (DAN, 20 * H, 30 * H, True),
            (BOB, 30 * H, 48 * H, False), (ANN, 48 * H, 72 * H, False)]

    def test_one_member_turns_merge_unless_split(self):
        start = handoff_utc()
        merged = oncall_segments(handoff=start, turn_hours=24, tz=UTC, members=[ANN], overrides=[],
                                 start=start, end=start + 72 * H)
        assert [(s.person, s.end - s.start) for s in merged] == [(ANN, 72 * H)]
        split = oncall_segments(handoff=start, turn_hours=24, tz=UTC, members=[], overrides=[],
                                start=start, end=start + 72 * H, split_turns=True)
        assert [(s.person, s.end - s.start) for s in split] == [(None, 24 * H)] * 3


def _daily(zone: str, transition: datetime, hour: int = 8):
    """A daily ``hour``:00 handoff in ``zone`` that started ten days before ``transition``."""
    tz = zoneinfo.ZoneInfo(zone)
    first = datetime.combine(transition.astimezone(tz).date() - timedelta(days=10), time(hour), tzinfo=tz)
    return tz, first


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Sydney"])
@pytest.mark.parametrize("change", [0, 1], ids=["first change", "second change"])
def test_a_daily_0800_handoff_stays_at_0800_local_across_both_dst_changes(zone, change):
    transition, shift = dst_changes(zone)[change]  # shift: +1 h (clocks go forward) or -1 h
    tz, first = _daily(zone, transition)
    members = [ANN, BOB, CAT]
    lengths = {}
    for k in range(20):
        day = first.date() + timedelta(days=k)
        local_start = datetime.combine(day, time(8), tzinfo=tz)
        mid = local_start.astimezone(UTC) + 2 * H
        oc = who(mid, members=members, handoff=first, tz=tz)
        assert oc.person == members[k % 3], (day, oc)
        assert oc.since.astimezone(tz).time() == time(8) and oc.since.astimezone(tz).date() == day
        assert oc.until.astimezone(tz).time() == time(8)
        assert oc.until.astimezone(tz).date() == day + timedelta(days=1)
        lengths[day] = oc.until.astimezone(UTC) - oc.since.astimezone(UTC)
    changed = transition.astimezone(tz).date()
    # The turn that holds the change (08:00 the day before until 08:00 that day) is 23 or 25 h.
    holder = changed - timedelta(days=1) if transition.astimezone(tz).hour < 8 else changed
    assert lengths.pop(holder) == 24 * H - shift
    assert set(lengths.values()) == {24 * H}


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_the_turns_around_a_change_are_23_and_25_hours_by_turn_at(zone):
    (spring, _), (autumn, _) = sorted(dst_changes(zone), key=lambda c: c[1], reverse=True)
    for transition, hours in ((spring, 23), (autumn, 25)):
        tz, first = _daily(zone, transition)
        turn = turn_at(handoff=first, turn_hours=24, tz=tz, at=transition)
        assert turn.end.astimezone(UTC) - turn.start.astimezone(UTC) == timedelta(hours=hours)
        assert turn.start.astimezone(tz).hour == turn.end.astimezone(tz).hour == 8
        assert turn.start.astimezone(UTC) <= transition < turn.end.astimezone(UTC)


def test_a_twelve_hour_rotation_keeps_0800_and_2000_local_across_the_spring_change():
    zone = "America/New_York"
    (spring, _), _ = sorted(dst_changes(zone), key=lambda c: c[1], reverse=True)
    tz, first = _daily(zone, spring)
    starts = set()
    at = first.astimezone(UTC)
    for _ in range(40):
        turn = turn_at(handoff=first, turn_hours=12, tz=tz, at=at)
        starts.add(turn.start.astimezone(tz).time())
        at = turn.end.astimezone(UTC)
    assert starts == {time(8), time(20)}
    night = turn_at(handoff=first, turn_hours=12, tz=tz, at=spring)  # 20:00 Sat to 08:00 Sun
    assert night.end.astimezone(UTC) - night.start.astimezone(UTC) == 11 * H


def test_a_local_instant_in_the_repeated_hour_is_read_as_the_instant_it_is():
    """01:15 the second time round (GMT) on the autumn night is after a 01:30 BST handoff."""
    zone = "Europe/London"
    (autumn, _), = [c for c in dst_changes(zone) if c[1] < timedelta(0)]
    tz = zoneinfo.ZoneInfo(zone)
    day = autumn.astimezone(tz).date()
    first = datetime.combine(day - timedelta(days=3), time(1, 30), tzinfo=tz)
    second_0115 = datetime.combine(day, time(1, 15, fold=1), tzinfo=tz)
    as_utc = second_0115.astimezone(UTC)
    local = turn_at(handoff=first, turn_hours=24, tz=tz, at=second_0115)
    utc = turn_at(handoff=first, turn_hours=24, tz=tz, at=as_utc)
    assert local.index == utc.index == 3
    assert who(second_0115, handoff=first, tz=tz).person == who(as_utc, handoff=first, tz=tz).person == ANN
