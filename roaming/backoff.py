"""How long to wait before trying again: a delay doubling per failed try, capped, with jitter."""

from __future__ import annotations

import random

MAX_DOUBLINGS = 60  # 2**60 times any base is past every cap; more would overflow a float


def doubling_delay(base: float, attempts: int, cap: float) -> float:
    """Seconds to wait after ``attempts`` failed tries: ``base``, doubled per try after the first,
    at most ``cap``, then ±20% jitter so that many waiting items do not retry in step. Safe for any
    number of tries (an item of a partner away for months has thousands)."""
    doublings = min(max(attempts - 1, 0), MAX_DOUBLINGS)
    return min(cap, base * 2**doublings) * random.uniform(0.8, 1.2)
