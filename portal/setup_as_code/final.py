"""The vendor's rendered "who is on call" turned into overrides on top of the one rotation the
portal keeps: wherever the rotation would answer someone else, an override says who the
vendor says. Pure, so it is tested without a database, and it uses the portal's own rotation
arithmetic (oncall.rotation), the same rules ``oncall_at`` applies.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass

from oncall.rotation import oncall_segments
from portal.setup_as_code.neutral import Rotation, Shift


@dataclass
class Outcome:
    overrides: list[Shift]
    gaps: int  # stretches where the vendor has nobody and the rotation has someone (not expressible)
    overlaps: int  # final shifts that overlap (several people at once: the portal keeps the later one)


def _rotation_segments(rotation: Rotation | None, tz: str, start, end):
    if rotation is None or not rotation.member_ids:
        return [(None, start, end)]
    segs = oncall_segments(handoff=rotation.handoff, turn_hours=rotation.turn_hours, tz=zoneinfo.ZoneInfo(tz),
                           members=rotation.member_ids, overrides=[], start=start, end=end)
    return [(s.person, s.start, s.end) for s in segs]


def overrides_from_final(*, rotation: Rotation | None, time_zone: str, final: list[Shift] | None,
                         explicit: list[Shift]) -> Outcome:
    """Overrides that make the portal answer as ``final`` does inside its window, and as
    ``explicit`` (the vendor's own overrides) outside it."""
    if not final:
        return Outcome(overrides=list(explicit), gaps=0, overlaps=0)
    final = sorted(final, key=lambda s: (s.start, s.end))
    lo, hi = final[0].start, max(s.end for s in final)
    out: list[Shift] = []
    for o in explicit:  # the final schedule already holds the overrides inside its window
        if o.start < lo:
            out.append(Shift(o.person_id, o.start, min(o.end, lo)))
        if o.end > hi:
            out.append(Shift(o.person_id, max(o.start, hi), o.end))
    overlaps, covered_to, gaps = 0, lo, 0
    for shift in final:
        if shift.start < covered_to:
            overlaps += 1
        elif shift.start > covered_to:
            gaps += sum(1 for who, _, _ in _rotation_segments(rotation, time_zone, covered_to, shift.start) if who)
        covered_to = max(covered_to, shift.end)
        for who, start, end in _rotation_segments(rotation, time_zone, shift.start, shift.end):
            if who != shift.person_id:
                if out and out[-1].person_id == shift.person_id and out[-1].end == start:
                    out[-1] = Shift(shift.person_id, out[-1].start, end)
                else:
                    out.append(Shift(shift.person_id, start, end))
    return Outcome(overrides=out, gaps=gaps, overlaps=overlaps)
