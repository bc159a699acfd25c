"""The pipeline's cost: the office calendar's first build (the `holidays` import) and the
digest's and report page's computations over a long stage history. Pure, no I/O."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sheetsync.core.calendar import OfficeCalendar
from sheetsync.core.pipeline import STAGES, StageEntry, funnel, longest_waiting, movement, weeks
from sheetsync.ops.report_page import PipelineView, render_page

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
_BUILD = (
    "import time; from datetime import datetime, UTC; "
    "from sheetsync.settings import Settings; s = Settings(sheet={'path': 'x.xlsx'}); "
    "t = time.perf_counter(); s.office_calendar(datetime.now(UTC)); "
    "print(time.perf_counter() - t)"
)


@dataclass(frozen=True)
class PipelineRun:
    clients: int
    entries: int
    weeks: float
    waiting: float
    movement: float
    page: float


def calendar_build_seconds() -> float:
    """The first office calendar of a fresh process (settings import excluded)."""
    done = subprocess.run(
        [sys.executable, "-c", _BUILD], capture_output=True, text=True, check=True, timeout=60
    )
    return float(done.stdout)


def history(clients: int, seed: int = 1) -> list[StageEntry]:
    """Clients arriving over 120 days, each some steps on (1–60 hours a step)."""
    pick = random.Random(seed)
    out = []
    for i in range(clients):
        at = NOW - timedelta(days=pick.uniform(0, 120))
        for stage in STAGES[: pick.randint(1, len(STAGES))]:
            out.append(StageEntry(f"client {i}", at, stage))
            at += timedelta(hours=pick.uniform(1, 60))
    return out


def run(clients: int) -> PipelineRun:
    calendar = OfficeCalendar()
    entries = history(clients)
    current = {e.key: e for e in sorted(entries)}.values()
    began = time.perf_counter()
    rows = weeks(entries, calendar, NOW)
    timed_weeks = time.perf_counter()
    waits = longest_waiting(current, calendar, NOW)
    timed_waiting = time.perf_counter()
    movement(entries, NOW - timedelta(days=7), NOW)
    timed_movement = time.perf_counter()
    listed = [(w.key, w) for step in waits.values() for w in step]
    render_page(PipelineView("benchmark", NOW, funnel(current), rows, listed), calendar)
    timed_page = time.perf_counter()
    return PipelineRun(
        clients,
        len(entries),
        timed_weeks - began,
        timed_waiting - timed_weeks,
        timed_movement - timed_waiting,
        timed_page - timed_movement,
    )
