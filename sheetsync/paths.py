"""Looking at a path without tripping: `Path.exists()` raises PermissionError on a path
below a folder this user may not enter, which reached operators as "unexpected"."""

from __future__ import annotations

from pathlib import Path


def lookable(path: Path) -> bool:
    """Something is there and this user may look at it."""
    try:
        path.stat()
    except OSError:
        return False
    return True


def missing(path: Path) -> bool:
    """Nothing is there. A path that may not be looked at is not missing: whoever opens
    it then says what is wrong, with the path."""
    try:
        path.stat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False
