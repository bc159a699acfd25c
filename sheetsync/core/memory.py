"""What the worker remembers between syncs, and how one sync moves it on (pure).

The state store persists a `WorkerState`; `memory_of` turns it into the core's
`sync.Memory`, `advance` folds a finished sync into it, and the failure helpers
decide when a run-level failure, and its recovery, are announced (once each).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sheetsync.core.model import RowEvaluation
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


class MemoryMemo:
    """`memory_of` for a long-lived worker: the last answer again while the rows are the
    same as last time's (a `WorkerState` is a value: its mappings are never changed in
    place). The state store hands back the very same rows mapping after a pass that
    changed no client; an equal one costs a comparison, anything else a rebuild."""

    def __init__(self) -> None:
        self._rows: Mapping[str, RowMemory] | None = None
        self._memory = Memory()

    def of(self, state: WorkerState) -> Memory:
        rows = state.rows
        if self._rows is None or (rows is not self._rows and rows != self._rows):
            self._memory = memory_of(state)
        self._rows = rows
        return self._memory


def advance(state: WorkerState, result: SyncResult) -> WorkerState:
    """The state after a successful, written sync. Facts no longer observed and rows
    no longer in the sheet are forgotten; first-seen times of facts still observed keep.

    A client whose memory would come out equal is handed back as the very same
    `RowMemory` (and, if no client changed, the very same `rows` mapping), so the store
    can tell what to write, and the next pass what to rebuild, by identity."""
    previous = state.rows
    rows: dict[str, RowMemory] = {}
    reused = 0
    no_changes: tuple[tuple[str, datetime], ...] = ()
    status_of, changes_of, memory_of_key = (
        result.status.get,
        result.credential_changes.get,
        previous.get,
    )
    for evaluation in result.evaluations:
        row = evaluation.row
        key = row.key
        if key is None:
            continue
        status = status_of(row.row)
        changes = changes_of(key, no_changes)
        before = memory_of_key(key)
        if before is not None and _unchanged(before, evaluation, status, changes):
            rows[key] = before
            reused += 1
            continue
        seen = before.first_seen if before is not None else {}
        rows[key] = RowMemory(
            row=row.row,
            status=status,
            first_seen={f: seen.get(f, result.started_at) for f in evaluation.observed_facts},
            fingerprints=dict(row.secret_fingerprints),
            credential_changes=dict(changes),
        )
    same = reused == len(rows) == len(previous)  # every client kept, none gone
    return _succeeded(state, previous if same else rows, result)


def _succeeded(
    state: WorkerState, rows: Mapping[str, RowMemory], result: SyncResult
) -> WorkerState:
    failure = state.failure
    if failure is not None:
        # A silent failure (never announced) needs no recovery message.
        failure = (
            replace(failure, recovered_at=failure.recovered_at or result.finished_at)
            if failure.announced
            else None
        )
    if rows is state.rows and failure == state.failure:
        return state
    return replace(state, rows=rows, failure=failure)


class AdvanceMemo:
    """`advance` for a long-lived worker. When the state is the one its last call
    returned and the sync handed back the very same evaluations and statuses (the pass
    memo reused them) with equal credential changes, no client's memory can change:
    the rows are kept without visiting each client."""

    def __init__(self) -> None:
        self._last: _Advanced | None = None

    def advance(self, state: WorkerState, result: SyncResult) -> WorkerState:
        last = self._last
        if (
            last is not None
            and state.rows is last.rows
            and result.evaluations is last.evaluations
            and result.status is last.status
            and result.credential_changes == last.credential_changes
        ):
            advanced = _succeeded(state, state.rows, result)
        else:
            advanced = advance(state, result)
        self._last = _Advanced(
            advanced.rows, result.evaluations, result.status, result.credential_changes
        )
        return advanced


@dataclass(frozen=True)
class _Advanced:
    rows: Mapping[str, RowMemory]
    evaluations: Sequence[RowEvaluation]
    status: Mapping[int, StatusCells]
    credential_changes: Mapping[str, Sequence[tuple[str, datetime]]]


def _unchanged(
    before: RowMemory,
    evaluation: RowEvaluation,
    status: StatusCells | None,
    changes: Sequence[tuple[str, datetime]],
) -> bool:
    """Whether `advance` would rebuild `before` equal to itself for this row. Identity
    is tried first (an unchanged row comes back as the same objects), equality decides."""
    row = evaluation.row
    if before.row != row.row or not (before.status is status or before.status == status):
        return False
    # First-seen times of facts still observed keep: only the set of facts matters.
    facts, seen = evaluation.observed_facts, before.first_seen
    if (facts or seen) and seen.keys() != facts:
        return False
    prints = row.secret_fingerprints
    if before.fingerprints is not prints and before.fingerprints != prints:
        return False
    return not (changes or before.credential_changes) or before.credential_changes == dict(changes)


def failed(state: WorkerState, error: BaseException, now: datetime) -> WorkerState:
    """Record a run-level failure. A failure of another kind starts a new streak (and is
    announced anew); the same kind continues the streak silently."""
    error_class, message = describe_error(error)
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
