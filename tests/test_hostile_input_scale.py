"""Hostile sheets at scale: a paste accident (thousands of copies of one client) and
cells as long as Google allows. Found by these tests: duplicate findings listed every
other copy (time and memory by the square of the copies: 5,000 copies took 42 s and
450 MB), and a status cell quoting a 50,000-character package was longer than Google
Sheets accepts, so the whole write was refused on every pass."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from sheetsync.core.model import Code
from sheetsync.core.plan import CELL_LIMIT
from sheetsync.run.sync import run_sync
from sheetsync.testing import FakeClock, InMemoryDomainChecker, InMemorySheet
from tests.support.google_fake import FakeSheetsApi, api, google_sheet
from tests.support.worker_fixtures import HEADERS, client, settings

pytestmark = pytest.mark.slow  # a property or fault suite: `make quick` leaves it out

__all__ = ["api"]
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_thousands_of_pasted_copies_sync_in_linear_time_with_short_findings() -> None:
    copies = 6000
    sheet = InMemorySheet([HEADERS, *[client("Kovács Pékség") for _ in range(copies)]])
    started = time.perf_counter()
    result = run_sync(sheet, InMemoryDomainChecker(), settings(), FakeClock(NOW))
    assert time.perf_counter() - started < 20  # was minutes, by the square of the copies
    duplicate = next(f for f in result.evaluations[0].findings if f.code == Code.DUPLICATE_CLIENT)
    assert duplicate.params["rows"] == f"3, 4, 5, 6, 7, 8, 9, 10, 11, 12 (+{copies - 11})"
    assert max(len(s.findings) for s in result.status.values()) < 1000


def test_a_status_quoting_a_huge_cell_stays_within_googles_cell_limit(
    api: FakeSheetsApi,
) -> None:
    package = "Prémium " + "x" * 49_990
    header = [*HEADERS, "Csomag megjegyzés"]
    api.add_worksheet("Ügyfelek", [header, client("Alfa", package=package)])
    result = run_sync(google_sheet(api), InMemoryDomainChecker(), settings(), FakeClock(NOW))
    findings = api.sheet.get(2, result.layout.status["findings"])
    assert isinstance(findings, str) and "Prémium xxx" in findings
    assert len(findings) < 1000
    assert all(len(text) <= CELL_LIMIT for s in result.status.values() for text in vars(s).values())
