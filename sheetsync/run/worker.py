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
from sheetsync.core.alerts import events_of, news
from sheetsync.core.memory import Failure, WorkerState, advance, describe_error, failed, memory_of
from sheetsync.core.result import SyncResult
from sheetsync.core.snapshot import Changes, ReportSnapshot, diff, read_report, snapshot_of
from sheetsync.core.texts import Texts
from sheetsync.domains.port import DomainChecker
from sheetsync.errors import NotifierError, SheetsyncError
from sheetsync.notify.alerts import alert_message
from sheetsync.notify.pipeline import pipeline_sections
from sheetsync.notify.port import Message, Notifier
from sheetsync.notify.summary import Section, failure_message, summary
from sheetsync.redaction import redact
from sheetsync.run.steady import LastPass, ReadOnce
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
    alert: Message | None = None  # the alert built, if any (sent before the summary)
    alert_delivered: bool = False


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
        # The last full pass, answered again while the sheet, the state, the verdicts
        # and the time thresholds are as they were (`steady`).
        self.last = LastPass(settings.thresholds.credential_changed_hours)
        # The office calendar is built now, not in the first pass: loading the public
        # holidays takes a few tenths of a second that a pass's deadline should not pay.
        settings.office_calendar(clock())

    def run_once(self, *, dry_run: bool = False) -> PassOutcome:
        """One pass. A dry run reads and computes only: no write, no save, no message."""
        state = self.store.load()
        started = self.clock()
        try:
            snapshot = self.sheet.read()
            reused = None
            if not (dry_run or self._message_due(state, started)):
                reused = self.last.reuse(snapshot, state, self.checker, started)
            if reused is not None:
                return self._steady(state, reused)
            result = run_sync(
                ReadOnce(self.sheet, snapshot),
                self.checker,
                self.settings,
                self.clock,
                memory_of(state),
                dry_run=dry_run,
                fingerprint=self.store.fingerprint,
            )
        except Exception as exc:
            if dry_run:
                return PassOutcome(None, exc)
            self.last.forget()
            return self._failed(state, exc, started)
        if dry_run:
            return PassOutcome(result)
        saved = advance(state, result)
        try:
            self.store.save(saved, _run_record(result))
        except Exception as exc:  # the sheet is written; the next pass redoes the rest
            self.last.forget()
            log.error("state not saved (%s); the next sync redoes this one", describe_error(exc)[1])
            return PassOutcome(result, exc)
        try:
            alert, alert_delivered, saved = self._alert(state, saved, result)
            outcome, final = self._report(state, saved, result)
        except Exception as exc:  # never a healthy-looking pass that can no longer report
            return self._unreported(saved, result, exc)
        outcome = replace(outcome, alert=alert, alert_delivered=alert_delivered)
        owed = (outcome.message is not None and not outcome.delivered) or (
            alert is not None and not alert_delivered
        )
        if owed:  # the next pass must build the message again
            self.last.forget()
        else:
            self.last.remember(snapshot, state, final, result)
        return outcome

    def _unreported(self, saved: WorkerState, result: SyncResult, error: Exception) -> PassOutcome:
        """The sheet is written and the state saved, but the alert or the summary could
        not be built: the pass is recorded once more, as degraded, so `status`, /healthz and
        /metrics agree on it; the next pass reports again."""
        self.last.forget()
        error_class, _ = describe_error(error)
        log.error("the summary could not be built: %s at %s", error_class, _where(error))
        why = f"the summary could not be built ({error_class}); the next pass tries again"
        run = replace(_run_record(result), outcome="degraded", error_message=why)
        self._save_quietly(saved, run)
        return PassOutcome(result, error)

    def _message_due(self, state: WorkerState, now: datetime) -> bool:
        """A digest or a summary whose window ended is due: the pass cannot be skipped."""
        pending = state.changes_pending_since
        window = timedelta(minutes=self.settings.slack.summary_window_minutes)
        return digest_due(state.last_digest_at, now, self.settings) or (
            pending is not None and now >= pending + window
        )

    def _alert(
        self, before: WorkerState, saved: WorkerState, result: SyncResult
    ) -> tuple[Message | None, bool, WorkerState]:
        """Alert the events this pass is the first to see; remember them once delivered
        (an undelivered alert is tried again by the next pass)."""
        fresh, kept = news(events_of(result.evaluations), before.alerted)
        message = None
        delivered = False
        if fresh:
            message = alert_message(
                fresh, snapshot_of(result), locale=self.settings.locale, tz=self.settings.tz
            )
            delivered = self._deliver(message)
            if delivered:
                kept |= {a.ident for a in fresh}
                log.info("alerted %d new event(s)", len(fresh))
        alerted = replace(saved, alerted=kept)
        if alerted != saved and not self._save_quietly(alerted):
            return message, delivered, saved
        return message, delivered, alerted

    def _steady(self, state: WorkerState, result: SyncResult) -> PassOutcome:
        """A pass over an unchanged sheet: nothing to write, remember or tell; the run is
        recorded so health sees the worker alive."""
        try:
            self.store.save(state, _run_record(result))
        except Exception as exc:
            self.last.forget()
            log.error("run not recorded (%s)", describe_error(exc)[1])
            return PassOutcome(result, exc)
        log.info("the sheet is as the last pass left it: nothing to write or report")
        return PassOutcome(result)

    def _report(
        self, before: WorkerState, saved: WorkerState, result: SyncResult
    ) -> tuple[PassOutcome, WorkerState]:
        """Tell the team what changed; the outcome and the state as finally saved."""
        current = snapshot_of(result)
        previous = read_report(before.last_report) if before.last_report else None
        now = result.finished_at
        digest = previous is not None and digest_due(before.last_digest_at, now, self.settings)
        changes = diff(previous, current) if previous else None
        failure = saved.failure
        recovered = failure if failure and failure.recovered_at else None
        # Changes wait for the summary window (from when they were first seen); a digest
        # or a recovery takes them along at once.
        pending = None
        if changes is not None and not changes.empty:
            pending = before.changes_pending_since or now
        window = timedelta(minutes=self.settings.slack.summary_window_minutes)
        waiting = pending is not None and now < pending + window
        if changes is not None and (changes.empty or waiting) and not digest and not recovered:
            log.info(
                "changes wait for the summary window" if waiting else "nothing new: no message"
            )
            held = replace(saved, changes_pending_since=pending)
            if held != saved and not self._save_quietly(held):
                return PassOutcome(result), saved
            return PassOutcome(result), held
        message = report_message(
            self.store,
            self.settings,
            current,
            changes,
            before,
            saved,
            now=now,
            digest=digest,
            recovered=recovered,
        )
        if not self._deliver(message):
            return PassOutcome(result, None, message, False), saved
        reported = replace(
            saved,
            last_report=current.to_json(),
            last_report_at=now,
            last_digest_at=now if digest or previous is None else saved.last_digest_at,
            failure=None,
            changes_pending_since=None,
        )
        if not self._save_quietly(reported):
            return PassOutcome(result, None, message, True), saved
        return PassOutcome(result, None, message, True), reported

    def _failed(self, state: WorkerState, error: Exception, started: datetime) -> PassOutcome:
        # What is kept, posted and shown of the error (the run record, `status`,
        # /healthz, the Slack announcement) goes through the redaction log lines get.
        error_class, text = describe_error(error)
        text = redact(text)
        if isinstance(error, SheetsyncError):
            log.error("sync failed: %s", text)
        else:  # no traceback text: a foreign error's message could quote a cell
            log.error("sync failed: %s at %s", text, _where(error))
        now = self.clock()
        state = failed(state, error_class, text, now)
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

    def _save_quietly(self, state: WorkerState, run: RunRecord | None = None) -> bool:
        try:
            self.store.save(state, run)
        except Exception as exc:
            log.error("state not saved: %s", describe_error(exc)[1])
            return False
        return True


