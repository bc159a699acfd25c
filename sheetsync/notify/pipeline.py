"""The pipeline in the daily digest (pure): the stage funnel as text bars, the week's
movement, and the clients waiting longest at each step with their office-time wait."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sheetsync.core.calendar import OfficeCalendar
from sheetsync.core.pipeline import (
    WEEK,
    StageEntry,
    current_stages,
    funnel,
    longest_waiting,
    movement,
)
from sheetsync.core.snapshot import ReportSnapshot
from sheetsync.notify.mrkdwn import escape
from sheetsync.notify.summary import Line, Section, _Writer

BAR_WIDTH = 20
WORDS: Mapping[str, Mapping[str, str]] = {
    "hu": {
        "funnel": ":bar_chart: Hol tartanak az ügyfelek",
        "week": ":calendar: Az elmúlt 7 nap",
        "moves": "új ügyfél: *{new}* · lépett előre: *{advanced}* · kész: *{done}*",
        "waiting": ":hourglass_flowing_sand: Legrégebben várnak",
        "days": "{n} munkanap",
        "hours": "{n} munkaóra",
    },
    "en": {
        "funnel": ":bar_chart: Where the clients are",
        "week": ":calendar: The last 7 days",
        "moves": "new clients: *{new}* · moved forward: *{advanced}* · done: *{done}*",
        "waiting": ":hourglass_flowing_sand: Waiting longest",
        "days": "{n} working days",
        "hours": "{n} office hours",
    },
}


def office_wait(spent: timedelta, calendar: OfficeCalendar, locale: str) -> str:
    """`3 munkanap 2 munkaóra` / `3 working days 2 office hours` (whole hours)."""
    words = WORDS[locale]
    days, rest = divmod(spent, calendar.day_length)
    hours = int(rest / timedelta(hours=1))
    parts = [words["days"].format(n=days)] if days else []
    if hours or not parts:
        parts.append(words["hours"].format(n=hours))
    return " ".join(parts)


def pipeline_sections(
    report: ReportSnapshot,
    first_seen: Mapping[str, Mapping[str, datetime]],
    history: Sequence[StageEntry],
    calendar: OfficeCalendar,
    *,
    locale: str,
    now: datetime,
) -> list[Section]:
    """The digest's pipeline sections. `first_seen` is the worker's memory (client key →
    fact → when); `history` the store's stage entries."""
    w = _Writer(locale, calendar.zone)
    words = WORDS[locale]
    current = [e for key, e in current_stages(first_seen).items() if key in report.clients]
    counts = funnel(current)
    widest = max(counts.values(), default=0) or 1
    bars = []
    for stage, n in counts.items():
        bar = "█" * round(BAR_WIDTH * n / widest) or ("▏" if n else "")
        name = w.texts.stage(stage)
        bars.append(Line(f"`{bar:<{BAR_WIDTH}}` *{n}* {escape(name)}", f"{bar} {n} {name}"))
    moved = movement(history, now - WEEK, now)
    moves = words["moves"].format(new=moved.new, advanced=moved.advanced, done=moved.done)
    waiting = []
    for stage, clients in longest_waiting(current, calendar, now).items():
        for wait in clients:
            found = report.clients.get(wait.key)
            if found is not None:
                spent = office_wait(wait.office_time, calendar, locale)
                waiting.append(w.client(found, f"{w.texts.stage(stage)}: {spent}"))
    return [
        Section(words["funnel"], tuple(bars), True),
        Section(words["week"], (Line(moves, moves.replace("*", "")),), True),
        Section(words["waiting"], tuple(waiting)),
    ]
