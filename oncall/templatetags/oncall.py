"""``{% oncall_now as rows %}``: who is on call now on every schedule, for the admin home."""

from __future__ import annotations

from django import template

from oncall.selectors import schedule_zone, schedules_oncall_now
from oncall.texts import when

register = template.Library()


@register.simple_tag
def oncall_now():
    rows = []
    for answer in schedules_oncall_now():
        tz = schedule_zone(schedule=answer.schedule)
        person = answer.person
        rows.append({"schedule": answer.schedule,
                     "who": f"{person.name} ({person.phone})" if person else "Nobody on call",
                     "until": when(answer.until, tz=tz) if answer.until else "",
                     "override": answer.override, "nobody": person is None})
    return rows
