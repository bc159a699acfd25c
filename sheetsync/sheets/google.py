"""The Google Sheets backend (gspread's low-level HTTP client, Sheets API v4).

API budget per sync: spreadsheet metadata once per process (cached; refreshed when
the worksheet cannot be found), one `values.batchGet` for the data, and only when
something must be written one guard `values.batchGet`, at most one
`spreadsheets.batchUpdate` that appends grid columns (never shrinks), and one
`values.batchUpdate` (RAW, changed cells only). Values are read unformatted with
dates as serial numbers: text stays text, checkboxes are booleans.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import requests
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.requests import AuthorizedSession
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.urls import SPREADSHEET_VALUES_BATCH_URL

from sheetsync.core.keys import loose_key
from sheetsync.core.plan import WriteOutcome, WritePlan
from sheetsync.core.values import CellValue
from sheetsync.errors import GaveUp, SheetAccessError
from sheetsync.retry import (
    DEFAULT_POLICY,
    REAL_TIME,
    Pacer,
    RetryPolicy,
    call_with_retry,
)
from sheetsync.sheets.a1 import cell_runs, grid_size, quote_title
from sheetsync.sheets.google_errors import Target, api_message, classify, status_of, translate
from sheetsync.sheets.guard import resolve, view_of_rows
from sheetsync.sheets.port import RequestObserver, SheetSnapshot

log = logging.getLogger(__name__)
T = TypeVar("T")

READ_OPTIONS: Mapping[str, str] = {
    "majorDimension": "ROWS",
    "valueRenderOption": "UNFORMATTED_VALUE",  # numbers, booleans and text as stored
    "dateTimeRenderOption": "SERIAL_NUMBER",  # dates as Sheets serial days (values.parse_date)
}
METADATA_FIELDS = (
    "properties.title,"
    "sheets.properties(sheetId,title,index,sheetType,gridProperties(rowCount,columnCount))"
)
SERVICE = "google_sheets"  # the metrics label of this backend's requests
SHEET_URL = "https://docs.google.com/spreadsheets/d/{key}/edit#gid={gid}&range=A{row}"


class NoObserver:
    """Reports nowhere: a sheet built without metrics."""

    def request(self, service: str, action: str, outcome: str) -> None:
        pass

    def retry(self, service: str, action: str) -> None:
        pass


NO_OBSERVER = NoObserver()


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


class GoogleSheet:
    """One worksheet of a Google spreadsheet, chosen by title or gid (else the first).

    Given its authorized HTTP session (connections and tokens are the caller's to
    share) and the metadata cache it reads through; it keeps no state of its own
    beyond the worksheet it resolved."""

    def __init__(
        self,
        spreadsheet_key: str,
        session: AuthorizedSession,
        metadata: MetadataCache,
        *,
        worksheet: str | None = None,
        gid: int | None = None,
        account: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = DEFAULT_POLICY,
        pacer: Pacer = REAL_TIME,
        observer: RequestObserver = NO_OBSERVER,
    ) -> None:
        self.key = spreadsheet_key
        self.worksheet = worksheet
        self.gid = gid
        self.account = account
        # gspread only reads `auth` when it must build a session itself.
        self._http = HTTPClient(session.credentials, session=session)
        self._http.set_timeout(timeout)
        self._retry = retry
        self._pacer = pacer
        self._metadata = metadata
        self._observer = observer
        self._grid: Grid | None = None

    # -- the port -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        book = self._metadata.get(self.key)
        if book is not None and self._grid is not None:
            return f"{book.title} / {self._grid.title}"
        which = self.worksheet or (f"gid {self.gid}" if self.gid is not None else "first tab")
        return f"Google Sheets {self.key} / {which}"

    def row_url(self, row: int) -> str | None:
        if self._grid is None:
            return None
        return SHEET_URL.format(key=self.key, gid=self._grid.gid, row=row)

    def read(self) -> SheetSnapshot:
        rows = self._read_values()  # first: it may refresh the metadata the name comes from
        return SheetSnapshot(title=self.name, rows=rows)

    def write(self, plan: WritePlan) -> WriteOutcome:
        if plan.is_empty:
            return WriteOutcome()
        # The guard read takes the whole used range again rather than only the identity
        # columns: the API omits trailing empty rows, so only full rows tell how many
        # rows without an identity (no name, e-mail or domain) the sheet holds now.
        fresh = self._read_values(purpose="guard read")
        resolution = resolve(plan, view_of_rows(fresh, plan))
        if resolution.cells:
            grid = self._current_grid()
            needed = max(col for _, col, _ in resolution.cells) + 1
            if needed > grid.cols:
                self._append_columns(grid, needed - grid.cols)
            body = {
                "valueInputOption": "RAW",  # text stays text, '=…' never becomes a formula
                "data": [
                    {"range": f"{quote_title(grid.title)}!{a1}", "values": [list(texts)]}
                    for a1, texts in cell_runs(resolution.cells)
                ],
            }
            self._call("write", lambda: self._http.values_batch_update(self.key, body))
        return WriteOutcome(
            cells_written=len(resolution.cells),
            rows_written=resolution.rows_written,
            rows_skipped=resolution.rows_skipped,
            note=resolution.note,
        )

    # -- requests -------------------------------------------------------------------------

    def _read_values(self, purpose: str = "read") -> list[list[CellValue]]:
        """The worksheet's rows as the API sends them.

        Cells stay as decoded from JSON (`str`, `int`, `float`, `bool`; empty cells
        between filled ones arrive as ""): every reader takes "" as empty, and a pass
        over every cell would cost as much as the JSON decoding itself."""
        grid = self._current_grid()
        try:
            fetched = self._fetch_values(grid, purpose, passthrough=_unknown_range)
        except APIError:  # only the unknown-range kind gets here untranslated
            # Renamed or deleted since the metadata was cached: look again, once.
            log.info("worksheet %r not found by title; refreshing metadata", grid.title)
            self._metadata.forget(self.key)
            self._grid = None
            grid = self._current_grid()
            fetched = self._fetch_values(grid, purpose)
        payload = fetched
        ranges = payload.get("valueRanges") or [{}]
        found = ranges[0]
        size = grid_size(str(found.get("range", "")))
        if size is not None and size != (grid.rows, grid.cols):
            self._remember(replace(grid, rows=size[0], cols=size[1]))
        rows: list[list[CellValue]] = found.get("values", [])
        return rows

    def _fetch_values(
        self,
        grid: Grid,
        purpose: str,
        passthrough: Callable[[APIError], bool] = lambda _: False,
    ) -> dict[str, Any]:
        """The decoded `values.batchGet` response."""

        def fetch() -> dict[str, Any]:
            params: dict[str, Any] = {**READ_OPTIONS, "ranges": quote_title(grid.title)}
            url = SPREADSHEET_VALUES_BATCH_URL % self.key
            response = self._http.request("get", url, params=params)
            payload: dict[str, Any] = json.loads(response.content)
            return payload

        return self._call(purpose, fetch, passthrough)

    def _append_columns(self, grid: Grid, count: int) -> None:
        # appendDimension is relative to the live grid, so a stale cached size can never
        # shrink the sheet (gspread's add_cols sets an absolute size from its cache).
        body = {
            "requests": [
                {"appendDimension": {"sheetId": grid.gid, "dimension": "COLUMNS", "length": count}}
            ]
        }
        self._call("column append", lambda: self._http.batch_update(self.key, body))
        self._remember(replace(grid, cols=grid.cols + count))

    def _current_grid(self) -> Grid:
        if self._grid is None:
            book = self._metadata.get(self.key)
            if book is None:
                book = self._fetch_book()
                self._metadata.put(self.key, book)
            self._grid = self._choose(book)
        return self._grid

    def _fetch_book(self) -> Book:
        params: dict[str, Any] = {"includeGridData": "false", "fields": METADATA_FIELDS}
        raw = self._call(
            "metadata read",
            lambda: self._http.fetch_sheet_metadata(self.key, params=dict(params)),
        )
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
        return Book(str(raw.get("properties", {}).get("title", self.key)), tuple(grids))

    def _choose(self, book: Book) -> Grid:
        names = ", ".join(repr(g.title) for g in book.grids) or "none"
        if self.gid is not None:
            for grid in book.grids:
                if grid.gid == self.gid:
                    return grid
            raise SheetAccessError(
                f"no worksheet with gid {self.gid} in {book.title!r} (worksheets: {names}); "
                "check sheet.gid (the number after #gid= in the tab's URL)"
            )
        if self.worksheet is None:
            if not book.grids:
                raise SheetAccessError(f"{book.title!r} has no worksheet with cells")
            return book.grids[0]
        exact = [g for g in book.grids if g.title == self.worksheet]
        loose = [g for g in book.grids if loose_key(g.title) == loose_key(self.worksheet)]
        if exact or len(loose) == 1:
            return (exact or loose)[0]
        raise SheetAccessError(
            f"no worksheet {self.worksheet!r} in {book.title!r} (worksheets: {names}); "
            "check sheet.worksheet"
        )

    def _remember(self, grid: Grid) -> None:
        self._grid = grid
        self._metadata.update_grid(self.key, grid)

    def _call(
        self,
        action: str,
        operation: Callable[[], T],
        passthrough: Callable[[APIError], bool] = lambda _: False,
    ) -> T:
        """Run one request under the retry policy; failures leave as SheetAccessError
        (except API errors `passthrough` lets the caller handle)."""
        tab = self._grid.title if self._grid else (self.worksheet or "first tab")
        target = Target(self.key, tab, self.account)
        kind = action.replace(" ", "_")

        def counted() -> T:
            try:
                answer = operation()
            except APIError as exc:
                status = status_of(exc)
                self._observer.request(SERVICE, kind, str(status) if status > 0 else "error")
                raise
            except Exception:
                self._observer.request(SERVICE, kind, "error")
                raise
            self._observer.request(SERVICE, kind, "ok")
            return answer

        try:
            return call_with_retry(
                counted,
                classify,
                self._retry,
                self._pacer,
                what=f"Google Sheets {action}",
                on_retry=lambda: self._observer.retry(SERVICE, kind),
            )
        except (GaveUp, APIError, requests.RequestException, GoogleAuthError) as exc:
            if isinstance(exc, APIError):
                if passthrough(exc):
                    raise
                log.debug("Google Sheets %s: HTTP %s %s", action, status_of(exc), api_message(exc))
            raise translate(exc, target, action) from exc


def _unknown_range(exc: APIError) -> bool:
    return status_of(exc) == 400 and "Unable to parse range" in str(exc.error.get("message"))
