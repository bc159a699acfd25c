"""Bounded retries for transient failures: exponential backoff, full jitter, Retry-After.

The policy is data; `call_with_retry` runs one operation under it with an injected
sleeper, monotonic clock and random source, so tests never sleep.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sheetsync.errors import GaveUp

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5  # tries in all, the first included
    base_delay: float = 1.0  # seconds; the backoff ceiling doubles from here
    max_delay: float = 32.0  # backoff ceiling cap
    max_total: float = 120.0  # never start a wait that would end later than this after the start

    def wait(self, attempt: int, unit: float, retry_after: float | None) -> float:
        """Seconds to wait after failed `attempt` (1-based): full jitter, but never
        sooner than the server asked."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        jittered = unit * ceiling
        return max(jittered, retry_after) if retry_after is not None else jittered


@dataclass(frozen=True)
class Transient:
    """Why a failure is worth another attempt, and how long the server asked us to wait."""

    reason: str
    retry_after: float | None = None


@dataclass(frozen=True)
class Pacer:
    """The time-related collaborators of retrying, injected so tests control them."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    unit: Callable[[], float] = random.random


DEFAULT_POLICY = RetryPolicy()
REAL_TIME = Pacer()


def call_with_retry(
    operation: Callable[[], T],
    classify: Callable[[Exception], Transient | None],
    policy: RetryPolicy,
    pacer: Pacer = REAL_TIME,
    what: str = "request",
    on_retry: Callable[[], None] | None = None,
) -> T:
    """Run `operation`; on a failure `classify` calls transient, wait and try again.
    Permanent failures propagate unchanged; exhaustion raises GaveUp from the last one.
    `on_retry` is told before each wait (metrics)."""
    start = pacer.clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            return operation()
        except Exception as exc:
            transient = classify(exc)
            if transient is None:
                raise
            elapsed = pacer.clock() - start
            wait = policy.wait(attempt, pacer.unit(), transient.retry_after)
            if attempt >= policy.max_attempts or elapsed + wait > policy.max_total:
                raise GaveUp(transient.reason, attempt, elapsed) from exc
            log.warning(
                "%s failed (%s); retry %d/%d in %.1fs",
                what,
                transient.reason,
                attempt,
                policy.max_attempts - 1,
                wait,
            )
            if on_retry is not None:
                on_retry()
            pacer.sleep(wait)
