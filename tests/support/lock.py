"""The project's lock files and the pinned uv that reads them (`make` passes it in UV)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def uv_binary() -> str:
    """UV from the environment, else where the Makefile installs the pinned version."""
    if os.environ.get("UV"):
        return os.environ["UV"]
    tool = pyproject()["tool"]
    assert isinstance(tool, dict)
    version = str(tool["uv"]["required-version"]).lstrip("=")
    default = ROOT / ".tools" / f"uv-{version}" / "bin" / "uv"
    assert default.is_file(), (
        f"no uv at {default}: run the tests with `make test` or `make quick` (they install "
        "the pinned uv), or set UV to a uv binary of that version"
    )
    return str(default)


def uv(*args: str, cwd: Path, offline: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the pinned uv; offline by default (the lock and export need no index)."""
    env = dict(os.environ)
    env.update(UV_PYTHON_DOWNLOADS="never", UV_PYTHON=sys.executable, UV_NO_PROGRESS="1")
    if offline:
        env["UV_OFFLINE"] = "1"
    return subprocess.run(
        [uv_binary(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def locked_versions() -> dict[str, str]:
    """Every package uv.lock pins, by normalized name."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {p["name"]: p["version"] for p in lock["package"] if "version" in p}
