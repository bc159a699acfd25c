"""After a column moved under a write: the staff cells it overwrote, put back (pure).

Sheets has no conditional write: a column inserted, deleted or dragged elsewhere
between the read that placed a write and the write itself sends written cells off
their column, over a staff column ("Megjegyzés") as often as not. The read that follows
shows a header row changed against the one the write was placed by: a run of inserted
or deleted columns (`Shift`), or the same headers in another order (`Moved`, told by
headers that are unique). Either tells which column each overwritten cell belongs to
now, and the earlier read holds what that column held there. Only a cell still holding
exactly what sheetsync wrote is put back, so a colleague's edit since is never
overwritten; cells that landed under a status header are sheetsync's own and are left
to the next sync, which plans afresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sheetsync.core.keys import loose_key
from sheetsync.core.plan import status_text
from sheetsync.core.values import CellValue, text_of

Cell = tuple[int, int, str]  # 1-based row, 0-based column, text
MAX_SHIFT = 10  # columns inserted or deleted side by side that a shift is looked for in


@dataclass(frozen=True)
class Shift:
    """`count` columns inserted (`count` > 0) or deleted (< 0) at column `at`."""

    at: int
    count: int

    def source(self, col: int) -> int | None:
        """The column of the earlier read whose cells sit in `col` now (None: a column
        inserted since, which held nothing then)."""
        if col < self.at:
            return col
        if self.count > 0:
            return col - self.count if col >= self.at + self.count else None
        return col - self.count

    def describe(self) -> str:
        what = "inserted" if self.count > 0 else "deleted"
        return f"{abs(self.count)} column(s) {what} at column {self.at + 1}"


@dataclass(frozen=True)
class Moved:
    """The same headers in another order: `sources[col]` is where column `col` was."""

    sources: tuple[int, ...]

    def source(self, col: int) -> int | None:
        return self.sources[col] if col < len(self.sources) else col

    def describe(self) -> str:
        return "columns moved"


@dataclass(frozen=True)
class Restoration:
    cells: tuple[Cell, ...]  # what puts the overwritten staff cells back
    shift: Shift | Moved | None  # None: the header changed in a way nothing here explains


def shift_of(
    before: Sequence[CellValue], after: Sequence[CellValue], written: Iterable[int]
) -> Shift | None:
    """The column insertion or deletion that turns header row `before` into `after`,
    leaving out the columns just written (`written`: a header sheetsync wrote is not
    evidence). None when no single run of inserted or deleted columns explains it."""
    skip = set(written)
    old = [loose_key(text_of(v) or "") for v in before]
    new = [loose_key(text_of(v) or "") for v in after]
    width = max(len(old), len(new)) + MAX_SHIFT  # every column either read holds, and more
    old += [""] * (width + MAX_SHIFT - len(old))
    new += [""] * (width - len(new))
    sizes = sorted(range(-MAX_SHIFT, MAX_SHIFT + 1), key=lambda n: (abs(n), n < 0))
    for shift in (Shift(at, n) for n in sizes if n for at in range(width)):
        sources = ((col, shift.source(col)) for col in range(width) if col not in skip)
        if all(new[col] == old[source] for col, source in sources if source is not None):
            return shift
    return None


def moved_of(
    before: Sequence[CellValue], after: Sequence[CellValue], written: Iterable[int]
) -> Moved | None:
    """The reordering that turns header row `before` into `after`, when both hold the
    same headers, each once (a blank or repeated header cannot tell where it went).
    Columns just written (`written`) are left out, as in `shift_of`."""
    skip = set(written)
    old = [loose_key(text_of(v) or "") for v in before]
    new = [loose_key(text_of(v) or "") for v in after]
    while old and not old[-1]:
        old.pop()
    while new and not new[-1]:
        new.pop()
    kept_old = [key for col, key in enumerate(old) if col not in skip]
    kept_new = [key for col, key in enumerate(new) if col not in skip]
    if (
        "" in kept_old
        or len(set(kept_old)) != len(kept_old)
        or sorted(kept_old) != sorted(kept_new)
    ):
        return None
    where = {key: col for col, key in enumerate(old) if col not in skip}
    sources = tuple(col if col in skip else where[key] for col, key in enumerate(new))
    if sources == tuple(range(len(sources))):
        return None  # nothing moved
    return Moved(sources)


def restoration(
    before: Sequence[Sequence[CellValue]],
    after: Sequence[Sequence[CellValue]],
    header_row: int,
    written: Sequence[Cell],
) -> Restoration:
    """What puts back the cells `written` destroyed, given the read the write was placed
    by (`before`, full rows from row 1) and the read just after it (`after`)."""
    header_then = _row(before, header_row)
    header_now = _row(after, header_row)
    ours = {loose_key(text_of(_at(header_then, col)) or "") for _, col, _ in written}
    ours |= {loose_key(text) for row, _, text in written if row == header_row}
    ours.discard("")
    appended = {col for row, col, _ in written if row == header_row}
    shift = shift_of(header_then, header_now, appended) or moved_of(
        header_then, header_now, appended
    )
    if shift is None:
        return Restoration((), None)
    cells: list[Cell] = []
    for row, col, text in written:
        if row != header_row and loose_key(text_of(_at(header_now, col)) or "") in ours:
            continue  # under a status header now: sheetsync's own cell
        if status_text(_at(_row(after, row), col)) != status_text(text):
            continue  # edited since, or never landed: not ours to touch
        source = shift.source(col)
        if source == col:
            continue  # not displaced: where the write was placed, a status cell then
        was = _at(_row(before, row), source) if source is not None else None
        cells.append((row, col, _as_text(was)))
    return Restoration(tuple(cells), shift)


def _row(rows: Sequence[Sequence[CellValue]], number: int) -> Sequence[CellValue]:
    return rows[number - 1] if 0 < number <= len(rows) else ()


def _at(cells: Sequence[CellValue], col: int | None) -> CellValue:
    return cells[col] if col is not None and col < len(cells) else None


def _as_text(value: CellValue) -> str:
    return value if isinstance(value, str) else text_of(value) or ""
