"""Time for the retry helper in tests: a monotonic clock that moves only when slept on."""

from __future__ import annotations

from sheetsync.retry import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def pacer(self, unit: float = 0.5) -> Pacer:
        """Jitter draws `unit` every time, so waits are known in advance."""
        return Pacer(sleep=self.sleep, clock=lambda: self.now, unit=lambda: unit)
