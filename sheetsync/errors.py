"""The exception tree. Per-row problems are findings, never exceptions.

SheetsyncError                 root; the CLI prints its message as one line
├── ConfigError                invalid settings (exit code 2); lists every problem
├── SheetLayoutError           the sheet's header row cannot be used; nothing is written
└── SheetAccessError           the sheet could not be read or written
    └── TransientSheetError    worth retrying later (timeouts, 429, 5xx)
"""

from __future__ import annotations


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
    """Reading or writing the sheet failed; nothing further was written."""


class TransientSheetError(SheetAccessError):
    """A failure that may succeed on the next attempt."""
