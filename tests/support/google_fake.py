"""A stateful fake of the Sheets API v4 endpoints sheetsync uses, served through `responses`.

Faithful to the real shapes: values come back with trailing empty cells and rows
omitted, a range with no values has no `values` key, ranges arrive URL-encoded and
are echoed clipped to the grid, errors are `{"error": {"code", "message", "status"}}`
and 5xx may be HTML pages. It counts every request, can fail chosen requests, and
can run a hook before the n-th request of a kind or of all (a colleague editing
mid-sync: inserting, deleting, sorting or dragging rows, re-creating the tab).
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import service_account

from benchmarks.sheets_rules import Guides, apply, sheet_entry
from sheetsync.retry import RetryPolicy
from sheetsync.sheets.a1 import cell_a1, range_bounds
from sheetsync.sheets.google import GoogleSheet, MetadataCache
from sheetsync.sheets.google_auth import SCOPES, GoogleCredentials, authorized_session
from tests.support.pacing import FakeTime

BASE = "https://sheets.googleapis.com/v4/spreadsheets"
TOKEN_URI = "https://oauth2.googleapis.com/token"
ACCESS_TOKEN = "fake-access-token"
ACCOUNT = "sheetsync@agency-project.iam.gserviceaccount.com"
KEY = "1FakeSpreadsheetKey_0123456789abcdefgh"

GET_META, BATCH_GET = "spreadsheets.get", "values.batchGet"
CELL_LIMIT = 50_000  # characters per cell, as the real API enforces
VALUES_UPDATE, STRUCTURE_UPDATE = "values.batchUpdate", "spreadsheets.batchUpdate"

HTML_502 = (
    "<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error 502 (Server Error)!!1"
    "</title><p><b>502.</b> <ins>That’s an error.</ins><p>The server encountered a temporary "
    "error and could not complete your request.<p>Please try again in 30 seconds.</html>"
)


@dataclass(frozen=True)
class Formula:
    """A cell the API parsed as a formula (only USER_ENTERED input makes these)."""

    text: str
    result: Any = "#ERROR!"


@dataclass(frozen=True)
class DateCell:
    """A date-formatted cell: a serial number shown as text."""

    serial: float
    shown: str


@dataclass
class FakeWorksheet:
    title: str
    gid: int
    cells: list[list[Any]]
    row_count: int = 1000
    col_count: int = 26
    guides: Guides = field(default_factory=Guides)  # rules and formats (`setup`)

    def get(self, row: int, col: int) -> Any:
        """1-based row, 0-based column."""
        if row > len(self.cells) or col >= len(self.cells[row - 1]):
            return None
        return self.cells[row - 1][col]

    def set(self, row: int, col: int, value: Any) -> None:
        while len(self.cells) < row:
            self.cells.append([])
        cells = self.cells[row - 1]
        cells.extend([None] * (col + 1 - len(cells)))
        cells[col] = value

    def insert_row(self, at: int, values: list[Any]) -> None:
        while len(self.cells) < at - 1:
            self.cells.append([])
        self.cells.insert(at - 1, list(values))
        self.row_count += 1

    def delete_row(self, at: int) -> None:
        if at <= len(self.cells):
            del self.cells[at - 1]
        self.row_count -= 1

    def sort_rows(
        self, key: Callable[[list[Any]], Any], *, first: int = 2, reverse: bool = False
    ) -> None:
        """Sort the rows from `first` down, like Data → Sort range below the header."""
        self.cells[first - 1 :] = sorted(self.cells[first - 1 :], key=key, reverse=reverse)

    def sort_by_column(self, col: int, *, first: int = 2, descending: bool = False) -> None:
        """Sort sheet A→Z or Z→A by a column, as Sheets does: blank cells last either way,
        text compared case-insensitively, rows otherwise in their order (a stable sort)."""
        rows = self.cells[first - 1 :]
        filled = [r for r in rows if _shown(r, col)]
        blank = [r for r in rows if not _shown(r, col)]
        filled.sort(key=lambda r: _shown(r, col).casefold(), reverse=descending)
        self.cells[first - 1 :] = filled + blank

    def move_row(self, source: int, target: int) -> None:
        """Drag row `source` so that it becomes row `target` (1-based)."""
        while len(self.cells) < max(source, target):
            self.cells.append([])
        self.cells.insert(target - 1, self.cells.pop(source - 1))

    def column(self, header: str, header_row: int = 1) -> int:
        return self.cells[header_row - 1].index(header)


@dataclass
class Failure:
    kind: str | None  # None: any request
    status: int = 500
    html: bool = False
    message: str = "Internal error encountered."
    headers: dict[str, str] = field(default_factory=dict)
    raise_: Exception | None = None
    times: int = 1


class FakeSheetsApi:
    def __init__(self, key: str = KEY, title: str = "Ügyféladatok") -> None:
        self.key = key
        self.title = title
        self.worksheets: list[FakeWorksheet] = []
        self.calls: list[str] = []
        self.token_requests = 0
        self.requests: list[requests.PreparedRequest] = []
        self.failures: list[Failure] = []
        self.hooks: dict[tuple[str, int], Callable[[FakeSheetsApi], None]] = {}
        self.shared = True  # False: the service account has no access (403)
        self.sheets_api_enabled = True
        self.token_error: str | None = None  # e.g. "invalid_grant": the token endpoint refuses

    # -- arranging --------------------------------------------------------------------

    def add_worksheet(
        self, title: str, rows: list[list[Any]], *, gid: int | None = None, cols: int = 26
    ) -> FakeWorksheet:
        gid = (
            gid if gid is not None else (0 if not self.worksheets else 1000 + len(self.worksheets))
        )
        sheet = FakeWorksheet(
            title, gid, [list(r) for r in rows], max(1000, len(rows) + 100), max(cols, 1)
        )
        self.worksheets.append(sheet)
        return sheet

    @property
    def sheet(self) -> FakeWorksheet:
        return self.worksheets[0]

    def recreate_worksheet(self, title: str, gid: int) -> FakeWorksheet:
        """Delete the tab titled `title` and create one under the same title (a new gid,
        the default grid) holding the same cells: a colleague rebuilding the tab."""
        old = next(s for s in self.worksheets if s.title == title)
        new = FakeWorksheet(title, gid, [list(r) for r in old.cells])
        self.worksheets[self.worksheets.index(old)] = new
        return new

    def fail(self, kind: str | None, status: int = 500, *, times: int = 1, **kw: Any) -> None:
        self.failures.append(Failure(kind, status, times=times, **kw))

    def before(self, kind: str, nth: int, hook: Callable[[FakeSheetsApi], None]) -> None:
        """Run `hook` just before the `nth` (1-based) request of `kind` is served
        (kind "*": the `nth` request of any kind)."""
        self.hooks[(kind, nth)] = hook

    def count(self, kind: str | None = None) -> int:
        return len(self.calls) if kind is None else self.calls.count(kind)

    def counts(self) -> Counter[str]:
        return Counter(self.calls)

    def reset_counts(self) -> None:
        self.calls.clear()
        self.requests.clear()

    def install(self, rsps: responses.RequestsMock) -> None:
        pattern = re.compile(re.escape(BASE) + r"/.*")
        for method in ("GET", "POST", "PUT"):
            rsps.add_callback(method, pattern, callback=self._serve)
        rsps.add_callback("POST", TOKEN_URI, callback=self._token)

    # -- serving ----------------------------------------------------------------------

    def _token(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.token_requests += 1
        if self.token_error:
            refusal = {"error": self.token_error, "error_description": "Invalid JWT Signature."}
            return 400, {"Content-Type": "application/json"}, json.dumps(refusal)
        body = {"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def _serve(self, request: requests.PreparedRequest) -> Any:
        url = urlsplit(str(request.url))
        path = url.path.removeprefix("/v4/spreadsheets/")
        key, _, rest = path.partition("/")
        kind = self._kind(str(request.method), key, rest)
        key = key.removesuffix(":batchUpdate")
        self.calls.append(kind)
        self.requests.append(request)
        for hook_key in ((kind, self.calls.count(kind)), ("*", len(self.calls))):
            hook = self.hooks.pop(hook_key, None)
            if hook:
                hook(self)
        if request.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            return _error(
                401,
                "Request is missing required authentication credential.",
                "UNAUTHENTICATED",
            )
        if key != self.key:
            return _error(404, "Requested entity was not found.", "NOT_FOUND")
        if not self.sheets_api_enabled:
            return _error(
                403,
                "Google Sheets API has not been used in project 123456789 before or it is "
                "disabled. Enable it by visiting https://console.developers.google.com/apis/"
                "api/sheets.googleapis.com/overview?project=123456789 then retry.",
                "PERMISSION_DENIED",
            )
        if not self.shared:
            return _error(403, "The caller does not have permission", "PERMISSION_DENIED")
        failure = self._take_failure(kind)
        if failure is not None:
            return failure
        query = parse_qs(url.query)
        body = json.loads(request.body) if request.body else {}
        try:
            if kind == GET_META and query.get("includeGridData") == ["true"]:
                return _ok(self._grid_data(query))
            if kind == GET_META:
                return _ok(self._metadata())
            if kind == BATCH_GET:
                return _ok(self._batch_get(query))
            if kind == VALUES_UPDATE:
                return _ok(self._values_update(body))
            if kind == STRUCTURE_UPDATE:
                return _ok(self._structure_update(body))
        except _BadRequest as exc:
            return _error(400, str(exc), "INVALID_ARGUMENT")
        return _error(404, f"Method not found: {request.method} {url.path}", "NOT_FOUND")

    def _kind(self, method: str, key: str, rest: str) -> str:
        if method == "GET" and not rest:
            return GET_META
        if method == "GET" and rest == "values:batchGet":
            return BATCH_GET
        if method == "POST" and rest == "values:batchUpdate":
            return VALUES_UPDATE
        if method == "POST" and key.endswith(":batchUpdate"):
            return STRUCTURE_UPDATE
        return f"{method} {rest}"

    def _take_failure(self, kind: str) -> Any:
        for failure in self.failures:
            if failure.kind in (None, kind) and failure.times > 0:
                failure.times -= 1
                if failure.raise_ is not None:
                    return failure.raise_
                if failure.html:
                    return failure.status, {"Content-Type": "text/html; charset=UTF-8"}, HTML_502
                status = {429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}.get(failure.status)
                code, headers, text = _error(failure.status, failure.message, status or "INTERNAL")
                return code, {**headers, **failure.headers}, text
        return None

    def _metadata(self) -> dict[str, Any]:
        return {
            "spreadsheetId": self.key,
            "properties": {"title": self.title, "locale": "hu_HU", "timeZone": "Europe/Budapest"},
            "sheets": [
                {
                    "properties": {
                        "sheetId": s.gid,
                        "title": s.title,
                        "index": i,
                        "sheetType": "GRID",
                        "gridProperties": {"rowCount": s.row_count, "columnCount": s.col_count},
                    }
                }
                for i, s in enumerate(self.worksheets)
            ],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.key}/edit",
        }

    def _batch_get(self, query: dict[str, list[str]]) -> dict[str, Any]:
        major = query.get("majorDimension", ["ROWS"])[0]
        render = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        dates = query.get("dateTimeRenderOption", ["SERIAL_NUMBER"])[0]
        out = []
        for a1 in query.get("ranges", []):
            sheet, (r1, c1, r2, c2) = self._locate(a1)
            grid = [  # rows below the last one with cells are empty: left out anyway
                [_render(sheet.get(r, c), render, dates) for c in range(c1, c2 + 1)]
                for r in range(r1, min(r2, len(sheet.cells)) + 1)
            ]
            if major == "COLUMNS":
                grid = [list(col) for col in zip(*grid, strict=True)]
            values = _trim(grid)
            echoed = f"{_quoted(sheet.title)}!{cell_a1(r1, c1)}:{cell_a1(r2, c2)}"
            entry: dict[str, Any] = {"range": echoed, "majorDimension": major}
            if values:
                entry["values"] = values
            out.append(entry)
        return {"spreadsheetId": self.key, "valueRanges": out}

    def _values_update(self, body: dict[str, Any]) -> dict[str, Any]:
        option = body.get("valueInputOption")
        if option not in ("RAW", "USER_ENTERED"):
            raise _BadRequest("'valueInputOption' is required but not specified")
        planned = []
        for data in body.get("data", []):  # validate all first: the batch is atomic
            sheet, (r1, c1, r2, c2) = self._locate(data["range"], writing=True)
            values = data.get("values", [])
            for i, row in enumerate(values):
                if any(isinstance(v, str) and len(v) > CELL_LIMIT for v in row):
                    raise _BadRequest(
                        f"Your input contains more than the maximum of {CELL_LIMIT} characters "
                        "in a single cell."
                    )
                if r1 + i > r2 or c1 + len(row) - 1 > c2:
                    raise _BadRequest(
                        f"Requested writing within range [{data['range']}], but tried writing "
                        "beyond it"
                    )
            planned.append((sheet, r1, c1, values))
        cells = 0
        for sheet, r1, c1, values in planned:
            for i, row in enumerate(values):
                for j, value in enumerate(row):
                    sheet.set(r1 + i, c1 + j, _entered(value, option))
                    cells += 1
        return {
            "spreadsheetId": self.key,
            "totalUpdatedRows": sum(len(v) for *_, v in planned),
            "totalUpdatedCells": cells,
            "totalUpdatedSheets": len({id(s) for s, *_ in planned}),
        }

    def _grid_data(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """`spreadsheets.get` with grid data of whole-row ranges of one worksheet."""
        titles, spans = set(), []
        for a1 in query.get("ranges", []):
            title, cells = _split_range(a1)
            first, _, last = cells.partition(":")
            titles.add(title)
            spans.append((int(first), int(last or first)))
        sheet = next((s for s in self.worksheets if s.title in titles), None)
        if sheet is None or len(titles) != 1:
            raise _BadRequest(f"Unable to parse range: {query.get('ranges')}")
        return {"sheets": [sheet_entry(sheet, sheet.guides, spans)]}

    def _structure_update(self, body: dict[str, Any]) -> dict[str, Any]:
        replies: list[dict[str, Any]] = []
        requests = body.get("requests", [])
        if requests and "appendDimension" not in requests[0]:
            sheet = self.sheet
            saved = copy.deepcopy(sheet.guides)
            try:  # all or nothing, as the API
                replies = [apply(sheet, sheet.guides, r) for r in requests]
            except (ValueError, KeyError, IndexError, StopIteration) as exc:
                sheet.guides = saved
                raise _BadRequest(f"Invalid request: {exc}") from None
            return {"spreadsheetId": self.key, "replies": replies}
        for request in requests:
            if set(request) != {"appendDimension"}:
                raise _BadRequest(f"the fake does not implement {sorted(request)}")
            spec = request["appendDimension"]
            sheet = next((s for s in self.worksheets if s.gid == spec["sheetId"]), None)
            if sheet is None:
                raise _BadRequest(
                    f"Invalid requests[{len(replies)}].appendDimension: "
                    f"No grid with id: {spec['sheetId']}"
                )
            if spec["dimension"] == "COLUMNS":
                sheet.col_count += int(spec["length"])
            else:
                sheet.row_count += int(spec["length"])
            replies.append({})
        return {"spreadsheetId": self.key, "replies": replies}

    def _locate(self, a1: str, writing: bool = False) -> tuple[FakeWorksheet, tuple[int, ...]]:
        title, cells = _split_range(a1)
        sheet = next((s for s in self.worksheets if s.title == title), None)
        if sheet is None:
            raise _BadRequest(f"Unable to parse range: {a1}")
        r1, c1, r2, c2 = _bounds(cells, sheet, a1)
        if r2 > sheet.row_count or c2 >= sheet.col_count:
            raise _BadRequest(
                f"Range ({a1}) exceeds grid limits. Max rows: {sheet.row_count}, "
                f"max columns: {sheet.col_count}"
            )
        return sheet, (r1, c1, r2, c2)


class _BadRequest(Exception):
    pass


def _ok(body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
    return 200, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(body)


def _error(code: int, message: str, status: str) -> tuple[int, dict[str, str], str]:
    body = {"error": {"code": code, "message": message, "status": status}}
    return code, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(body)


def _split_range(a1: str) -> tuple[str, str]:
    if a1.startswith("'"):
        end = 1
        while True:
            end = a1.index("'", end)
            if a1[end + 1 : end + 2] == "'":
                end += 2
                continue
            break
        title, rest = a1[1:end].replace("''", "'"), a1[end + 1 :]
    else:
        title, _, rest = a1.partition("!")
        rest = "!" + rest if rest else ""
    if rest and not rest.startswith("!"):
        raise _BadRequest(f"Unable to parse range: {a1}")
    return title, rest[1:]


def _bounds(cells: str, sheet: FakeWorksheet, a1: str) -> tuple[int, int, int, int]:
    """1-based rows and 0-based columns, inclusive; open ends reach the grid's edge."""
    try:
        return range_bounds(cells, sheet.row_count, sheet.col_count)
    except ValueError:
        raise _BadRequest(f"Unable to parse range: {a1}") from None


