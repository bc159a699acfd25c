"""`sheetsync --help` loads no heavy library: the installed console script is run for
real and Python's own import log (`-X importtime`) says what it imported.

The start-up time itself is measured by `make bench` (benchmarks/startup.py), not
asserted here: a timing depends on the machine, the set of modules does not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Each costs tens to hundreds of milliseconds to import; the commands that need them
# import them when they run.
HEAVY = {
    "apscheduler",
    "email_validator",
    "google",
    "gspread",
    "httpx",
    "idna",
    "openpyxl",
    "prometheus_client",
    "publicsuffixlist",
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "requests",
    "rich",
    "sqlite3",
}
# What the CLI module may load of sheetsync itself: nothing that pulls the above in.
LIGHT = {
    "sheetsync",
    "sheetsync.cli",
    "sheetsync.cli.init",
    "sheetsync.cli.main",
    "sheetsync.cli.starter",
    "sheetsync.errors",
    "sheetsync.ops",
    "sheetsync.ops.logs",
    "sheetsync.ops.versions",
    "sheetsync.paths",
    "sheetsync.redaction",
}
SCRIPT = Path(sys.executable).with_name("sheetsync")


def imported_by(*args: str) -> tuple[set[str], str]:
    """Run the installed `sheetsync` script; every module it imported, and its output."""
    assert SCRIPT.is_file(), f"the console script is not installed beside {sys.executable}"
    run = subprocess.run(
        [sys.executable, "-X", "importtime", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "imported package" not in line
    }
    return modules, run.stdout


@pytest.mark.parametrize("args", [["--help"], ["sync", "--help"], ["--version"]])
def test_help_and_version_import_no_heavy_library(args: list[str]) -> None:
    modules, out = imported_by(*args)
    assert "click" in modules, "the import log was read"  # so an empty answer means something
    assert out.startswith(("Usage: sheetsync", "sheetsync, version"))
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY) == []
    assert {m for m in modules if m.split(".")[0] == "sheetsync"} <= LIGHT


def test_a_command_that_runs_does_import_what_it_needs(tmp_path: Path) -> None:
    """The other side of the check above: the same log shows the settings model once
    a command actually loads a configuration."""
    config = tmp_path / "sheetsync.toml"
    config.write_text('[sheet]\npath = "missing.xlsx"\n[domains]\nchecker = "offline"\n')
    run = subprocess.run(
        [sys.executable, "-X", "importtime", str(SCRIPT), "doctor", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1  # the workbook is missing: doctor says so
    assert "pydantic_settings" in run.stderr and "sheetsync.app.application" in run.stderr
