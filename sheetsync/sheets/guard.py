"""Decide where each planned status write lands after a fresh look at the sheet (pure).

Rows are recognised by their identity (`plan.row_identity`, the function the plan
used: client name, e-mail and domain compared as names). Rows sharing an identity
are told apart by their order. A row whose identity occurs a different number of
times than when it was read, or vanished, is skipped: the next sync picks it up. If
the header row changed under the columns sheetsync uses, nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sheetsync.core.keys import loose_key
from sheetsync.core.plan import Identity, WritePlan, row_identity
from sheetsync.core.values import CellValue, text_of


@dataclass(frozen=True)
class GuardView:
    """What a backend re-reads just before writing."""

    header: Sequence[CellValue]
    identities: Mapping[int, Identity]  # sheet row -> identity, rows below the header


@dataclass(frozen=True)
class Resolution:
    cells: tuple[tuple[int, int, str], ...]  # (1-based row, 0-based column, text)
    rows_written: tuple[int, ...]
    rows_skipped: tuple[int, ...]
    note: str | None = None


def view_of_rows(rows: Sequence[Sequence[CellValue]], plan: WritePlan) -> GuardView:
    """The guard view of a worksheet held as full rows (workbook, in-memory sheet)."""
    header = rows[plan.header_row - 1] if len(rows) >= plan.header_row else []
    identities = {
        number: row_identity(cells, plan.identity_columns)
        for number, cells in enumerate(rows[plan.header_row :], start=plan.header_row + 1)
    }
    return GuardView(header=header, identities=identities)


def resolve(plan: WritePlan, fresh: GuardView) -> Resolution:
    header = [text_of(v) or "" for v in fresh.header]

    def at(col: int) -> str:
        return header[col] if col < len(header) else ""

    moved = [h for col, h in plan.expected_headers if loose_key(at(col)) != loose_key(h)]
    taken = [h for col, h in plan.new_headers if at(col) and loose_key(at(col)) != loose_key(h)]
    if moved or taken:
        return Resolution(
            (), (), tuple(w.row for w in plan.rows),
            note="the header row changed during the sync; nothing written, next sync retries",
        )  # fmt: skip

    then = _occurrences(plan.identities)
    now = _occurrences(fresh.identities.items())
    cells: list[tuple[int, int, str]] = [
        (plan.header_row, col, text) for col, text in plan.new_headers if not at(col)
    ]
    written, skipped = [], []
    for write in plan.rows:
        rows_then = then.get(write.identity, [])
        rows_now = now.get(write.identity, [])
        if len(rows_then) != len(rows_now) or write.row not in rows_then:
            skipped.append(write.row)
            continue
        target = rows_now[rows_then.index(write.row)]
        written.append(target)
        cells.extend((target, col, text) for col, text in write.cells)
    note = None
    if skipped:
        note = f"{len(skipped)} row(s) moved or changed during the sync; the next sync updates them"
    return Resolution(tuple(cells), tuple(written), tuple(skipped), note)


def _occurrences(pairs: Iterable[tuple[int, Identity]]) -> dict[Identity, list[int]]:
    out: dict[Identity, list[int]] = defaultdict(list)
    for row, identity in sorted(pairs):
        out[identity].append(row)
    return out
