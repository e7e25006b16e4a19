"""Quiet hours on each recipient's own clock, at fixed instants: clock changes, windows that wrap
midnight, zones 30 and 45 minutes off the hour, and numbers that span many zones."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from messaging.audience.quiet_hours import NoCommonHour, inside, release_at, time_zone_valid, zones_for

NIGHT = (time(21, 0), time(8, 0))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hold(zones, now, window=NIGHT):
    return release_at(zones=tuple(zones), start=window[0], end=window[1], now=now)


def test_a_window_that_wraps_midnight_holds_both_sides_of_it_and_not_the_day():
    assert inside(time(23, 30), *NIGHT) and inside(time(0, 0), *NIGHT) and inside(time(7, 59), *NIGHT)
    assert not inside(time(8, 0), *NIGHT) and not inside(time(20, 59), *NIGHT)
    assert inside(time(21, 0), *NIGHT)
    # A window inside one day does not wrap.
    assert inside(time(13, 0), time(12, 0), time(14, 0)) and not inside(time(11, 0), time(12, 0), time(14, 0))


def test_outside_the_window_a_recipient_goes_at_once_and_inside_it_waits_for_8_local():
    # 2026-06-10 18:00 UTC is 11:00 in Los Angeles (PDT, -7): free.
    assert hold(["America/Los_Angeles"], utc(2026, 6, 10, 18)) == utc(2026, 6, 10, 18)
    # 2026-06-10 06:00 UTC is 23:00 the evening before in Los Angeles: held until 08:00 PDT = 15:00 UTC.
    assert hold(["America/Los_Angeles"], utc(2026, 6, 10, 6)) == utc(2026, 6, 10, 15)
    # Just after midnight local (07:30 UTC = 00:30 PDT): the same morning's 08:00.
    assert hold(["America/Los_Angeles"], utc(2026, 6, 10, 7, 30)) == utc(2026, 6, 10, 15)


def test_the_spring_forward_night_is_an_hour_shorter_in_utc():
    # US clocks go forward on 2026-03-08 at 02:00 local. 22:00 PST on the 7th is 06:00 UTC on the 8th;
    # 08:00 PDT on the 8th is 15:00 UTC (not 16:00, as it would be in standard time).
    assert hold(["America/New_York"], utc(2026, 3, 8, 3)) == utc(2026, 3, 8, 12)  # 22:00 EST → 08:00 EDT
    assert hold(["America/Los_Angeles"], utc(2026, 3, 8, 6)) == utc(2026, 3, 8, 15)


def test_the_fall_back_night_is_an_hour_longer_in_utc():
    # US clocks go back on 2026-11-01 at 02:00 local: 08:00 PST on the 1st is 16:00 UTC.
    assert hold(["America/Los_Angeles"], utc(2026, 11, 1, 5)) == utc(2026, 11, 1, 16)
    # Europe goes back on 2026-10-25: 08:00 CET in Berlin is 07:00 UTC (06:00 UTC the day before, in summer time).
    assert hold(["Europe/Berlin"], utc(2026, 10, 24, 22)) == utc(2026, 10, 25, 7)
    assert hold(["Europe/Berlin"], utc(2026, 10, 23, 22)) == utc(2026, 10, 24, 6)


def test_a_window_ending_in_the_hour_that_does_not_exist_ends_when_the_clock_passes_it():
    # 02:30 does not exist in New York on 2026-03-08; the window 01:00-02:30 ends at the jump (03:00 EDT, 07:00 UTC).
    assert hold(["America/New_York"], utc(2026, 3, 8, 6, 15), (time(1, 0), time(2, 30))) == utc(2026, 3, 8, 7)


@pytest.mark.parametrize(("name", "at", "free_at"), [
    # Kolkata is UTC+5:30: 08:00 IST = 02:30 UTC. 17:00 UTC is 22:30 IST, held.
    ("Asia/Kolkata", utc(2026, 6, 10, 17), utc(2026, 6, 11, 2, 30)),
    # Kathmandu is UTC+5:45: 08:00 NPT = 02:15 UTC.
    ("Asia/Kathmandu", utc(2026, 6, 10, 17), utc(2026, 6, 11, 2, 15)),
    # Eucla is UTC+8:45: 08:00 there is 23:15 UTC the day before. 14:00 UTC is 22:45 in Eucla, held.
    ("Australia/Eucla", utc(2026, 6, 10, 14), utc(2026, 6, 10, 23, 15)),
    # The legacy names phonenumbers gives (Asia/Calcutta, Asia/Katmandu) are the same zones.
    ("Asia/Calcutta", utc(2026, 6, 10, 17), utc(2026, 6, 11, 2, 30)),
    ("Asia/Katmandu", utc(2026, 6, 10, 17), utc(2026, 6, 11, 2, 15)),
])
def test_zones_off_the_hour_end_their_window_at_their_own_minute(name, at, free_at):
    assert hold([name], at) == free_at
    # A minute before the end it is still held, at the end it is free.
    assert hold([name], free_at) == free_at


def test_a_number_in_several_zones_waits_until_every_one_is_outside():
    zones = zones_for(address="+18005550100")  # toll-free: every zone of the North American plan
    assert len(zones) >= 30 and "America/New_York" in zones and "Pacific/Honolulu" in zones
    # 2026-06-10 13:00 UTC: 09:00 in New York (free), 06:00 in Los Angeles (held), 03:00 in Honolulu.
    at = hold(zones, utc(2026, 6, 10, 13))
    # The last zone to leave the night decides, then no zone may be back inside it.
    for z in zones:
        from zoneinfo import ZoneInfo

        assert not inside(at.astimezone(ZoneInfo(z)).time(), *NIGHT), z
    assert at > utc(2026, 6, 10, 15)  # not before 08:00 in Los Angeles
    # A single-zone number of the same plan goes as soon as its own zone allows.
    assert zones_for(address="+12125550100") == ("America/New_York",)
    assert hold(["America/New_York"], utc(2026, 6, 10, 13)) == utc(2026, 6, 10, 13)


def test_zones_that_are_never_all_outside_at_once_are_said_to_be_so():
    # A 20-hour window in two zones 12 hours apart leaves no common hour.
    with pytest.raises(NoCommonHour):
        hold(["Asia/Tokyo", "America/New_York"], utc(2026, 6, 10, 0), (time(10, 0), time(6, 0)))


def test_the_contacts_own_zone_wins_and_an_unplaceable_address_uses_the_fallback():
    assert zones_for(address="+12065550101", time_zone="Europe/Berlin") == ("Europe/Berlin",)
    assert zones_for(address="+447700900123", fallback="Europe/London") == ("Europe/London",)  # Etc/Unknown
    assert zones_for(address="ana@example.com", fallback="UTC") == ("UTC",)
    assert time_zone_valid("America/Chicago") and not time_zone_valid("Mars/Olympus") and not time_zone_valid("")


@pytest.mark.parametrize(("value", "ok"), [("21:00-08:00", True), ("", True), ("21-08", False),
                                           ("21:00-21:00", False), ("21:00", False), ("25:00-08:00", False)])
def test_a_bad_promotional_window_is_an_error_at_start_up(settings, value, ok):
    from messaging.checks import promotional_quiet_hours_check

    settings.BULK_PROMOTIONAL_QUIET_HOURS = value
    errors = promotional_quiet_hours_check(None)
    assert (errors == []) is ok
    assert ok or errors[0].id == "messaging.E011"
