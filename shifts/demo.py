"""Three demo shifts for `make run`, in the next days after ``now``; safe to run repeatedly."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from shifts.models import Shift

DEMO_SHIFTS = [
    ("XYZ1234", "Warehouse picker, overtime rate", 1, time(8), time(16), "Dock 3"),
    ("XYZ2345", "Forklift driver (licence needed)", 1, time(16), time(23, 30), "Yard B"),
    ("XYZ3456", "Night inventory count", 2, time(22), time(6), "Main store"),
]


def demo_seed(*, now: datetime | None = None) -> None:
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now or timezone.now())
    for code, info, days, start, end, location in DEMO_SHIFTS:
        day = today + timedelta(days=days)
        starts_at = timezone.make_aware(datetime.combine(day, start), zone)
        ends_at = timezone.make_aware(datetime.combine(day + timedelta(days=1 if end <= start else 0), end), zone)
        Shift.objects.get_or_create(code=code, defaults={"info": info, "starts_at": starts_at, "ends_at": ends_at,
                                                         "location": location})
