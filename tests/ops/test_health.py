"""Health: the rules (pure), `sheetsync status` from the state store, and /healthz and
/metrics served over loopback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from click.testing import CliRunner

from sheetsync.cli.main import cli
from sheetsync.ops.health import Health, assess
from sheetsync.ops.metrics import Metrics
from sheetsync.ops.server import OpsServer
from sheetsync.run.serve import window_opened
from sheetsync.settings import HealthSettings, ScheduleSettings
from sheetsync.state.port import RunRecord
from sheetsync.state.sqlite import SqliteStateStore
from tests.support.worker_fixtures import HEADERS, client

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LIMITS = HealthSettings(max_sync_age_minutes=30, max_failed_syncs=3)


def run(minutes_ago: float, outcome: str = "ok") -> RunRecord:
    finished = NOW - timedelta(minutes=minutes_ago)
    error = ("SheetAccessError", "the sheet is not shared with the service account")
    return RunRecord(
        finished - timedelta(seconds=2),
        finished,
        outcome,
        rows=3,
        cells_written=1,
        error_class=error[0] if outcome == "failed" else None,
        error_message=error[1] if outcome == "failed" else WAITS if outcome == "deferred" else None,
    )


WAITS = "the workbook is open in Excel (Nagy Béla): the write waits for it to be closed"


@pytest.mark.parametrize(
    ("runs", "healthy", "reason"),
    [
        ([run(5)], True, None),
        ([run(5, "failed"), run(10, "failed"), run(15)], True, None),
        ([run(5, "failed"), run(10, "failed"), run(15, "failed"), run(20)], False, "last 3 syncs"),
        ([run(45)], False, "45 min since the last successful sync"),
        ([run(5, "failed"), run(40)], False, "40 min since the last successful sync"),
        ([], False, "no successful sync recorded yet"),
        ([run(5, "deferred"), run(10, "deferred"), run(20)], True, None),
        (
            [run(5, "deferred"), run(10, "deferred"), run(45)],
            False,
            f"45 min since the last successful sync (limit 30 min; [health] "
            f"max_sync_age_minutes); the last 2 syncs could not write (latest: {WAITS})",
        ),
        ([run(5, "deferred")], False, "no successful sync recorded yet; the last sync could"),
    ],
)
def test_health_rules(runs: list[RunRecord], healthy: bool, reason: str | None) -> None:
    health = assess(runs, NOW, LIMITS)
    assert health.healthy is healthy
    if reason:
        assert any(reason in r for r in health.reasons), health.reasons


def test_a_fresh_worker_is_healthy_until_the_age_limit_passes_without_a_success() -> None:
    started = NOW - timedelta(minutes=10)
    assert assess([], NOW, LIMITS, up_since=started).healthy
    late = assess([], NOW + timedelta(minutes=25), LIMITS, up_since=started)
    assert not late.healthy and "since start" in late.reasons[0]


def test_a_pass_running_past_its_deadline_is_stuck_and_unhealthy() -> None:
    limits = HealthSettings(max_sync_age_minutes=30, max_pass_minutes=10)
    assert assess([run(1)], NOW, limits, running_since=NOW - timedelta(minutes=9)).healthy
    stuck = assess([run(1)], NOW, limits, running_since=NOW - timedelta(minutes=11))
    assert not stuck.healthy
    assert stuck.reasons == (
        "a sync pass has been running for 11 min (limit 10 min; [health] max_pass_minutes): "
        "it is stuck",
    )


def test_outside_office_hours_only_failures_count() -> None:
    assert assess([run(600)], NOW, LIMITS, judge_age=False).healthy
    failing = [run(600, "failed")] * 3
    assert not assess(failing, NOW, LIMITS, judge_age=False).healthy


def test_the_first_minutes_of_office_hours_are_healthy_after_the_nights_pause() -> None:
    yesterday = [run(14 * 60)]  # the last sync ran at 20:00 yesterday
    opened = NOW - timedelta(minutes=10)
    assert assess(yesterday, NOW, LIMITS, window_opened=opened).healthy
    late = assess(yesterday, NOW + timedelta(minutes=25), LIMITS, window_opened=opened)
    assert not late.healthy and "since office hours began" in late.reasons[0]
    # A success inside the window counts from itself, not from the opening.
    assert not assess([run(40)], NOW, LIMITS, window_opened=NOW - timedelta(hours=2)).healthy


def test_the_office_window_opens_at_its_start_on_office_days_only() -> None:
    budapest = ZoneInfo("Europe/Budapest")
    opened = window_opened(ScheduleSettings(office_hours="08:00-18:00"), budapest)
    monday = datetime(2026, 3, 2, 9, 30, tzinfo=budapest)
    assert opened(monday) == datetime(2026, 3, 2, 8, 0, tzinfo=budapest)
    assert opened(monday.replace(hour=7)) is None
    assert opened(monday.replace(hour=18)) is None
    assert opened(monday + timedelta(days=5)) is None  # Saturday
    assert window_opened(ScheduleSettings(), budapest)(monday) is None  # no window: no pause


def test_the_failure_reason_names_the_latest_error() -> None:
    health = assess([run(1, "failed")] * 3, NOW, LIMITS)
    assert health.failed_streak == 3
    assert "SheetAccessError: the sheet is not shared" in health.reasons[0]
    assert health.to_json()["last_run"]["outcome"] == "failed"


# -- sheetsync status ---------------------------------------------------------------------

CONFIG = """
[sheet]
path = "ugyfelek.xlsx"
[domains]
checker = "offline"
[state]
path = "var/state.sqlite"
[slack]
digest_time = ""
[health]
max_failed_syncs = 2
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    sheet.append(client("Kovacs Pekseg"))
    book.save(tmp_path / "ugyfelek.xlsx")
    path = tmp_path / "sheetsync.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_status_before_any_sync_is_unhealthy(config: Path) -> None:
    result = CliRunner().invoke(cli, ["status", "--config", str(config)])
    assert result.exit_code == 1
    assert "no successful sync recorded yet" in result.output
    assert not (config.parent / "var").exists(), "status must not create the state store"


