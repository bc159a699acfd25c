"""Every exception class sheetsync defines, in one tree. Per-row problems are findings.

SheetsyncError                 root; the CLI prints its message as one line
├── ConfigError                invalid settings (exit code 2); lists every problem
├── SheetLayoutError           the sheet's header row cannot be used; nothing is written
├── SheetAccessError           the sheet could not be read or written; `cause` names the kind
│   └── TransientSheetError    worth retrying later (timeouts, 429, 5xx)
├── StateError                 the state store cannot be used (newer schema, bad key, failed save)
├── NotifierError              a message was not delivered; `permanent`: retrying cannot help
├── SyncBusy                   another process is syncing with the same state store
├── GaveUp                     every attempt the retry policy allowed failed; the adapter turns
│                              it into TransientSheetError or NotifierError before it leaves
└── ExistingFiles              `init` would overwrite files (allowed only with --force)

ValueError                     caught by the caller of the function that raises it
├── Unparseable                a cell is not a value of the expected kind
├── InvalidDomain              not a registrable domain name (`reason` is a stable key)
└── BootstrapError             IANA's RDAP bootstrap file is malformed; the last good copy stays

Unparseable and InvalidDomain are per-row parsing errors: they never leave the core
(the row parser turns them into `invalid-value` / `invalid-domain` findings), except
where `sheetsync domain check` asks the core about a typed name and answers `invalid`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class SheetsyncError(Exception):
    """Root of every error sheetsync expects and can explain in one line."""


class ConfigError(SheetsyncError):
    def __init__(self, problems: list[str], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration{where}:\n{lines}")


class SheetLayoutError(SheetsyncError):
    """The header row is missing a required column or maps one column twice."""


class SheetAccessError(SheetsyncError):
    """Reading or writing the sheet failed; nothing further was written.

    `cause`, when the backend can tell, is what `doctor` gives a fix for: "unreachable"
    (no network path to Google), "unavailable" (Google answered 429/5xx every time),
    "not-shared", "api-disabled", "bad-key", "not-found"."""

    def __init__(self, message: str, *, cause: str | None = None) -> None:
        super().__init__(message)
        self.cause = cause


class TransientSheetError(SheetAccessError):
    """A failure that may succeed on the next attempt."""


class StateError(SheetsyncError):
    """The state store cannot be used (e.g. written by a newer sheetsync)."""


class NotifierError(SheetsyncError):
    """Delivery failed. `permanent`: retrying cannot help (e.g. a revoked webhook)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SyncBusy(SheetsyncError):
    """Another sheetsync process is syncing with the same state store right now."""


class GaveUp(SheetsyncError):
    """Every attempt allowed by the retry policy failed transiently."""

    def __init__(self, reason: str, attempts: int, elapsed: float) -> None:
        self.reason = reason
        self.attempts = attempts
        self.elapsed = elapsed
        super().__init__(f"{reason} (after {attempts} attempt(s) over {elapsed:.0f}s)")


class ExistingFiles(SheetsyncError):
    """Files `init` would overwrite; nothing was written."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)
        super().__init__(", ".join(str(p) for p in paths))


class Unparseable(ValueError):
    """The cell holds something, but not a value of the expected kind."""


class InvalidDomain(ValueError):
    """Not a registrable domain name. `reason` is a stable key, `suggestion` a fix."""

    def __init__(self, reason: str, suggestion: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.suggestion = suggestion


class BootstrapError(ValueError):
    """The bootstrap document does not have RFC 9224's shape."""
