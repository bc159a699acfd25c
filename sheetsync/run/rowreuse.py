"""Reusing the previous pass's work row by row when some cells changed.

A colleague's edit, or our own status write, changes the sheet's version, but most
rows are as they were. A row is parsed again only when its content (its cells
outside the status columns), its sheet row number or its history key changed, and
evaluated and rendered again only when something the rules read for it changed.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING

from sheetsync.core.layout import Layout
from sheetsync.core.model import ClientRow, Finding, RowEvaluation
from sheetsync.core.plan import Identity, StatusCells, WritePlan, render_status
from sheetsync.core.rows import Fingerprinter, history_keys, is_blank, parse_row
from sheetsync.core.rules import Context, duplicates, evaluate_row, verdict_for
from sheetsync.core.texts import Texts
from sheetsync.core.values import CellValue, text_of

if TYPE_CHECKING:
    from sheetsync.run.reuse import Parsed, WorkedOut

RowKey = bytes


class ContentKeys:
    """Keyed digests of each row's cells outside the status columns.

    `repr` tells `1`, `1.0`, `True` and `"1"` apart (which `==` and `hash` do not) and
    keeps every detail a parser could see; the digest keeps secret cells out of the
    memo, and its key lives only in this object, in this process."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def of(self, rows: Sequence[Sequence[CellValue]], layout: Layout) -> tuple[RowKey, ...]:
        """One key per row below the header, blank rows included."""
        spans: list[tuple[int, int | None]] = []
        start = 0
        for col in sorted(set(layout.status.values())):
            if col > start:
                spans.append((start, col))
            start = col + 1
        spans.append((start, None))
        key = self._key
        blake2b = hashlib.blake2b
        return tuple(
            blake2b(repr([cells[a:b] for a, b in spans]).encode(), key=key, digest_size=16).digest()
            for cells in rows[layout.header_row :]
        )


def reparse(
    sheet: Sequence[Sequence[CellValue]],
    layout: Layout,
    tz: tzinfo,
    fingerprint: Fingerprinter,
    content: Sequence[RowKey],
    earlier: Parsed | None,
) -> tuple[list[ClientRow], int]:
    """`rows.parse_rows`, keeping the earlier `ClientRow` of each row whose number,
    content and history key are unchanged; and how many were kept. `earlier` is the
    previous pass's parse of a sheet with the same setup and layout."""
    before = earlier.content if earlier else ()
    known = {row.row: row for row in earlier.rows} if earlier else {}
    first = layout.header_row + 1
    found: list[tuple[int, Sequence[CellValue], ClientRow | None]] = []
    for index, key in enumerate(content):
        number, cells = first + index, sheet[first + index - 1]
        if index < len(before) and before[index] == key:
            old = known.get(number)
            if old is not None:  # else it was blank and still is
                found.append((number, cells, old))
        elif not is_blank(cells, layout):
            found.append((number, cells, None))
    col = layout.columns["client"]
    names = [
        old.client if old else (text_of(cells[col]) if col < len(cells) else None)
        for _, cells, old in found
    ]
    rows, kept = [], 0
    for (number, cells, old), history_key in zip(found, history_keys(names), strict=True):
        # The history key depends on the names in the rows above: an unchanged row gets
        # another one when a copy of its name appears above it or goes away.
        if old is not None and old.key == history_key:
            rows.append(old)
            kept += 1
        else:
            rows.append(parse_row(number, cells, history_key, layout, tz, fingerprint))
    return rows, kept


def reevaluate(
    rows: Sequence[ClientRow],
    context: Context,
    texts: Texts,
    layout: Layout,
    earlier: WorkedOut | None,
) -> tuple[list[RowEvaluation], dict[int, StatusCells], Mapping[int, Sequence[Finding]], int]:
    """`rules.evaluate` and `plan.render_status`, keeping a row's earlier evaluation and
    status when its `ClientRow` is the earlier object and everything `evaluate_row` reads
    for it is unchanged; and how many were kept.

    Besides the row, `evaluate_row` reads its cross-row findings and, from the context,
    only: `verdict_for(row, ctx)`; the thresholds; `first_seen[(key, fact)]`, through
    `_Row.since`, which records each fact it asks about in `observed_facts`;
    `credential_changes[key]`; and the time, only through `_Row.older_than`, whose
    answer is False until the moment it records in `valid_until` and True ever after,
    so between the earlier `now` and `valid_until` every answer is the same. Rendering
    reads the evaluation, the texts (the locale, part of the setup) and the layout
    (the same, or the rows would not be the earlier objects)."""
    cross = duplicates(rows)
    previous: dict[int, RowEvaluation] = {}
    if (
        earlier is not None
        and earlier.context.now <= context.now
        and earlier.context.thresholds == context.thresholds
    ):
        previous = {e.row.row: e for e in earlier.evaluations}
    evaluations, status, kept = [], {}, 0
    for row in rows:
        found = cross.get(row.row, [])
        old = previous.get(row.row)
        if (
            earlier is not None
            and old is not None
            and old.row is row
            and (old.valid_until is None or context.now <= old.valid_until)
            and found == earlier.cross.get(row.row, [])
            and verdict_for(row, context) == old.domain_verdict
            and _same_memory(row, old, context, earlier.context)
        ):
            evaluations.append(old)
            status[row.row] = earlier.status[row.row]
            kept += 1
            continue
        evaluation = evaluate_row(row, context, found)
        evaluations.append(evaluation)
        status[row.row] = render_status(evaluation, texts, layout)
    return evaluations, status, cross, kept


def _same_memory(row: ClientRow, old: RowEvaluation, now: Context, before: Context) -> bool:
    """Are the worker's memories the rules read for this row the same?"""
    key = row.key
    if key is None:
        return True  # the rules read no memory for a row without a history key
    return now.credential_changes.get(key) == before.credential_changes.get(key) and all(
        now.first_seen.get((key, fact)) == before.first_seen.get((key, fact))
        for fact in old.observed_facts
    )


def known_identities(
    content: Sequence[RowKey], earlier: Parsed | None, plan: WritePlan | None
) -> list[Identity | None]:
    """The earlier identity of each row whose content is unchanged (None: work it out)."""
    if earlier is None or plan is None or len(plan.identities) != len(earlier.content):
        return []
    before, identities = earlier.content, plan.identities
    return [
        identities[index][1] if index < len(before) and before[index] == key else None
        for index, key in enumerate(content)
    ]
