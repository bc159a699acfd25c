"""`sheetsync serve`: one pass at a time, failures survive, signals finish the pass."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from sheetsync.errors import StateError
from sheetsync.ops.health import assess
from sheetsync.run.lock import SyncLock
from sheetsync.run.serve import Server, build_trigger, office_hours
from sheetsync.settings import HealthSettings, ScheduleSettings

TZ = ZoneInfo("Europe/Budapest")
FAST = IntervalTrigger(seconds=0.03, timezone=TZ)


def now() -> datetime:
    return datetime.now(UTC)


class Tracker:
    """A fake sync that records how many passes run at once."""

    def __init__(self, seconds: float, fail_first: bool = False) -> None:
        self.seconds = seconds
        self.fail_first = fail_first
        self.calls = 0
        self.running = 0
        self.most = 0
        self._guard = threading.Lock()

    def __call__(self) -> None:
        with self._guard:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
            first = self.calls == 1
        try:
            time.sleep(self.seconds)
            if first and self.fail_first:
                raise RuntimeError("sync blew up")
        finally:
            with self._guard:
                self.running -= 1


def run_for(seconds: float, *servers: Server) -> None:
    stop = threading.Event()
    threads = [threading.Thread(target=s.run, args=(stop,)) for s in servers]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=5)
        assert not t.is_alive()


def test_overlapping_triggers_never_run_two_syncs() -> None:
    slow = Tracker(0.2)
    run_for(0.7, Server(slow, FAST, tz=TZ, clock=now))
    assert slow.calls >= 2
    assert slow.most == 1


def test_two_servers_on_one_store_never_sync_at_once(tmp_path: Path) -> None:
    shared = Tracker(0.1)
    servers = [
        Server(shared, FAST, tz=TZ, clock=now, lock=SyncLock(tmp_path / "state.sqlite.lock"))
        for _ in range(2)
    ]
    run_for(0.6, *servers)
    assert shared.calls >= 2
    assert shared.most == 1


def test_a_raising_sync_leaves_the_scheduler_running() -> None:
    flaky = Tracker(0.01, fail_first=True)
    run_for(0.4, Server(flaky, FAST, tz=TZ, clock=now))
    assert flaky.calls >= 3


def test_outside_office_hours_no_pass_runs() -> None:
    calls: list[int] = []
    inside = office_hours(ScheduleSettings(office_hours="08:00-18:00"), TZ)
    monday_7 = datetime(2026, 3, 2, 6, 59, tzinfo=UTC)  # 07:59 in Budapest
    server = Server(lambda: calls.append(1), FAST, tz=TZ, clock=lambda: monday_7, is_open=inside)
    server.tick()
    assert calls == []
    assert inside(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))  # 08:00 opens
    assert not inside(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))  # 18:00 closes
    assert not inside(datetime(2026, 3, 7, 10, 0, tzinfo=UTC))  # Saturday


def test_interval_is_the_default_and_cron_replaces_it() -> None:
    assert isinstance(build_trigger(ScheduleSettings(), TZ), IntervalTrigger)
    cron = build_trigger(ScheduleSettings(cron="*/10 8-17 * * mon-fri"), TZ)
    assert isinstance(cron, CronTrigger)
    after = cron.get_next_fire_time(None, datetime(2026, 3, 6, 17, 55, tzinfo=TZ))  # Friday
    assert after == datetime(2026, 3, 9, 8, 0, tzinfo=TZ)  # Monday morning


SLOW_SERVER = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from apscheduler.triggers.interval import IntervalTrigger
from sheetsync.run.serve import Server, serve_until_signalled

marks, seconds, grace = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])

def slow_sync():
    with marks.open("a") as f:
        f.write("start\\n")
    time.sleep(seconds)
    with marks.open("a") as f:
        f.write("end\\n")

tz = ZoneInfo("Europe/Budapest")
trigger = IntervalTrigger(hours=1, timezone=tz)
clock = lambda: datetime.now(UTC)
server = Server(slow_sync, trigger, tz=tz, clock=clock, stop_grace_seconds=grace)
sys.exit(serve_until_signalled(server))
"""


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def serve_slow_sync(tmp_path: Path, seconds: float, grace: float) -> subprocess.Popen[bytes]:
    """A server whose one pass takes `seconds`, once that pass has started."""
    marks = tmp_path / "marks"
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_SERVER, str(marks), str(seconds), str(grace)],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    wait_for(lambda: marks.exists() and "start" in marks.read_text(), 15)
    return process


def test_sigterm_during_a_sync_lets_it_finish_then_exits_0(tmp_path: Path) -> None:
    process = serve_slow_sync(tmp_path, 0.5, grace=30)
    try:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert (tmp_path / "marks").read_text() == "start\nend\n"


def test_a_pass_still_running_after_the_stop_grace_is_left_behind_and_the_exit_is_1(
    tmp_path: Path,
) -> None:
    process = serve_slow_sync(tmp_path, 3600, grace=0.5)
    try:
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 1
        assert time.monotonic() - began < 5, "bounded by the grace, not by the pass"
    finally:
        if process.poll() is None:
            process.kill()
    assert (tmp_path / "marks").read_text() == "start\n"


def test_a_second_signal_stops_waiting_for_the_pass_at_once(tmp_path: Path) -> None:
    process = serve_slow_sync(tmp_path, 3600, grace=600)
    try:
        process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert process.poll() is None, "still waiting for the pass within its grace"
        began = time.monotonic()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 1
        assert time.monotonic() - began < 5
    finally:
        if process.poll() is None:
            process.kill()


def test_the_server_says_since_when_a_pass_runs_and_forgets_it_once_done() -> None:
    release = threading.Event()
    seen: list[datetime | None] = []
    server = Server(lambda: release.wait(5), FAST, tz=TZ, clock=now)
    thread = threading.Thread(target=server.tick)
    thread.start()
    wait_for(lambda: server.running_since is not None, 5)
    seen.append(server.running_since)
    release.set()
    thread.join(5)
    assert seen[0] is not None and server.running_since is None and not server.abandoned


def test_a_lock_file_that_cannot_be_made_skips_the_pass_and_the_schedule_goes_on(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder should be", encoding="utf-8")
    calls: list[int] = []
    server = Server(lambda: calls.append(1), FAST, tz=TZ, clock=now,
                    lock=SyncLock(blocker / "state.sqlite.lock"))  # fmt: skip
    server.tick()  # does not raise
    assert calls == [] and server.running_since is None
    assert server.skipped_because is not None
    assert "cannot create the lock file" in server.skipped_because
    moment = now()
    health = assess([], moment, HealthSettings(), up_since=moment, skipping=server.skipped_because)
    assert not health.healthy
    assert health.reasons[-1].startswith("sync passes are skipped: cannot create the lock file")

    blocker.unlink()
    blocker.mkdir()
    server.tick()
    assert calls == [1] and server.skipped_because is None


def test_a_lock_file_that_cannot_be_opened_is_named_as_the_trouble_not_its_folder(
    tmp_path: Path,
) -> None:
    """The outside attack: a lock file of another user's made every pass skip with
    "give … write access to the folder", although the folder was writable."""
    lock = tmp_path / "state.sqlite.lock"
    lock.mkdir()  # unopenable even as root
    with pytest.raises(StateError) as caught:
        SyncLock(lock).acquire()
    said = str(caught.value)
    assert said.startswith(f"cannot open the lock file {lock} (Is a directory; owner uid")
    assert "write access to it, or delete it while no sheetsync runs" in said
