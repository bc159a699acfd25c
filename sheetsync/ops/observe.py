"""One event per sync pass: a structured log line with its counts, and the metrics."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sheetsync.core.memory import describe_error
from sheetsync.core.model import Severity
from sheetsync.core.result import SyncResult
from sheetsync.ops.metrics import Metrics
from sheetsync.run.worker import PassOutcome

log = logging.getLogger("sheetsync.run.sync")
Monotonic = Callable[[], float]


def outcome_of(result: SyncResult | None, error: BaseException | None) -> str:
    """ok; degraded: the sheet was written but something after it failed (state, summary
    bookkeeping), or the pass carries a run-level notice (domain checks unavailable);
    deferred: completed, its writes wait (the workbook open in Excel); failed: the pass
    did not complete."""
    if result is None:
        return "failed"
    if result.outcome.deferred and not result.dry_run:
        return "deferred"
    return "ok" if error is None and not result.notices else "degraded"


def sync_event(
    result: SyncResult | None, error: BaseException | None, seconds: float
) -> dict[str, Any]:
    """The fields of the one log event a pass produces. Counts and sheetsync's own
    messages only: never a cell value."""
    event: dict[str, Any] = {
        "event": "sync",
        "outcome": outcome_of(result, error),
        "duration_seconds": round(seconds, 3),
    }
    if result is not None:
        severities = Counter(f.severity for e in result.evaluations for f in e.findings)
        event.update(
            sheet=result.sheet,
            dry_run=result.dry_run,
            rows=len(result.evaluations),
            by_stage=dict(sorted(Counter(e.stage.value for e in result.evaluations).items())),
            errors=severities[Severity.ERROR],
            warnings=severities[Severity.WARNING],
            infos=severities[Severity.INFO],
            cells_written=result.outcome.cells_written,
            rows_skipped=len(result.outcome.rows_skipped),
            rows_repaired=result.outcome.rows_repaired,
            rows_left=result.outcome.rows_left,
        )
        if result.notices:
            event["notices"] = [n.code.value for n in result.notices]
    if error is not None:
        event["error_class"], event["error_message"] = describe_error(error)
    return event


def record_pass(
    result: SyncResult | None,
    error: BaseException | None,
    seconds: float,
    metrics: Metrics | None = None,
) -> dict[str, Any]:
    """Log the pass's event (and count it) and return the event."""
    event = sync_event(result, error, seconds)
    if metrics is not None:
        metrics.observe_pass(result, event["outcome"], seconds)
    if result is not None:
        text = (
            f"sync {event['outcome']}: {event['rows']} rows, {event['errors']} errors, "
            f"{event['warnings']} warnings, {event['cells_written']} cells written "
            f"in {seconds:.1f}s"
        )
    else:
        text = f"sync failed after {seconds:.1f}s: {event['error_message']}"
    level = logging.INFO if event["outcome"] == "ok" else logging.WARNING
    log.log(level, text, extra=event)
    return event


class InstrumentedPass:
    """Wraps a pass (the worker's `run_once`) so each run is timed, logged and counted."""

    def __init__(
        self,
        run: Callable[[], PassOutcome],
        metrics: Metrics | None = None,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self.run = run
        self.metrics = metrics
        self.monotonic = monotonic

    def __call__(self) -> PassOutcome:
        started = self.monotonic()
        try:
            outcome = self.run()
        except Exception as exc:
            record_pass(None, exc, self.monotonic() - started, self.metrics)
            raise
        record_pass(outcome.result, outcome.error, self.monotonic() - started, self.metrics)
        return outcome
