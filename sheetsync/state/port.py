"""The state-store boundary: what the worker keeps between passes, and each run's record.

A store that cannot be used raises `StateError` (sheetsync.errors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sheetsync.core.memory import WorkerState
from sheetsync.core.pipeline import StageEntry
from sheetsync.core.rows import Fingerprinter


@dataclass(frozen=True)
class RunRecord:
    """One sync attempt. `error_message` is only ever sheetsync's own (secret-free) text:
    a failed pass's error, or why a completed pass was degraded."""

    started_at: datetime
    finished_at: datetime
    # "ok" | "degraded" (completed, with a run-level notice) | "deferred" (completed, its
    # writes wait: the sheet was not ours to write, e.g. open in Excel) | "failed"
    outcome: str
    rows: int = 0
    cells_written: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)  # clients by stage
    error_class: str | None = None
    error_message: str | None = None


class StateStore(Protocol):
    def load(self) -> WorkerState: ...

    def save(self, state: WorkerState, run: RunRecord | None = None) -> None:
        """Replace the stored state (and add `run`) atomically: all or nothing."""
        ...

    def stage_history(self) -> list[StageEntry]:
        """Every stage each client was first seen in, and when (`core.pipeline`)."""
        ...

    @property
    def fingerprint(self) -> Fingerprinter:
        """Keyed fingerprints stable across restarts of this install."""
        ...
