"""Progress display for long CLI operations: a rich bar on a terminal, nothing elsewhere.

The core never sees this: the shell hands a `(done, total)` callback to the adapter
doing the long work (the live domain checker), or wraps a step in a spinner.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

ProgressCallback = Callable[[int, int], None]


def interactive(stream: TextIO | None = None) -> bool:
    """Progress only for a person watching: a terminal, not logs or CI."""
    target = stream or sys.stderr
    return bool(getattr(target, "isatty", lambda: False)())


@contextmanager
def progress_bar(
    description: str,
    *,
    waiting: str | None = None,
    stream: TextIO | None = None,
    enabled: bool | None = None,
) -> Iterator[ProgressCallback | None]:
    """A callback drawing a bar on `stream` (stderr), or None when it is not a terminal.
    Until the first call a pulsing `waiting` line shows (if given); the bar vanishes
    when the block ends."""
    target = stream or sys.stderr
    if not (interactive(target) if enabled is None else enabled):
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=target),
        transient=True,
    )
    task: list[TaskID] = [bar.add_task(waiting, total=None)] if waiting else []

    def update(done: int, total: int) -> None:
        if not task:
            task.append(bar.add_task(description, total=total))
        bar.update(task[0], description=description, completed=done, total=total)

    with bar:
        yield update


@contextmanager
def spinner(
    text: str, *, stream: TextIO | None = None, enabled: bool | None = None
) -> Iterator[None]:
    """A transient spinner with `text` while a step runs, on a terminal only."""
    target = stream or sys.stderr
    if not (interactive(target) if enabled is None else enabled):
        yield
        return
    with Console(file=target).status(text):
        yield
