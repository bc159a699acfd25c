"""The wall clock, passed to whatever needs the time (so tests pass a fake one).

The core never takes a clock: it takes `now` values, so only the adapters and the
passes that call them import this.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC: the `Clock` of a real run."""
    return datetime.now(UTC)
