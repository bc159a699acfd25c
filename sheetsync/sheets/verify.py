"""After a write: does every row hold its own status? What puts it right if not (pure).

Sheets has no conditional write: an edit landing between the guard read and the write
(rows inserted, deleted, sorted or dragged) sends statuses into other clients' rows.
So the backend reads the sheet back once after writing and `check`s every row against
what it should hold now: the status written for it, or, for a row not written, what
the guard read saw there. The cells that differ are what a repair writes: a moved
row's status in its new place, a displaced row's previous status back, and a status
found in a row that is not its own cleared.

Rows are told apart by their identity (`plan.row_identity`, as everywhere). A row
without one (no client name, e-mail or domain) is told apart by its other cells, here
only: status cells travel with their row, so a row's own cells outside the columns
written are what still names it after our write. Rows sharing a key are matched in
order, and only while their number is unchanged; a written row that cannot be matched
so is not confirmed, and the next sync (which plans afresh) sees to it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sheetsync.core.keys import loose_key
from sheetsync.core.plan import Identity, WritePlan, row_identity, status_text
from sheetsync.core.values import CellValue, text_of
from sheetsync.sheets.guard import GuardView

RowKey = tuple[str, ...]
Cell = tuple[int, int, str]  # 1-based row, 0-based column, text


@dataclass(frozen=True)
class RowStatus:
    """One row below the header: who it is, and what the status columns written hold
    (as read back) or should hold (as expected)."""

    key: RowKey
    texts: tuple[str, ...]  # in `Expectation.columns` order
    written: tuple[tuple[int, str], ...] = ()  # (column, text) written to it this pass


@dataclass(frozen=True)
class Expectation:
    """What the sheet should hold in the status columns written, row by row."""

    header_row: int
    identity_columns: tuple[int | None, ...]
    headers: tuple[tuple[int, str], ...]  # header cells the write relied on
    columns: tuple[int, ...]  # status columns written below the header
    rows: tuple[RowStatus, ...]  # in sheet order from the row below the header

    @property
    def rows_written(self) -> int:
        return sum(1 for e in self.rows if e.written)


@dataclass(frozen=True)
class Check:
    """One look at the sheet after a write."""

    cells: tuple[Cell, ...]  # what puts it right
    rows_wrong: int  # rows holding a status that is not theirs (or missing theirs)
    unconfirmed: int  # written rows that cannot be told apart any more
    header_changed: bool = False


@dataclass(frozen=True)
class Settled:
    """The verification's account: rows put right, rows left for the next sync."""

    cells_written: int = 0
    repaired: int = 0
    left: int = 0
    note: str | None = None


def expect(
    plan: WritePlan,
    guard_rows: Sequence[Sequence[CellValue]],
    guard: GuardView,
    cells: Iterable[Cell],
) -> Expectation | None:
    """The sheet as the guard read saw it (`guard_rows`, and `guard` worked out from
    them) with `cells` written; None when no data row was written (nothing to verify)."""
    data = [(row, col, text) for row, col, text in cells if row > plan.header_row]
    if not data:
        return None
    columns = tuple(sorted({col for _, col, _ in data}))
    written: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for row, col, text in data:
        written[row].append((col, text))
    rows = []
    for number in range(plan.header_row + 1, len(guard_rows) + 1):
        before = guard_rows[number - 1]
        own = dict(written.get(number, ()))
        texts = tuple(own[col] if col in own else _as_text(_at(before, col)) for col in columns)
        key = _key(guard.identities[number], before, columns)
        rows.append(RowStatus(key, texts, tuple(sorted(own.items()))))
    headers = tuple(sorted({*plan.expected_headers, *plan.new_headers}))
    return Expectation(plan.header_row, plan.identity_columns, headers, columns, _trimmed(rows))


def retyped(plan: WritePlan, rows: Sequence[Sequence[CellValue]], guard: GuardView) -> int:
    """Rows the guard read (`rows`, `guard`) finds under an identity the pass's read did
    not have that still hold a status: typed over or cleared since the read, so the
    status was another client's. Not planned, so not written: left to the next sync."""
    columns = [col for _, col in plan.status_columns]
    then = Counter(identity for _, identity in plan.identities)
    seen: Counter[Identity] = Counter()
    count = 0
    for number, identity in sorted(guard.identities.items()):
        seen[identity] += 1
        cells = rows[number - 1] if number <= len(rows) else ()
        if seen[identity] > then[identity] and any(status_text(_at(cells, c)) for c in columns):
            count += 1
    return count


