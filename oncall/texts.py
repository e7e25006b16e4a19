"""Every wording the on-call features send or show, in one place."""

from __future__ import annotations

from datetime import datetime, tzinfo

from django.utils import timezone


def when(at: datetime | None, *, tz: tzinfo, now: datetime | None = None) -> str:
    """"08:00" today, "Mon 08:00" within a week, else "Mon 7 Dec 08:00"; "further notice" for None."""
    if at is None:
        return "further notice"
    local, today = at.astimezone(tz), (now or timezone.now()).astimezone(tz)
    days = (local.date() - today.date()).days
    if days == 0:
        return local.strftime("%H:%M")
    if 0 < days < 7:
        return local.strftime("%a %H:%M")
    return local.strftime("%a %-d %b %H:%M")


def turn_notice_text(*, schedule_name: str, start: datetime, until: datetime | None, tz: tzinfo,
                     now: datetime | None = None) -> str:
    return (f"You are on call for {schedule_name} from {when(start, tz=tz, now=now)} "
            f"until {when(until, tz=tz, now=now)}.")


def oncall_line(*, schedule_name: str, name: str | None, phone: str | None, until: datetime | None,
                tz: tzinfo, now: datetime | None = None) -> str:
    if not phone:
        return f"{schedule_name}: nobody on call" + (f" until {when(until, tz=tz, now=now)}" if until else "")
    return f"{schedule_name}: {name or phone} ({phone}) until {when(until, tz=tz, now=now)}"


NOT_ON_A_SCHEDULE_REPLY = "You are not on any on-call schedule."


def oncall_reply(lines: list[str]) -> str:
    return "On call now: " + "; ".join(lines) + "."
