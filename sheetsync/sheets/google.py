"""The Google Sheets backend (gspread's low-level HTTP client, Sheets API v4).

API budget per sync: spreadsheet metadata once per process (cached; asked again when
the worksheet cannot be found or its grid changed size), one `values.batchGet` for the
data, and only when something must be written one guard `values.batchGet`, at most one
`spreadsheets.batchUpdate` that appends grid columns (never shrinks), one
`values.batchUpdate` (RAW, changed cells only) and one `values.batchGet` reading it
back (`verify`); a colleague's edit caught there costs one repair write and one more
read, a column inserted or deleted under a write one write putting staff cells back.
Values are read unformatted with dates as serial numbers: text stays text, checkboxes
are booleans.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import requests
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.requests import AuthorizedSession
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.urls import SPREADSHEET_VALUES_BATCH_URL

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
from sheetsync.sheets.google_metadata import Book, Grid, book_of, choose
from sheetsync.sheets.google_metadata import MetadataCache as MetadataCache  # re-exported
from sheetsync.sheets.guard import resolve, view_of_rows
from sheetsync.sheets.port import RequestObserver, SheetSnapshot
from sheetsync.sheets.restore import restoration
from sheetsync.sheets.verify import (
    Cell,
    Expectation,
    Settled,
    check,
    expect,
    retyped,
    settle,
    unverified,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

READ_OPTIONS: Mapping[str, str] = {
    "majorDimension": "ROWS",
    "valueRenderOption": "UNFORMATTED_VALUE",  # numbers, booleans and text as stored
    "dateTimeRenderOption": "SERIAL_NUMBER",  # dates as Sheets serial days (values.parse_date)
}
METADATA_FIELDS = (  # what the worksheet is chosen by, its id (links) and grid size
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
        grid = self._current_grid()
        rows, size = self._read_values(grid)
        live = self._current_grid()  # another grid if the title was not found
        if size is not None and size != (live.rows, live.cols):
            if live is grid:
                # Not the grid cached: rows were added or deleted, or the tab was deleted
                # and re-created under its title (a new sheetId, which links and column
                # appends need). Ask the metadata, once.
                live = self._refresh_metadata(grid)
                if live.title != grid.title:  # another tab answers to the configuration
                    rows, size = self._read_values(live)
            if size is not None:
                self._remember(replace(live, rows=size[0], cols=size[1]))
        return SheetSnapshot(title=self.name, rows=rows)

    def write(self, plan: WritePlan) -> WriteOutcome:
        if plan.is_empty:
            return WriteOutcome()
        # The guard read takes the whole used range again rather than only the identity
        # columns: the API omits trailing empty rows, so only full rows tell how many
        # rows without an identity (no name, e-mail or domain) the sheet holds now.
        fresh, size = self._read_values(self._current_grid(), purpose="guard read")
        guard = view_of_rows(fresh, plan)
        resolution = resolve(plan, guard)
        stale = retyped(plan, fresh, guard)
        why = (
            f"{stale} row(s) typed over or cleared during the sync still hold a former "
            "client's status: the next sync sees to them"
        )
        outcome = WriteOutcome(
            cells_written=len(resolution.cells),
            rows_written=resolution.rows_written,
            rows_skipped=resolution.rows_skipped,
            note="; ".join(n for n in (resolution.note, why if stale else None) if n) or None,
            rows_left=stale,
        )
        if not resolution.cells:
            return outcome
        self._send(resolution.cells, "write", size)
        expectation = expect(plan, fresh, guard, resolution.cells)
        if expectation is None:
            return outcome
        settled = self._verify(expectation, fresh, resolution.cells)
        return replace(
            outcome,
            cells_written=outcome.cells_written + settled.cells_written,
            rows_repaired=settled.repaired,
            rows_left=outcome.rows_left + settled.left,
            note="; ".join(n for n in (outcome.note, settled.note) if n) or None,
        )

    def _verify(
        self, expectation: Expectation, placed_by: list[list[CellValue]], cells: Sequence[Cell]
    ) -> Settled:
        """Read the sheet back; if a colleague's edit sent statuses astray, write once
        more where the rows are now and read back again. One repair round at most: what
        is still wrong is left to the next sync, which plans afresh. A column inserted or
        deleted under a write (`cells`, placed by the read `placed_by`) shows as a
        shifted header: the staff cells it overwrote are put back (`restore`)."""
        repaired = 0  # cells the repair wrote
        try:
            seen = self._read_back()
            first = check(expectation, seen)
            if first.header_changed:
                return self._restore(settle(first), placed_by, seen, cells, expectation)
            if not first.cells:
                return settle(first)
            self._send(first.cells, "repair write")
            repaired = len(first.cells)
            again = self._read_back()
            second = check(expectation, again)
            settled = settle(first, second, repaired)
            if second.header_changed:  # under the repair write: put back what it overwrote
                return self._restore(settled, seen, again, first.cells, expectation)
            return settled
        except SheetAccessError as exc:  # written already: the pass stands, unproven
            log.warning("could not verify the status cells just written: %s", exc)
            why = f"the write could not be verified ({exc})"
            return unverified(expectation.rows_written, why, repaired)

    def _restore(
        self,
        settled: Settled,
        before: list[list[CellValue]],
        after: list[list[CellValue]],
        cells: Sequence[Cell],
        expectation: Expectation,
    ) -> Settled:
        """One write putting back the staff cells `cells` overwrote after a column moved
        between the read `before` and the write; `after` is the read that saw it."""
        put_back = restoration(before, after, expectation.header_row, cells)
        if put_back.shift is None:
            log.warning("the header row changed in a way no column insert, delete or move explains")
            return settled
        if not put_back.cells:
            return settled
        self._send(put_back.cells, "restore write")
        log.warning(
            "%s while writing: %d overwritten cell(s) put back",
            put_back.shift.describe(),
            len(put_back.cells),
        )
        note = (
            f"{len(put_back.cells)} cell(s) the write had overwritten after a column was "
            "inserted, deleted or moved: put back; the status columns are left to the next sync"
        )
        return replace(
            settled,
            cells_written=settled.cells_written + len(put_back.cells),
            note="; ".join(n for n in (settled.note, note) if n),
        )

    # -- for `setup` (google_guides): the same session, retries and error mapping -------

    @property
    def http(self) -> HTTPClient:
        return self._http

    def current_grid(self) -> Grid:
        return self._current_grid()

    def request(self, action: str, operation: Callable[[], T]) -> T:
        """One request under the retry policy, failures as SheetAccessError."""
        return self._call(action, operation)

    # -- requests -------------------------------------------------------------------------

    def _read_back(self) -> list[list[CellValue]]:
        # Whole rows, as the guard read: a row without an identity is told apart by its
        # other cells, and only whole rows tell how many rows there are (verify.py).
        return self._read_values(self._current_grid(), "verify read")[0]

    def _read_values(
        self, grid: Grid, purpose: str = "read"
    ) -> tuple[list[list[CellValue]], tuple[int, int] | None]:
        """The worksheet's rows as the API sends them, and the grid size it echoes.

        Cells stay as decoded from JSON (`str`, `int`, `float`, `bool`; empty cells
        between filled ones arrive as ""): every reader takes "" as empty, and a pass
        over every cell would cost as much as the JSON decoding itself."""
        try:
            fetched = self._fetch_values(grid, purpose, passthrough=_unknown_range)
        except APIError:  # only the unknown-range kind gets here untranslated
            # Renamed or deleted since the metadata was cached: look again, once.
            log.info("worksheet %r not found by title; refreshing metadata", grid.title)
            grid = self._refresh_metadata(grid)
            fetched = self._fetch_values(grid, purpose)
        ranges = fetched.get("valueRanges") or [{}]
        found = ranges[0]
        rows: list[list[CellValue]] = found.get("values", [])
        return rows, grid_size(str(found.get("range", "")))

    def _send(
        self, cells: Sequence[Cell], purpose: str, size: tuple[int, int] | None = None
    ) -> None:
        """One `values.batchUpdate` of `cells` as text, the grid widened first if they
        need columns it lacks (`size`: the grid as the last read echoed it)."""
        grid = self._current_grid()
        if size is not None:
            grid = replace(grid, rows=size[0], cols=size[1])
        needed = max(col for _, col, _ in cells) + 1
        if needed > grid.cols:
            self._append_columns(grid, needed - grid.cols)
            grid = self._current_grid()
        body = {
            "valueInputOption": "RAW",  # text stays text, '=…' never becomes a formula
            "data": [
                {"range": f"{quote_title(grid.title)}!{a1}", "values": [list(texts)]}
                for a1, texts in cell_runs(cells)
            ],
        }
        self._call(purpose, lambda: self._http.values_batch_update(self.key, body))

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
        def append(sheet_id: int) -> Callable[[], Any]:
            spec = {"sheetId": sheet_id, "dimension": "COLUMNS", "length": count}
            body = {"requests": [{"appendDimension": spec}]}
            return lambda: self._http.batch_update(self.key, body)

        try:
            self._call("column append", append(grid.gid), passthrough=_unknown_grid)
        except APIError:  # the tab was re-created under its title: a new sheetId
            log.info("no worksheet with gid %s any more; refreshing metadata", grid.gid)
            grid = self._refresh_metadata(grid)
            self._call("column append", append(grid.gid))
        self._remember(replace(grid, cols=grid.cols + count))

    def _refresh_metadata(self, seen: Grid) -> Grid:
        """The metadata asked afresh, and the worksheet chosen from it again."""
        self._metadata.forget(self.key)
        self._grid = None
        live = self._current_grid()
        if live.gid != seen.gid:
            log.info("worksheet %r is now gid %s (was %s)", live.title, live.gid, seen.gid)
        return live

    def _current_grid(self) -> Grid:
        if self._grid is None:
            book = self._metadata.get(self.key)
            if book is None:
                book = self._fetch_book()
                self._metadata.put(self.key, book)
            self._grid = choose(book, self.gid, self.worksheet)
        return self._grid

    def _fetch_book(self) -> Book:
        params: dict[str, Any] = {"includeGridData": "false", "fields": METADATA_FIELDS}
        raw = self._call(
            "metadata read",
            lambda: self._http.fetch_sheet_metadata(self.key, params=dict(params)),
        )
        return book_of(raw, self.key)

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


def _unknown_grid(exc: APIError) -> bool:
    return status_of(exc) == 400 and "No grid with id" in str(exc.error.get("message"))
