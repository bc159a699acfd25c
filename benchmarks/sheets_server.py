"""A loopback Sheets API v4 server for the benchmarks, in its own process.

Real HTTP on 127.0.0.1 (HTTP/1.1 keep-alive, like Google), each API request held
for `latency` seconds before it is answered, so every contender pays the same
round trip. It runs in a child process so its CPU time and memory never count
against the client being measured. Response shapes follow tests/support/google_fake.py
(both parse ranges with `sheetsync.sheets.a1.range_bounds`):
values with trailing empty cells and rows omitted, ranges echoed, errors as
{"error": {...}}. Control endpoints under /_bench load a sheet, read counters and
arm a colleague's edit (`EDITS`) to land just before the n-th request of a kind.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from sheetsync.sheets.a1 import cell_a1, range_bounds

from .sheets_rules import Guides, apply, sheet_entry

GOOGLE = "https://sheets.googleapis.com"
KEY = "1BenchSpreadsheetKey_0123456789abcdefgh"
TITLE = "Ügyfelek"


def _shown(row: list[Any], col: int = 0) -> str:
    value = row[col] if col < len(row) else None
    return "" if value is None else str(value).strip()


def _sort(cells: list[list[Any]], descending: bool) -> int:
    """Data → Sort sheet by column A below the header, as Sheets does: blanks last."""
    filled = sorted((r for r in cells[1:] if _shown(r)), key=lambda r: _shown(r).casefold(),
                    reverse=descending)  # fmt: skip
    cells[1:] = filled + [r for r in cells[1:] if not _shown(r)]
    return 0


def _insert(cells: list[list[Any]]) -> int:
    cells.insert(2, [])  # Insert 1 row above row 3
    return 1


def _delete(cells: list[list[Any]]) -> int:
    del cells[3]  # Delete row 4
    return -1


def _drag(cells: list[list[Any]]) -> int:
    cells.insert(1, cells.pop())  # the last row dragged up to row 2
    return 0


# A colleague's edit of the cells; returns how many rows the grid gained.
EDITS: dict[str, Callable[[list[list[Any]]], int]] = {
    "insert a row above": _insert,
    "delete a row": _delete,
    "sort A to Z": lambda cells: _sort(cells, descending=False),
    "sort Z to A": lambda cells: _sort(cells, descending=True),
    "drag a row": _drag,
}


class SheetState:
    """One worksheet's cells (None for empty) and its grid size."""

    def __init__(self) -> None:
        self.cells: list[list[Any]] = []
        self.rows = 1000
        self.cols = 26
        self.calls: Counter[str] = Counter()
        self.armed: tuple[str, int, str] | None = None  # (kind, nth, edit)
        self.lock = threading.Lock()
        self.guides = Guides()  # rules and formats (`sheetsync setup`)
        self.gid, self.title = 0, TITLE

    @property
    def row_count(self) -> int:
        return self.rows

    @property
    def col_count(self) -> int:
        return self.cols

    def get(self, row: int, col: int) -> Any:
        """1-based row, 0-based column (the shape `sheets_rules` reads)."""
        cells = self.cells[row - 1] if row <= len(self.cells) else []
        return cells[col] if col < len(cells) else None

    def load(self, cells: list[list[Any]]) -> None:
        self.cells = [list(r) for r in cells]
        self.rows = max(1000, len(cells) + 100)
        self.cols = max(26, max((len(r) for r in cells), default=0))
        self.calls.clear()
        self.armed = None
        self.guides = Guides()

    def count(self, kind: str) -> None:
        """Count a request, and let an armed edit land just before it is served."""
        self.calls[kind] += 1
        if self.armed and self.armed[:2] == (kind, self.calls[kind]):
            self.rows += EDITS[self.armed[2]](self.cells)
            self.armed = None

    # -- API ---------------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        grid = {"rowCount": self.rows, "columnCount": self.cols}
        props = {"sheetId": 0, "title": TITLE, "index": 0, "sheetType": "GRID"}
        return {
            "spreadsheetId": KEY,
            "properties": {"title": "Ügyféladatok"},
            "sheets": [{"properties": {**props, "gridProperties": grid}}],
        }

    def values(self, a1: str) -> dict[str, Any]:
        r1, c1, r2, c2 = self._bounds(a1)
        out = []
        for r in range(r1, min(r2, len(self.cells)) + 1):
            row = self.cells[r - 1][c1 : c2 + 1]
            row = ["" if v is None else v for v in row]
            while row and row[-1] == "":
                row.pop()
            out.append(row)
        while out and not out[-1]:
            out.pop()
        echoed = f"'{TITLE}'!{cell_a1(r1, c1)}:{cell_a1(r2, c2)}"
        entry: dict[str, Any] = {"range": echoed, "majorDimension": "ROWS"}
        if out:
            entry["values"] = out
        return entry

    def write(self, a1: str, values: list[list[Any]]) -> int:
        r1, c1, _, _ = self._bounds(a1)
        cells = 0
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                self._set(r1 + i, c1 + j, None if value == "" else value)
                cells += 1
        return cells

    def _set(self, row: int, col: int, value: Any) -> None:
        while len(self.cells) < row:
            self.cells.append([])
        cells = self.cells[row - 1]
        cells.extend([None] * (col + 1 - len(cells)))
        cells[col] = value

    def _bounds(self, a1: str) -> tuple[int, int, int, int]:
        _, bang, cells = a1.rpartition("!")
        return range_bounds(cells if bang else "", self.rows, self.cols)


