"""Find the configured columns in the sheet's header row (pure).

The layout says where each input column and each owned status column is, and
which status columns must be appended because the sheet does not have them yet.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sheetsync.core.columns import ColumnHeaders, StatusHeaders
from sheetsync.core.keys import loose_key
from sheetsync.core.values import CellValue, text_of
from sheetsync.errors import SheetLayoutError

HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Layout:
    header_row: int  # 1-based
    headers: tuple[str, ...]  # the header row as text, '' for blank cells
    columns: Mapping[str, int]  # input column key -> 0-based index (found ones only)
    status: Mapping[str, int]  # status key -> 0-based index (existing or to append)
    appended: tuple[str, ...]  # status keys whose header sheetsync must write
    labels: Mapping[str, str]  # input column key -> header as in the sheet (or configured)
    status_labels: Mapping[str, str]  # status key -> header as in the sheet (or configured)

    def label(self, key: str | None) -> str | None:
        return None if key is None else self.labels.get(key, key)


def locate(
    rows: Sequence[Sequence[CellValue]],
    columns: ColumnHeaders,
    status: StatusHeaders,
    header_row: int = 0,
) -> Layout:
    """Raise SheetLayoutError when the client column is missing or a mapped header repeats."""
    wanted = {loose_key(h): k for k, h in columns.model_dump().items()}
    owned = {loose_key(h): k for k, h in status.model_dump().items()}
    client_header = loose_key(columns.client)
    index = header_row - 1 if header_row else _find_header_row(rows, client_header)
    if index is None or index >= len(rows):
        known = wanted.keys() | owned.keys()
        raise SheetLayoutError(_missing_client_message(rows, columns.client, known, header_row))
    headers = tuple(text_of(v) or "" for v in rows[index])

    found: dict[str, int] = {}
    found_status: dict[str, int] = {}
    labels: dict[str, str] = dict(columns.model_dump())
    status_labels: dict[str, str] = dict(status.model_dump())
    for col, header in enumerate(headers):
        key = loose_key(header)
        if key in wanted:
            target, names, name = found, labels, wanted[key]
        elif key in owned:
            target, names, name = found_status, status_labels, owned[key]
        else:
            continue
        if name in target:
            first = headers[target[name]]
            raise SheetLayoutError(
                f"the header {header!r} appears twice (columns "
                f"{column_letter(target[name])} and {column_letter(col)}, first as {first!r}): "
                "rename one so each column is unambiguous"
            )
        target[name] = col
        names[name] = header
    if "client" not in found:
        known = wanted.keys() | owned.keys()
        raise SheetLayoutError(_missing_client_message(rows, columns.client, known, index + 1))

    last_used = max((_last_filled(r) for r in rows), default=-1)
    next_free = max(last_used, len(headers) - 1) + 1
    appended = []
    for name in status.model_dump():
        if name not in found_status:
            found_status[name] = next_free
            next_free += 1
            appended.append(name)
    return Layout(index + 1, headers, found, found_status, tuple(appended), labels, status_labels)


def _find_header_row(rows: Sequence[Sequence[CellValue]], client_header: str) -> int | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(loose_key(text_of(v) or "") == client_header for v in row):
            return index
    return None


def _last_filled(row: Sequence[CellValue]) -> int:
    for col in range(len(row) - 1, -1, -1):
        if text_of(row[col]) is not None:
            return col
    return -1


def _missing_client_message(
    rows: Sequence[Sequence[CellValue]],
    client_header: str,
    known: Collection[str],
    header_row: int,
) -> str:
    """Why there is no client column, in words. A suggestion is only ever a header the
    staff typed (from the header row, never a cell below it: that may hold a password)."""
    first = [[text_of(v) or "" for v in row] for row in rows[:HEADER_SEARCH_ROWS]]
    if not any(any(row) for row in first):
        return (
            f"the sheet is empty: sheetsync expects a header row with a {client_header!r} "
            f"column in the first {HEADER_SEARCH_ROWS} rows"
        )
    where = (
        f"the header row ({header_row})" if header_row else f"the first {HEADER_SEARCH_ROWS} rows"
    )
    message = f"no {client_header!r} column in {where}: the client-name column is required"
    index = header_row - 1 if header_row else _likely_header_row(first, known)
    if index is None or index >= len(first) or not _known_count(first[index], known):
        # No row that holds the configured headers: its cells may be anything, even
        # a password, so none is quoted.
        if header_row:
            return message + f"; row {header_row} holds none of the configured headers"
        return message + "; no row looks like a header row (set sheet.header_row)"
    headers = [h for h in first[index] if h]
    close = difflib.get_close_matches(client_header, headers, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}? (set columns.client)" if close else ""
    return message + hint


def _likely_header_row(rows: Sequence[Sequence[str]], known: Collection[str]) -> int | None:
    """The row holding the most configured headers (the first of equals), if any does."""
    best, most = None, 0
    for index, row in enumerate(rows):
        count = _known_count(row, known)
        if count > most:
            best, most = index, count
    return best


def _known_count(row: Sequence[str], known: Collection[str]) -> int:
    return sum(loose_key(text) in known for text in row if text)


def column_letter(index: int) -> str:
    """0-based column index → A1 letters, for messages. The core's only A1 helper (it may
    not import gspread); the Google backend uses gspread's (`sheets.a1`)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
