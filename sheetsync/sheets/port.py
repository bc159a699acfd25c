"""The sheet boundary: read everything once, write a plan of owned cells.

A backend reads the whole worksheet as values, and writes a `WritePlan` after a
guard read of the header row and identity columns (see `guard.resolve`), so a
status never lands in a row other than the one it was computed from; one whose
write is a separate request (Google Sheets) reads it back and puts right what an
edit in between sent astray (see `verify`). A backend that
speaks HTTP reports its requests and retries to a `RequestObserver` (metrics).
Its errors are `SheetAccessError` and `TransientSheetError` (sheetsync.errors).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sheetsync.core.guides import GuideOutcome, SheetGuide
from sheetsync.core.plan import WriteOutcome, WritePlan
from sheetsync.core.values import CellValue


@dataclass(frozen=True)
class SheetSnapshot:
    """Every row of the worksheet from row 1, ragged; values as staff see them.
    Holds secret cells, so it is never printed (repr hides the rows)."""

    title: str
    rows: Sequence[Sequence[CellValue]] = field(repr=False)


class SheetBackend(Protocol):
    """One worksheet of client data."""

    @property
    def name(self) -> str:
        """Human-readable name of the sheet for reports and logs."""
        ...

    def read(self) -> SheetSnapshot: ...

    def write(self, plan: WritePlan) -> WriteOutcome:
        """Guard-read, remap and write `plan`'s cells as text (never as formulas)."""
        ...

    def row_url(self, row: int) -> str | None:
        """A link to the row where the backend has one (Google Sheets), else None."""
        ...


# The sheet's first rows (its header among them) → the guide for them (core.guides).
GuidePlanner = Callable[[Sequence[Sequence[CellValue]]], SheetGuide]


class SheetGuides(Protocol):
    """sheetsync's guides in the sheet (`sheetsync setup`): dropdowns, colours, the guard
    over its status columns. Never changes a cell's value; a sheet-level problem changes
    nothing (SheetLayoutError, SheetAccessError)."""

    def set_up(
        self, plan: GuidePlanner, *, remove: bool = False, dry_run: bool = False
    ) -> GuideOutcome:
        """Bring the sheet's own guides to `plan`'s (none with `remove`); `dry_run`:
        say what would change, change nothing."""
        ...


class RequestObserver(Protocol):
    """Told about each HTTP request a backend makes, and each retry it decides on.
    `outcome` is "ok", an HTTP status code, or "error"; labels stay few."""

    def request(self, service: str, action: str, outcome: str) -> None: ...

    def retry(self, service: str, action: str) -> None: ...
