"""A colleague editing mid-sync, on the loopback Sheets server: for each edit and each
moment it can land, the requests one sync sends and how many rows hold a status that
is not theirs afterwards (computed for another row, neither this pass's nor their own
previous one). sheetsync's real `GoogleSheet` backend over real HTTP, as in sheet_sync.
"""

from __future__ import annotations

import copy
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sheetsync.core.result import SyncResult
from sheetsync.run.sync import run_sync
from sheetsync.sheets.google import GoogleSheet, MetadataCache
from sheetsync.testing import FakeClock, InMemoryDomainChecker

from . import data
from .sheet_sync import NOW, SETTINGS, new_session, synced_sheet
from .sheets_server import EDITS, KEY, TITLE, LoopbackSheets

# Where the edit lands: just before the n-th request of a kind within the pass.
MOMENTS = {
    "before the read": ("values.batchGet", 1),
    "read → guard read": ("values.batchGet", 2),
    "guard read → write": ("values.batchUpdate", 1),
    "write → verify read": ("values.batchGet", 3),
}
REPAIRABLE = "guard read → write"  # the window no read before the write can close
METADATA = "spreadsheets.get"


@dataclass
class Run:
    edit: str
    moment: str
    requests: Counter[str]
    repaired: int
    left: int
    misdirected: int
    wall: float

    @property
    def sync_requests(self) -> int:
        """Requests of the sync itself; a metadata look after the grid changed size
        (rows added or deleted before the read) is counted apart."""
        return sum(n for kind, n in self.requests.items() if kind != METADATA)


def run(server: LoopbackSheets, rows: int, fraction: float) -> list[Run]:
    sheet = copy.deepcopy(synced_sheet(rows))
    data.edit(sheet, fraction)
    out = []
    for edit in EDITS:
        for moment, (kind, nth) in MOMENTS.items():
            server.load(sheet)
            backend = GoogleSheet(KEY, new_session(), MetadataCache(), worksheet=TITLE)
            server.redirect(backend._http.session)
            backend.read()  # a worker's steady state: the metadata is cached
            server.reset_calls()
            read = copy.deepcopy(sheet)
            if moment == "before the read":
                EDITS[edit](read)
            server.arm(kind, nth, edit)
            clock = FakeClock(NOW + timedelta(minutes=5))
            started = time.perf_counter()
            result = run_sync(backend, InMemoryDomainChecker(), SETTINGS, clock)
            wall = time.perf_counter() - started
            wrong = misdirected(read, server.cells(), result)
            outcome = result.outcome
            out.append(
                Run(edit, moment, server.calls(), outcome.rows_repaired, outcome.rows_left,
                    wrong, wall)
            )  # fmt: skip
    return out


def misdirected(read: list[list[Any]], after: list[list[Any]], result: SyncResult) -> int:
    """Rows of `after` whose status is neither the one this pass computed for them nor
    the one they had when read (`read`); rows are known by their client name (every
    client has one here), and a row without one must hold no status."""
    first = len(data.HEADERS)
    width = len(data.STATUS_HEADERS)

    def status(row: list[Any]) -> tuple[Any, ...]:
        cells = [*row, *[None] * (first + width)][first : first + width]
        return tuple(v or None for v in cells)

    stamp = result.texts.moment(result.started_at)
    mine: dict[Any, tuple[Any, ...]] = {}
    for number, cells in result.status.items():
        old = status(read[number - 1])
        new = tuple(v or None for v in cells.texts())
        mine[read[number - 1][0]] = (*new, stamp if new != old[:4] else old[4])
    had = {r[0]: status(r) for r in read[1:] if r}
    wrong = 0
    for row in after[1:]:
        there = status(row)
        if row and not row[0]:  # below the clients, or an inserted row: holds nothing
            wrong += any(there)
        elif row:
            wrong += there not in (mine.get(row[0]), had.get(row[0]))
    return wrong
