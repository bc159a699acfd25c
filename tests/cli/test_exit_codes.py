"""Every exit code the README documents, from the installed `sheetsync` script run as a
process (Click's test runner bypasses `main()`, which is where codes are decided).

A process start costs about half a second, so the cases run side by side: one folder
each, except the README's own path (init → doctor → dry run → status → sync → status
→ report), which runs in order in a copy of the repository root, demo config included.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.workbooks import write_workbook
from tests.support.worker_fixtures import HEADERS, client

pytestmark = pytest.mark.slow  # processes started for real: `make quick` leaves them out

SCRIPT = Path(sys.executable).with_name("sheetsync")
ROOT = Path(__file__).resolve().parents[2]
ENV = {k: v for k, v in os.environ.items() if not k.startswith("SHEETSYNC_")}


@dataclass(frozen=True)
class Case:
    name: str
    args: list[str]
    code: int
    says: str = ""  # a piece of stdout + stderr that tells why


def sheetsync(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**ENV, **(env or {})},
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr


def folder(base: Path, name: str, rows: list[list[object]], extra: str = "") -> Path:
    """A folder with a workbook and a sheetsync.toml (state store included)."""
    path = base / name
    path.mkdir()
    write_workbook(path / "ugyfelek.xlsx", rows)  # type: ignore[arg-type]
    (path / "sheetsync.toml").write_text(
        '[sheet]\npath = "ugyfelek.xlsx"\n[domains]\nchecker = "offline"\n'
        f'[state]\npath = "state.sqlite"\n[slack]\ndigest_time = ""\n{extra}',
        encoding="utf-8",
    )
    return path


GOOD = [HEADERS, client("Alfa"), client("Beta", payment_method="kártya")]
BROKEN = [["Partner", "Domain"], ["Alfa Kft.", "alfa.hu"]]  # no client-name column


def test_the_failures_and_bad_usage_exit_as_documented(tmp_path: Path) -> None:
    good = folder(tmp_path, "good", GOOD)
    broken = folder(tmp_path, "broken", BROKEN)
    missing = tmp_path / "missing"
    shutil.copytree(good, missing)
    (missing / "ugyfelek.xlsx").unlink()
    bad = tmp_path / "bad.toml"
    bad.write_text('[sheet]\npath = "x.xlsx"\nbakend = "google"\n', encoding="utf-8")
    cases = [
        (Case("sync: run-level failure", ["sync"], 1, "no 'Ügyfél neve' column"), broken),
        (Case("dry run: run-level failure", ["sync", "--dry-run"], 1, "Ügyfél neve"), broken),
        (Case("doctor: a check failed", ["doctor"], 1, "does not exist"), missing),
        (Case("domain check ran", ["domain", "check", "--configured", "x y"], 0, "invalid"), good),
        (Case("bad configuration", ["sync", "--config", str(bad)], 2, "sheet.bakend"), good),
        (Case("bad usage", ["sync", "--fromat", "json"], 2, "No such option"), good),
    ]
    with ThreadPoolExecutor(len(cases)) as pool:
        answers = list(pool.map(lambda c: sheetsync(*c[0].args, cwd=c[1]), cases))
    for (case, _), (code, out) in zip(cases, answers, strict=True):
        assert code == case.code, f"{case.name}: exit {code}\n{out}"
        assert case.says in out, f"{case.name}: {out}"


def test_a_domain_check_without_its_verdict_cache_warns_and_exits_0(tmp_path: Path) -> None:
    """The table says so: a cache that cannot be read costs lookups, not the answer.
    The registry is a closed loopback port: the verdict is unknown, quickly."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    path = folder(
        tmp_path, "cacheless", GOOD, f'[domains.whois_servers]\nhu = "127.0.0.1:{closed}"\n'
    )
    (path / "state.sqlite").mkdir()  # no verdict cache can be read from a folder
    env = {"SHEETSYNC_DOMAINS__BOOTSTRAP_REFRESH": "false"}
    code, out = sheetsync("domain", "check", "pelda.hu", cwd=path, env=env)
    assert code == 0, out
    assert "domain verdict cache not read" in out and "unknown" in out


