"""Terminal output (rich): a pass's result, the worker's health, domain checks.

Imported by the commands that print, never at start-up: rich is slow to import."""

from __future__ import annotations

from collections import Counter
from datetime import tzinfo
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from sheetsync.core.model import Severity, Stage, Verdict
from sheetsync.core.result import SyncResult
from sheetsync.core.texts import Texts
from sheetsync.domains.lookup import NameCheck
from sheetsync.ops.health import Health

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_HEAD = {
    "hu": ("Ügyfelek állapota", "Szakasz", "Ügyfél", "Sor", "Teendők és problémák", "cella írva",
           "cella írandó (próba, semmi sem íródott)", "sor a következő körre maradt",
           "Fejlesztés indítható", "ügyfél",
           "sor kapta vissza a saját állapotát (egy kolléga közben sorokat mozgatott)",
           "további sor vár teendőre; mindet a --format json listázza"),
    "en": ("Client status", "Stage", "Client", "Row", "To do and problems", "cells written",
           "cells to write (dry run, nothing written)", "rows left for the next pass",
           "Development can start", "clients",
           "rows given back their own status (a colleague moved rows meanwhile)",
           "more rows have something to do; --format json lists them all"),
}  # fmt: skip


def terminal() -> Console:
    """Rich output; when piped or captured, wide enough that rows do not wrap."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 140))
    return console


# A terminal table of thousands of rows helps nobody and takes seconds to draw.
SHOWN_ROWS = 200
_AS_OF = {"hu": "állapot ekkor", "en": "as of"}


def render_terminal(
    result: SyncResult, console: Console, shown: int | None = None, *, as_of: bool = False
) -> None:
    """Per-stage counts, then the `shown` most urgent rows that have findings or
    something to do (errors first), and how many more there are. `as_of`: the pass was
    evaluated as of another moment (`sync --dry-run --at`), said in the rule."""
    texts, layout = result.texts, result.layout
    h = _HEAD[texts.locale]
    counts = Counter(e.stage for e in result.evaluations)
    when = f" — {_AS_OF[texts.locale]}: {texts.moment(result.started_at)}" if as_of else ""
    console.rule(f"[bold]{h[0]}[/] — {result.sheet}{when}", align="left")
    summary = Table()
    summary.add_column(h[1])
    summary.add_column("#", justify="right")
    for stage in Stage:
        if counts[stage]:
            summary.add_row(texts.stage(stage), str(counts[stage]))
    console.print(summary)

    detail = Table(show_lines=False, expand=False)
    detail.add_column(h[3], justify="right")
    detail.add_column(h[2])
    detail.add_column(h[1])
    detail.add_column(h[4])
    shown = SHOWN_ROWS if shown is None else shown
    waiting = [e for e in result.evaluations if e.stage != Stage.DONE or e.findings]
    waiting.sort(key=lambda e: (_worst(e), e.row.row))
    for e in waiting[:shown]:
        lines = Text(texts.next_step(e))
        for f in sorted(e.findings, key=lambda f: list(Severity).index(f.severity)):
            lines.append("\n")
            lines.append(f"{texts.severity(f.severity)}: {texts.finding(f, layout.labels)}",
                         style=_STYLE[f.severity])  # fmt: skip
        detail.add_row(str(e.row.row), e.row.client or "—", texts.stage(e.stage), lines)
    console.print(detail)
    if len(waiting) > shown:
        console.print(f"… {len(waiting) - shown} {h[11]}")

    for notice in result.notices:  # said once for the pass, not on every row it touches
        console.print(Text(texts.notice(notice), style="yellow"))
    ready = sum(e.development_can_start for e in result.evaluations)
    console.print(f"{h[8]}: {ready} {h[9]}")
    if result.dry_run:
        console.print(f"[bold]{result.cells_planned}[/] {h[6]}")
    else:
        console.print(f"[bold]{result.outcome.cells_written}[/] {h[5]}")
    if result.outcome.rows_repaired:
        console.print(f"[yellow]{result.outcome.rows_repaired} {h[10]}[/]")
    left = len(result.outcome.rows_skipped) + result.outcome.rows_left
    if left:
        console.print(f"[yellow]{left} {h[7]}[/]")
    if result.outcome.note:  # e.g. the workbook is open in Excel: the write waits
        console.print(Text(result.outcome.note, style="yellow"))


def _worst(e: Any) -> int:
    order = [Severity.ERROR, Severity.WARNING, Severity.INFO]
    return min((order.index(f.severity) for f in e.findings), default=len(order))


def render_health(health: Health, count: int, tz: tzinfo, console: Console) -> None:
    """Healthy or not and why, the last success, and the latest `count` syncs."""
    if health.healthy:
        console.print(Text("healthy", style="green"))
    else:  # reasons hold "[health] …": plain text, not rich markup
        console.print(Text("UNHEALTHY", style="red") + Text(": " + "; ".join(health.reasons)))
    last = health.last_success
    console.print(
        f"last success: {last.astimezone(tz):%Y-%m-%d %H:%M:%S %Z}"
        if last
        else "last success: none recorded"
    )
    console.print(f"failed in a row: {health.failed_streak}")
    last_run = health.last_run
    if last_run is not None and last_run.outcome in ("degraded", "deferred"):
        # a plain-text message, not markup
        console.print(Text(last_run.outcome, style="yellow") + Text(f": {last_run.error_message}"))
    table = Table("finished", "outcome", "rows", "cells written", "error", title="recent syncs")
    for run in health.runs[:count]:
        error = f"{run.error_class}: {run.error_message}" if run.error_class else ""
        if run.outcome in ("degraded", "deferred"):
            error = run.error_message or ""
        table.add_row(
            f"{run.finished_at.astimezone(tz):%Y-%m-%d %H:%M:%S}",
            run.outcome,
            str(run.rows),
            str(run.cells_written),
            Text(error),
        )
    console.print(table)


def render_checks(results: list[NameCheck], texts: Texts, console: Console) -> None:
    """Per name typed: verdict, source, and why (in words for an invalid name) with the
    details. The name is never cut: when a table would not fit the terminal (80
    columns and long names), each name gets a block of lines instead."""
    rows = [(r.unicode or r.input, r.verdict.value, r.source, _why(r, texts)) for r in results]
    widest = max((len(name) for name, *_ in rows), default=4)
    if widest + len("registered") + len("sheetsync") + WHY_MIN + 13 <= console.width:
        table = Table(show_lines=False)
        for column in ("name", "verdict", "source"):
            table.add_column(column, no_wrap=True)
        table.add_column("reason and details")
        for name, verdict, source, why in rows:
            table.add_row(Text(name), verdict, source, Text("\n".join(why)))
        console.print(table)
        return
    for name, verdict, source, why in rows:
        console.print(Text(f"{name}: {verdict} ({source})"), overflow="fold")
        for line in why:
            console.print(Padding(Text(line), (0, 0, 0, 2)))


WHY_MIN = 30  # the reason column's least width in the table layout


def _why(check: NameCheck, texts: Texts) -> list[str]:
    if check.verdict == Verdict.INVALID and check.reason:  # the suggestion is in the words
        return [texts.invalid_reason(check.reason, check.details.get("suggestion"))]
    details = [f"{key}: {value}" for key, value in check.details.items()]
    return ([check.reason] if check.reason else []) + details
