"""An inter-process lock beside the state store: two processes never sync one store at once."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from sheetsync.errors import StateError, SyncBusy
from sheetsync.paths import lookable


def _owner(path: Path) -> str:
    try:
        info = path.stat()
    except OSError:
        return "its owner unknown"
    return f"owner uid {info.st_uid}, mode {info.st_mode & 0o777:o}"


class SyncLock:
    """`fcntl.flock` on a lock file; the kernel releases it if the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False if another process holds it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            if lookable(self.path):  # the file is there: it, not its folder, is the trouble
                raise StateError(
                    f"cannot open the lock file {self.path} ({exc.strerror}; {_owner(self.path)}"
                    "): give the user running sheetsync write access to it, or delete it "
                    "while no sheetsync runs"
                ) from None
            raise StateError(
                f"cannot create the lock file {self.path} ({exc.strerror}): give the user "
                f"running sheetsync write access to {self.path.parent}, or set [state] path"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SyncLock:
        if not self.acquire():
            raise SyncBusy(f"another sheetsync is syncing with this state store ({self.path})")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()
