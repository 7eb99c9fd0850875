"""The sender's pacing: never faster than its share of the SES send rate."""

from __future__ import annotations

from calsnack.usecases.send_deliveries import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


def test_pacer_spaces_sends_by_the_rate() -> None:
    t = FakeTime()
    pacer = Pacer(rate=5.0, clock=t.clock, sleep=t.sleep)
    for _ in range(11):
        pacer.wait()
    # Eleven sends at 5 per second: the first at once, then ten gaps of 0.2 s.
    assert abs(t.slept - 2.0) < 1e-9


def test_pacer_does_not_bank_idle_time() -> None:
    t = FakeTime()
    pacer = Pacer(rate=2.0, clock=t.clock, sleep=t.sleep)
    pacer.wait()
    t.now += 60  # idle for a minute
    pacer.wait()
    pacer.wait()
    assert abs(t.slept - 0.5) < 1e-9


def test_zero_rate_means_unlimited() -> None:
    t = FakeTime()
    pacer = Pacer(rate=0.0, clock=t.clock, sleep=t.sleep)
    for _ in range(100):
        pacer.wait()
    assert t.slept == 0.0
