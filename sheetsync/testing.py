"""In-memory fakes of every port, shipped with the package for tests and trials."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from sheetsync.core.guides import GuideOutcome, changes
from sheetsync.core.memory import WorkerState
from sheetsync.core.model import DomainName, DomainVerdict, Doubt, Verdict
from sheetsync.core.plan import WriteOutcome, WritePlan
from sheetsync.core.values import CellValue
from sheetsync.domains.cache import MemoryVerdictCache
from sheetsync.domains.port import CachedVerdict
from sheetsync.errors import SheetLayoutError
from sheetsync.notify.port import Message
from sheetsync.sheets.guard import resolve, view_of_rows
from sheetsync.sheets.port import GuidePlanner, SheetSnapshot
from sheetsync.state.memory import MemoryStateStore
from sheetsync.state.port import RunRecord


class InMemorySheet:
    """A worksheet held in lists. `before_write` runs between the read and the write,
    to play a colleague editing the sheet mid-sync."""

    def __init__(self, rows: Iterable[Sequence[CellValue]], title: str = "Ügyfelek") -> None:
        self.rows: list[list[CellValue]] = [list(r) for r in rows]
        self.title = title
        self.reads = 0
        self.writes = 0
        self.written: list[tuple[int, int, str]] = []
        self.before_write: Callable[[InMemorySheet], None] | None = None
        self.fail_read: Exception | None = None
        self.fail_write: Exception | None = None

    @property
    def name(self) -> str:
        return self.title

    def row_url(self, row: int) -> str | None:
        return f"memory://{self.title}#row={row}"

    def read(self) -> SheetSnapshot:
        self.reads += 1
        if self.fail_read:
            raise self.fail_read
        rows = copy.deepcopy(self.rows)
        return SheetSnapshot(title=self.title, rows=rows)

    def write(self, plan: WritePlan) -> WriteOutcome:
        if plan.is_empty:
            return WriteOutcome()
        if self.before_write:
            self.before_write(self)
        if self.fail_write:
            raise self.fail_write
        resolution = resolve(plan, view_of_rows(self.rows, plan))
        if resolution.cells:
            self.writes += 1
        for row, col, text in resolution.cells:
            self.set(row, col, text)
            self.written.append((row, col, text))
        return WriteOutcome(
            len(resolution.cells), resolution.rows_written, resolution.rows_skipped, resolution.note
        )

    def set(self, row: int, col: int, value: CellValue) -> None:
        """Set a cell (1-based row, 0-based column), growing the sheet as needed."""
        while len(self.rows) < row:
            self.rows.append([])
        cells = self.rows[row - 1]
        cells.extend([None] * (col + 1 - len(cells)))
        cells[col] = value

    def get(self, row: int, col: int) -> CellValue:
        if row > len(self.rows) or col >= len(self.rows[row - 1]):
            return None
        return self.rows[row - 1][col]

    def column(self, header: str) -> int:
        return next(i for i, h in enumerate(self.rows[0]) if h == header)


class InMemoryDomainChecker:
    """Answers from a table (`unknown` otherwise) and records what it was asked."""

    def __init__(self, verdicts: Mapping[str, Verdict] | None = None, source: str = "fake") -> None:
        self.verdicts = dict(verdicts or {})
        self.source = source
        self.asked: list[list[str]] = []
        self._answers: dict[tuple[Verdict | None, str], DomainVerdict] = {}

    def check(self, domains: Sequence[DomainName]) -> Mapping[str, DomainVerdict]:
        self.asked.append([d.ascii for d in domains])
        out = {}
        for d in domains:
            verdict = self.verdicts.get(d.ascii) or self.verdicts.get(d.unicode)
            out[d.ascii] = self._answer(verdict)
        return out

    def _answer(self, verdict: Verdict | None) -> DomainVerdict:
        # One object per answer, as a verdict cache hands back the same one each pass.
        key = (verdict, self.source)
        if key not in self._answers:
            reason, doubt = (None, None) if verdict else ("not in table", Doubt.NOT_LISTED)
            self._answers[key] = DomainVerdict(
                verdict or Verdict.UNKNOWN, self.source, None, reason, doubt=doubt
            )
        return self._answers[key]


class InMemoryVerdictCache(MemoryVerdictCache):
    """The in-process cache with its entries in view (name → (verdict, expires at))
    and its calls counted."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []  # "get_many" / "put_many", in order

    @property
    def entries(self) -> dict[str, tuple[DomainVerdict, datetime]]:
        return self._entries

    def get_many(self, ascii_names: Iterable[str], now: datetime) -> dict[str, DomainVerdict]:
        self.calls.append("get_many")
        return super().get_many(ascii_names, now)

    def put_many(self, verdicts: Iterable[CachedVerdict], now: datetime) -> None:
        self.calls.append("put_many")
        super().put_many(verdicts, now)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class InMemoryStateStore(MemoryStateStore):
    """The production in-memory store with a fixed key (fingerprints the same in every
    test run), its saves counted, and `fail_save`: raised by the next save (once), to
    play a crash or a full disk between the sheet write and the state save."""

    def __init__(self, key: bytes = b"sheetsync-test-key-0123456789abc") -> None:
        super().__init__(key)
        self.saves = 0
        self.fail_save: BaseException | None = None

    def save(self, state: WorkerState, run: RunRecord | None = None) -> None:
        if self.fail_save is not None:
            error, self.fail_save = self.fail_save, None
            raise error
        super().save(state, run)
        self.saves += 1


class RecordingNotifier:
    """Keeps every message it is asked to send; `fail` makes sends raise."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.fail: Exception | None = None

    def send(self, message: Message) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append(message)


class InMemoryGuides:
    """sheetsync's guides of an `InMemorySheet`, kept as what the guide holds by identity.
    `rows_read` is what the planner was given; nothing else of the sheet is touched."""

    def __init__(self, sheet: InMemorySheet) -> None:
        self.sheet = sheet
        self.items: dict[str, object] = {}
        self.applied = 0

    def set_up(
        self, plan: GuidePlanner, *, remove: bool = False, dry_run: bool = False
    ) -> GuideOutcome:
        wanted: dict[str, object] = {}
        guide = None
        try:
            guide = plan(copy.deepcopy(self.sheet.rows[:10]))
        except SheetLayoutError:
            if not remove:
                raise
        if guide is not None and not remove:
            wanted = {r.ident: r for r in guide.values} | {c.ident: c for c in guide.colours}
            wanted |= {"guard": guide.guarded}
        labels = guide.labels if guide else {}
        found = len(self.items)
        diff = changes(wanted, self.items, labels, remove=remove)
        if diff and not dry_run:
            self.items = wanted
            self.applied += 1
        return GuideOutcome(diff, found, bool(diff) and not dry_run)
