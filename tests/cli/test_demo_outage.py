"""The demo with the registries out of reach (a live checker pointed at a loopback port
nobody answers on), or with checks off: the summary carries one notice and no per-row
domain warnings, and the report says the same. Run through the installed script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.domain_servers import refused_port

pytestmark = pytest.mark.slow  # a fault suite: `make quick` leaves it out

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("sheetsync")
NOTICE = "A domainek foglaltságát most nem lehetett ellenőrizni"
CHECKS_OFF = "A domain ellenőrzés ki van kapcsolva."
UNVERIFIED = "A domain foglaltságát most nem sikerült ellenőrizni"
SUMMARY_TITLE = "Ügyfélfelvétel – "


def demo_env(tmp_path: Path, checker: str) -> dict[str, str]:
    """The shipped demo config on a copy of the demo workbook, every .hu query (the demo
    has no other TLD) sent to a loopback port that refuses it."""
    shutil.copy(REPO / "examples" / "ugyfelek.xlsx", tmp_path / "ugyfelek.xlsx")
    return {
        **os.environ,
        "SHEETSYNC_CONFIG": str(REPO / "config" / "sheetsync.toml"),
        "SHEETSYNC_SHEET__PATH": str(tmp_path / "ugyfelek.xlsx"),
        "SHEETSYNC_STATE__PATH": str(tmp_path / "state.sqlite"),
        "SHEETSYNC_DOMAINS__CHECKER": checker,
        "SHEETSYNC_DOMAINS__WHOIS_SERVERS": json.dumps({"hu": f"127.0.0.1:{refused_port()}"}),
        "SHEETSYNC_DOMAINS__BOOTSTRAP_REFRESH": "false",
        "SHEETSYNC_DOMAINS__CACHE_DIR": str(tmp_path / "cache"),
        "SHEETSYNC_LOG_FORMAT": "text",
    }


def sync(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    assert SCRIPT.is_file(), f"the console script is not installed beside {sys.executable}"
    return subprocess.run(
        [str(SCRIPT), "sync", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(("checker", "notice"), [("live", NOTICE), ("offline", CHECKS_OFF)])
def test_the_demo_summary_carries_one_notice_and_no_domain_warnings(
    tmp_path: Path, checker: str, notice: str
) -> None:
    env = demo_env(tmp_path, checker)
    done = sync(env)
    assert done.returncode == 0, done.stderr
    summary = done.stdout[done.stdout.index(SUMMARY_TITLE) :]
    assert summary.count(notice) == 1, summary
    assert UNVERIFIED not in done.stdout  # neither in the summary nor in the table
    assert "FOGLALT" not in summary  # nothing was said to be taken either
    # the pass was degraded, and still a healthy one
    status = subprocess.run(
        [str(SCRIPT), "status", "--format", "json"], env=env, capture_output=True, text=True
    )
    assert status.returncode == 0, status.stderr
    health = json.loads(status.stdout)
    assert health["healthy"] is True and health["degraded"] is True
    assert health["last_run"]["outcome"] == "degraded"
    table = subprocess.run([str(SCRIPT), "status"], env=env, capture_output=True, text=True)
    assert table.returncode == 0 and "degraded:" in table.stdout, table.stdout


def test_the_demo_report_lists_the_notice_and_no_row_is_unverified(tmp_path: Path) -> None:
    env = demo_env(tmp_path, "live")
    done = sync(env, "--format", "json", "--dry-run")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    [notice] = report["notices"]
    assert notice["code"] == "domain-checks-unavailable" and notice["tlds"] == ["hu"]
    assert notice["servers"] == [json.loads(env["SHEETSYNC_DOMAINS__WHOIS_SERVERS"])["hu"]]
    assert notice["message"].startswith(NOTICE)
    codes = {f["code"] for row in report["rows"] for f in row["findings"]}
    assert "domain-unverified" not in codes and "domain-taken" not in codes
    asked = [
        r["domain"] for r in report["rows"] if r["domain"] and r["domain"]["source"] == "whois"
    ]
    assert len({d["ascii"] for d in asked}) == notice["domains"] > 10
    assert {(d["verdict"], d["doubt"]) for d in asked} == {("unknown", "unreachable")}