def test_status_after_a_sync_is_healthy_and_says_the_same_in_json(config: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["sync", "--config", str(config)]).exit_code == 0
    table = runner.invoke(cli, ["status", "--config", str(config)])
    assert table.exit_code == 0, table.output
    assert "healthy" in table.output and "recent syncs" in table.output
    report = runner.invoke(cli, ["status", "--config", str(config), "--format", "json"])
    assert report.exit_code == 0
    data = json.loads(report.stdout)
    assert data["healthy"] is True and data["failed_streak"] == 0
    # domain checks are off in this config: the pass completed, degraded (rules.md)
    assert data["last_run"]["outcome"] == "degraded" and data["last_run"]["rows"] == 1
    assert data["degraded"] is True and "checks are off" in data["last_run"]["error_message"]


def test_status_is_unhealthy_after_the_configured_failures_in_a_row(config: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["sync", "--config", str(config)]).exit_code == 0
    (config.parent / "ugyfelek.xlsx").write_bytes(b"not a workbook")
    for _ in range(2):
        assert runner.invoke(cli, ["sync", "--config", str(config)]).exit_code == 1
    result = runner.invoke(cli, ["status", "--config", str(config), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["failed_streak"] == 2 and "the last 2 syncs failed" in data["reasons"][0]
    assert data["last_success"] is not None


def test_a_workbook_kept_open_defers_every_pass_and_status_says_so(config: Path) -> None:
    """A stale Excel lock file (its owner's machine crashed) deferred every write while
    `status` stayed healthy. Now each such pass is recorded as `deferred` with the
    reason, and past the age limit the worker is unhealthy and says why."""
    runner = CliRunner()
    assert runner.invoke(cli, ["sync", "--config", str(config)]).exit_code == 0
    book = openpyxl.load_workbook(config.parent / "ugyfelek.xlsx")
    book.active.append(client("Uj Ugyfel Kft"))  # type: ignore[union-attr]
    book.save(config.parent / "ugyfelek.xlsx")
    user = b"Nagy Bela"
    (config.parent / "~$ugyfelek.xlsx").write_bytes((bytes([len(user)]) + user).ljust(165, b" "))
    assert runner.invoke(cli, ["sync", "--config", str(config)]).exit_code == 0
    report = runner.invoke(cli, ["status", "--config", str(config), "--format", "json"])
    data = json.loads(report.stdout)
    assert data["last_run"]["outcome"] == "deferred"
    assert "Nagy Bela" in data["last_run"]["error_message"]
    later = runner.invoke(
        cli,
        ["status", "--config", str(config), "--format", "json"],
        env={"SHEETSYNC_HEALTH__MAX_SYNC_AGE_MINUTES": "0.0001"},
    )
    assert later.exit_code == 1
    reason = json.loads(later.stdout)["reasons"][0]
    assert "the last sync could not write" in reason and "Nagy Bela" in reason


# -- /healthz and /metrics over loopback ---------------------------------------------------


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_healthz_answers_200_then_503_as_health_changes_and_metrics_are_served() -> None:
    state: dict[str, Health] = {"now": assess([run(1)], NOW, LIMITS)}
    metrics = Metrics()
    metrics.cells_written.inc(7)
    with OpsServer("127.0.0.1", 0, lambda: state["now"], metrics) as ops:
        base = f"http://127.0.0.1:{ops.port}"
        status, kind, body = get(base + "/healthz")
        assert status == 200 and kind == "application/json"
        assert json.loads(body)["healthy"] is True
        state["now"] = assess([run(1, "failed")] * 3, NOW, LIMITS)
        status, _, body = get(base + "/healthz")
        assert status == 503 and "last 3 syncs failed" in json.loads(body)["reasons"][0]
        status, kind, body = get(base + "/metrics")
        assert status == 200 and kind.startswith("text/plain")
        assert b"sheetsync_cells_written_total 7.0" in body
        assert get(base + "/nothing")[0] == 404


def test_healthz_is_503_when_the_health_cannot_be_read(tmp_path: Path) -> None:
    def broken() -> Health:
        raise OSError("state store gone")

    with OpsServer("127.0.0.1", 0, broken, Metrics()) as ops:
        status, _, body = get(f"http://127.0.0.1:{ops.port}/healthz")
    assert status == 503 and json.loads(body)["reasons"] == ["health could not be read (OSError)"]


def test_the_server_stops_cleanly_and_its_port_is_free_again() -> None:
    ops = OpsServer("127.0.0.1", 0, lambda: assess([run(1)], NOW, LIMITS), Metrics()).start()
    port = ops.port
    ops.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
    again = OpsServer("127.0.0.1", port, lambda: assess([run(1)], NOW, LIMITS), Metrics())
    with again:
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200


def test_a_port_in_use_is_one_clear_error() -> None:
    from sheetsync.errors import SheetsyncError

    with OpsServer("127.0.0.1", 0, lambda: assess([], NOW, LIMITS), Metrics()) as first:
        second = OpsServer("127.0.0.1", first.port, lambda: assess([], NOW, LIMITS), Metrics())
        with pytest.raises(SheetsyncError, match=r"cannot listen on 127\.0\.0\.1"):
            second.start()


def test_the_state_store_runs_feed_the_health(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.sqlite")
    from sheetsync.core.memory import WorkerState

    store.save(WorkerState(), run(50))
    store.save(WorkerState(), run(2, "failed"))
    health = assess(store.runs(10), NOW, LIMITS)
    assert health.failed_streak == 1
    assert health.last_success == NOW - timedelta(minutes=50)
    assert not health.healthy


def test_status_prints_the_reason_verbatim_even_with_brackets(config: Path) -> None:
    from sheetsync.core.memory import WorkerState

    store = SqliteStateStore(config.parent / "var" / "state.sqlite")
    old = datetime.now(UTC) - timedelta(hours=3)
    store.save(WorkerState(), RunRecord(old, old, "ok", rows=1))
    result = CliRunner().invoke(cli, ["status", "--config", str(config)])
    assert result.exit_code == 1
    assert "UNHEALTHY" in result.output and "[health] max_sync_age_minutes" in result.output
