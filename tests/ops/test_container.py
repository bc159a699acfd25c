"""The image's install and start steps, run as the Dockerfile runs them, in a fresh
virtualenv (no Docker engine runs here).

What is the same as `docker build`: the build context (.dockerignore: requirements.lock,
pyproject.toml, README.md, sheetsync/), the Dockerfile's own `RUN pip install …` lines,
run by `sh` in that context with the fresh venv's pip first on PATH — the locked runtime
set from requirements.lock, hashes required, then the package with `--no-deps` — and then
the image's CMD (`sheetsync serve`) probed by its HEALTHCHECK command, plus `--help` and
a one-shot sync. The venv then holds exactly the locked runtime set: nothing resolved
afresh, no dev tool.

Like `docker build`, it downloads from the package index (PyPI; the machine's pip
configuration, extra indexes and find-links, is switched off as the image has none), so it
is in the slow suite, out of `make quick`. What is not proven: the base image's OS layer
(useradd, file modes) and its pip version; hadolint checks the Dockerfile itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest
from packaging.utils import canonicalize_name

from tests.support.lock import ROOT, uv
from tests.support.worker_fixtures import HEADERS, client

pytestmark = pytest.mark.slow

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def dockerfile_pip_installs() -> list[str]:
    """The shell commands of the `RUN pip install …` instructions, in order."""
    return re.findall(r"^RUN (pip install .+)$", DOCKERFILE.replace("\\\n", " "), re.M)


def dockerfile_exec(pattern: str) -> list[str]:
    """The JSON exec form that follows `pattern` (continuation lines included)."""
    found = re.search(pattern + r"\s+(\[.*\])\s*$", DOCKERFILE.replace("\\\n", " "), re.M)
    assert found, f"{pattern} in exec form"
    return list(json.loads(found.group(1)))


def build_context(target: Path) -> Path:
    """What .dockerignore lets through."""
    allowed = [
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.startswith("!")
    ]
    assert sorted(allowed) == ["README.md", "pyproject.toml", "requirements.lock", "sheetsync"]
    target.mkdir()
    for name in allowed:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(ROOT / name, target)
    return target


def locked_pins(requirements: Path) -> dict[str, str]:
    """`name==version` of every entry of an exported requirements file."""
    text = requirements.read_text(encoding="utf-8")
    return {
        canonicalize_name(name): version
        for name, version in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M)
    }


def installed_versions(python: Path) -> dict[str, str]:
    listed = run([str(python), "-m", "pip", "list", "--format", "json"]).stdout
    return {canonicalize_name(d["name"]): d["version"] for d in json.loads(listed)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done  # type: ignore[no-any-return]


def test_the_image_steps_install_the_lock_and_start_the_worker_in_a_fresh_venv(
    tmp_path: Path,
) -> None:
    app = build_context(tmp_path / "app")
    venv = tmp_path / "venv"
    # The image's Python comes with pip: a venv seeded with pip stands in for it.
    seeded = uv(
        "venv", "--seed", "--python", sys.executable, str(venv), cwd=tmp_path, offline=False
    )
    assert seeded.returncode == 0, seeded.stderr
    python, bin_dir = venv / "bin" / "python", venv / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHEETSYNC_", "PIP_"))}
    env.update(
        PIP_CONFIG_FILE=os.devnull,  # no machine-wide index, find-links or constraints
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
    )

    seeded_with = installed_versions(python)  # pip and its kin, as the image has them

    # RUN pip install --no-cache-dir --require-hashes -r requirements.lock
    # RUN pip install --no-cache-dir --no-deps . && rm -rf build sheetsync.egg-info
    locked_step, package_step = dockerfile_pip_installs()
    assert "--require-hashes -r requirements.lock" in locked_step
    assert "--no-deps ." in package_step
    for step in (locked_step, package_step):
        run(["sh", "-c", step], cwd=app, env=env)

    locked = locked_pins(app / "requirements.lock")
    versions = installed_versions(python)
    assert versions.pop("sheetsync") == "0.1.0"
    assert {n: v for n, v in versions.items() if n in locked or n not in seeded_with} == locked, (
        "the image holds the locked runtime set, nothing else"
    )
    where = run([str(python), "-c", "import sheetsync; print(sheetsync.__file__)"], cwd=tmp_path)
    assert where.stdout.startswith(str(venv)), "the installed copy, not the worktree"
    assert run([str(bin_dir / "sheetsync"), "--help"], env=env).stdout.startswith("Usage:")
    reported = run([str(bin_dir / "sheetsync"), "--version"], env=env).stdout
    assert re.search(rf"^httpx +{re.escape(locked['httpx'])}$", reported, re.M), reported

    # A one-shot sync against a temp workbook, then the image's CMD with its HEALTHCHECK.
    config_dir, data = tmp_path / "config", tmp_path / "data"
    config_dir.mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    sheet.append(client("Kovacs Pekseg"))
    book.save(data.parent / "ugyfelek.xlsx")
    (config_dir / "sheetsync.toml").write_text(
        '[sheet]\npath = "../ugyfelek.xlsx"\n[domains]\nchecker = "offline"\n', encoding="utf-8"
    )
    port = free_port()
    env.update(
        SHEETSYNC_CONFIG=str(config_dir / "sheetsync.toml"),
        SHEETSYNC_STATE__PATH=str(data / "state.sqlite"),
        SHEETSYNC_SERVER__HOST="127.0.0.1",
        SHEETSYNC_SERVER__PORT=str(port),
        SHEETSYNC_LOG_FORMAT="json",
    )
    synced = run([str(bin_dir / "sheetsync"), "sync", "--format", "json"], env=env)
    assert json.loads(synced.stdout)["counts"]["rows"] == 1

    command = dockerfile_exec(r"^CMD")
    assert command == ["sheetsync", "serve"]
    probe = dockerfile_exec(r"^HEALTHCHECK\s.*?\sCMD")
    assert probe[0] == "python"
    server = subprocess.Popen(
        [str(bin_dir / command[0]), *command[1:]],
        env={**env, "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        healthy = False
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and server.poll() is None:
            check = subprocess.run([str(python), *probe[1:]], env=env, capture_output=True)
            if check.returncode == 0:
                healthy = True
                break
            time.sleep(0.2)
        assert healthy, "the HEALTHCHECK command never passed"
        # Healthy from the start (the age limit counts from it); the first sync follows,
        # degraded: domain checks are off in this config (rules.md, run-level notices).
        exposition = ""
        while (
            time.monotonic() < deadline and 'syncs_total{outcome="degraded"} 1.0' not in exposition
        ):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
                exposition = answer.read().decode()
            time.sleep(0.1)
        assert 'sheetsync_syncs_total{outcome="degraded"} 1.0' in exposition
        assert 'sheetsync_notices{code="domain-checks-unavailable"} 1.0' in exposition
        assert 'sheetsync_rows{stage="payment"} 1.0' in exposition
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    events = [json.loads(line) for line in err.splitlines()]
    assert any(e.get("event") == "sync" and e["outcome"] == "degraded" for e in events)
