"""Start-up of the installed `sheetsync` command: what a person waits for before any
work starts, e.g. on `sheetsync --help`.

The command is run as a fresh process each time, as a person or cron runs it; the
best of several runs is reported, the least disturbed by whatever else the machine
is doing. (tests/cli/test_startup.py checks what `--help` imports; the time itself
is only measured here.)
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

TARGET_SECONDS = 0.3


def script() -> Path:
    """The console script installed beside this interpreter (the venv's)."""
    path = Path(sys.executable).with_name("sheetsync")
    if not path.is_file():
        raise FileNotFoundError(f"no sheetsync script beside {sys.executable}: run `make bench`")
    return path


def best_of(args: Sequence[str] = ("--help",), runs: int = 5) -> float:
    """Wall seconds of the fastest of `runs` runs of `sheetsync ARGS`."""
    command = [str(script()), *args]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return min(times)
