"""The one backoff formula: how long to wait before try ``n`` again (n = 0 is the first retry).

A send the provider throttled and an SMS the carrier could not deliver both wait twice as long
each time; they differ only in their base, whether a cap applies, and whether the wait is
jittered (a throttled batch must not come back all at once; a delivery retry is one message).
A leaf: it knows nothing of what is retried.
"""

from __future__ import annotations

import random


def backoff_seconds(base: float, n: int, *, cap: float | None = None, jitter: bool = False) -> float:
    delay = base * 2 ** max(n, 0)
    if cap is not None:
        delay = min(delay, cap)
    return delay * random.uniform(0.5, 1.5) if jitter else delay
