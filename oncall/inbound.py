"""``ONCALL`` by SMS: who is on call now, on each schedule the sender belongs to.

Served to numbers on the allow-list (any scope) only, like the shift commands; anything else is
answered with silence. Named in ``INBOUND_SMS_HANDLERS`` before the shift commands, which would
otherwise read ONCALL as a shift code.
"""

from __future__ import annotations

from django.utils import timezone

from messaging.inbound.handlers import HandlerResult
from messaging.models import AllowListEntry, Contact
from oncall import texts
from oncall.selectors import oncall_at, schedule_zone, schedules_for_phone

COMMAND = "ONCALL"


def oncall_command_handler(inbound) -> HandlerResult | None:
    if " ".join((inbound.body or "").split()).upper() not in (COMMAND, "ON CALL"):
        return None
    phone = inbound.origination_number
    if not AllowListEntry.objects.filter(phone=phone).exists():
        return HandlerResult(outcome="ONCALL from a number not on the allow-list; ignored", ignored=True)
    schedules = list(schedules_for_phone(phone=phone))
    if not schedules:
        locale = Contact.objects.filter(phone=phone).values_list("locale", flat=True).first() or ""
        return HandlerResult(outcome="ONCALL: sender is on no schedule",
                             reply=texts.not_on_a_schedule_text(locale=locale))
    now = timezone.now()
    lines = []
    for schedule in schedules:
        answer = oncall_at(schedule=schedule, at=now)
        if answer is None:  # deleted since it was listed
            continue
        person = answer.person
        lines.append(texts.oncall_line(schedule_name=schedule.name, name=person.name if person else None,
                                       phone=person.phone if person else None, until=answer.until,
                                       tz=schedule_zone(schedule=schedule), now=now))
    return HandlerResult(outcome=f"ONCALL: answered for {len(schedules)} schedule(s)", reply=texts.oncall_reply(lines))


# ONCALL only reads the rotas; in the simulator, whoever may read them may ask as a phone.
oncall_command_handler.simulator_permissions = ("oncall.view_schedule",)
