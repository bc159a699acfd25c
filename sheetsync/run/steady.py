"""The steady-state skip: a worker pass over a sheet nobody touched reuses the last result.

Most passes of a running worker find the sheet as they left it. Parsing, evaluating
and comparing thousands of rows then only proves that nothing is to be written, and
costs several times the read itself. `LastPass` keeps the previous full pass's result
together with everything it was computed from, and hands the result back only while
all of that is unchanged:

- the sheet's cells (a digest of the values read, types included);
- the worker's state, as loaded (first-seen times, fingerprints, failure, last report);
- the domain verdicts of the names the rows depend on (asked again every pass), their
  doubts included, and so the run-level notices made of them;
- the time: not before the last pass, and before the first moment a time threshold
  of some row would trip or a shown credential change would expire.

The settings and the fingerprint key belong to the worker and do not change while it
runs. A pass that wrote or left anything, that failed, or whose report is still
owed makes the next one a full pass. This sits outside the core: the core computes
every pass in full, and this only decides whether to ask it again.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sheetsync.core.memory import WorkerState
from sheetsync.core.model import DomainName, DomainVerdict
from sheetsync.core.plan import WriteOutcome, WritePlan
from sheetsync.core.result import SyncResult
from sheetsync.domains.port import DomainChecker
from sheetsync.run.sync import domains_to_check
from sheetsync.sheets.port import SheetBackend, SheetSnapshot


def digest_of(snapshot: SheetSnapshot) -> str:
    """Equal digests mean equal cell values of equal types (pickle tells 1, 1.0, True and
    "1" apart). Kept in memory only, like the cells it was made from."""
    data = pickle.dumps((snapshot.title, snapshot.rows), protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class _Basis:
    """What a full pass was computed from, and the result it gave."""

    digest: str
    state: WorkerState  # as loaded before the pass, advanced by it
    domains: tuple[DomainName, ...]
    verdicts: Mapping[str, DomainVerdict | None]
    result: SyncResult
    valid_until: datetime | None


class LastPass:
    """The last full pass of one worker, reusable while nothing it read has changed."""

    def __init__(self, credential_changed_hours: float) -> None:
        self._shown_for = timedelta(hours=credential_changed_hours)
        self._basis: _Basis | None = None
        self.reused = 0  # passes answered from the last result (for tests and benchmarks)

    def reuse(
        self,
        snapshot: SheetSnapshot,
        state: WorkerState,
        checker: DomainChecker,
        now: datetime,
    ) -> SyncResult | None:
        """The last result, restamped to `now`, if it still holds; else None."""
        basis = self._basis
        if basis is None or basis.state != state or now < basis.result.started_at:
            return None
        if basis.valid_until is not None and now >= basis.valid_until:
            return None
        if digest_of(snapshot) != basis.digest:
            return None
        verdicts = checker.check(list(basis.domains)) if basis.domains else {}
        if {d.ascii: verdicts.get(d.ascii) for d in basis.domains} != basis.verdicts:
            return None
        self.reused += 1
        last = basis.result
        finished = now + (last.finished_at - last.started_at)
        return replace(last, started_at=now, finished_at=finished, outcome=WriteOutcome())

    def remember(
        self, snapshot: SheetSnapshot, before: WorkerState, after: WorkerState, result: SyncResult
    ) -> None:
        """Keep a full pass computed from `before` that saved `after`, if the next pass
        would compute the same: it wrote and left nothing, and changed no client's memory
        (a first-seen time recorded now starts a clock the next pass must read)."""
        if not result.plan.is_empty or result.dry_run or before.rows != after.rows:
            self._basis = None
            return
        domains, verdicts = _verdicts_of(result)
        valid_until = _earliest(
            [e.valid_until for e in result.evaluations]
            + [
                when + self._shown_for
                for changes in result.credential_changes.values()
                for _, when in changes
            ]
        )
        self._basis = _Basis(digest_of(snapshot), after, domains, verdicts, result, valid_until)

    def forget(self) -> None:
        self._basis = None


def _verdicts_of(
    result: SyncResult,
) -> tuple[tuple[DomainName, ...], dict[str, DomainVerdict | None]]:
    """The names the pass asked about, and the verdict each row saw for them."""
    domains = domains_to_check([e.row for e in result.evaluations])
    seen = {e.row.domain.ascii: e.domain_verdict for e in result.evaluations if e.row.domain}
    return domains, {d.ascii: seen.get(d.ascii) for d in domains}


def _earliest(moments: Sequence[datetime | None]) -> datetime | None:
    return min((m for m in moments if m is not None), default=None)


class ReadOnce:
    """The sheet as already read this pass: `read` hands back that snapshot, so a pass
    that could not be skipped does not read the sheet twice. Writes go to the sheet."""

    def __init__(self, sheet: SheetBackend, snapshot: SheetSnapshot) -> None:
        self._sheet = sheet
        self._snapshot = snapshot

    @property
    def name(self) -> str:
        return self._sheet.name

    def read(self) -> SheetSnapshot:
        return self._snapshot

    def write(self, plan: WritePlan) -> WriteOutcome:
        return self._sheet.write(plan)

    def row_url(self, row: int) -> str | None:
        return self._sheet.row_url(row)
