"""The local workbook backend at size: a first pass (every status cell written) and an
unchanged pass (nothing to write), each a whole `run_sync` in a fresh child process
over a real .xlsx file, its wall time and peak resident memory (calamine's Rust
allocations included, which tracemalloc cannot see), each the best of three runs.

The peak is the child's own high-water mark (`VmHWM` in /proc/self/status), not
`ru_maxrss`: on Linux that counts the memory of the process that spawned the child
(the benchmark, which built the workbook) until the child's `exec`.

`python -m benchmarks.workbook PATH` runs one pass and prints `wall_s peak_mb cells`.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sheetsync.run.sync import run_sync
from sheetsync.settings import Settings
from sheetsync.sheets.workbook import WorkbookSheet
from sheetsync.testing import FakeClock, InMemoryDomainChecker

from . import data

NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
TARGETS = {"first": 10.0, "unchanged": 3.0}  # seconds at 20,000 rows × 20 columns
PEAK_TARGET_MB = 200.0
EXTRA = ["Telefon", "Cím", "Adószám", "Forrás", "Felelős"]  # staff's own columns


@dataclass(frozen=True)
class Measured:
    rows: int
    columns: int
    kind: str  # "first" or "unchanged"
    wall: float
    peak_mb: float
    cells: int


def build(path: Path, rows: int, extra_columns: int) -> int:
    """A workbook of `rows` clients: the input columns, staff's own columns up to
    `extra_columns`, a styled header and an autofilter. Returns the column count."""
    from openpyxl import Workbook  # here: the measured child never loads it, nor does a sync

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Ügyfelek")
    names = [*(EXTRA * (extra_columns // len(EXTRA) + 1))[:extra_columns]]
    header = [*data.HEADERS, *(f"{n} {i}" if i >= len(EXTRA) else n for i, n in enumerate(names))]
    sheet.append(header)
    for row in data.sheet(rows)[1:]:
        sheet.append([*row, *(f"adat {i}" for i in range(extra_columns))])
    book.save(path)
    return len(header)


def one_pass(path: Path) -> tuple[float, int]:
    settings = Settings(sheet={"path": path}, domains={"checker": "offline"})
    started = time.perf_counter()
    result = run_sync(WorkbookSheet(path), InMemoryDomainChecker(), settings, FakeClock(NOW))
    return time.perf_counter() - started, result.outcome.cells_written


def measure(path: Path) -> tuple[float, float, int]:
    """One pass in a fresh interpreter: (wall s, peak MB, cells written)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.workbook", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    wall, peak, cells = done.stdout.split()
    return float(wall), float(peak), int(cells)


def run(sizes: list[tuple[int, int]], repeats: int = 3) -> list[Measured]:
    """For each (rows, staff's own columns): a first pass, then an unchanged one, each
    the fastest of `repeats` (every first pass on a fresh copy of the same workbook);
    the peak is the highest of them."""
    out: list[Measured] = []
    with tempfile.TemporaryDirectory() as folder:
        for rows, extra in sizes:
            built = Path(folder) / f"built-{rows}-{extra}.xlsx"
            path = Path(folder) / f"ugyfelek-{rows}-{extra}.xlsx"
            columns = build(built, rows, extra)
            for kind in ("first", "unchanged"):
                runs = []
                for _ in range(repeats):
                    if kind == "first":
                        shutil.copyfile(built, path)
                    runs.append(measure(path))
                wall = min(wall for wall, _, _ in runs)
                peak = max(peak for _, peak, _ in runs)
                out.append(Measured(rows, columns, kind, wall, peak, runs[-1][2]))
    return out


def targets(results: list[Measured]) -> list[tuple[str, bool, str]]:
    out = []
    for m in results:
        if m.rows != 20_000:
            continue
        limit = TARGETS[m.kind]
        where = f"at 20,000 rows × {m.columns} columns"
        out.append((f"workbook {m.kind} pass ≤ {limit:.0f} s {where}", m.wall <= limit,
                    f"{m.wall:.2f} s"))  # fmt: skip
        out.append((f"workbook {m.kind} pass peak ≤ {PEAK_TARGET_MB:.0f} MB {where}",
                    m.peak_mb <= PEAK_TARGET_MB, f"{m.peak_mb:.0f} MB"))  # fmt: skip
    return out


def peak_mb() -> float:
    """This process's peak resident memory, MB (10^6 bytes)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):  # not Linux: the kernel's own figure (KiB, bytes on macOS)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return float(peak) / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6
    return kib * 1024 / 1e6


def main(argv: list[str]) -> int:
    wall, cells = one_pass(Path(argv[0]))
    print(f"{wall:.3f} {peak_mb():.1f} {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
