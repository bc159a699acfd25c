"""The state store's values as stored (text, JSON) and as the worker uses them.

Reading never fails on one bad value: an entry that cannot be read back (a time
without a zone or not a time, status or failure JSON of the wrong shape, a last
report that does not parse) is dropped and tallied in `Damage`, and the store says
so once. What is dropped is rebuilt by the next pass: a first-seen time starts
again, a status is rewritten, the next summary is a first report.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sheetsync.core.memory import Failure
from sheetsync.core.model import Stage
from sheetsync.core.pipeline import StageEntry
from sheetsync.core.plan import StatusCells
from sheetsync.core.snapshot import read_report
from sheetsync.state.port import RunRecord

_READ_ERRORS = (ValueError, TypeError, KeyError, AttributeError)


class Damage:
    """Entries dropped while reading, by kind (`first_seen`, `status`, `run`, …)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def drop(self, kind: str) -> None:
        self.counts[kind] += 1

    def __bool__(self) -> bool:
        return bool(self.counts)

    def describe(self) -> str:
        return ", ".join(f"{kind}: {n}" for kind, n in sorted(self.counts.items()))


# The times sheetsync itself could have stored. One outside it (a hand edit, year 9999)
# would overflow the first date arithmetic that touches it, on every pass.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def aware_time(text: Any) -> datetime:
    """An ISO time with its zone (a naive one would break every comparison later),
    within [EARLIEST, LATEST); ValueError or TypeError otherwise."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("a time without its zone")
    if not EARLIEST <= value < LATEST:
        raise ValueError("a time sheetsync cannot have stored")
    return value


def moment(text: Any, kind: str, damage: Damage) -> datetime | None:
    try:
        return aware_time(text)
    except _READ_ERRORS:
        damage.drop(kind)
        return None


def maybe_moment(text: str | None, kind: str, damage: Damage) -> datetime | None:
    return None if text is None else moment(text, kind, damage)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def status(text: str | None, damage: Damage) -> StatusCells | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        if all(isinstance(v, str) for v in data.values()):
            return StatusCells(**data)
    except _READ_ERRORS:
        pass
    damage.drop("status")
    return None


def status_json(cells: StatusCells | None) -> str | None:
    return json.dumps(asdict(cells), ensure_ascii=False) if cells else None


def failure(text: str | None, damage: Damage) -> Failure | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        since = aware_time(data["since"])
        recovered = data.get("recovered_at")
        recovered_at = aware_time(recovered) if recovered else None
        fields = (data["error_class"], data["message"])
        if all(isinstance(f, str) for f in fields):
            return Failure(*fields, since, bool(data["announced"]), recovered_at)
    except _READ_ERRORS:
        pass
    damage.drop("failure")
    return None


def failure_json(value: Failure | None) -> str | None:
    if value is None:
        return None
    data = asdict(value)
    data["since"] = value.since.isoformat()
    data["recovered_at"] = iso(value.recovered_at)
    return json.dumps(data, ensure_ascii=False)


def last_report(text: str | None, damage: Damage) -> str | None:
    """The last report sent, kept as stored once it is known to read back."""
    if not text:
        return None
    try:
        read_report(text)
    except _READ_ERRORS:
        damage.drop("last_report")
        return None
    return text


def run(row: tuple[Any, ...], damage: Damage) -> RunRecord | None:
    started, finished, outcome, rows, cells, counts, error_class, error_message = row
    try:
        by_stage = json.loads(counts)
        if not isinstance(by_stage, dict):
            raise TypeError("counts")
        start, end = aware_time(started), aware_time(finished)
        return RunRecord(
            start, end, str(outcome), int(rows), int(cells), by_stage, error_class, error_message
        )
    except _READ_ERRORS:
        damage.drop("run")
        return None


def alerted(text: str | None, damage: Damage) -> frozenset[str] | None:
    """The alert idents remembered (a JSON list of strings); None when never recorded.
    A damaged list reads as never recorded: remembered again without alerting."""
    if text is None:
        return None
    try:
        found = json.loads(text)
        if isinstance(found, list) and all(isinstance(i, str) for i in found):
            return frozenset(found)
    except _READ_ERRORS:
        pass
    damage.drop("alerts")
    return None


def alerted_json(value: frozenset[str] | None) -> str | None:
    return None if value is None else json.dumps(sorted(value), ensure_ascii=False)


def stage_entry(row: tuple[Any, Any, Any], damage: Damage) -> StageEntry | None:
    key, stage, at = row
    when = moment(at, "stage_entry", damage)
    try:
        return None if when is None else StageEntry(str(key), when, Stage(stage))
    except ValueError:
        damage.drop("stage_entry")
        return None
