"""The pure core alone at N rows: where a pass spends its CPU, phase by phase.

No I/O: the sheet is handed over as values and nothing is written (a dry run),
so this measures what `run_sync` adds on top of fetching the values.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sheetsync.core.keys as text
import sheetsync.core.values as values
import sheetsync.run.sync as sync_module
from sheetsync.core import names
from sheetsync.core.plan import WriteOutcome, WritePlan
from sheetsync.sheets.port import SheetSnapshot
from sheetsync.testing import FakeClock, InMemoryDomainChecker

from .sheet_sync import NOW, SETTINGS, synced_sheet

PHASES = ("locate", "parse_rows", "_check_domains", "evaluate", "render_status", "plan_writes")


class HandedOver:
    """A sheet whose values are already in memory (what the backend's read returns)."""

    name = "benchmark"

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows

    def read(self) -> SheetSnapshot:
        return SheetSnapshot("benchmark", self.rows)

    def write(self, plan: WritePlan) -> WriteOutcome:
        return WriteOutcome()

    def row_url(self, row: int) -> str | None:
        return None


@dataclass
class CoreRun:
    label: str
    total: float
    phases: dict[str, float]


def clear_caches() -> None:
    for holder, name in (
        (names, "normalize_domain"),
        (text, "loose_key"),
        (values, "is_start_package"),
        (values, "_valid_address"),
    ):
        cached: Callable[..., Any] = getattr(holder, name)
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


def run(rows: int) -> list[CoreRun]:
    sheet = HandedOver(synced_sheet(rows))
    timings: dict[str, float] = {}
    originals = {name: getattr(sync_module, name) for name in PHASES}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    out = []
    try:
        for name, function in originals.items():
            setattr(sync_module, name, timed(name, function))
        for label in ("cold (fresh process)", "warm (a worker's next pass)"):
            if label.startswith("cold"):
                clear_caches()
            timings.clear()
            gc.collect()
            start = time.perf_counter()
            sync_module.run_sync(
                sheet, InMemoryDomainChecker(), SETTINGS, FakeClock(NOW), dry_run=True
            )
            out.append(CoreRun(label, time.perf_counter() - start, dict(timings)))
    finally:
        for name, function in originals.items():
            setattr(sync_module, name, function)
    return out


if __name__ == "__main__":  # python -m benchmarks.core: compare commits by hand
    import sys

    for result in run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000):
        phases = ", ".join(f"{k} {v * 1000:.0f}" for k, v in result.phases.items())
        print(f"{result.label}: {result.total * 1000:.0f} ms ({phases})  [{sync_module.__file__}]")
