"""Every wording the on-call features send or show, in one place."""

from __future__ import annotations

from datetime import datetime, tzinfo

from django.utils import timezone

from messaging.templates.builtin import BuiltinTemplate, BuiltinVariant
from messaging.templates.render import Variant, builtin_variants, template_render, template_variants

NOT_ON_A_SCHEDULE_REPLY = "You are not on any on-call schedule."
# The texts a person gets are default templates (messaging/templates/builtin.py), editable in the
# admin under these names. Times are filled in already written ("Mon 08:00 PST"); {zone} is
# " (America/Los_Angeles)", or nothing in UTC.
BUILTIN_TEMPLATES = (
    BuiltinTemplate("oncall.turn", "The notice before a turn on call (SMS)", ("schedule", "start", "until", "zone"),
                    (BuiltinVariant("sms", "You are on call for {schedule} from {start} until {until}{zone}."),
                     BuiltinVariant("sms", "Usted esta de guardia en {schedule} desde {start} hasta {until}{zone}.",
                                    locale="es"))),
    BuiltinTemplate("oncall.not_on_a_schedule", "The answer to ONCALL from someone on no schedule (SMS)", (),
                    (BuiltinVariant("sms", NOT_ON_A_SCHEDULE_REPLY),
                     BuiltinVariant("sms", "Usted no esta en ningun turno de guardia.", locale="es"))),
)


def zone_abbreviation(at: datetime, *, tz: tzinfo) -> str:
    """'PST', 'CEST', 'UTC'; zones whose abbreviation is only an offset say 'UTC+03'."""
    abbreviation = at.astimezone(tz).tzname() or ""
    return f"UTC{abbreviation}" if abbreviation[:1] in "+-" else abbreviation


def zone_name(tz: tzinfo) -> str:
    """The zone's IANA name ('America/Los_Angeles')."""
    return getattr(tz, "key", None) or str(tz)


def zone_label(at: datetime, *, tz: tzinfo) -> str:
    """'PST (America/Los_Angeles)': the abbreviation in force at ``at`` and the zone it belongs
    to; only 'UTC' for UTC. Every on-call time the portal shows or sends says its zone this way."""
    abbreviation, name = zone_abbreviation(at, tz=tz), zone_name(tz)
    return abbreviation if abbreviation == name else f"{abbreviation} ({name})"


def local_time(at: datetime | None, *, tz: tzinfo, now: datetime | None = None) -> str:
    """"08:00 PST" today, "Mon 08:00 PST" within a week, else "Mon 7 Dec 08:00 PST"; "further
    notice" for None. The abbreviation only: a text naming several times names the zone once
    (``zoned``)."""
    if at is None:
        return "further notice"
    local, today = at.astimezone(tz), (now or timezone.now()).astimezone(tz)
    days = (local.date() - today.date()).days
    if days == 0:
        text = local.strftime("%H:%M")
    elif 0 < days < 7:
        text = local.strftime("%a %H:%M")
    else:
        text = local.strftime("%a %-d %b %H:%M")
    return f"{text} {zone_abbreviation(at, tz=tz)}"


def zoned(text: str, *, tz: tzinfo) -> str:
    """``text`` followed by the zone's IANA name, unless that is UTC (which its times already say)."""
    name = zone_name(tz)
    return text if name == "UTC" else f"{text} ({name})"


def turn_notice_text(*, schedule_name: str, start: datetime, until: datetime | None, tz: tzinfo,
                     now: datetime | None = None, locale: str = "", variants: list[Variant] | None = None) -> str:
    """The notice in ``locale``, worded by ``variants`` (``turn_notice_wording()``); without
    them the built-in wording, reading nothing."""
    return template_render(
        template_name="oncall.turn", channel="sms", locale=locale,
        variants=variants if variants is not None else builtin_variants("oncall.turn"),
        context={"schedule": schedule_name, "start": local_time(start, tz=tz, now=now),
                 "until": local_time(until, tz=tz, now=now), "zone": zoned("", tz=tz)}).body


def turn_notice_wording() -> list[Variant]:
    return template_variants("oncall.turn")


def not_on_a_schedule_text(*, locale: str = "") -> str:
    return template_render(template_name="oncall.not_on_a_schedule", channel="sms", locale=locale).body


def oncall_line(*, schedule_name: str, name: str | None, phone: str | None, until: datetime | None,
                tz: tzinfo, now: datetime | None = None) -> str:
    if not phone:
        return f"{schedule_name}: nobody on call" + (zoned(f" until {local_time(until, tz=tz, now=now)}", tz=tz)
                                                     if until else "")
    line = f"{schedule_name}: {name or phone} ({phone}) until {local_time(until, tz=tz, now=now)}"
    return zoned(line, tz=tz) if until else line



def oncall_reply(lines: list[str]) -> str:
    return "On call now: " + "; ".join(lines) + "."


def turn_span(start: datetime, end: datetime, *, tz: tzinfo) -> str:
    """'Thu 08:00–Fri 08:00 PST' ('Thu 08:00–20:00 PST' within a day), on the ``tz`` clock."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    until = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%a %H:%M}"
    return f"{a:%a %H:%M}–{until} {zone_abbreviation(end, tz=tz)}"


def weekly_summary_text(*, turns: list[tuple], tz: tzinfo, now: datetime) -> str:
    """'Your next turns: East gas Thu 08:00–Fri 08:00 PST, …' for (schedule, segment) pairs."""
    if not turns:
        return "Your next turns: none in the next 7 days."
    parts = [f"{schedule.name} {turn_span(seg.start, seg.end, tz=tz)}" for schedule, seg in turns]
    return zoned("Your next turns: " + ", ".join(parts), tz=tz) + "."
