"""`sheetsync sync --dry-run --at`: the sheet evaluated as of another moment, nothing
written; `--at` alone refused. `sheetsync report --html`: the pipeline page. Through the
installed script, as a process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_exit_codes import ENV, SCRIPT, folder, sheetsync
from tests.support.worker_fixtures import HEADERS, client

pytestmark = pytest.mark.slow  # processes started for real

# Paid by transfer on Friday 4 December 2026 at 15:00, not live: 1.5 office hours on
# Friday, then Monday from 08:00; eight office hours are up on Monday at 14:30.
PAID_FRIDAY = client(
    "Kovacs", payment_method="utalás", invoice_sent="2026.12.01", paid="2026.12.04 15:00"
)


def _report(where: Path, at: str) -> dict[str, Any]:
    done = subprocess.run(
        [str(SCRIPT), "sync", "--dry-run", "--format", "json", "--at", at],
        capture_output=True,
        text=True,
        cwd=where,
        env=ENV,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _overdue(report: dict[str, Any]) -> list[str]:
    return [
        f["message"]
        for row in report["rows"]
        for f in row["findings"]
        if f["code"] == "transfer-booking-overdue"
    ]


def test_at_evaluates_a_future_moment_and_writes_nothing(tmp_path: Path) -> None:
    where = folder(tmp_path, "future", [HEADERS, PAID_FRIDAY])
    workbook = (where / "ugyfelek.xlsx").read_bytes()
    monday_morning = _report(where, "2026-12-07 09:00")
    assert monday_morning["dry_run"] is True
    assert monday_morning["started_at"] == "2026-12-07T09:00:00+01:00"
    assert _overdue(monday_morning) == []

    afternoon = _report(where, "2026-12-07T13:31:00Z")  # 14:31 in Budapest
    (message,) = _overdue(afternoon)
    assert "Több mint 8 munkaórája fizetve" in message

    code, table = sheetsync("sync", "--dry-run", "--at", "2026-12-07 09:00", cwd=where)
    assert code == 0 and "állapot ekkor: 2026. 12. 07. 09:00" in table

    assert (where / "ugyfelek.xlsx").read_bytes() == workbook
    assert sorted(p.name for p in where.iterdir()) == ["sheetsync.toml", "ugyfelek.xlsx"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--at", "2026-12-07 09:00"], "add --dry-run"),
        (["--dry-run", "--at", "hétfő reggel"], "is not a moment like"),
    ],
)
def test_at_without_dry_run_or_unreadable_is_bad_usage(
    tmp_path: Path, args: list[str], says: str
) -> None:
    where = folder(tmp_path, "refused", [HEADERS, PAID_FRIDAY])
    workbook = (where / "ugyfelek.xlsx").read_bytes()
    code, output = sheetsync("sync", *args, cwd=where)
    assert code == 2
    assert says in output
    assert (where / "ugyfelek.xlsx").read_bytes() == workbook
    assert not (where / "state.sqlite").exists()


def test_report_html_writes_a_page_from_the_store_and_a_bad_path_exits_1(tmp_path: Path) -> None:
    where = folder(tmp_path, "report", [HEADERS, PAID_FRIDAY])
    assert sheetsync("sync", cwd=where)[0] == 0
    code, output = sheetsync("report", "--html", "pipeline.html", cwd=where)
    assert code == 0, output
    page = (where / "pipeline.html").read_text(encoding="utf-8")
    # One pass: the funnel and the trend; no step finished yet to time.
    assert page.count("<svg") == 2 and "Még nincs elég adat" in page and "Kovacs" in page
    code, output = sheetsync("report", "--html", str(tmp_path / "no" / "such.html"), cwd=where)
    assert code == 1 and "cannot write the report" in output
