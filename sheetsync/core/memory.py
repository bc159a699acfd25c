"""What the worker remembers between syncs, and how one sync moves it on (pure).

The state store persists a `WorkerState`; `memory_of` turns it into the core's
`Memory`, `advance` folds a finished sync into it, and the failure helpers
decide when a run-level failure, and its recovery, are announced (once each).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sheetsync.core.plan import StatusCells
from sheetsync.core.result import SyncResult
from sheetsync.errors import SheetsyncError


@dataclass(frozen=True)
class Memory:
    """What the worker remembers between syncs (empty without a state store).

    `credential_changes` are changes detected by earlier syncs, still shown;
    `fingerprints` are the previous sync's secret fingerprints by row key, to detect
    new changes."""

    first_seen: Mapping[tuple[str, str], datetime] = field(default_factory=dict)
    credential_changes: Mapping[str, Sequence[tuple[str, datetime]]] = field(default_factory=dict)
    fingerprints: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


NO_MEMORY = Memory()  # a pass without a state store


@dataclass(frozen=True)
class RowMemory:
    """One client row (by `ClientRow.key`): its last status, when each fact it relied on
    was first seen, its secret fingerprints (HMAC, never values), and credential changes
    still shown (column → when detected)."""

    row: int
    status: StatusCells | None = None
    first_seen: Mapping[str, datetime] = field(default_factory=dict)
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    credential_changes: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    """A run-level failure streak: announced once, its recovery announced once."""

    error_class: str
    message: str
    since: datetime
    announced: bool = False
    recovered_at: datetime | None = None  # set by the first good sync after an announced failure


@dataclass(frozen=True)
class WorkerState:
    rows: Mapping[str, RowMemory] = field(default_factory=dict)
    last_report: str | None = None  # JSON of notify.snapshot.ReportSnapshot
    last_report_at: datetime | None = None
    last_digest_at: datetime | None = None
    failure: Failure | None = None
    # Alert idents (core.alerts) alerted while they hold; None: never recorded.
    alerted: frozenset[str] | None = None
    # When the changes not yet summarised were first seen (the summary window's start).
    changes_pending_since: datetime | None = None


def memory_of(state: WorkerState) -> Memory:
    return Memory(
        first_seen={
            (key, fact): when
            for key, row in state.rows.items()
            for fact, when in row.first_seen.items()
        },
        credential_changes={
            key: tuple(row.credential_changes.items())
            for key, row in state.rows.items()
            if row.credential_changes
        },
        fingerprints={key: row.fingerprints for key, row in state.rows.items() if row.fingerprints},
    )


def advance(state: WorkerState, result: SyncResult) -> WorkerState:
    """The state after a successful, written sync. Facts no longer observed and rows
    no longer in the sheet are forgotten; first-seen times of facts still observed keep."""
    rows: dict[str, RowMemory] = {}
    for evaluation in result.evaluations:
        row = evaluation.row
        if row.key is None:
            continue
        before = state.rows.get(row.key)
        seen = before.first_seen if before is not None else {}
        rows[row.key] = RowMemory(
            row=row.row,
            status=result.status.get(row.row),
            first_seen={f: seen.get(f, result.started_at) for f in evaluation.observed_facts},
            fingerprints=dict(row.secret_fingerprints),
            credential_changes=dict(result.credential_changes.get(row.key, ())),
        )
    failure = state.failure
    if failure is not None:
        # A silent failure (never announced) needs no recovery message.
        failure = (
            replace(failure, recovered_at=failure.recovered_at or result.finished_at)
            if failure.announced
            else None
        )
    return replace(state, rows=rows, failure=failure)


def failed(state: WorkerState, error_class: str, message: str, now: datetime) -> WorkerState:
    """Record a run-level failure (`describe_error`'s class and message, made safe to
    show). A failure of another kind starts a new streak (and is announced anew); the
    same kind continues the streak silently."""
    current = state.failure
    if current and current.recovered_at is None and current.error_class == error_class:
        return state
    return replace(state, failure=Failure(error_class, message, now))


def describe_error(error: BaseException) -> tuple[str, str]:
    """Class and message safe to store and post. Only sheetsync's own errors have
    messages written to be shown; a foreign error's text could quote a cell."""
    name = type(error).__name__
    if isinstance(error, SheetsyncError):
        return name, str(error)[:500]
    return name, f"unexpected {name}"
