"""`sheetsync setup` on Google Sheets: requests per run, counted by the loopback server."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sheetsync.core.guides import SheetGuide, build_guide, guide_layout
from sheetsync.core.values import CellValue
from sheetsync.settings import ColumnHeaders, StatusHeaders
from sheetsync.sheets.google import GoogleSheet, MetadataCache
from sheetsync.sheets.google_guides import GoogleGuides

from .sheet_sync import new_session, synced_sheet
from .sheets_server import KEY, TITLE, LoopbackSheets


@dataclass(frozen=True)
class Run:
    name: str
    reads: int
    writes: int
    changes: int
    wall: float


def plan(rows: Sequence[Sequence[CellValue]]) -> SheetGuide:
    return build_guide(guide_layout(rows, ColumnHeaders(), StatusHeaders()), "hu")


def runs(server: LoopbackSheets, rows: int) -> list[Run]:
    """First run, second run, a dry run, --remove, over a synced sheet of `rows` clients;
    the worksheet's metadata cached, as a worker's file beside its state store holds it."""
    server.load(synced_sheet(rows))
    sheet = GoogleSheet(KEY, new_session(), MetadataCache(), worksheet=TITLE)
    server.redirect(sheet.http.session)
    sheet.current_grid()
    guides = GoogleGuides(sheet)
    out = []
    cases: list[tuple[str, dict[str, bool]]] = [
        ("first run", {}),
        ("second run", {}),
        ("dry run", {"dry_run": True}),
        ("--remove", {"remove": True}),
        ("--remove again", {"remove": True}),
    ]
    for name, kw in cases:
        server.reset_calls()
        started = time.perf_counter()
        outcome = guides.set_up(plan, **kw)
        wall = time.perf_counter() - started
        calls = server.calls()
        out.append(Run(name, calls["spreadsheets.get"], calls["spreadsheets.batchUpdate"],
                       len(outcome.changes), wall))  # fmt: skip
    return out
