"""The pipeline report (pure): one self-contained HTML page with inline SVG charts.

No script, no external stylesheet, font or image: it opens from a file with no
network. Everything from the sheet (client names, the sheet's name) is cleaned as for
Slack (`notify.mrkdwn.clean`: no bidi control or zero-width character turns a name
around or hides it) and HTML-escaped; nothing secret is in what it is built from
(stage entries, first-seen times, the last report's names).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from sheetsync.core.calendar import OfficeCalendar
from sheetsync.core.memory import WorkerState
from sheetsync.core.model import Stage
from sheetsync.core.pipeline import (
    STEPS,
    StageEntry,
    Waiting,
    WeekRow,
    current_stages,
    funnel,
    longest_waiting,
    weeks,
)
from sheetsync.core.snapshot import read_report
from sheetsync.core.texts import Texts
from sheetsync.notify.mrkdwn import clean
from sheetsync.notify.pipeline import office_wait

WIDTH, BAR_HEIGHT, GAP = 640, 26, 8
COLOURS = ("#1b6ca8", "#e07b39", "#3a9e5f", "#b8433f", "#7c5cb5", "#8c6d4f", "#4d4d4d")
WORDS: Mapping[str, Mapping[str, str]] = {
    "hu": {
        "title": "Ügyfélfelvétel – {sheet}",
        "made": "Készült: {at}. A munkaidő {hours}, munkanapokon.",
        "funnel": "Hol tartanak az ügyfelek",
        "medians": "Egy lépés medián ideje hetente (munkaóra)",
        "trend": "Hetente: új ügyfelek, előrelépések, kész ügyfelek",
        "new": "új",
        "advanced": "előrelépés",
        "done": "kész",
        "waiting": "Legrégebben várnak",
        "client": "Ügyfél",
        "step": "Lépés",
        "wait": "Vár (munkaidő)",
        "none": "Még nincs elég adat.",
    },
    "en": {
        "title": "Client onboarding – {sheet}",
        "made": "Made {at}. Office hours {hours}, on working days.",
        "funnel": "Where the clients are",
        "medians": "Median time at each step, by week (office hours)",
        "trend": "Each week: new clients, moves forward, clients done",
        "new": "new",
        "advanced": "moved forward",
        "done": "done",
        "waiting": "Waiting longest",
        "client": "Client",
        "step": "Step",
        "wait": "Waiting (office time)",
        "none": "Not enough data yet.",
    },
}


@dataclass(frozen=True)
class PipelineView:
    sheet: str
    at: datetime
    funnel: Mapping[Stage, int]
    weeks: Sequence[WeekRow]
    waiting: Sequence[tuple[str, Waiting]]  # (client's name as shown, its wait)


def render_page(view: PipelineView, calendar: OfficeCalendar, locale: str = "hu") -> str:
    words, texts = WORDS[locale], Texts(locale)
    hours = f"{calendar.opens:%H:%M}–{calendar.closes:%H:%M}"
    title = words["title"].format(sheet=clean(view.sheet))
    made = words["made"].format(at=texts.moment(view.at.astimezone(calendar.zone)), hours=hours)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{locale}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1><p>{escape(made)}</p>",
        f"<h2>{escape(words['funnel'])}</h2>",
        _funnel(view.funnel, texts),
        f"<h2>{escape(words['medians'])}</h2>",
        _medians(view.weeks, texts, words),
        f"<h2>{escape(words['trend'])}</h2>",
        _trend(view.weeks, texts, words),
        f"<h2>{escape(words['waiting'])}</h2>",
        _waiting(view.waiting, calendar, texts, words),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:720px;margin:2em auto;color:#222}"
    "svg{display:block;margin:1em 0}table{border-collapse:collapse}"
    "td,th{padding:.25em .75em;border-bottom:1px solid #ddd;text-align:left}"
    "text{font-size:12px;font-family:system-ui,sans-serif}"
)


def _svg(height: int, body: Sequence[str], label: str) -> str:
    return (
        f'<svg width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(label)}">'
        + "".join(body)
        + "</svg>"
    )


def _funnel(counts: Mapping[Stage, int], texts: Texts) -> str:
    widest = max(counts.values(), default=0) or 1
    label_width, room = 190, WIDTH - 190 - 50
    body = []
    for i, (stage, n) in enumerate(counts.items()):
        y = i * (BAR_HEIGHT + GAP)
        width = round(room * n / widest)
        body.append(
            f'<text x="0" y="{y + 17}">{escape(texts.stage(stage))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
            f'fill="{COLOURS[i % len(COLOURS)]}"><title>{n}</title></rect>'
            f'<text x="{label_width + width + 6}" y="{y + 17}">{n}</text>'
        )
    return _svg(len(counts) * (BAR_HEIGHT + GAP), body, "funnel")


def _week_label(row: WeekRow) -> str:
    return row.start.strftime("%m.%d")


def _medians(weeks: Sequence[WeekRow], texts: Texts, words: Mapping[str, str]) -> str:
    if not any(row.medians for row in weeks):
        return f"<p>{escape(words['none'])}</p>"
    height, left, top, bottom = 260, 40, 10, 40
    plot_w, plot_h = WIDTH - left - 170, height - top - bottom
    hours = [m / timedelta(hours=1) for row in weeks for m in row.medians.values()]
    ceiling = max(hours) or 1.0
    step_x = plot_w / max(len(weeks) - 1, 1)
    body = [_axes(left, top, plot_w, plot_h, ceiling, weeks, step_x)]
    for i, stage in enumerate(STEPS):
        points = [
            (
                left + j * step_x,
                top + plot_h - plot_h * (row.medians[stage] / timedelta(hours=1)) / ceiling,
            )
            for j, row in enumerate(weeks)
            if stage in row.medians
        ]
        if not points:
            continue
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points]
        body.append(
            f'<rect x="{WIDTH - 160}" y="{top + i * 18}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{WIDTH - 145}" y="{top + i * 18 + 10}">{escape(texts.stage(stage))}</text>'
        )
    return _svg(height, body, "medians")


def _trend(weeks: Sequence[WeekRow], texts: Texts, words: Mapping[str, str]) -> str:
    height, left, top, bottom = 220, 40, 10, 40
    plot_w, plot_h = WIDTH - left - 170, height - top - bottom
    series = (
        ("new", [r.movement.new for r in weeks]),
        ("advanced", [r.movement.advanced for r in weeks]),
        ("done", [r.movement.done for r in weeks]),
    )
    ceiling = max((v for _, values in series for v in values), default=0) or 1
    slot = plot_w / max(len(weeks), 1)
    bar = slot / (len(series) + 1)
    body = [_axes(left, top, plot_w, plot_h, ceiling, weeks, slot, centred=True)]
    for k, (name, values) in enumerate(series):
        colour = COLOURS[k]
        for j, value in enumerate(values):
            h = plot_h * value / ceiling
            x = left + j * slot + bar * (k + 0.5)
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{value}</title></rect>'
            )
        body.append(
            f'<rect x="{WIDTH - 160}" y="{top + k * 18}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{WIDTH - 145}" y="{top + k * 18 + 10}">{escape(words[name])}</text>'
        )
    return _svg(height, body, "trend")


def _axes(
    left: float,
    top: float,
    width: float,
    height: float,
    ceiling: float,
    weeks: Sequence[WeekRow],
    step: float,
    *,
    centred: bool = False,
) -> str:
    shift = step / 2 if centred else 0
    ticks = "".join(
        f'<text x="{left + j * step + shift:.1f}" y="{top + height + 18}" '
        f'text-anchor="middle">{escape(_week_label(row))}</text>'
        for j, row in enumerate(weeks)
    )
    return (
        f'<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" '
        'stroke="#888"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + height}" stroke="#888"/>'
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end">{ceiling:g}</text>'
        f'<text x="{left - 6}" y="{top + height}" text-anchor="end">0</text>' + ticks
    )


def _waiting(
    waiting: Sequence[tuple[str, Waiting]],
    calendar: OfficeCalendar,
    texts: Texts,
    words: Mapping[str, str],
) -> str:
    if not waiting:
        return f"<p>{escape(words['none'])}</p>"
    rows = "".join(
        f"<tr><td>{escape(clean(name))}</td><td>{escape(texts.stage(w.stage))}</td>"
        f"<td>{escape(office_wait(w.office_time, calendar, texts.locale))}</td></tr>"
        for name, w in waiting
    )
    head = "".join(f"<th>{escape(words[k])}</th>" for k in ("client", "step", "wait"))
    return f"<table><tr>{head}</tr>{rows}</table>"


def pipeline_view(
    state: WorkerState,
    history: Sequence[StageEntry],
    calendar: OfficeCalendar,
    now: datetime,
    sheet: str,
) -> PipelineView:
    """The page's data from the state store alone: current stages from the worker's
    memory, weeks from the history, names from the last report sent (its key where a
    client is not in it)."""
    report = read_report(state.last_report) if state.last_report else None
    names = {k: c.client or k for k, c in report.clients.items()} if report else {}
    current = list(current_stages({k: r.first_seen for k, r in state.rows.items()}).values())
    waiting = [
        (names.get(w.key, w.key), w)
        for waits in longest_waiting(current, calendar, now).values()
        for w in waits
    ]
    return PipelineView(
        report.sheet if report else sheet,
        now,
        funnel(current),
        weeks(history, calendar, now),
        waiting,
    )
