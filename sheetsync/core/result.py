"""What one sync pass found and did: the value the worker, reports and metrics read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sheetsync.core.layout import Layout
from sheetsync.core.model import Notice, RowEvaluation
from sheetsync.core.plan import StatusCells, WriteOutcome, WritePlan
from sheetsync.core.texts import Texts


@dataclass(frozen=True)
class SyncResult:
    sheet: str
    started_at: datetime
    finished_at: datetime
    dry_run: bool
    layout: Layout
    evaluations: tuple[RowEvaluation, ...]
    status: Mapping[int, StatusCells]
    plan: WritePlan
    outcome: WriteOutcome
    texts: Texts
    row_urls: Mapping[int, str] = field(default_factory=dict)
    # Credential changes shown this pass (detected now or earlier), by row key.
    credential_changes: Mapping[str, Sequence[tuple[str, datetime]]] = field(default_factory=dict)
    # Run-level notices (`core.notices`): said once for the pass. A pass with any is
    # degraded (its rows were annotated, but something they depend on was missing).
    notices: tuple[Notice, ...] = ()

    @property
    def cells_planned(self) -> int:
        return len(self.plan.new_headers) + sum(len(w.cells) for w in self.plan.rows)
