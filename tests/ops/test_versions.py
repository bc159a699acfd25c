"""`sheetsync --version` and `doctor` name what ran: sheetsync, Python and every runtime
dependency at the version installed, which `make` installs from the lock."""

from __future__ import annotations

import platform
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from sheetsync.ops.versions import dependency_versions, runtime_requirements, summary
from tests.support.lock import locked_versions, pyproject

SCRIPT = Path(sys.executable).with_name("sheetsync")


def _declared() -> list[str]:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    return [Requirement(r).name for r in project["dependencies"]]


@pytest.mark.parametrize(
    ("requires", "names"),
    [
        (["httpx<1,>=0.27", "click>=8.1"], ["httpx", "click"]),
        (['pytest<10,>=8; extra == "dev"', "rich"], ["rich"]),
        (['tomli>=2; python_version < "3.11"'], ["tomli"]),  # a marker that is not an extra
        (["pydantic[email]>=2", "pydantic>=2.7"], ["pydantic"]),
        (['cryptography; python_version < "3.14" and extra == "pyopenssl"'], []),
        ([], []),
    ],
)
def test_runtime_requirements_leave_out_extras(requires: list[str], names: list[str]) -> None:
    assert runtime_requirements(requires) == names


def test_every_declared_dependency_is_reported_at_its_locked_version() -> None:
    reported = dependency_versions()
    assert [name for name, _ in reported] == _declared()
    locked = locked_versions()
    assert {canonicalize_name(n): v for n, v in reported} == {
        canonicalize_name(n): locked[canonicalize_name(n)] for n in _declared()
    }


def test_a_missing_package_is_reported_not_raised() -> None:
    assert dependency_versions("no-such-distribution-here") == []
    assert summary("no-such-distribution-here").startswith("no-such-distribution-here unknown")


def test_the_installed_script_prints_every_version() -> None:
    run = subprocess.run(
        [str(SCRIPT), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    lines = run.stdout.splitlines()
    assert lines[0] == "sheetsync, version 0.1.0"
    assert lines[1].startswith(f"Python {platform.python_version()} (")
    locked = locked_versions()
    for name in _declared():
        version = locked[canonicalize_name(name)]
        assert re.search(rf"^{re.escape(name)} +{re.escape(version)}$", run.stdout, re.M), name
    assert len(lines) == 2 + len(_declared())
