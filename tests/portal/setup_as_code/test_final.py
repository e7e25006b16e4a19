"""A vendor's rendered final schedule becomes the fewest overrides on top of the rotation (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oncall.rotation import Span, oncall_resolve
from portal.setup_as_code.final import overrides_from_final
from portal.setup_as_code.neutral import Rotation, Shift

T0 = datetime(2026, 3, 2, tzinfo=UTC)
ROTA = Rotation(handoff=T0, turn_hours=24, member_ids=["a", "b"])


def _day(n, h=0):
    return T0 + timedelta(days=n, hours=h)


def _answer(outcome, at):
    spans = [Span(id=i, person=o.person_id, start=o.start, end=o.end) for i, o in enumerate(outcome.overrides)]
    return oncall_resolve(handoff=ROTA.handoff, turn_hours=24, tz=UTC, members=ROTA.member_ids, overrides=spans,
                          at=at).person


def test_where_the_rotation_agrees_there_is_no_override_and_where_it_differs_there_is_one():
    final = [Shift("a", _day(0), _day(1)), Shift("b", _day(1), _day(1, 9)), Shift("c", _day(1, 9), _day(1, 17)),
             Shift("b", _day(1, 17), _day(2)), Shift("c", _day(2), _day(3))]
    outcome = overrides_from_final(rotation=ROTA, time_zone="UTC", final=final, explicit=[])
    assert [(o.person_id, o.start, o.end) for o in outcome.overrides] == [
        ("c", _day(1, 9), _day(1, 17)), ("c", _day(2), _day(3))]
    for shift in final:
        for at in (shift.start, shift.end - timedelta(seconds=1)):
            assert _answer(outcome, at) == shift.person_id


def test_explicit_overrides_count_only_outside_the_rendered_window_and_gaps_and_overlaps_are_counted():
    final = [Shift("a", _day(0), _day(0, 12)), Shift("b", _day(0, 10), _day(0, 14)), Shift("a", _day(0, 20), _day(1))]
    explicit = [Shift("z", _day(0, 1), _day(0, 2)), Shift("z", _day(0, 23), _day(1, 3))]
    outcome = overrides_from_final(rotation=ROTA, time_zone="UTC", final=final, explicit=explicit)
    assert outcome.overlaps == 1 and outcome.gaps == 1
    assert ("z", _day(1), _day(1, 3)) in [(o.person_id, o.start, o.end) for o in outcome.overrides]
    assert _answer(outcome, _day(0, 1, )) == "a"  # inside the window the vendor's answer wins
