"""The image's install and start steps, run as the Dockerfile runs them, in a fresh
virtualenv (no Docker engine runs here).

What is the same as `docker build`: the build context (.dockerignore: pyproject.toml,
README.md, sheetsync/), the requirements extracted by the Dockerfile's own one-liner,
`pip install -r` of them, `pip install --no-deps .` of the package, and then the
image's CMD (`sheetsync serve`) probed by its HEALTHCHECK command, plus `--help` and a
one-shot sync.

The trade-off, to stay offline and fast: nothing is downloaded. The fresh venv
(created without pip) sees exactly the *runtime* dependency closure of the project's
declared dependencies, linked from the dev venv (no pytest, no dev extras, not the
editable sheetsync), plus pip and the `[build-system] requires` (setuptools), which
the image gets from PyPI and an isolated build environment. `pip install --no-index -r`
must find every requirement satisfied there, so a dependency imported but not declared
fails here as it would in the image. What is not proven: that PyPI resolves the same
versions, and the base image's OS layer (useradd, file modes) — hadolint checks the
Dockerfile itself.
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
import tomllib
import urllib.request
from importlib import metadata
from pathlib import Path

import openpyxl
from packaging.requirements import Requirement

from tests.support.worker_fixtures import HEADERS, client

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def dockerfile_requirements_script() -> str:
    found = re.search(r'RUN python -c "(.+?)" > /tmp/requirements\.txt', DOCKERFILE)
    assert found, "the Dockerfile extracts the requirements with a python one-liner"
    return found.group(1)  # sh keeps \\n inside double quotes; Python reads it


def dockerfile_exec(pattern: str) -> list[str]:
    """The JSON exec form that follows `pattern` (continuation lines included)."""
    found = re.search(pattern + r"\s+(\[.*\])\s*$", DOCKERFILE.replace("\\\n", " "), re.M)
    assert found, f"{pattern} in exec form"
    return list(json.loads(found.group(1)))


def build_context(target: Path) -> Path:
    """What .dockerignore lets through."""
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    assert "!pyproject.toml" in ignore and "!README.md" in ignore and "!sheetsync/" in ignore
    target.mkdir()
    shutil.copy(ROOT / "pyproject.toml", target)
    shutil.copy(ROOT / "README.md", target)
    shutil.copytree(
        ROOT / "sheetsync", target / "sheetsync", ignore=shutil.ignore_patterns("__pycache__")
    )
    return target


def build_requirements() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["build-system"]["requires"])


def closure(requirements: list[str]) -> set[metadata.Distribution]:
    """The installed distributions the requirements need, transitively, extras excluded."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        key = req.name.lower().replace("_", "-")
        if key in seen:
            continue
        dist = metadata.distribution(req.name)
        assert req.specifier.contains(dist.version, prereleases=True), f"{req} vs {dist.version}"
        seen[key] = dist
        todo.extend(Requirement(r) for r in dist.requires or [])
    return set(seen.values())


def link_dependencies(dists: set[metadata.Distribution], into: Path) -> None:
    into.mkdir()
    for dist in dists:
        for file in dist.files or []:
            top = file.parts[0]
            if top in ("..", "__pycache__") or top.endswith(".pth"):
                continue
            source = Path(str(dist.locate_file(top)))
            link = into / top
            if source.exists() and not link.exists():
                link.symlink_to(source, target_is_directory=source.is_dir())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done  # type: ignore[no-any-return]


def test_the_image_steps_install_and_start_the_worker_in_a_fresh_venv(tmp_path: Path) -> None:
    app = build_context(tmp_path / "app")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python, bin_dir = venv / "bin" / "python", venv / "bin"

    # RUN python -c "…" > /tmp/requirements.txt && pip install -r /tmp/requirements.txt
    requirements = run([str(python), "-c", dockerfile_requirements_script()], cwd=app).stdout
    assert "prometheus-client" in requirements and "pytest" not in requirements
    (tmp_path / "requirements.txt").write_text(requirements, encoding="utf-8")
    tools = closure(["pip", *build_requirements()])
    link_dependencies(closure(requirements.split()) | tools, tmp_path / "deps")
    site = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        ).stdout.strip()
    )
    (site / "runtime-deps.pth").write_text(str(tmp_path / "deps") + "\n", encoding="utf-8")
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-cache-dir"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHEETSYNC_", "PIP_"))}
    env["PIP_CONFIG_FILE"] = os.devnull  # no machine-wide index or find-links
    satisfied = run(
        [*pip, "install", "--no-index", "-r", str(tmp_path / "requirements.txt")], env=env
    )
    assert "Requirement already satisfied: prometheus-client" in satisfied.stdout

    # RUN pip install --no-deps .
    assert "pip install --no-cache-dir --no-deps ." in DOCKERFILE
    run([*pip, "install", "--no-index", "--no-deps", "--no-build-isolation", "."], cwd=app, env=env)
    where = run([str(python), "-c", "import sheetsync; print(sheetsync.__file__)"], cwd=tmp_path)
    assert where.stdout.startswith(str(site)), "the installed copy, not the worktree"
    assert run([str(bin_dir / "sheetsync"), "--help"], env=env).stdout.startswith("Usage:")

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
