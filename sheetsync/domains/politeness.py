"""Politeness towards registry servers: concurrency, rate windows, pauses, and
giving up on a server that cannot be reached or does not answer (one probe, not one
timeout per domain)."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sheetsync.clock import Clock
from sheetsync.domains.answer import Answer

Sleep = Callable[[float], Awaitable[None]]
WINDOW = timedelta(minutes=1)
# The server counts a query when it arrives, by its own clock: a start exactly a minute
# after the first would often land inside its window and be refused (with a 429 that
# costs a long pause). Keeping this much further apart never reaches its limit.
MARGIN = timedelta(seconds=1)


class RateWindow:
    """At most `per_minute` query starts in any sliding minute, plus pauses a server
    asked for. Kept between passes, so back-to-back passes stay within the limit."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._starts: deque[datetime] = deque()
        self._paused_until: datetime | None = None
        self._lock = threading.Lock()  # passes may run in different threads

    def reserve(self, now: datetime) -> datetime | None:
        """Record a start at `now` and return None, or return when to try again."""
        with self._lock:
            if self._paused_until is not None and now < self._paused_until:
                return self._paused_until
            while self._starts and self._starts[0] <= now - WINDOW - MARGIN:
                self._starts.popleft()
            if len(self._starts) >= self.per_minute:
                return self._starts[0] + WINDOW + MARGIN
            self._starts.append(now)
            return None

    def pause(self, until: datetime) -> None:
        with self._lock:
            if self._paused_until is None or until > self._paused_until:
                self._paused_until = until

    def starts(self) -> list[datetime]:
        with self._lock:
            return list(self._starts)


class ServerGate:
    """One pass's view of one server (asyncio objects belong to one event loop)."""

    def __init__(self, window: RateWindow, concurrency: int, clock: Clock, sleep: Sleep) -> None:
        self.window = window
        self.concurrency = asyncio.Semaphore(concurrency)
        # The answer that made us give up on the server for this pass (unreachable, or
        # stalled past its deadline); the names still to ask are told the same.
        self.given_up: Answer | None = None
        self._clock = clock
        self._sleep = sleep
        self._turn = asyncio.Lock()  # waiting for a rate slot is first come, first served
        self._probe_taken = False
        self._probed = asyncio.Event()

    def is_probe(self) -> bool:
        """True exactly once: the first query to a server goes alone, so an unreachable
        server costs one timeout, not one per domain."""
        if self._probe_taken:
            return False
        self._probe_taken = True
        return True

    async def after_probe(self) -> None:
        await self._probed.wait()

    def probe_done(self) -> None:
        self._probed.set()

    async def slot(self, deadline: datetime) -> bool:
        """Wait for the rate window; False if that would pass the deadline."""
        async with self._turn:
            while True:
                now = self._clock()
                retry_at = self.window.reserve(now)
                if retry_at is None:
                    return True
                if retry_at > deadline:
                    return False
                await self._sleep((retry_at - now).total_seconds())

    def pause(self, seconds: float) -> None:
        self.window.pause(self._clock() + timedelta(seconds=seconds))
