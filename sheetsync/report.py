"""The sync report: the JSON contract of rules.md, and a readable terminal summary."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .model import Severity, Stage, Verdict
from .sync import SyncResult


def to_json(result: SyncResult) -> dict[str, Any]:
    """The machine-readable report (public contract: add fields, never rename)."""
    texts, layout = result.texts, result.layout
    rows = []
    for e in result.evaluations:
        row = e.row
        domain: dict[str, Any] | None = None
        if row.domain is not None:
            v = e.domain_verdict
            domain = {
                "input": row.domain.input,
                "ascii": row.domain.ascii,
                "unicode": row.domain.unicode,
                "verdict": v.verdict.value if v else None,
                "source": v.source if v else None,
                "checked_at": v.checked_at.isoformat() if v and v.checked_at else None,
                "reason": v.reason if v else None,
            }
        elif row.domain_typed:
            invalid = next((f for f in e.findings if f.column == "domain"), None)
            domain = {
                "input": invalid.params.get("input") if invalid else None,
                "ascii": None,
                "verdict": Verdict.INVALID.value,
                "source": "sheetsync",
                "checked_at": None,
                "reason": invalid.params.get("reason") if invalid else None,
            }
        rows.append(
            {
                "row": row.row,
                "client": row.client,
                "stage": e.stage.value,
                "development_can_start": e.development_can_start,
                "next_step": texts.next_step(e),
                "findings": [
                    {
                        "code": f.code.value,
                        "severity": f.severity.value,
                        "column": layout.label(f.column),
                        "message": texts.finding(f, layout.labels),
                    }
                    for f in e.findings
                ],
                "domain": domain,
                "url": result.row_urls.get(row.row),
            }
        )
    by_stage = Counter(e.stage.value for e in result.evaluations)
    by_severity = Counter(f.severity.value for e in result.evaluations for f in e.findings)
    by_code = Counter(f.code.value for e in result.evaluations for f in e.findings)
    return {
        "sheet": result.sheet,
        "started_at": result.started_at.isoformat(),
        "finished_at": result.finished_at.isoformat(),
        "dry_run": result.dry_run,
        "rows": rows,
        "counts": {
            "rows": len(result.evaluations),
            "by_stage": {s.value: by_stage[s.value] for s in Stage if by_stage[s.value]},
            "by_severity": {
                s.value: by_severity[s.value] for s in Severity if by_severity[s.value]
            },
            "by_code": dict(sorted(by_code.items())),
            "development_can_start": sum(e.development_can_start for e in result.evaluations),
        },
        "cells_written": result.outcome.cells_written,
        "cells_planned": result.cells_planned,
        "rows_skipped": list(result.outcome.rows_skipped),
        "note": result.outcome.note,
    }


_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_HEAD = {
    "hu": ("Ügyfelek állapota", "Szakasz", "Ügyfél", "Sor", "Teendők és problémák", "cella írva",
           "cella írandó (próba, semmi sem íródott)", "sor a következő körre maradt",
           "Fejlesztés indítható", "ügyfél"),
    "en": ("Client status", "Stage", "Client", "Row", "To do and problems", "cells written",
           "cells to write (dry run, nothing written)", "rows left for the next pass",
           "Development can start", "clients"),
}  # fmt: skip


def render_terminal(result: SyncResult, console: Console) -> None:
    """Per-stage counts, then every row that has findings or something to do."""
    texts, layout = result.texts, result.layout
    h = _HEAD[texts.locale]
    counts = Counter(e.stage for e in result.evaluations)
    console.rule(f"[bold]{h[0]}[/] — {result.sheet}", align="left")
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
    for e in sorted(result.evaluations, key=lambda e: (_worst(e), e.row.row)):
        if e.stage == Stage.DONE and not e.findings:
            continue
        lines = Text(texts.next_step(e))
        for f in sorted(e.findings, key=lambda f: list(Severity).index(f.severity)):
            lines.append("\n")
            lines.append(f"{texts.severity(f.severity)}: {texts.finding(f, layout.labels)}",
                         style=_STYLE[f.severity])  # fmt: skip
        detail.add_row(str(e.row.row), e.row.client or "—", texts.stage(e.stage), lines)
    console.print(detail)

    ready = sum(e.development_can_start for e in result.evaluations)
    console.print(f"{h[8]}: {ready} {h[9]}")
    if result.dry_run:
        console.print(f"[bold]{result.cells_planned}[/] {h[6]}")
    else:
        console.print(f"[bold]{result.outcome.cells_written}[/] {h[5]}")
    if result.outcome.rows_skipped:
        console.print(f"[yellow]{len(result.outcome.rows_skipped)} {h[7]}[/]")


def _worst(e: Any) -> int:
    order = [Severity.ERROR, Severity.WARNING, Severity.INFO]
    return min((order.index(f.severity) for f in e.findings), default=len(order))
