"""The versions in use, for bug reports: sheetsync, Python and each runtime dependency.

Standard library only (`importlib.metadata`), so `sheetsync --version` stays as light as
`--help`. The dependencies are the ones sheetsync's installed metadata declares (the dev
extra left out), so a dependency added to pyproject.toml is reported without a list here.
"""

from __future__ import annotations

import platform
import re
from importlib import metadata

PACKAGE = "sheetsync"
# A requirement's name (PEP 508), before any extras, specifier or marker.
_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def runtime_requirements(requires: list[str]) -> list[str]:
    """The distribution names of requirements that are not behind an extra."""
    names: list[str] = []
    for requirement in requires:
        _, _, marker = requirement.partition(";")
        found = _NAME.match(requirement)
        if found and not re.search(r"\bextra\b", marker) and found.group(1) not in names:
            names.append(found.group(1))
    return names


def dependency_versions(package: str = PACKAGE) -> list[tuple[str, str]]:
    """Each runtime dependency of `package` and its installed version, in declared order;
    one not installed (its marker excludes this platform, or a broken install) says so."""
    try:
        requires = metadata.requires(package) or []
    except metadata.PackageNotFoundError:
        return []
    return [(name, _version(name) or "not installed") for name in runtime_requirements(requires)]


def version_lines(package: str = PACKAGE) -> list[str]:
    """`sheetsync, version X`, the Python in use, then one line per dependency."""
    lines = [
        f"{package}, version {_version(package) or 'unknown (not installed)'}",
        f"Python {platform.python_version()} ({platform.python_implementation()}, "
        f"{platform.system()} {platform.machine()})",
    ]
    deps = dependency_versions(package)
    width = max((len(name) for name, _ in deps), default=0)
    lines.extend(f"{name.ljust(width)}  {version}" for name, version in deps)
    return lines


def summary(package: str = PACKAGE) -> str:
    """One line of the same: `sheetsync 0.1.0, Python 3.11.7; gspread 6.2.1, …`."""
    deps = ", ".join(f"{name} {version}" for name, version in dependency_versions(package))
    own = _version(package) or "unknown"
    return f"{package} {own}, Python {platform.python_version()}; {deps}"
