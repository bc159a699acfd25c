"""What an outside attack on office time, alerts and the pipeline found, through the
installed script as a process: absurd thresholds, an older state store read by
read-only commands, moments that do not exist."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sheetsync.state.schema import MIGRATIONS
from tests.cli.test_exit_codes import ENV, SCRIPT, folder, sheetsync
from tests.support.worker_fixtures import HEADERS, client

pytestmark = pytest.mark.slow  # processes started for real

# A transfer paid and invoiced, not live: both office-time thresholds are in play.
WAITING = client("Kovacs", payment_method="utalás", invoice_sent="2026.12.01", paid="2026.12.04")


def json_report(where: Path, at: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run(
        [str(SCRIPT), "sync", "--dry-run", "--format", "json", "--at", at],
        capture_output=True,
        text=True,
        cwd=where,
        env={**ENV, **(env or {})},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


HUGE = [
    ("THRESHOLDS__INVOICE_OVERDUE_DAYS", "1e9", "thresholds.invoice_overdue_days"),
    ("THRESHOLDS__INVOICE_OVERDUE_DAYS", "inf", "thresholds.invoice_overdue_days"),
    ("THRESHOLDS__CARD_PENDING_DAYS", "1e300", "thresholds.card_pending_days"),
    ("THRESHOLDS__BOOKING_OVERDUE_HOURS", "1e9", "thresholds.booking_overdue_hours"),
    ("THRESHOLDS__REGISTRATION_GRACE_HOURS", "nan", "thresholds.registration_grace_hours"),
    ("THRESHOLDS__CREDENTIAL_CHANGED_HOURS", "87601", "thresholds.credential_changed_hours"),
]


def test_a_huge_threshold_is_a_configuration_error_not_a_failing_pass(tmp_path: Path) -> None:
    where = folder(tmp_path, "huge", [HEADERS, WAITING])
    runs = [(["sync", "--dry-run"], {f"SHEETSYNC_{name}": value}) for name, value, _ in HUGE]
    with ThreadPoolExecutor(len(runs)) as pool:
        answers = list(pool.map(lambda run: sheetsync(*run[0], cwd=where, env=run[1]), runs))
    for (name, value, setting), (code, out) in zip(HUGE, answers, strict=True):
        assert code == 2, f"{name}={value}: exit {code}\n{out}"
        assert setting in out and "OverflowError" not in out, out


def test_the_longest_thresholds_allowed_run_a_pass(tmp_path: Path) -> None:
    where = folder(
        tmp_path,
        "longest",
        [HEADERS, WAITING, client("Far", payment_method="utalás", paid="9999-12-31")],
    )
    longest = {
        "SHEETSYNC_THRESHOLDS__INVOICE_OVERDUE_DAYS": "3650",
        "SHEETSYNC_THRESHOLDS__BOOKING_OVERDUE_HOURS": "87600",
        "SHEETSYNC_THRESHOLDS__BOOKING_OVERDUE_UNIT": "calendar",
        "SHEETSYNC_THRESHOLDS__REGISTRATION_GRACE_HOURS": "87600",
    }
    report = json_report(where, "2199-12-31 12:00", longest)
    assert [row["client"] for row in report["rows"]] == ["Kovacs", "Far"]
    found = {row["client"]: {f["code"] for f in row["findings"]} for row in report["rows"]}
    # Ten calendar years after the payment: overdue. Ten years of office days lie more
    # than ten calendar years ahead: never, in practice. A payment dated 9999: not yet.
    assert "transfer-booking-overdue" in found["Kovacs"]
    assert "invoice-overdue" not in found["Kovacs"]
    assert "transfer-booking-overdue" not in found["Far"]


def schema_one_store(path: Path, first_seen: str) -> None:
    """A store as the first migration left it (before the pipeline's history): Alfa's
    card unpaid since `first_seen`, and an ok run a minute ago."""
    finished = datetime.now(UTC) - timedelta(minutes=1)
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0] + ";PRAGMA user_version = 1;")
        db.execute("INSERT INTO client_rows VALUES ('alfa', 2, NULL)")
        db.execute("INSERT INTO first_seen VALUES ('alfa', 'card-unpaid', ?)", (first_seen,))
        db.execute(
            "INSERT INTO runs (started_at, finished_at, outcome, rows) VALUES (?, ?, 'ok', 1)",
            ((finished - timedelta(seconds=2)).isoformat(), finished.isoformat()),
        )
    db.close()


def test_read_only_commands_read_an_older_store_and_change_nothing(tmp_path: Path) -> None:
    # M2: `status` and a dry run read a schema-1 store through a migrated in-memory copy.
    where = folder(tmp_path, "older", [HEADERS, client("Alfa", payment_method="bankkártya")])
    schema_one_store(where / "state.sqlite", "2026-12-01T09:00:00+00:00")
    before = {p.name: p.read_bytes() for p in where.iterdir()}

    code, out = sheetsync("status", cwd=where)
    assert code == 0, out
    assert "no successful sync" not in out

    report = json_report(where, "2026-12-07 09:00")
    (alfa,) = report["rows"]
    assert "card-payment-pending" in {f["code"] for f in alfa["findings"]}, "first seen Dec 1"

    assert {p.name: p.read_bytes() for p in where.iterdir()} == before, "nothing written"
    with sqlite3.connect(where / "state.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.close()


def test_report_preview_is_the_digest_serve_sends_pipeline_included(tmp_path: Path) -> None:
    # M3: one digest builder for the worker and `sheetsync report`.
    rows = [HEADERS, client("Alfa"), client("Beta", payment_method="bankkártya", paid="igen")]
    where = folder(tmp_path, "preview", rows)
    code, out = sheetsync("sync", cwd=where)
    assert code == 0, out
    for args in (["report", "--preview"], ["report"]):  # no webhook: `report` prints it
        code, out = sheetsync(*args, cwd=where)
        assert code == 0, out
        assert "Hol tartanak az ügyfelek" in out, out  # the funnel
        assert "Az elmúlt 7 nap" in out and re.search(r"új ügyfél: \*?2\b", out)  # the week
        assert "Legrégebben várnak" in out  # who waits longest


def test_at_refuses_a_moment_that_never_was_and_names_the_one_used_twice(
    tmp_path: Path,
) -> None:
    where = folder(tmp_path, "clocks", [HEADERS, WAITING])
    runs = [
        ("2026-03-29 02:30", 2, "does not exist in Europe/Budapest: the clocks go forward"),
        ("2026-10-25 02:30", 0, "occurs twice in Europe/Budapest (the clocks go back): the "
         "first, 2026-10-25T02:30+02:00, is used"),
        ("1999-12-31 23:00", 2, "only the years 2000-2199"),
        ("2200-01-01T00:00:00+00:00", 2, "only the years 2000-2199"),
    ]  # fmt: skip
    with ThreadPoolExecutor(len(runs)) as pool:
        answers = list(
            pool.map(lambda run: sheetsync("sync", "--dry-run", "--at", run[0], cwd=where), runs)
        )
    for (at, expected, says), (code, out) in zip(runs, answers, strict=True):
        assert code == expected, f"--at {at}: exit {code}\n{out}"
        assert says in out, out
    assert json_report(where, "2026-10-25 02:30")["as_of"] == "2026-10-25T02:30:00+02:00"
    assert json_report(where, "2026-12-07T08:00:00Z")["as_of"] == "2026-12-07T09:00:00+01:00"
