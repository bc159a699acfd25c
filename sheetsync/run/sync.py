"""One sync pass: the only place that sequences I/O around the pure core.

read sheet → locate columns → parse rows → check domains → evaluate → plan → write.
A sheet-level problem raises before anything is written.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

from sheetsync.clock import Clock
from sheetsync.core.layout import locate
from sheetsync.core.memory import Memory
from sheetsync.core.model import (
    ClientRow,
    DomainName,
    DomainVerdict,
    Finding,
    Verdict,
)
from sheetsync.core.plan import (
    Identity,
    WriteOutcome,
    plan_writes,
    render_status,
)
from sheetsync.core.result import SyncResult
from sheetsync.core.rows import Fingerprinter, ephemeral_fingerprinter, parse_rows
from sheetsync.core.rules import Context, credential_changes, evaluate, needs_domain_check
from sheetsync.core.texts import Texts
from sheetsync.core.values import CellValue
from sheetsync.domains.port import DomainChecker
from sheetsync.run.reuse import Parsed, PassMemo, WorkedOut, earliest_expiry, setup_of
from sheetsync.settings import Settings
from sheetsync.sheets.port import SheetBackend

log = logging.getLogger(__name__)


def run_sync(
    sheet: SheetBackend,
    checker: DomainChecker,
    settings: Settings,
    clock: Clock,
    *,
    dry_run: bool = False,
    memory: Memory = Memory(),
    fingerprint: Fingerprinter | None = None,
    memo: PassMemo | None = None,
) -> SyncResult:
    """One pass. With a `memo` (a worker's, kept between its passes) the previous
    pass's parse and evaluation are reused while nothing they depend on changed."""
    started = clock().astimezone(settings.tz)
    snapshot = sheet.read()
    fingerprinter = fingerprint or ephemeral_fingerprinter()
    setup = setup_of(settings, fingerprinter)
    parsed = memo.parsed(snapshot.version, setup) if memo else None
    if parsed is None:
        with gc_paused():
            layout = locate(
                snapshot.rows, settings.columns, settings.status_columns, settings.sheet.header_row
            )
            content: tuple[bytes, ...] = ()
            if memo is None:
                rows = parse_rows(snapshot.rows, layout, settings.tz, fingerprinter)
            else:
                rows, content = memo.parse(snapshot.rows, setup, layout, settings.tz, fingerprinter)
        domains = domains_to_check(rows)
        parsed = Parsed(snapshot.version, setup, layout, tuple(rows), domains, content)
    layout, rows = parsed.layout, list(parsed.rows)
    verdicts = _check_domains(checker, parsed.domains)
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
    )
    texts = Texts(settings.locale)
    known = memo.worked_out(parsed, context) if memo else None
    if known is None:
        with gc_paused():
            known = _work_out(snapshot.rows, parsed, context, texts, memo)
    elif not known.plan.is_empty:  # not written last time: plan again, stamped now
        replanned = plan_writes(snapshot.rows, layout, known.status, texts, started)
        known = replace(known, plan=replanned)
    evaluations, status, plan = known.evaluations, known.status, known.plan
    outcome = WriteOutcome() if dry_run else sheet.write(plan)
    if memo is not None:
        memo.remember(parsed, known)
    if outcome.note:
        log.warning("sync left rows for the next pass: %s", outcome.note)
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
    )


def _work_out(
    sheet: Sequence[Sequence[CellValue]],
    parsed: Parsed,
    context: Context,
    texts: Texts,
    memo: PassMemo | None,
) -> WorkedOut:
    """Evaluate, render and plan; with a `memo`, reusing the rows it can."""
    if memo is None:
        evaluations = evaluate(parsed.rows, context)
        status = {e.row.row: render_status(e, texts, parsed.layout) for e in evaluations}
        cross: Mapping[int, Sequence[Finding]] = {}
        identities: Sequence[Identity | None] = ()
    else:
        evaluations, status, cross = memo.evaluate(parsed, context, texts)
        identities = memo.identities(parsed)
    plan = plan_writes(sheet, parsed.layout, status, texts, context.now, identities)
    return WorkedOut(context, tuple(evaluations), status, plan, earliest_expiry(evaluations), cross)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around the pure core: it allocates many small
    acyclic objects per row, which set off full collections that scan every one of them
    (a third of the core's time at 10,000 rows). Reference counting still frees them;
    any cycles are collected once the collector runs again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
        return {d.ascii: DomainVerdict(Verdict.UNKNOWN, "sheetsync", None, reason) for d in domains}
