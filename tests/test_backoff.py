"""Retry delays double per failed try up to their cap, with jitter, for any number of tries."""

from __future__ import annotations

from roaming.backoff import doubling_delay


def test_delays_double_up_to_the_cap_and_never_overflow():
    assert 1.6 <= doubling_delay(2, 1, 3600) <= 2.4
    assert 12.8 <= doubling_delay(2, 4, 3600) <= 19.2
    for attempts in (12, 1025, 10**6):  # 2 ** 1024 would no longer fit a float
        assert 2880 <= doubling_delay(2, attempts, 3600) <= 4320
    assert 1.6 <= doubling_delay(2, 0, 3600) <= 2.4
