"""Bounded retries for the HTTP clients that must not give up at the first hiccup
(Google Sheets, the Slack webhook): exponential backoff with full jitter, `Retry-After`
honoured, a cap on attempts and on total time.

The policy is data; `call_with_retry` runs one operation under it with an injected
sleeper, monotonic clock and random source (`Pacer`), so tests never sleep. Each
client says which of its failures are transient (`classify`) and how long the server
asked to wait (`retry_after_seconds`). Only a request that may safely arrive twice may be
retried after it was sent: the Sheets requests (reads, and writes of fixed values to
fixed cells) retry timeouts too; a Slack webhook post is not idempotent, so it retries
only what provably never reached Slack or what Slack refused to take
(`notify.slack`), and an unanswered post is not sent again.

A server's wait has two ceilings: `retry_after_seconds` never reads more than
`RETRY_AFTER_CEILING` (a day; a huge number or a far-off date would otherwise overflow
the `timedelta` a caller builds from it), and `call_with_retry` gives up rather than
start a wait that would end past the policy's `max_total`.

Hand-written rather than `tenacity` or `stamina`: tenacity has no notion of
Retry-After (a custom wait would have to dig the response out of its retry state),
and stamina, which can take a wait from a hook, controls time for tests through
process-wide switches rather than per-call injection and adds its jitter to the
backoff instead of drawing it in full. Both would be two dependencies for this page.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from sheetsync.errors import GaveUp

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_AFTER_CEILING = 86_400.0  # seconds: no server gets us to wait longer than a day


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
    Permanent failures propagate unchanged; exhaustion raises GaveUp from the last one,
    and so does a wait that would end past `policy.max_total` (it is not started).
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


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` value asks for: delta-seconds, or an HTTP date counted
    from `now`; at most `RETRY_AFTER_CEILING`. None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # str.isdigit also takes '²', which float refuses
        seconds = float(value)  # a number too long for a float reads as inf
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(0.0, seconds), RETRY_AFTER_CEILING)
