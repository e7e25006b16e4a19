"""Loaded only by bin/date-sweep (it puts this folder on PYTHONPATH): time.sleep that works
under libfaketime with the monotonic clock left real.

The sweep fakes the wall clock only (FAKETIME_DONT_FAKE_MONOTONIC=1), so that the timeouts of
Event.wait, queue.get and select, which glibc hands to the kernel on the real monotonic clock,
still end. But Debian's libfaketime 0.9.10 then mangles Python 3.11's time.sleep, which calls
clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME): it shifts the deadline by the fake offset and
the kernel answers EINVAL (wolfcw/libfaketime#426). select() with a relative timeout is not
shifted, so sleep waits on it instead, for the same real duration.
"""

import os
import select
import time

if os.environ.get("FAKETIME") and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":
    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            select.select([], [], [], left)

    time.sleep = _sleep
