"""The pipeline at a glance (pure): where clients are, how they moved, who waits longest.

Built from stage entries: each time the worker first sees a client in a stage it keeps
that moment (the `stage:<code>` fact of `first_seen`), and the state store keeps every
such entry as history (`StageEntry`). A client's first entry is when sheetsync first
saw it, not when it entered that stage, so it counts as new but its first span is left
out of step durations. Waits and durations are office time (`core.calendar`).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sheetsync.core.calendar import OfficeCalendar
from sheetsync.core.model import Stage

STAGE_FACT = "stage:"  # prefix of the first-seen fact that records a client's stage
STAGES = tuple(Stage)
STEPS = STAGES[:-1]  # every stage but `done` is a step someone waits at
WEEK = timedelta(days=7)


def stage_fact(stage: Stage) -> str:
    return f"{STAGE_FACT}{stage.value}"


@dataclass(frozen=True, order=True)
class StageEntry:
    """`key` (a client's history key) was first seen in `stage` at `at`."""

    key: str
    at: datetime
    stage: Stage


def current_stages(first_seen: Mapping[str, Mapping[str, datetime]]) -> dict[str, StageEntry]:
    """Each client's current stage and since when, from the worker's first-seen facts
    (client key → fact → when)."""
    out = {}
    for key, facts in first_seen.items():
        for fact, at in facts.items():
            if fact.startswith(STAGE_FACT):
                try:
                    out[key] = StageEntry(key, at, Stage(fact.removeprefix(STAGE_FACT)))
                except ValueError:
                    continue  # a stage a newer sheetsync knows
    return out


@dataclass(frozen=True)
class Waiting:
    key: str
    stage: Stage
    since: datetime
    office_time: timedelta


@dataclass(frozen=True)
class Movement:
    """What happened in one period: clients new to the sheet, moves to a later stage,
    clients done."""

    new: int = 0
    advanced: int = 0
    done: int = 0


@dataclass(frozen=True)
class WeekRow:
    start: datetime
    movement: Movement
    medians: Mapping[Stage, timedelta]  # median office time spent at each step finished


def funnel(current: Iterable[StageEntry]) -> dict[Stage, int]:
    counts = Counter(e.stage for e in current)
    return {stage: counts[stage] for stage in STAGES}


def longest_waiting(
    current: Iterable[StageEntry], calendar: OfficeCalendar, now: datetime, per_step: int = 3
) -> dict[Stage, list[Waiting]]:
    """The clients waiting longest at each step (office time since they entered it)."""
    by_step: dict[Stage, list[Waiting]] = defaultdict(list)
    for e in current:
        if e.stage != Stage.DONE:
            by_step[e.stage].append(Waiting(e.key, e.stage, e.at, calendar.office_time(e.at, now)))
    return {
        stage: sorted(by_step[stage], key=lambda w: (-w.office_time, w.key))[:per_step]
        for stage in STEPS
        if by_step[stage]
    }


def movement(history: Sequence[StageEntry], start: datetime, end: datetime) -> Movement:
    """New clients, moves forward and clients done within [start, end)."""
    counts: Counter[str] = Counter()
    for previous, entry in _pairs(history):
        if start <= entry.at < end:
            counts.update(_moved(previous, entry))
    return Movement(counts["new"], counts["advanced"], counts["done"])


def weeks(
    history: Sequence[StageEntry], calendar: OfficeCalendar, now: datetime, count: int = 8
) -> list[WeekRow]:
    """The last `count` weeks (Monday to Monday in the office's zone), oldest first:
    movement and the median office time of each step finished in that week. One walk
    through the history, whatever the number of weeks."""
    local = now.astimezone(calendar.zone)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    first = monday - WEEK * (count - 1)
    moves: list[Counter[str]] = [Counter() for _ in range(count)]
    spans: list[dict[Stage, list[timedelta]]] = [defaultdict(list) for _ in range(count)]
    for previous, entry in _pairs(history):
        week = (entry.at - first) // WEEK if entry.at >= first else -1
        if not 0 <= week < count:
            continue
        moves[week].update(_moved(previous, entry))
        if previous is not None and not previous.first:  # a first entry's start is unknown
            spent = calendar.office_time(previous.entry.at, entry.at)
            spans[week][previous.stage].append(spent)
    return [
        WeekRow(
            first + WEEK * i,
            Movement(moves[i]["new"], moves[i]["advanced"], moves[i]["done"]),
            {stage: _median(spans[i][stage]) for stage in STEPS if spans[i].get(stage)},
        )
        for i in range(count)
    ]


def _moved(previous: _Previous | None, entry: StageEntry) -> list[str]:
    """What an entry counts as: a new client, a move forward, a client done."""
    out = []
    if previous is None:
        out.append("new")
    elif STAGES.index(entry.stage) > STAGES.index(previous.stage):
        out.append("advanced")
    if entry.stage == Stage.DONE and (previous is None or previous.stage != Stage.DONE):
        out.append("done")
    return out


@dataclass(frozen=True)
class _Previous:
    entry: StageEntry
    first: bool

    @property
    def stage(self) -> Stage:
        return self.entry.stage


def _pairs(history: Sequence[StageEntry]) -> Iterable[tuple[_Previous | None, StageEntry]]:
    """Each entry with the client's entry before it (None for its first)."""
    last: dict[str, _Previous] = {}
    for entry in sorted(history):
        yield last.get(entry.key), entry
        last[entry.key] = _Previous(entry, entry.key not in last)


def _median(values: Sequence[timedelta]) -> timedelta:
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))
