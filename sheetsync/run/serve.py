"""`sheetsync serve`: a sync pass on a schedule (APScheduler 3) until SIGTERM/SIGINT.

One pass at a time: the job allows one instance, coalesces missed runs, and takes
the state store's file lock, so neither an overlapping trigger nor a second process
starts another pass. A failing pass is logged and the schedule goes on. On a signal
the running pass may finish within the stop grace, then the process exits 0; a pass
still running after it (a registry that never answers) is left behind and the
process exits 1 rather than hang. A second signal stops waiting at once.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime, time
from time import monotonic
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from sheetsync.clock import Clock
from sheetsync.errors import StateError
from sheetsync.run.lock import SyncLock
from sheetsync.settings import ScheduleSettings, parse_days

log = logging.getLogger(__name__)
Job = Callable[[], object]


def schedule_zone(schedule: ScheduleSettings, default: str) -> ZoneInfo:
    return ZoneInfo(schedule.timezone or default)


def build_trigger(schedule: ScheduleSettings, tz: ZoneInfo) -> BaseTrigger:
    if schedule.cron:
        return CronTrigger.from_crontab(schedule.cron, timezone=tz)
    return IntervalTrigger(minutes=schedule.interval_minutes, timezone=tz)


def office_hours(schedule: ScheduleSettings, tz: ZoneInfo) -> Callable[[datetime], bool]:
    """Whether a moment is inside the office-hours window (always, when none is set)."""
    opened = window_opened(schedule, tz)
    if schedule.office_hours is None:
        return lambda now: True
    return lambda now: opened(now) is not None


def window_opened(
    schedule: ScheduleSettings, tz: ZoneInfo
) -> Callable[[datetime], datetime | None]:
    """When the office-hours window a moment falls in opened; None outside the window,
    and when no window is set (then syncs run around the clock)."""
    if schedule.office_hours is None:
        return lambda now: None
    start, end = (time.fromisoformat(t) for t in schedule.office_hours.split("-"))
    days = parse_days(schedule.office_days)

    def opened(now: datetime) -> datetime | None:
        local = now.astimezone(tz)
        if local.weekday() not in days or not start <= local.time() < end:
            return None
        return local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)

    return opened


class Server:
    def __init__(
        self,
        job: Job,
        trigger: BaseTrigger,
        *,
        tz: ZoneInfo,
        clock: Clock,
        lock: SyncLock | None = None,
        is_open: Callable[[datetime], bool] = lambda now: True,
        misfire_grace_seconds: int = 120,
        stop_grace_seconds: float = 90,
    ) -> None:
        self.job = job
        self.trigger = trigger
        self.tz = tz
        self.clock = clock
        self.lock = lock
        self.is_open = is_open
        self.grace = misfire_grace_seconds
        self.stop_grace = stop_grace_seconds
        self.running_since: datetime | None = None  # when the pass running now began
        self.abandoned = False  # a pass was still running when the stop grace ran out
        self.skipped_because: str | None = None  # why the last pass could not even start
        self._stopping_at: float | None = None  # monotonic time the stop was asked

    def tick(self) -> None:
        """One scheduled pass; never raises, so no failure stops the schedule.

        The pass runs in a thread of its own (a daemon), so that once a stop is asked
        and its grace has run out this returns without it and the process can exit."""
        if not self.is_open(self.clock()):
            log.debug("outside office hours: no sync")
            return
        try:
            busy = self.lock is not None and not self.lock.acquire()
        except StateError as exc:
            log.error("sync pass skipped: %s", exc)
            self.skipped_because = str(exc)  # /healthz says so at once
            return
        self.skipped_because = None
        if busy:
            log.warning("another sheetsync is syncing with this state store: pass skipped")
            return
        done = threading.Event()

        def one_pass() -> None:
            try:
                self.job()
            except Exception as exc:
                log.error("sync pass failed (%s); the schedule goes on", type(exc).__name__)
            finally:
                done.set()

        self.running_since = self.clock()
        threading.Thread(target=one_pass, name="sheetsync-pass", daemon=True).start()
        if not self._finished(done):
            # Left running: the process exits without it, and the kernel drops the lock.
            self.abandoned = True
            log.error(
                "the running sync did not finish within %.0f s of the stop "
                "([schedule] stop_grace_seconds): exiting without it; the next start "
                "redoes it",
                self.stop_grace,
            )
            return
        self.running_since = None
        if self.lock is not None:
            self.lock.release()

    def _finished(self, done: threading.Event) -> bool:
        """Wait for the pass; False once a stop was asked and its grace has run out."""
        while not done.wait(0.1):
            stopping = self._stopping_at
            if stopping is not None and monotonic() - stopping >= self.stop_grace:
                return False
        return True

    def stop_now(self) -> None:
        """Stop waiting for the running pass (a second signal)."""
        self.stop_grace = 0

    def run(self, stop: threading.Event) -> None:
        """Sync now and then on schedule until `stop` is set; returns once the running
        pass (if any) has finished, or the stop grace has run out (`abandoned`)."""
        scheduler = BackgroundScheduler(timezone=self.tz)
        scheduler.add_job(
            self.tick,
            self.trigger,
            id="sync",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=self.grace,
            next_run_time=datetime.now(self.tz),
        )
        scheduler.start()
        log.info("serving: %s", self.trigger)
        try:
            while not stop.wait(0.2):
                pass
        finally:
            self._stopping_at = monotonic()
            if self.running_since is not None:
                log.info("stopping: waiting up to %.0f s for the running sync", self.stop_grace)
            scheduler.shutdown(wait=True)


def serve_until_signalled(server: Server) -> int:
    """Run `server` in the main thread; SIGTERM/SIGINT stop it gracefully. Returns 0, or
    1 when a pass was still running after the stop grace."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("%s received again: not waiting for the running sync", name)
            server.stop_now()
            return
        log.warning("%s received: finishing the running sync, then exiting", name)
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.run(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 1 if server.abandoned else 0
