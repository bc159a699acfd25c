"""One worker pass: load state → sync → save state → tell the team.

The state is saved only after the sheet was written, in one transaction; the
summary is sent only after that, and recorded as sent only once delivered. So a
crash anywhere loses nothing: the next pass redoes the work and reports what was
not reported. A notifier failure never fails the pass.
"""

from __future__ import annotations

import logging
import traceback
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sheetsync.clock import Clock
from sheetsync.core.memory import AdvanceMemo, MemoryMemo, WorkerState, describe_error, failed
from sheetsync.core.result import SyncResult
from sheetsync.core.snapshot import SnapshotMemo, diff, snapshot_of
from sheetsync.domains.port import DomainChecker
from sheetsync.errors import NotifierError, SheetsyncError
from sheetsync.notify.port import Message, Notifier
from sheetsync.notify.summary import failure_message, summary
from sheetsync.run.reuse import PassMemo
from sheetsync.run.sync import run_sync
from sheetsync.settings import Settings
from sheetsync.sheets.port import SheetBackend
from sheetsync.state.port import RunRecord, StateStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassOutcome:
    result: SyncResult | None  # None when the sync itself failed
    error: BaseException | None = None
    message: Message | None = None  # the summary or announcement built, if any
    delivered: bool = False


class Worker:
    def __init__(
        self,
        sheet: SheetBackend,
        checker: DomainChecker,
        settings: Settings,
        clock: Clock,
        store: StateStore,
        notifier: Notifier | None,
    ) -> None:
        self.sheet = sheet
        self.checker = checker
        self.settings = settings
        self.clock = clock
        self.store = store
        self.notifier = notifier
        # What the previous pass built, reused while its inputs are unchanged: the
        # sheet's parse and evaluation, the memory handed to the rules, the snapshots.
        self.memo = PassMemo()
        self._memory = MemoryMemo()
        self._advance = AdvanceMemo()
        self._snapshots = SnapshotMemo()

    def run_once(self, *, dry_run: bool = False) -> PassOutcome:
        """One pass. A dry run reads and computes only: no write, no save, no message."""
        state = self.store.load()
        started = self.clock()
        try:
            result = run_sync(
                self.sheet,
                self.checker,
                self.settings,
                self.clock,
                dry_run=dry_run,
                memory=self._memory.of(state),
                fingerprint=self.store.fingerprint,
                memo=self.memo,
            )
        except Exception as exc:
            if dry_run:
                return PassOutcome(None, exc)
            return self._failed(state, exc, started)
        if dry_run:
            return PassOutcome(result)
        saved = self._advance.advance(state, result)
        try:
            self.store.save(saved, _run_record(result))
        except Exception as exc:  # the sheet is written; the next pass redoes the rest
            log.error("state not saved (%s); the next sync redoes this one", describe_error(exc)[1])
            return PassOutcome(result, exc)
        return self._report(state, saved, result)

    def _report(self, before: WorkerState, saved: WorkerState, result: SyncResult) -> PassOutcome:
        current = snapshot_of(result, self._snapshots)
        previous = self._snapshots.report(before.last_report) if before.last_report else None
        now = result.finished_at
        digest = previous is not None and digest_due(before.last_digest_at, now, self.settings)
        changes = diff(previous, current) if previous else None
        failure = saved.failure
        recovered = failure if failure and failure.recovered_at else None
        if changes is not None and changes.empty and not digest and recovered is None:
            log.info("nothing new since the last report: no message")
            return PassOutcome(result)
        message = summary(
            current,
            changes,
            locale=self.settings.locale,
            tz=self.settings.tz,
            since=before.last_report_at,
            digest=digest,
            recovered=recovered,
        )
        if not self._deliver(message):
            return PassOutcome(result, None, message, False)
        text = self._snapshots.to_json(current)
        reported = replace(
            saved,
            last_report=text,
            last_report_at=now,
            last_digest_at=now if digest or previous is None else saved.last_digest_at,
            failure=None,
        )
        self._save_quietly(reported)
        self._snapshots.sent(text, current)
        return PassOutcome(result, None, message, True)

    def _failed(self, state: WorkerState, error: Exception, started: datetime) -> PassOutcome:
        error_class, text = describe_error(error)
        if isinstance(error, SheetsyncError):
            log.error("sync failed: %s", text)
        else:  # no traceback text: a foreign error's message could quote a cell
            log.error("sync failed: %s at %s", text, _where(error))
        now = self.clock()
        state = failed(state, error, now)
        run = RunRecord(started, now, "failed", error_class=error_class, error_message=text)
        self._save_quietly(state, run)
        failure = state.failure
        if failure is None or failure.announced:
            return PassOutcome(None, error)
        message = failure_message(
            self.sheet.name, failure, locale=self.settings.locale, tz=self.settings.tz
        )
        delivered = self._deliver(message)
        if delivered:
            self._save_quietly(replace(state, failure=replace(failure, announced=True)))
        return PassOutcome(None, error, message, delivered)

    def _deliver(self, message: Message) -> bool:
        if self.notifier is None:
            return False
        try:
            self.notifier.send(message)
        except NotifierError:
            return False  # the notifier logged why, once
        except Exception as exc:
            log.error("the notifier failed unexpectedly (%s)", type(exc).__name__)
            return False
        return True

    def _save_quietly(self, state: WorkerState, run: RunRecord | None = None) -> None:
        try:
            self.store.save(state, run)
        except Exception as exc:
            log.error("state not saved: %s", describe_error(exc)[1])


def digest_due(last: datetime | None, now: datetime, settings: Settings) -> bool:
    """True once a day: at the first pass at or after `[slack] digest_time` (local)."""
    at = settings.slack.digest_time
    if at is None:
        return False
    local = now.astimezone(ZoneInfo(settings.timezone))
    hour, minute = (int(part) for part in at.split(":"))
    moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if local < moment:
        moment -= timedelta(days=1)
    return last is None or last < moment


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.filename}:{last.lineno} ({last.name})"


def _run_record(result: SyncResult) -> RunRecord:
    return RunRecord(
        started_at=result.started_at,
        finished_at=result.finished_at,
        outcome="ok",
        rows=len(result.evaluations),
        cells_written=result.outcome.cells_written,
        counts=dict(Counter(e.stage.value for e in result.evaluations)),
    )
