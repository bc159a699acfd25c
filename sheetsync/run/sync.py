"""One sync pass: the only place that sequences I/O around the pure core.

read sheet → locate columns → parse rows → check domains → evaluate → plan → write.
A sheet-level problem raises before anything is written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from sheetsync.clock import Clock
from sheetsync.core.layout import locate
from sheetsync.core.memory import NO_MEMORY, Memory
from sheetsync.core.model import (
    ClientRow,
    DomainName,
    DomainVerdict,
    Doubt,
    Verdict,
)
from sheetsync.core.notices import notices_of
from sheetsync.core.plan import (
    WriteOutcome,
    plan_writes,
    render_status,
)
from sheetsync.core.result import SyncResult
from sheetsync.core.rows import Fingerprinter, ephemeral_fingerprinter, parse_rows
from sheetsync.core.rules import Context, credential_changes, evaluate, needs_domain_check
from sheetsync.core.texts import Texts
from sheetsync.domains.port import DomainChecker
from sheetsync.settings import Settings
from sheetsync.sheets.port import SheetBackend

log = logging.getLogger(__name__)


def run_sync(
    sheet: SheetBackend,
    checker: DomainChecker,
    settings: Settings,
    clock: Clock,
    memory: Memory = NO_MEMORY,
    *,
    dry_run: bool = False,
    fingerprint: Fingerprinter | None = None,
) -> SyncResult:
    """One pass. `fingerprint` keys the secret cells' fingerprints (the state store's, so
    they compare across passes); without one they compare within this process only."""
    started = clock().astimezone(settings.tz)
    snapshot = sheet.read()
    layout = locate(
        snapshot.rows, settings.columns, settings.status_columns, settings.sheet.header_row
    )
    rows = parse_rows(snapshot.rows, layout, settings.tz, fingerprint or ephemeral_fingerprinter())
    verdicts = _check_domains(checker, domains_to_check(rows))
    shown_for = timedelta(hours=settings.thresholds.credential_changed_hours)
    changes = credential_changes(
        memory.fingerprints, memory.credential_changes, rows, started, shown_for
    )
    context = Context(
        now=started,
        thresholds=settings.thresholds,
        verdicts=verdicts,
        first_seen=memory.first_seen,
        credential_changes=changes,
        calendar=settings.office_calendar(started),
    )
    texts = Texts(settings.locale)
    evaluations = tuple(evaluate(rows, context))
    status = {e.row.row: render_status(e, texts, layout) for e in evaluations}
    plan = plan_writes(snapshot.rows, layout, status, texts, started)
    outcome = WriteOutcome() if dry_run else sheet.write(plan)
    if outcome.note:
        log.warning("the sheet changed while syncing: %s", outcome.note)
    urls = {e.row.row: url for e in evaluations if (url := sheet.row_url(e.row.row))}
    return SyncResult(
        sheet=snapshot.title,
        started_at=started,
        finished_at=clock().astimezone(settings.tz),
        dry_run=dry_run,
        layout=layout,
        evaluations=evaluations,
        status=status,
        plan=plan,
        outcome=outcome,
        texts=texts,
        row_urls=urls,
        credential_changes=changes,
        notices=notices_of(verdicts),
    )


def domains_to_check(rows: Sequence[ClientRow]) -> tuple[DomainName, ...]:
    """Each domain once whose verdict some row's status depends on."""
    wanted: dict[str, DomainName] = {}
    for row in rows:
        if row.domain is not None and needs_domain_check(row):
            wanted.setdefault(row.domain.ascii, row.domain)
    return tuple(wanted.values())


def _check_domains(
    checker: DomainChecker, domains: Sequence[DomainName]
) -> dict[str, DomainVerdict]:
    if not domains:
        return {}
    try:
        return dict(checker.check(list(domains)))
    except Exception as exc:  # a checker bug must not stop the sheet being annotated
        log.exception("domain checker failed; verdicts are unknown this pass")
        reason = f"checker failed: {type(exc).__name__}"
        return {
            d.ascii: DomainVerdict(
                Verdict.UNKNOWN, "sheetsync", None, reason, doubt=Doubt.CHECKER_FAILED
            )
            for d in domains
        }
