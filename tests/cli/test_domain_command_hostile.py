"""`sheetsync domain check` against hostile registries, through the installed console
script: every name gets a verdict and its reason, the command exits 0 within its
deadlines, never says "unexpected", and a 100 MB or endless answer never costs more
than a few MB (the process's peak RSS, VmHWM, stays under 100 MB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.domain_servers import LoopbackWhois
from tests.support.hostile_servers import (
    MIB,
    LoopbackHttp,
    deep_json,
    drip,
    endless,
    huge,
    respond,
    whois_endless,
    whois_huge,
)

pytestmark = pytest.mark.slow  # a fault suite: `make quick` leaves it out

SCRIPT = Path(sys.executable).with_name("sheetsync")
RSS_LIMIT_KIB = 100 * 1024
NO_MATCH = b"Nincs talalat / No match\n"


def config(tmp_path: Path, rdap: str, whois: str, timeout: float = 2) -> Path:
    path = tmp_path / "sheetsync.toml"
    path.write_text(
        f"""
[sheet]
path = "ugyfelek.xlsx"
[domains]
checker = "offline"
bootstrap_refresh = false
cache_dir = "cache"
timeout_seconds = {timeout}
[domains.rdap_servers]
cz = "{rdap}"
[domains.whois_servers]
hu = "{whois}"
""",
        encoding="utf-8",
    )
    return path


# Runs the installed script in this interpreter and, as it exits, notes the peak RSS
# of the process (VmHWM). Measured inside: the kernel's ru_maxrss of a child would also
# count the test process it was forked from, before it exec'd.
PEAK = """
import atexit, runpy, sys
def note(out):
    status = open("/proc/self/status").read()
    peak = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    open(out, "w").write(peak.split()[1])
atexit.register(note, sys.argv[1])
script, sys.argv = sys.argv[2], sys.argv[2:]
runpy.run_path(script, run_name="__main__")
"""


def run_check(path: Path, *names: str) -> tuple[int, str, str, int, float]:
    """Run the installed script; exit code, stdout, stderr, peak RSS (KiB) and seconds."""
    assert SCRIPT.is_file(), f"the console script is not installed beside {sys.executable}"
    peak = path.parent / "peak.txt"
    args = ["domain", "check", "--config", str(path), "--format", "json", *names]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(peak), str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SHEETSYNC_LOG_FORMAT": "text"},
    )
    elapsed = time.monotonic() - started
    return done.returncode, done.stdout, done.stderr, int(peak.read_text()), elapsed


def test_a_100_mb_or_endless_answer_is_unknown_and_never_read_whole(tmp_path: Path) -> None:
    routes = {"/domain/huge.cz": huge(100 * MIB), "/domain/endless.cz": endless()}
    whois_answers = {
        "huge.hu": whois_huge(100 * MIB, NO_MATCH),
        "endless.hu": whois_endless(NO_MATCH),
    }
    with LoopbackHttp(routes) as rdap, LoopbackWhois(whois_answers) as whois:
        path = config(tmp_path, rdap.base_url, whois.address)
        code, out, err, rss_kib, _ = run_check(
            path, "huge.cz", "endless.cz", "huge.hu", "endless.hu"
        )
    assert code == 0, err
    rows = {r["input"]: r for r in json.loads(out)}
    for name in ("huge.cz", "endless.cz", "huge.hu", "endless.hu"):
        assert (rows[name]["verdict"], rows[name]["doubt"]) == ("unknown", "incomplete"), rows[name]
        assert rows[name]["reason"]
    assert rss_kib < RSS_LIMIT_KIB, f"peak RSS {rss_kib // 1024} MiB"
    # and next to the same command asking about names with plain answers: a few MB more
    with LoopbackHttp({}) as rdap, LoopbackWhois({}, default=NO_MATCH) as whois:
        path = config(tmp_path, rdap.base_url, whois.address)
        code, _, err, plain_kib, _ = run_check(
            path, "huge.cz", "endless.cz", "huge.hu", "endless.hu"
        )
    assert code == 0, err
    assert rss_kib - plain_kib < 16 * 1024, f"{rss_kib // 1024} vs {plain_kib // 1024} MiB"


def test_no_hostile_answer_makes_the_command_fail(tmp_path: Path) -> None:
    routes = {
        "/domain/deep.cz": deep_json(),
        "/domain/slow.cz": drip(interval=0.2),
        "/domain/pause.cz": respond(429, headers={"Retry-After": "9" * 400}),
        "/domain/date.cz": respond(503, headers={"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}),
        "/domain/proxy.cz": respond(404, b"<html>Not Found</html>", {"Content-Type": "text/html"}),
    }
    names = ["deep.cz", "slow.cz", "pause.cz", "date.cz", "proxy.cz"]
    with LoopbackHttp(routes) as rdap, LoopbackWhois({}) as whois:
        path = config(tmp_path, rdap.base_url, whois.address, timeout=1)
        code, out, err, _, elapsed = run_check(path, *names)
    assert code == 0, err
    assert "unexpected" not in err
    rows = {r["input"]: r for r in json.loads(out)}
    assert {n: rows[n]["verdict"] for n in names} == dict.fromkeys(names, "unknown")
    assert all(rows[n]["reason"] and rows[n]["doubt"] for n in names)
    # deep.cz and slow.cz go to the same server: slow.cz's stall costs one deadline
    assert elapsed < 10
