"""The schedule page's picture: who is on call over the next days, one bar per local day.

Display arithmetic only (percent offsets of segments within each day); who is on call comes
from oncall.selectors.oncall_timeline, so the picture and the pager cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from oncall.models import Schedule
from oncall.selectors import oncall_timeline, schedule_zone

# Enough colours that neighbours in a rotation differ; the rest wrap round.
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#e15759"]


@dataclass(frozen=True)
class Block:
    left: float
    width: float
    label: str
    title: str
    colour: str
    override: bool
    nobody: bool


@dataclass(frozen=True)
class Day:
    label: str
    blocks: list[Block]


def schedule_days(*, schedule: Schedule, days: int = 14, now: datetime | None = None) -> list[Day]:
    tz = schedule_zone(schedule=schedule)
    today = (now or timezone.now()).astimezone(tz).date()
    starts = [datetime.combine(today + timedelta(days=i), time(0), tzinfo=tz) for i in range(days + 1)]
    segments = oncall_timeline(schedule=schedule, start=starts[0], end=starts[-1])
    colours: dict[int, str] = {}
    out = []
    for day_start, day_end in zip(starts, starts[1:], strict=False):
        span = (day_end - day_start).total_seconds()  # 23 or 25 hours on a clock-change day
        blocks = []
        for seg in segments:
            lo, hi = max(seg.start, day_start), min(seg.end, day_end)
            if lo >= hi:
                continue
            person = seg.person
            if person is not None:
                colour = colours.setdefault(person.id, PALETTE[len(colours) % len(PALETTE)])
            title = (f"{person.name} ({person.phone})" if person else "Nobody on call") + \
                f" {seg.start.astimezone(tz):%a %d %b %H:%M} – {seg.end.astimezone(tz):%a %d %b %H:%M}" + \
                (" · override" if seg.override_id else "")
            blocks.append(Block(left=round(100 * (lo - day_start).total_seconds() / span, 3),
                                width=round(100 * (hi - lo).total_seconds() / span, 3),
                                label=person.name if person else "nobody", title=title,
                                colour=colour if person else "#ddd", override=seg.override_id is not None,
                                nobody=person is None))
        out.append(Day(label=f"{day_start:%a %d %b}", blocks=blocks))
    return out