def report_message(
    store: StateStore,
    settings: Settings,
    current: ReportSnapshot,
    changes: Changes | None,
    before: WorkerState,
    saved: WorkerState,
    *,
    now: datetime,
    digest: bool,
    recovered: Failure | None = None,
) -> Message:
    """The change summary, or the digest with its pipeline: the one builder for the
    worker's messages and `sheetsync report`. `before` is the state the pass loaded,
    `saved` what it remembers after it (whose first-seen times the pipeline reads)."""
    return summary(
        current,
        changes,
        locale=settings.locale,
        tz=settings.tz,
        since=before.last_report_at,
        digest=digest,
        recovered=recovered,
        pipeline=_pipeline(store, settings, current, saved, now) if digest else (),
    )


def _pipeline(
    store: StateStore,
    settings: Settings,
    current: ReportSnapshot,
    saved: WorkerState,
    now: datetime,
) -> list[Section]:
    """The digest's funnel, week and longest waits; none when the history cannot be
    read (the digest goes out without them rather than not at all)."""
    try:
        history = store.stage_history()
    except Exception as exc:
        log.error("pipeline history not read (%s)", describe_error(exc)[1])
        return []
    first_seen = {key: row.first_seen for key, row in saved.rows.items()}
    calendar = settings.office_calendar(now)
    return pipeline_sections(
        current, first_seen, history, calendar, locale=settings.locale, now=now
    )


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
    """A completed pass: `ok`; `deferred` when its writes had to wait (the workbook open
    in Excel); `degraded` when it carries a run-level notice. The why (the English text
    of the notices, the backend's note) is kept as the run's message (`status`,
    `/healthz`)."""
    deferred = result.outcome.deferred and not result.dry_run
    said = [_ENGLISH.notice(n) for n in result.notices]
    notes = " ".join([result.outcome.note or "", *said] if deferred else said).strip()
    return RunRecord(
        started_at=result.started_at,
        finished_at=result.finished_at,
        outcome="deferred" if deferred else "degraded" if result.notices else "ok",
        rows=len(result.evaluations),
        cells_written=result.outcome.cells_written,
        counts=dict(Counter(e.stage.value for e in result.evaluations)),
        error_message=notes or None,
    )


_ENGLISH = Texts("en")  # run records are for the operator, in the logs' language
