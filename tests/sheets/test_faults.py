"""Faults at each step of a Google Sheets sync, through the whole worker pass.

Each step (metadata, read, guard read, column append, write) is hit by 429, 5xx,
HTML error pages, timeouts and connection resets. A fault that persists makes the
pass fail with one actionable line, writes nothing, and the next pass does the
whole job; a fault that passes is retried within the same pass. The read that
verifies the write comes after it: a fault there leaves the pass standing and its
rows unconfirmed. No test sleeps: the retry pacer runs on a fake clock.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from apscheduler.triggers.interval import IntervalTrigger

from sheetsync.cli.main import main
from sheetsync.errors import TransientSheetError
from sheetsync.retry import RetryPolicy
from sheetsync.run.serve import Server
from sheetsync.run.worker import PassOutcome, Worker
from sheetsync.state.sqlite import SqliteStateStore
from sheetsync.testing import FakeClock, InMemoryDomainChecker, InMemoryStateStore
from tests.support.google_fake import (
    BATCH_GET,
    GET_META,
    KEY,
    STRUCTURE_UPDATE,
    VALUES_UPDATE,
    FakeSheetsApi,
    api,
    google_sheet,
    write_key_file,
)
from tests.support.pacing import FakeTime
from tests.support.worker_fixtures import HEADERS, MONDAY_9, client, settings

pytestmark = pytest.mark.slow  # a property or fault suite: `make quick` leaves it out

__all__ = ["api"]

ROWS = [
    HEADERS,
    client("Alfa Pékség", payment_method="bankkártya"),
    client("Béta Virág"),
    [],
    client("Gamma Autó", managing_account="nem"),
]
DATA_ROWS = (2, 3, 5)

# step -> (request kind, which request of that kind)
STEPS = {
    "metadata read": (GET_META, 1),
    "read": (BATCH_GET, 1),
    "guard read": (BATCH_GET, 2),
    "column append": (STRUCTURE_UPDATE, 1),
    "write": (VALUES_UPDATE, 1),
}
FAULTS: dict[str, dict[str, Any]] = {
    "429": {"status": 429, "message": "Quota exceeded for quota metric 'Write requests'"},
    "500": {"status": 500},
    "502 html page": {"status": 502, "html": True},
    "503": {"status": 503, "message": "The service is currently unavailable."},
    "timeout": {"raise_": requests.exceptions.ReadTimeout("Read timed out. (read timeout=30)")},
    "connection reset": {
        "raise_": requests.exceptions.ConnectionError(
            "('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))"
        )
    },
}


class Pass:
    """A worker over the Sheets fake; each `run()` is a new pass of the same worker."""

    def __init__(self, api: FakeSheetsApi) -> None:
        self.api = api
        self.time = FakeTime()
        self.store = InMemoryStateStore()
        self.clock = FakeClock(MONDAY_9)
        policy = RetryPolicy(max_attempts=3, max_total=60)
        self.worker = Worker(
            google_sheet(api, self.time, policy),
            InMemoryDomainChecker(),
            settings(),
            self.clock,
            self.store,
            None,
        )

    def run(self) -> PassOutcome:
        self.clock.advance(minutes=5)
        return self.worker.run_once()


@pytest.fixture
def sheet_api(api: FakeSheetsApi) -> FakeSheetsApi:
    api.add_worksheet("Ügyfelek", ROWS, cols=len(HEADERS))  # the status columns must be added
    return api


def fail_persistently(api: FakeSheetsApi, step: str, fault: dict[str, Any]) -> None:
    kind, nth = STEPS[step]
    api.before(kind, nth, lambda a: a.fail(kind, times=1000, **fault))


def status_cells(api: FakeSheetsApi) -> dict[int, Any]:
    header = api.sheet.cells[0]
    if "Állapot" not in header:
        return {}
    col = header.index("Állapot")
    return {row: api.sheet.get(row, col) for row in DATA_ROWS}


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
@pytest.mark.parametrize("step", STEPS, ids=list(STEPS))
def test_a_persisting_fault_fails_the_pass_cleanly_and_the_next_pass_does_the_work(
    sheet_api: FakeSheetsApi, step: str, fault: str
) -> None:
    rig = Pass(sheet_api)
    before = json.dumps(sheet_api.sheet.cells, default=str)
    columns_before = sheet_api.sheet.col_count
    fail_persistently(sheet_api, step, FAULTS[fault])

    failed = rig.run()

    assert isinstance(failed.error, TransientSheetError), failed.error
    message = str(failed.error)
    assert "\n" not in message and f"Google Sheets {step}" in message
    assert "next sync retries" in message
    assert json.dumps(sheet_api.sheet.cells, default=str) == before  # nothing written
    assert sheet_api.sheet.col_count == columns_before or step == "write"
    assert rig.store.runs[-1].outcome == "failed"
    assert rig.store.runs[-1].error_message == message
    assert len(rig.time.sleeps) == 2  # three attempts in all, on the fake clock

    sheet_api.failures.clear()
    recovered = rig.run()

    assert recovered.error is None and recovered.result is not None
    assert all(status_cells(sheet_api).values()), status_cells(sheet_api)
    sheet_api.reset_counts()
    assert rig.run().result.outcome.cells_written == 0  # type: ignore[union-attr]
    assert sheet_api.calls == [BATCH_GET]


@pytest.mark.parametrize("step", STEPS, ids=list(STEPS))
def test_a_passing_fault_is_retried_within_the_pass(sheet_api: FakeSheetsApi, step: str) -> None:
    rig = Pass(sheet_api)
    kind, nth = STEPS[step]
    sheet_api.before(kind, nth, lambda a: a.fail(kind, 429, headers={"Retry-After": "3"}))

    outcome = rig.run()

    assert outcome.error is None
    assert rig.time.sleeps == [3.0]
    assert all(status_cells(sheet_api).values())


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_a_persisting_fault_at_the_verify_read_leaves_the_pass_standing_and_says_so(
    sheet_api: FakeSheetsApi, fault: str
) -> None:
    rig = Pass(sheet_api)
    sheet_api.before(BATCH_GET, 3, lambda a: a.fail(BATCH_GET, times=1000, **FAULTS[fault]))

    outcome = rig.run()

    assert outcome.error is None and outcome.result is not None
    written = outcome.result.outcome
    assert written.rows_left == len(written.rows_written) == len(DATA_ROWS)
    assert written.note and "could not be verified" in written.note
    assert all(status_cells(sheet_api).values())  # written, only not confirmed
    assert rig.store.runs[-1].outcome == "ok"
    assert len(rig.time.sleeps) == 2  # three attempts, then the pass goes on

    sheet_api.failures.clear()
    sheet_api.reset_counts()
    assert rig.run().result.outcome.cells_written == 0  # type: ignore[union-attr]
    assert sheet_api.calls == [BATCH_GET]  # they were right: nothing left to do


def test_a_write_refused_after_the_guard_read_writes_nothing_and_loses_nothing(
    sheet_api: FakeSheetsApi,
) -> None:
    """The guard read succeeded (rows matched); the write itself is refused for good."""
    rig = Pass(sheet_api)
    sheet_api.before(
        VALUES_UPDATE, 1, lambda a: a.fail(VALUES_UPDATE, 400, message="Invalid values[1][0]")
    )
    failed = rig.run()
    assert failed.error is not None and "HTTP 400" in str(failed.error)
    assert sheet_api.count(BATCH_GET) == 2 and sheet_api.count(VALUES_UPDATE) == 1
    assert status_cells(sheet_api) == {}  # not even the headers: they go in the same request
    assert rig.store.saves == 1 and rig.store.state.rows == {}  # only the failure recorded

    recovered = rig.run()
    assert recovered.error is None
    assert all(status_cells(sheet_api).values())
    assert set(rig.store.state.rows) == {"alfa pékség", "béta virág", "gamma autó"}


def test_the_scheduled_worker_keeps_running_through_failing_passes(
    sheet_api: FakeSheetsApi,
) -> None:
    rig = Pass(sheet_api)
    sheet_api.fail(BATCH_GET, 503, times=6)  # two whole passes of three attempts
    outcomes: list[PassOutcome] = []
    zone = ZoneInfo("Europe/Budapest")
    server = Server(
        lambda: outcomes.append(rig.run()),
        IntervalTrigger(minutes=5, timezone=zone),
        tz=zone,
        clock=rig.clock,
    )
    for _ in range(3):
        server.tick()
    assert [o.error is None for o in outcomes] == [False, False, True]
    assert all(status_cells(sheet_api).values())


def test_the_cli_exits_1_with_one_line_when_the_sheet_stays_unreachable(
    sheet_api: FakeSheetsApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = write_key_file(tmp_path / "key.json")
    config = tmp_path / "sheetsync.toml"
    config.write_text(
        f'[sheet]\nbackend = "google"\nspreadsheet = "{KEY}"\ncredentials_file = "{key}"\n'
        "max_attempts = 1\n"  # no retry, so no real sleep
        '[domains]\nchecker = "offline"\n'
        f'[state]\npath = "{tmp_path / "state.sqlite"}"\n',
        encoding="utf-8",
    )
    sheet_api.fail(BATCH_GET, 503, times=1)
    before = json.dumps(sheet_api.sheet.cells, default=str)

    assert main(["sync", "--config", str(config)]) == 1

    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sheetsync: Google Sheets read of spreadsheet")
    assert json.dumps(sheet_api.sheet.cells, default=str) == before
    runs = SqliteStateStore(tmp_path / "state.sqlite").runs()
    assert [r.outcome for r in runs] == ["failed"]

    assert main(["sync", "--config", str(config)]) == 0
    assert all(status_cells(sheet_api).values())


def test_a_failed_pass_stays_failed_until_a_pass_succeeds_and_time_moves_on(
    sheet_api: FakeSheetsApi,
) -> None:
    """The failure is remembered with its start; recovery clears it."""
    rig = Pass(sheet_api)
    sheet_api.fail(GET_META, 500, times=3)
    rig.run()
    failure = rig.store.state.failure
    assert failure is not None and failure.error_class == "TransientSheetError"
    rig.clock.advance(hours=1)
    assert rig.run().error is None
    assert rig.store.state.failure is None or rig.store.state.failure.recovered_at is not None
    assert rig.clock() - failure.since >= timedelta(hours=1)
