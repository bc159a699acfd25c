"""The sync report: the JSON contract of rules.md (pure)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sheetsync.core.model import Notice, Severity, Stage, Verdict
from sheetsync.core.result import SyncResult
from sheetsync.core.texts import Texts


def to_json(result: SyncResult, *, as_of: bool = False) -> dict[str, Any]:
    """The machine-readable report (public contract: add fields, never rename). `as_of`:
    the pass evaluated another moment than now (`sync --dry-run --at`)."""
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
                "doubt": v.doubt.value if v and v.doubt else None,
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
                "doubt": None,
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
        "as_of": result.started_at.isoformat() if as_of else None,
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
        "notices": [notice_json(n, texts) for n in result.notices],
        "cells_written": result.outcome.cells_written,
        "cells_planned": result.cells_planned,
        "rows_skipped": list(result.outcome.rows_skipped),
        "rows_repaired": result.outcome.rows_repaired,
        "rows_left": result.outcome.rows_left,
        "note": result.outcome.note,
    }


def notice_json(notice: Notice, texts: Texts) -> dict[str, Any]:
    """A run-level notice in the report: its code, its message in the sheet's language,
    and its facts (public contract: `code`, `message`, `servers`)."""
    return {
        "code": notice.code.value,
        "message": texts.notice(notice),
        "servers": list(notice.servers),
        "tlds": list(notice.tlds),
        "checks_off": notice.checks_off,
        "domains": notice.domains,
    }
