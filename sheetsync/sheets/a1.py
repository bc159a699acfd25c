"""A1 notation for the Google backend and the fakes that play the Sheets API.

Cell and range arithmetic is gspread's (`gspread.utils`); this adds only what the
backend needs around it. The core keeps one letter function of its own
(`core.layout.column_letter`, for its messages) because it may not import gspread.
"""

from __future__ import annotations

from collections.abc import Iterable

from gspread.exceptions import IncorrectCellLabel
from gspread.utils import a1_range_to_grid_range, rowcol_to_a1


def quote_title(title: str) -> str:
    """A worksheet title as the sheet part of an A1 range."""
    return "'" + title.replace("'", "''") + "'"


def cell_a1(row: int, col: int) -> str:
    """1-based row, 0-based column (as a `WritePlan` counts) → `E2`."""
    return str(rowcol_to_a1(row, col + 1))


def cell_runs(cells: Iterable[tuple[int, int, str]]) -> list[tuple[str, tuple[str, ...]]]:
    """(row, 0-based column, text) cells as A1 ranges of horizontally adjacent cells."""
    runs: list[tuple[int, int, list[str]]] = []
    for row, col, text in sorted(cells):
        if runs and runs[-1][0] == row and runs[-1][1] + len(runs[-1][2]) == col:
            runs[-1][2].append(text)
        else:
            runs.append((row, col, [text]))
    out = []
    for row, col, texts in runs:
        first, last = cell_a1(row, col), cell_a1(row, col + len(texts) - 1)
        out.append((first if first == last else f"{first}:{last}", tuple(texts)))
    return out


def range_bounds(cells: str, rows: int, cols: int) -> tuple[int, int, int, int]:
    """The cell part of an A1 range (`B2:D`, `A:A`, `$C$5`, or '' for the whole grid) as
    1-based first and last rows and 0-based first and last columns, inclusive; open ends
    reach the edge of a `rows` × `cols` grid. ValueError when it is not A1."""
    try:
        grid = a1_range_to_grid_range(cells.replace("$", ""))
    except IncorrectCellLabel as exc:
        raise ValueError(f"not an A1 range: {cells!r}") from exc
    return (
        grid.get("startRowIndex", 0) + 1,
        grid.get("startColumnIndex", 0),
        grid.get("endRowIndex", rows),
        grid.get("endColumnIndex", cols) - 1,
    )


def grid_size(a1: str) -> tuple[int, int] | None:
    """Rows and columns of the grid from the range the API echoes for a whole-sheet read
    ('Tab'!A1:Z1000: the requested range clipped to the grid); None for any other."""
    _, bang, cells = a1.rpartition("!")
    if not bang or ":" not in cells:
        return None
    try:
        first_row, _, last_row, last_col = range_bounds(cells, 0, 0)
    except ValueError:
        return None
    if first_row != 1 or last_row < 1 or last_col < 0:  # not from row 1, or an open end
        return None
    return last_row, last_col + 1
