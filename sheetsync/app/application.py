"""The application facade: what the commands ask of sheetsync, each in one call.

Settings in, wired ports inside (`wiring`), results out. The CLI parses options,
calls one method and prints what it gets back; it never builds a pass, a worker or
a health verdict itself. So `sync` with or without a state store, `serve`, `report`
and `status` share one path each: the worker's pass, and one place judging health.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from sheetsync.app.doctor import Diagnosis, diagnose
from sheetsync.app.wiring import (
    domain_checker,
    guide_planner,
    notifier,
    sheet_guides,
    state_store,
    worker,
)
from sheetsync.clock import Clock, utc_now
from sheetsync.core.guides import GuideOutcome
from sheetsync.core.memory import advance
from sheetsync.core.snapshot import diff, read_report, snapshot_of
from sheetsync.domains.checker import Progress
from sheetsync.domains.lookup import NameCheck, check_names
from sheetsync.errors import ConfigError
from sheetsync.notify.console import ConsoleNotifier
from sheetsync.notify.port import Message, Notifier
from sheetsync.ops.health import RUNS_CONSULTED, Health, assess
from sheetsync.ops.metrics import Metrics
from sheetsync.ops.observe import InstrumentedPass
from sheetsync.ops.report_page import pipeline_view, render_page
from sheetsync.ops.server import OpsServer
from sheetsync.run.lock import SyncLock
from sheetsync.run.serve import (
    Server,
    build_trigger,
    office_hours,
    schedule_zone,
    serve_until_signalled,
    window_opened,
)
from sheetsync.run.worker import PassOutcome, Worker, report_message
from sheetsync.settings import Settings, config_path, load_settings
from sheetsync.state.memory import MemoryStateStore
from sheetsync.state.port import StateStore
from sheetsync.state.sqlite import SqliteStateStore

log = logging.getLogger("sheetsync")


class Application:
    """sheetsync for one configuration. The SQLite state store, when configured, is
    opened once and shared by everything this object does (`serve` syncs with it
    and answers `/healthz` from it)."""

    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        self.metrics = Metrics()  # served by `serve`; the state store counts damage in it
        self._store: SqliteStateStore | None = None

    @classmethod
    def load(cls, config: str | None, env: Mapping[str, str] | None = None) -> Application:
        """From `--config`, else $SHEETSYNC_CONFIG, else the default file; ConfigError
        lists every problem."""
        environ = os.environ if env is None else env
        path = config_path(config, environ)
        settings = load_settings(path, None if env is None else dict(env))
        log.debug("settings loaded from %s (sheet backend: %s)", path, settings.sheet.backend)
        return cls(settings)

    # -- one pass -----------------------------------------------------------------------

    def sync_once(
        self,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        printed: TextIO | None = None,
        at: datetime | None = None,
    ) -> PassOutcome:
        """One worker pass, timed and logged. The summary goes to Slack when a webhook
        is configured, else to `printed` (None: nowhere).

        `at` (dry runs only) evaluates the sheet as of that moment, a naive one being
        local time in the office's zone; domain verdicts and their cache keep the real
        time. A state the worker has not seen yet counts as first seen at `at`.

        Without `[state] path` the pass runs through the same worker with a store in
        memory: no lock file and nothing on disk besides the sheet. Every such pass is
        a first report, so its summary is only ever printed: posting the whole sheet
        to Slack on every cron run would flood the channel.

        A dry run writes nothing anywhere: it reads an existing state store read-only
        (no key, database, journal, lock or metadata file is created) and reports to
        nobody."""
        if at is not None and not dry_run:
            raise ValueError("evaluating as of another moment writes nothing: a dry run only")
        if dry_run:
            return self._timed_pass(self._read_only_store(), None, True, progress, at)
        fallback = ConsoleNotifier(printed) if printed is not None else None
        store = self._state_store()
        if store is None:
            return self._timed_pass(MemoryStateStore(), fallback, False, progress)
        with SyncLock(store.lock_path):
            return self._timed_pass(store, notifier(self.settings, fallback), False, progress)

    def _timed_pass(
        self,
        store: StateStore,
        notify: Notifier | None,
        dry_run: bool,
        progress: Progress | None,
        at: datetime | None = None,
    ) -> PassOutcome:
        # The worker is built inside the timed pass: a sheet that cannot even be opened
        # (a missing key file) is logged as a failed pass like any other failure.
        def once() -> PassOutcome:
            moment = None
            if at is not None:
                moment = at if at.tzinfo else at.replace(tzinfo=self.office_zone())
            run = self._worker(store, notify, progress=progress, read_only=dry_run, as_of=moment)
            return run.run_once(dry_run=dry_run)

        return InstrumentedPass(once)()

    def preview_summary(self, *, changes_only: bool = False) -> Message:
        """The summary a pass would report now, from a fresh read (a dry run: nothing is
        written or saved): the full digest, or with `changes_only` what changed since
        the last report sent. The digest is the one the worker sends, its pipeline
        included (`run.worker.report_message`)."""
        store = self._read_only_store()
        state = store.load()
        outcome = self._worker(store, None, read_only=True).run_once(dry_run=True)
        if outcome.result is None:
            assert outcome.error is not None
            raise outcome.error
        current = snapshot_of(outcome.result)
        previous = read_report(state.last_report) if state.last_report else None
        return report_message(
            store,
            self.settings,
            current,
            diff(previous, current) if previous else None,
            state,
            advance(state, outcome.result),  # what the pass would remember
            now=outcome.result.finished_at,
            digest=not changes_only,
        )

    def send(self, message: Message, printed: TextIO) -> None:
        """Send `message` to Slack now, or print it to `printed` without a webhook."""
        target = notifier(self.settings, ConsoleNotifier(printed))
        assert target is not None  # the fallback is never None
        target.send(message)

    # -- the worker -----------------------------------------------------------------------

    def serve(self, printed: TextIO) -> int:
        """Sync on the schedule, with `/healthz` and `/metrics` when enabled, until
        SIGTERM/SIGINT; the running pass may finish within `[schedule]
        stop_grace_seconds`. The exit code: 0, or 1 when a pass was left running."""
        store = self._state_store()
        if store is None:
            raise ConfigError(["state.path: serve needs a state store (set [state] path)"])
        metrics = self.metrics
        run = self._worker(store, notifier(self.settings, ConsoleNotifier(printed)), metrics)
        schedule = self.settings.schedule
        tz = schedule_zone(schedule, self.settings.timezone)
        server = Server(
            InstrumentedPass(run.run_once, metrics),
            build_trigger(schedule, tz),
            tz=tz,
            clock=self.clock,
            lock=SyncLock(store.lock_path),
            is_open=office_hours(schedule, tz),
            misfire_grace_seconds=schedule.misfire_grace_seconds,
            stop_grace_seconds=schedule.stop_grace_seconds,
        )
        started = self.clock()

        def health() -> Health:
            return self.health(
                up_since=started,
                running_since=server.running_since,
                skipping=server.skipped_because,
            )

        last = health().last_success
        if last is not None:  # so the gauge survives restarts
            metrics.last_success.set(last.timestamp())
        with self._ops_server(health, metrics):
            return serve_until_signalled(server)

    @contextmanager
    def _ops_server(self, health: Callable[[], Health], metrics: Metrics) -> Iterator[None]:
        server = self.settings.server
        if not server.enabled:
            yield
            return
        page = self.pipeline_page if server.report else None
        with OpsServer(server.host, server.port, health, metrics, report=page):
            yield

    def health(
        self,
        *,
        up_since: datetime | None = None,
        running_since: datetime | None = None,
        skipping: str | None = None,
    ) -> Health:
        """The one verdict `/healthz` serves and `sheetsync status` prints, judged from
        the runs in the state store. `up_since`: when this process started serving
        (the age of a worker that has not synced yet counts from it); `running_since`:
        when the pass it is running now began (past `[health] max_pass_minutes` it is
        stuck); `skipping`: why the last scheduled pass could not even start."""
        path = self.settings.state.path
        if path is None:
            raise ConfigError(["state.path: status reads the state store (set [state] path)"])
        now = self.clock()
        schedule = self.settings.schedule
        tz = schedule_zone(schedule, self.settings.timezone)
        # `status` reads an existing store read-only: it never creates or changes one.
        store = self._store or state_store(
            self.settings, read_only=True, on_damage=self.metrics.state_damaged
        )
        return assess(
            store.runs(RUNS_CONSULTED) if store else [],
            now,
            self.settings.health,
            up_since=up_since,
            judge_age=office_hours(schedule, tz)(now),
            window_opened=window_opened(schedule, tz)(now),
            running_since=running_since,
            skipping=skipping,
        )

    # -- checks -------------------------------------------------------------------------

    def check_domains(
        self, names: Sequence[str], *, live: bool = True, progress: Progress | None = None
    ) -> list[NameCheck]:
        """Is each name free? `live` asks the registries whatever `[domains] checker`
        says. Live verdicts are cached in the state store, when there is one."""
        settings = self.settings
        if live and settings.domains.checker != "live":
            domains = settings.domains.model_copy(update={"checker": "live"})
            settings = settings.model_copy(update={"domains": domains})
        store = self._state_store()
        cache = store.verdict_cache() if store else None
        checker = domain_checker(settings, self.clock, cache=cache, progress=progress)
        return check_names(list(names), checker, self.clock)

    def set_up(self, *, remove: bool = False, dry_run: bool = False) -> GuideOutcome:
        """`sheetsync setup`: the sheet's dropdowns, colours and guard installed (or, with
        `remove`, taken out); `dry_run` says what would change and changes nothing."""
        guides = sheet_guides(self.settings, read_only=dry_run)
        return guides.set_up(guide_planner(self.settings), remove=remove, dry_run=dry_run)

    def doctor(self) -> Diagnosis:
        """Config, credentials, sheet access and headers, each checked."""
        return diagnose(self.settings)

    # -- wiring -------------------------------------------------------------------------

    def _state_store(self) -> SqliteStateStore | None:
        if self._store is None:
            self._store = state_store(self.settings, on_damage=self.metrics.state_damaged)
        return self._store

    def pipeline_page(self) -> str:
        """The pipeline report (`report --html`, `/report`): one self-contained HTML page
        made from the state store alone, read-only: no sheet read, no network."""
        # Its own read-only connection: `serve` may be saving through its store meanwhile.
        store = state_store(self.settings, read_only=True) or MemoryStateStore()
        now = self.clock()
        calendar = self.settings.office_calendar(now)
        sheet = str(self.settings.sheet.path or self.settings.sheet.spreadsheet_key or "")
        view = pipeline_view(store.load(), store.stage_history(), calendar, now, sheet)
        return render_page(view, calendar, self.settings.locale)

    def office_zone(self) -> ZoneInfo:
        """The office's time zone: a naive `--at` is local time there."""
        return ZoneInfo(self.settings.office.timezone or self.settings.timezone)

    def _read_only_store(self) -> StateStore:
        """The state store as it is, for a pass that writes nothing; in memory when there
        is none yet."""
        found = self._store or state_store(
            self.settings, read_only=True, on_damage=self.metrics.state_damaged
        )
        return found or MemoryStateStore()

    def _worker(
        self,
        store: StateStore,
        notify: Notifier | None,
        metrics: Metrics | None = None,
        progress: Progress | None = None,
        *,
        read_only: bool = False,
        as_of: datetime | None = None,
    ) -> Worker:
        return worker(
            self.settings,
            store,
            notify,
            metrics,
            progress,
            clock=self.clock,
            read_only=read_only,
            as_of=as_of,
        )