def test_the_readme_path_from_the_repository_root_exits_as_documented(tmp_path: Path) -> None:
    """`init` beside the demo's config/sheetsync.toml, without --force and without
    touching it; then every later command finds the new config by itself."""
    root = tmp_path / "repo"
    (root / "config").mkdir(parents=True)
    demo = (ROOT / "config" / "sheetsync.toml").read_bytes()
    (root / "config" / "sheetsync.toml").write_bytes(demo)
    write_workbook(root / "ugyfelek.xlsx", GOOD)  # type: ignore[arg-type]

    steps: list[tuple[list[str], int, Callable[[str], bool]]] = [
        (["init", "--backend", "workbook", "--workbook", "ugyfelek.xlsx", "--no-input"], 0,
         lambda out: "wrote sheetsync.toml" in out and "next: sheetsync doctor" in out),
        (["doctor"], 0, lambda out: "✓ access: read 3 rows of ugyfelek.xlsx" in out),
        (["sync", "--dry-run"], 0, lambda out: "próba, semmi sem íródott" in out),
        (["status"], 1, lambda out: "no successful sync recorded yet" in out),
        (["sync"], 0, lambda out: "Első jelentés" in out),
        (["status"], 0, lambda out: "healthy" in out),
        (["report"], 0, lambda out: "Napi összefoglaló" in out),
    ]  # fmt: skip
    for args, expected, tells in steps:
        before = sorted(p.name for p in root.iterdir())
        code, out = sheetsync(*args, cwd=root)
        assert code == expected, f"{args}: exit {code}\n{out}"
        assert tells(out), f"{args}: {out}"
        if args == ["sync", "--dry-run"]:
            assert sorted(p.name for p in root.iterdir()) == before, "a dry run writes nothing"
    assert (root / "config" / "sheetsync.toml").read_bytes() == demo, "the demo is untouched"
    assert (root / "state.sqlite").is_file()


# -- serve: SIGTERM -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthz(port: int) -> tuple[int, dict[str, object]] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return None


def wait_for(check: Callable[[], bool], seconds: float, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert process.poll() is None, process.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def serve(path: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SCRIPT), "serve"],
        cwd=path,
        env={**ENV, "SHEETSYNC_SERVER__PORT": str(port), "SHEETSYNC_LOG_FORMAT": "json"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_exits_0_on_sigterm_after_its_pass(tmp_path: Path) -> None:
    path, port = folder(tmp_path, "serve", GOOD), free_port()
    process = serve(path, port)
    try:
        wait_for(lambda: (healthz(port) or (0, {}))[1].get("last_success") is not None, 30, process)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_a_stuck_pass_makes_healthz_503_and_serve_exits_1_after_the_grace(
    tmp_path: Path,
) -> None:
    """The domain registry accepts the connection and never answers (a listening socket
    nobody reads), so the pass hangs for the query's full minute: /healthz says it is
    stuck past `max_pass_minutes`, and SIGTERM ends the process once the grace is over."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    host, whois_port = silent.getsockname()
    path = folder(
        tmp_path, "stuck", GOOD, "[health]\nmax_pass_minutes = 0.02\n"
        "[schedule]\nstop_grace_seconds = 1\n",
    )  # fmt: skip
    config = (path / "sheetsync.toml").read_text(encoding="utf-8")
    live = (
        'checker = "live"\nbootstrap_refresh = false\ncache_dir = "cache"\n'
        f'timeout_seconds = 60\n[domains.whois_servers]\nhu = "{host}:{whois_port}"\n'
    )
    (path / "sheetsync.toml").write_text(config.replace('checker = "offline"\n', live), "utf-8")
    port = free_port()
    process = serve(path, port)
    try:
        wait_for(lambda: (healthz(port) or (0, {}))[0] == 503, 30, process)
        answer = healthz(port)
        assert answer is not None
        reasons = " ".join(str(r) for r in answer[1]["reasons"])  # type: ignore[union-attr]
        assert "a sync pass has been running for" in reasons and "it is stuck" in reasons
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 1
        assert time.monotonic() - began < 10, "the grace (1 s), not the query's minute"
        _, err = process.communicate(timeout=5)
        assert "did not finish within 1 s of the stop" in err
    finally:
        if process.poll() is None:
            process.kill()
        silent.close()