def make_handler(state: SheetState, latency: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Google's front end

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else {}
            if url.path.startswith("/_bench/"):
                self._reply(200, self._control(url.path, body))
                return
            time.sleep(latency)
            query = parse_qs(url.query)
            rest = url.path.removeprefix(f"/v4/spreadsheets/{KEY}")
            with state.lock:
                status, answer = self._api(method, rest, query, body)
            self._reply(status, answer)

        def _api(
            self, method: str, rest: str, query: dict[str, list[str]], body: dict[str, Any]
        ) -> tuple[int, Any]:
            if method == "GET" and rest == "" and query.get("includeGridData") == ["true"]:
                state.count("spreadsheets.get")
                spans = []
                for a1 in query.get("ranges", []):
                    first, _, last = a1.rpartition("!")[2].partition(":")
                    spans.append((int(first), int(last or first)))
                return 200, {"sheets": [sheet_entry(state, state.guides, spans)]}
            if method == "GET" and rest == "":
                state.count("spreadsheets.get")
                return 200, state.metadata()
            if method == "GET" and rest == "/values:batchGet":
                state.count("values.batchGet")
                ranges = [state.values(a1) for a1 in query.get("ranges", [])]
                return 200, {"spreadsheetId": KEY, "valueRanges": ranges}
            if method == "GET" and rest.startswith("/values/"):
                state.count("values.get")
                return 200, state.values(unquote(rest.removeprefix("/values/")))
            if method == "PUT" and rest.startswith("/values/"):
                state.count("values.update")
                a1 = unquote(rest.removeprefix("/values/"))
                cells = state.write(a1, body.get("values", []))
                return 200, {"spreadsheetId": KEY, "updatedRange": a1, "updatedCells": cells}
            if method == "POST" and rest == "/values:batchUpdate":
                state.count("values.batchUpdate")
                cells = sum(state.write(d["range"], d["values"]) for d in body.get("data", []))
                return 200, {"spreadsheetId": KEY, "totalUpdatedCells": cells}
            if method == "POST" and rest == ":batchUpdate":
                state.count("spreadsheets.batchUpdate")
                requests_ = body.get("requests", [])
                if requests_ and "appendDimension" not in requests_[0]:
                    replies = [apply(state, state.guides, r) for r in requests_]
                    return 200, {"spreadsheetId": KEY, "replies": replies}
                for request in body.get("requests", []):
                    spec = request.get("appendDimension", {})
                    if spec.get("dimension") == "COLUMNS":
                        state.cols += int(spec["length"])
                return 200, {"spreadsheetId": KEY, "replies": [{}]}
            error = {"code": 404, "message": f"not found: {method} {rest}", "status": "NOT_FOUND"}
            return 404, {"error": error}

        def _control(self, path: str, body: Any) -> Any:
            with state.lock:
                if path == "/_bench/load":
                    state.load(body)
                    return {}
                if path == "/_bench/calls":
                    return dict(state.calls)
                if path == "/_bench/reset":
                    state.calls.clear()
                    return {}
                if path == "/_bench/arm":
                    state.armed = (str(body["kind"]), int(body["nth"]), str(body["edit"]))
                    return {}
                if path == "/_bench/cells":
                    return state.cells
            return {"error": path}

        def _reply(self, status: int, answer: Any) -> None:
            data = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _serve(latency: float, port_out: Any) -> None:
    state = SheetState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state, latency))
    server.daemon_threads = True
    port_out.send(server.server_address[1])
    server.serve_forever(poll_interval=0.05)


class LoopbackSheets:
    """The server process; `session()` gives a requests session whose calls to
    sheets.googleapis.com go to it instead."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        ours, theirs = multiprocessing.Pipe()
        self._process = multiprocessing.Process(target=_serve, args=(latency, theirs), daemon=True)
        self._process.start()
        self.port = int(ours.recv())
        self.base = f"http://127.0.0.1:{self.port}"
        self._control = requests.Session()

    def close(self) -> None:
        self._process.terminate()
        self._process.join(5)

    def __enter__(self) -> LoopbackSheets:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, cells: list[list[Any]]) -> None:
        self._control.post(f"{self.base}/_bench/load", json=cells).raise_for_status()

    def calls(self) -> Counter[str]:
        return Counter(self._control.get(f"{self.base}/_bench/calls").json())

    def reset_calls(self) -> None:
        self._control.post(f"{self.base}/_bench/reset").raise_for_status()

    def arm(self, kind: str, nth: int, edit: str) -> None:
        """Apply `EDITS[edit]` just before the `nth` request of `kind` is served."""
        body: dict[str, Any] = {"kind": kind, "nth": nth, "edit": edit}
        self._control.post(f"{self.base}/_bench/arm", json=body).raise_for_status()

    def cells(self) -> list[list[Any]]:
        cells: list[list[Any]] = self._control.get(f"{self.base}/_bench/cells").json()
        return cells

    def redirect(self, session: requests.Session) -> requests.Session:
        """Send `session`'s requests for the Sheets API to this server."""
        session.mount(GOOGLE, _Redirect(GOOGLE, self.base))
        return session


class _Redirect(HTTPAdapter):
    def __init__(self, origin: str, target: str) -> None:
        super().__init__(pool_maxsize=4)
        self._origin = origin
        self._target = target

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        assert request.url is not None
        request.url = self._target + request.url.removeprefix(self._origin)
        return super().send(request, **kwargs)
