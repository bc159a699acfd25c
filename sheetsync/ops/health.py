"""Is the worker healthy? Judged from its recorded sync runs (pure).

Unhealthy when the last `max_failed_syncs` syncs all failed, when the last
successful sync is older than `max_sync_age_minutes` (counted from `up_since`, the
process start, while there is none yet), when the pass running now started more
than `max_pass_minutes` ago (it is stuck), or when scheduled passes cannot start (the
lock file unusable); only the serving process knows those two, so only `/healthz`
says them. A degraded sync (completed, with a run-level notice such as
"domain checks unavailable") is a success for health, and is shown as `degraded`.
`/healthz` and `sheetsync status` say the same thing from the same facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sheetsync.settings import HealthSettings
from sheetsync.state.port import RunRecord

RUNS_CONSULTED = 500  # how far back the last success is looked for
FAILED, DEGRADED, DEFERRED = "failed", "degraded", "deferred"  # run outcomes besides "ok"
_NOT_WRITTEN = (FAILED, DEFERRED)


@dataclass(frozen=True)
class Health:
    healthy: bool
    reasons: tuple[str, ...]
    checked_at: datetime
    last_run: RunRecord | None
    last_success: datetime | None
    failed_streak: int  # failed syncs since the last successful one
    runs: tuple[RunRecord, ...] = ()  # the latest runs, newest first

    @property
    def degraded(self) -> bool:
        """The last sync completed with a run-level notice (its `error_message` says why)."""
        return self.last_run is not None and self.last_run.outcome == DEGRADED

    def to_json(self, runs: int = 5) -> dict[str, Any]:
        last = self.last_run
        return {
            "healthy": self.healthy,
            "degraded": self.degraded,
            "reasons": list(self.reasons),
            "checked_at": self.checked_at.isoformat(),
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "failed_streak": self.failed_streak,
            "last_run": _run_json(last) if last else None,
            "runs": [_run_json(r) for r in self.runs[:runs]],
        }


def assess(
    runs: Sequence[RunRecord],
    now: datetime,
    settings: HealthSettings,
    *,
    up_since: datetime | None = None,
    judge_age: bool = True,
    window_opened: datetime | None = None,
    running_since: datetime | None = None,
    skipping: str | None = None,
) -> Health:
    """`runs` newest first. `judge_age` False (outside office hours) skips the age rule;
    `window_opened` (when today's office hours began) restarts the age count, so the
    night's pause does not make the first minutes of the day unhealthy.
    `running_since`: when the pass running now began (None: none is running);
    `skipping`: why the last scheduled pass could not start (its lock file unusable).
    A deferred pass (its writes waited) is neither a failure nor a success: the sheet
    was not updated, so the age rule counts from the last pass that wrote."""
    streak = 0
    for run in runs:
        if run.outcome != FAILED:
            break
        streak += 1
    last_success = next((r.finished_at for r in runs if r.outcome not in _NOT_WRITTEN), None)
    reasons = []
    if streak >= settings.max_failed_syncs:
        latest = runs[0]
        why = f"{latest.error_class}: {latest.error_message}" if latest.error_class else "failed"
        reasons.append(f"the last {streak} syncs failed (latest: {why})")
    limit = timedelta(minutes=settings.max_sync_age_minutes)
    reference = last_success or up_since
    if reference is not None and window_opened is not None:
        reference = max(reference, window_opened)
    waited = _leading(runs, DEFERRED)
    writes_wait = (
        f"; {'the last sync' if len(waited) == 1 else f'the last {len(waited)} syncs'} "
        "could not write (latest: "
        f"{waited[0].error_message or 'deferred'})"
        if waited
        else ""
    )
    if reference is None:
        reasons.append("no successful sync recorded yet" + writes_wait)
    elif judge_age and now - reference > limit:
        since = (
            "office hours began"
            if reference == window_opened
            else "the last successful sync"
            if last_success
            else "start, and no sync succeeded"
        )
        reasons.append(
            f"{_minutes(now - reference)} since {since} (limit {_minutes(limit)}; "
            f"[health] max_sync_age_minutes){writes_wait}"
        )
    stuck = timedelta(minutes=settings.max_pass_minutes)
    if running_since is not None and now - running_since > stuck:
        reasons.append(
            f"a sync pass has been running for {_span(now - running_since)} (limit "
            f"{_span(stuck)}; [health] max_pass_minutes): it is stuck"
        )
    if skipping is not None:
        reasons.append(f"sync passes are skipped: {skipping}")
    return Health(
        healthy=not reasons,
        reasons=tuple(reasons),
        checked_at=now,
        last_run=runs[0] if runs else None,
        last_success=last_success,
        failed_streak=streak,
        runs=tuple(runs[:20]),
    )


def _leading(runs: Sequence[RunRecord], outcome: str) -> Sequence[RunRecord]:
    """The newest runs, up to the first of another outcome."""
    count = next((i for i, run in enumerate(runs) if run.outcome != outcome), len(runs))
    return runs[:count]


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def _span(delta: timedelta) -> str:
    """Seconds under two minutes, else as `_minutes`."""
    seconds = delta.total_seconds()
    return f"{seconds:.0f} s" if seconds < 120 else _minutes(delta)


def _run_json(run: RunRecord) -> dict[str, Any]:
    return {
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat(),
        "outcome": run.outcome,
        "rows": run.rows,
        "cells_written": run.cells_written,
        "by_stage": dict(run.counts),
        "error_class": run.error_class,
        "error_message": run.error_message,
    }
