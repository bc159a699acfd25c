"""Spreadsheet metadata for the Google backend: its worksheets, their ids and grid sizes,
cached by spreadsheet key, and the worksheet the configuration chooses among them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sheetsync.core.keys import loose_key
from sheetsync.errors import SheetAccessError


@dataclass(frozen=True)
class Grid:
    """One worksheet as the metadata describes it."""

    gid: int
    title: str
    rows: int
    cols: int


@dataclass(frozen=True)
class Book:
    title: str
    grids: tuple[Grid, ...]  # grid worksheets in tab order


class MetadataCache:
    """Spreadsheet metadata by key. Whoever builds the sheets decides how long it lives
    and who shares it (the composition root: one per sheet, or a file per install)."""

    def __init__(self) -> None:
        self._books: dict[str, Book] = {}

    def get(self, key: str) -> Book | None:
        return self._books.get(key)

    def put(self, key: str, book: Book) -> None:
        self._books[key] = book

    def forget(self, key: str) -> None:
        self._books.pop(key, None)

    def update_grid(self, key: str, grid: Grid) -> None:
        book = self._books.get(key)
        if book is not None:
            grids = tuple(grid if g.gid == grid.gid else g for g in book.grids)
            self._books[key] = replace(book, grids=grids)


def book_of(raw: Mapping[str, Any], key: str) -> Book:
    """A `spreadsheets.get` answer (METADATA_FIELDS) as a Book."""
    grids = []
    for sheet in sorted(raw.get("sheets", []), key=lambda s: s["properties"].get("index", 0)):
        props = sheet["properties"]
        if props.get("sheetType", "GRID") != "GRID":
            continue  # chart sheets hold no cells
        size = props.get("gridProperties", {})
        grids.append(
            Grid(
                int(props["sheetId"]),
                str(props["title"]),
                int(size.get("rowCount", 0)),
                int(size.get("columnCount", 0)),
            )
        )
    return Book(str(raw.get("properties", {}).get("title", key)), tuple(grids))


def choose(book: Book, gid: int | None, worksheet: str | None) -> Grid:
    """The worksheet with `gid`, else titled `worksheet` (loosely), else the first."""
    names = ", ".join(repr(g.title) for g in book.grids) or "none"
    if gid is not None:
        for grid in book.grids:
            if grid.gid == gid:
                return grid
        raise SheetAccessError(
            f"no worksheet with gid {gid} in {book.title!r} (worksheets: {names}); "
            "check sheet.gid (the number after #gid= in the tab's URL)"
        )
    if worksheet is None:
        if not book.grids:
            raise SheetAccessError(f"{book.title!r} has no worksheet with cells")
        return book.grids[0]
    exact = [g for g in book.grids if g.title == worksheet]
    loose = [g for g in book.grids if loose_key(g.title) == loose_key(worksheet)]
    if exact or len(loose) == 1:
        return (exact or loose)[0]
    raise SheetAccessError(
        f"no worksheet {worksheet!r} in {book.title!r} (worksheets: {names}); check sheet.worksheet"
    )
