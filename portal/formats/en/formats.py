"""English date formats for an operations desk: 24-hour and short.

Django's "Dec. 7, 2026, 11:38 a.m." took a sixth of a 1,366 px laptop's table per date column
and pushed the columns people act on ("next step at", "booked at") off the screen. Read at a
glance and sorted by eye: "7 Dec 2026 11:38".
"""

DATETIME_FORMAT = "j M Y H:i"
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = "j M Y"