def _quoted(title: str) -> str:
    return title if re.fullmatch(r"[A-Za-z0-9_]+", title) else "'" + title.replace("'", "''") + "'"


def _render(value: Any, render: str, dates: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value.text if render == "FORMULA" else _render(value.result, render, dates)
    if isinstance(value, DateCell):
        if render == "FORMATTED_VALUE" or dates == "FORMATTED_STRING":
            return value.shown
        return value.serial
    if render == "FORMATTED_VALUE":
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        return str(value)
    return value


def _shown(row: list[Any], col: int) -> str:
    value = row[col] if col < len(row) else None
    return "" if value is None else str(value).strip()


def _trim(grid: list[list[Any]]) -> list[list[Any]]:
    out = []
    for row in grid:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def _entered(value: Any, option: str) -> Any:
    if value == "" or value is None:
        return None
    if option == "RAW" or not isinstance(value, str):
        return value
    if value.startswith("="):
        return Formula(value)
    if value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE"
    if re.fullmatch(r"-?\d+", value):
        return int(value)  # what USER_ENTERED does to "0036…": the leading zeros are gone
    return value


# -- credentials and fixtures ---------------------------------------------------------


@cache
def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


PRIVATE_KEY_CANARY = "-----BEGIN PRIVATE KEY-----"


def key_info(email: str = ACCOUNT) -> dict[str, str]:
    """A throwaway service-account key (generated once per test run)."""
    return {
        "type": "service_account",
        "project_id": "agency-project",
        "private_key_id": "0123456789abcdef",
        "private_key": _private_key_pem(),
        "client_email": email,
        "client_id": "100000000000000000001",
        "token_uri": TOKEN_URI,
    }


def write_key_file(path: Path, **overrides: Any) -> Path:
    path.write_text(json.dumps({**key_info(), **overrides}), encoding="utf-8")
    return path


@cache
def _parsed_credentials() -> service_account.Credentials:
    return service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        key_info(), scopes=list(SCOPES)
    )


def credentials() -> service_account.Credentials:
    """Fresh credentials (no token yet) for the throwaway key. Parsing a PEM key costs
    about 0.1 s (OpenSSL checks it), so it is parsed once and each copy shares it."""
    fresh: service_account.Credentials = _parsed_credentials().with_scopes(list(SCOPES))
    return fresh


def google_sheet(
    api: FakeSheetsApi,
    time: FakeTime | None = None,
    policy: RetryPolicy = RetryPolicy(max_attempts=4, max_total=60.0),  # noqa: B008
    **kw: Any,
) -> GoogleSheet:
    return GoogleSheet(
        kw.pop("key", api.key),
        authorized_session(GoogleCredentials(credentials(), ACCOUNT, "test key"), 30.0),
        kw.pop("metadata", MetadataCache()),
        account=ACCOUNT,
        retry=policy,
        pacer=(time or FakeTime()).pacer(),
        **kw,
    )


@pytest.fixture
def api() -> Iterator[FakeSheetsApi]:
    fake = FakeSheetsApi()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        yield fake