def check(expectation: Expectation, rows: Sequence[Sequence[CellValue]]) -> Check:
    """Compare the sheet as read back (full rows, from row 1) with `expectation`."""
    exp = expectation
    header = rows[exp.header_row - 1] if len(rows) >= exp.header_row else []
    if any(loose_key(text_of(_at(header, col)) or "") != loose_key(h) for col, h in exp.headers):
        return Check((), 0, exp.rows_written, header_changed=True)

    current = _trimmed(
        [
            RowStatus(
                _key(row_identity(cells, exp.identity_columns), cells, exp.columns),
                tuple(status_text(_at(cells, col)) for col in exp.columns),
            )
            for cells in rows[exp.header_row :]
        ]
    )
    then = _occurrences(e.key for e in exp.rows)
    now = _occurrences(e.key for e in current)
    belongs: dict[int, int] = {}  # current index -> expected index
    for key, indexes in then.items():
        found = now.get(key, [])
        if len(found) == len(indexes):
            belongs.update(zip(found, indexes, strict=True))
    strays = _signatures(exp, set(belongs.values()))  # written rows found in their place

    cells: list[Cell] = []
    wrong = fresh = 0
    first = exp.header_row + 1
    for index, row in enumerate(current):
        mine = belongs.get(index)
        if mine is not None:
            want = exp.rows[mine].texts
            fix = [
                (col, text)
                for col, text, there in zip(exp.columns, want, row.texts, strict=True)
                if status_text(text) != there
            ]
        else:
            fix = _stray(exp.columns, row.texts, strays)
        if fix:
            wrong += 1
            cells.extend((first + index, col, text) for col, text in fix)
        elif mine is None and row.key not in then and any(row.texts):
            fresh += 1  # a new row holding a status: maybe a row typed over or cleared
    # A row typed over or cleared since the guard read shows as a row gone and a new one
    # holding its status (only as many as went: a new row may carry a status of its own).
    gone = sum(1 for e in exp.rows if e.key not in now and any(map(status_text, e.texts)))
    placed = set(belongs.values())
    unconfirmed = min(fresh, gone) + sum(
        1 for index, e in enumerate(exp.rows) if e.written and index not in placed and e.key in now
    )
    return Check(tuple(cells), wrong, unconfirmed)


def settle(first: Check, second: Check | None = None, cells_written: int = 0) -> Settled:
    """The account of a verification: the first look, and the look after its one repair
    (None: none was needed, or it could not be made). What is still wrong is left."""
    if first.header_changed or (second is not None and second.header_changed):
        why = "the header row changed while sheetsync was writing"
        note = f"{why}; check that the status columns hold statuses"
        return unverified((second or first).unconfirmed, note, cells_written)
    last = second or first
    repaired = max(first.rows_wrong - last.rows_wrong, 0) if second is not None else 0
    left = last.rows_wrong + last.unconfirmed
    notes = []
    if repaired:
        notes.append(
            f"{repaired} row(s) a colleague's edit had given another row's status: put right"
        )
    if left:
        notes.append(
            f"{left} row(s) not confirmed after a colleague's edit: the next sync sees to them"
        )
    return Settled(cells_written, repaired, left, "; ".join(notes) or None)


def unverified(rows_written: int, why: str, cells_written: int = 0) -> Settled:
    """No account could be made (`why`): every row written is left for the next sync."""
    return Settled(cells_written, 0, rows_written, f"{why}; the next sync checks every row")


# -- helpers ---------------------------------------------------------------------------


def _key(identity: Identity, cells: Sequence[CellValue], written: Sequence[int]) -> RowKey:
    """The identity; for a row without one, its cells outside the columns written."""
    if any(identity):
        return identity
    skip = set(written)
    content = [status_text(v) for col, v in enumerate(cells) if col not in skip]
    while content and not content[-1]:
        content.pop()
    return (*identity, *content)


def _trimmed(rows: list[RowStatus]) -> tuple[RowStatus, ...]:
    """Without trailing empty rows, which the API leaves out of what it sends."""
    end = len(rows)
    while end and not any(rows[end - 1].key) and not any(map(status_text, rows[end - 1].texts)):
        end -= 1
    return tuple(rows[:end])


def _occurrences(keys: Iterable[RowKey]) -> dict[RowKey, list[int]]:
    out: dict[RowKey, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        out[key].append(index)
    return out


Signatures = dict[tuple[int, ...], set[tuple[str, ...]]]


def _signatures(exp: Expectation, placed: set[int]) -> Signatures:
    """What was written for rows that are found in their own place, by the columns
    written: a copy of it anywhere else is a status in a row that is not its own."""
    out: Signatures = defaultdict(set)
    for index in placed:
        written = exp.rows[index].written
        texts = tuple(status_text(text) for _, text in written)
        if any(texts):  # clearing a stale status is not a status
            out[tuple(col for col, _ in written)].add(texts)
    return out


def _stray(
    columns: Sequence[int], texts: Sequence[str], strays: Signatures
) -> list[tuple[int, str]]:
    there = dict(zip(columns, texts, strict=True))
    for cols, seen in strays.items():
        if tuple(there[col] for col in cols) in seen:
            return [(col, "") for col in cols if there[col]]
    return []


def _at(cells: Sequence[CellValue], col: int | None) -> CellValue:
    return cells[col] if col is not None and col < len(cells) else None


def _as_text(value: CellValue) -> str:
    """A cell the guard read saw, as the text that puts it back."""
    return value if isinstance(value, str) else text_of(value) or ""
