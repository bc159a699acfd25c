"""Reusing the previous pass's work when nothing it depended on has changed.

A worker pass over an unchanged sheet would parse, evaluate and render every row
again only to find nothing to write; at 10,000 rows that costs several times the
read itself. `PassMemo` keeps the last pass's results in the worker's memory and
hands them back while everything they were computed from is still the same:

- the sheet's values, by the backend's digest of them (`SheetSnapshot.version`);
- the settings that shape parsing and texts, and the fingerprint key;
- the rules' whole context: domain verdicts, first-seen times, credential changes;
- the time, up to the first moment a time threshold of some row would trip
  (`RowEvaluation.valid_until`).

When the cells changed but the setup and layout did not, the rows whose own cells
and inputs are unchanged keep their parse, evaluation and status (`rowreuse`).
Anything else is worked out afresh, so the memo can only save work, never change a
result (a property test holds it to that). It lives in
one process and is never stored: cells, secrets included, exist there anyway, and
only keyed digests and results derived from them are kept here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sheetsync.core.layout import Layout
from sheetsync.core.model import ClientRow, DomainName, Finding, RowEvaluation
from sheetsync.core.plan import Identity, StatusCells, WritePlan
from sheetsync.core.rows import Fingerprinter
from sheetsync.core.rules import Context
from sheetsync.core.texts import Texts
from sheetsync.core.values import CellValue
from sheetsync.run.rowreuse import ContentKeys, RowKey, known_identities, reevaluate, reparse
from sheetsync.settings import Settings

_PROBE = ("sheetsync pass memo", "key check")
Setup = tuple[object, ...]


def setup_of(settings: Settings, fingerprint: Fingerprinter) -> Setup:
    """Everything besides the cells that parsing and rendering depend on."""
    return (
        settings.columns,
        settings.status_columns,
        settings.sheet.header_row,
        settings.timezone,
        settings.locale,
        fingerprint(*_PROBE),  # a new key makes new fingerprints
    )


@dataclass(frozen=True)
class Parsed:
    """A sheet's values worked out up to the rules."""

    version: str | None
    setup: Setup
    layout: Layout
    rows: tuple[ClientRow, ...]
    domains: tuple[DomainName, ...]  # those whose verdict the rows depend on
    content: tuple[RowKey, ...] = ()  # each row's content key, below the header


@dataclass(frozen=True)
class WorkedOut:
    """A parsed sheet through the rules: evaluations, status texts and the write plan."""

    context: Context
    evaluations: tuple[RowEvaluation, ...]
    status: Mapping[int, StatusCells]
    plan: WritePlan
    valid_until: datetime | None  # the earliest of the evaluations'
    cross: Mapping[int, Sequence[Finding]]  # the cross-row findings, by sheet row

    def holds_for(self, context: Context) -> bool:
        """Would the rules decide the same in `context`? Yes when every input is equal
        and no time threshold has tripped since (and the clock has not gone back)."""
        before = self.context
        if context.now < before.now:
            return False
        if self.valid_until is not None and context.now > self.valid_until:
            return False
        return (
            context.thresholds == before.thresholds
            and context.verdicts == before.verdicts
            and context.first_seen == before.first_seen
            and context.credential_changes == before.credential_changes
        )


def earliest_expiry(evaluations: Sequence[RowEvaluation]) -> datetime | None:
    moments = [e.valid_until for e in evaluations if e.valid_until is not None]
    return min(moments, default=None)


class PassMemo:
    """The last pass's work, for the next pass of the same worker."""

    def __init__(self) -> None:
        self._parsed: Parsed | None = None
        self._worked_out: WorkedOut | None = None
        self._keys = ContentKeys()
        self.hits = 0  # passes that reused the rules' results wholesale
        self.rows_parsed = 0  # rows whose parse was kept from the previous pass
        self.rows_reused = 0  # rows whose evaluation and status were kept

    def parsed(self, version: str | None, setup: Setup) -> Parsed | None:
        """The previous parse, if the sheet's version and the setup are the same (O(1))."""
        known = self._parsed
        if version is None or known is None:
            return None
        if known.version != version or known.setup != setup:
            return None
        return known

    def parse(
        self,
        sheet: Sequence[Sequence[CellValue]],
        setup: Setup,
        layout: Layout,
        tz: tzinfo,
        fingerprint: Fingerprinter,
    ) -> tuple[list[ClientRow], tuple[RowKey, ...]]:
        """`rows.parse_rows` reusing the unchanged rows; and the rows' content keys."""
        content = self._keys.of(sheet, layout)
        rows, kept = reparse(sheet, layout, tz, fingerprint, content, self._earlier(setup, layout))
        self.rows_parsed += kept
        return rows, content

    def worked_out(self, parsed: Parsed, context: Context) -> WorkedOut | None:
        """The previous results if they were computed from `parsed` and still hold."""
        known = self._worked_out
        if known is None or parsed is not self._parsed or not known.holds_for(context):
            return None
        self.hits += 1
        return known

    def evaluate(
        self, parsed: Parsed, context: Context, texts: Texts
    ) -> tuple[list[RowEvaluation], dict[int, StatusCells], Mapping[int, Sequence[Finding]]]:
        """`rules.evaluate` and `plan.render_status` reusing the rows whose inputs are
        unchanged; and the cross-row findings."""
        earlier = self._worked_out if self._earlier(parsed.setup, parsed.layout) else None
        evaluations, status, cross, kept = reevaluate(
            parsed.rows, context, texts, parsed.layout, earlier
        )
        self.rows_reused += kept
        return evaluations, status, cross

    def identities(self, parsed: Parsed) -> list[Identity | None]:
        """The previous identity of each row whose content is unchanged."""
        known = self._worked_out
        earlier = self._earlier(parsed.setup, parsed.layout)
        return known_identities(parsed.content, earlier, known.plan if known else None)

    def _earlier(self, setup: Setup, layout: Layout) -> Parsed | None:
        known = self._parsed
        if known is None or known.setup != setup or known.layout != layout:
            return None
        return known

    def remember(self, parsed: Parsed, worked_out: WorkedOut) -> None:
        self._parsed, self._worked_out = parsed, worked_out
