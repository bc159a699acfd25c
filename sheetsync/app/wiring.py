"""Build the real adapters a configuration asks for (the composition root)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import SecretStr

from sheetsync.clock import Clock, utc_now
from sheetsync.core.guides import SheetGuide, build_guide, guide_layout
from sheetsync.core.values import CellValue
from sheetsync.domains.cache import MemoryVerdictCache
from sheetsync.domains.checker import LiveDomainChecker, Progress
from sheetsync.domains.offline import FileDomainChecker, OfflineDomainChecker
from sheetsync.domains.port import DomainChecker, VerdictCache
from sheetsync.errors import ConfigError
from sheetsync.notify.port import Notifier
from sheetsync.notify.slack import SlackWebhookNotifier
from sheetsync.ops.metrics import Metrics, ObservedDomainChecker
from sheetsync.paths import missing
from sheetsync.redaction import register_secret
from sheetsync.retry import RetryPolicy
from sheetsync.run.worker import Worker
from sheetsync.settings import Settings, SheetSettings
from sheetsync.sheets.google import NO_OBSERVER, GoogleSheet, MetadataCache
from sheetsync.sheets.google_auth import (
    GoogleCredentials,
    authorized_session,
    load_credentials,
)
from sheetsync.sheets.google_guides import GoogleGuides
from sheetsync.sheets.metadata_file import FileMetadataCache
from sheetsync.sheets.port import RequestObserver, SheetBackend, SheetGuides
from sheetsync.sheets.workbook import WorkbookSheet
from sheetsync.sheets.xlsx_guides import WorkbookGuides
from sheetsync.state.port import StateStore
from sheetsync.state.sqlite import DamageObserver, SqliteStateStore


def sheet_backend(
    settings: Settings, observer: RequestObserver = NO_OBSERVER, *, read_only: bool = False
) -> SheetBackend:
    """`read_only` (a dry run): no file beside the state store is written either."""
    sheet = settings.sheet
    if sheet.backend == "google":
        state = settings.state.path
        if state is None:
            return google_sheet(sheet, observer=observer)
        # Beside the state store, so a fresh process (cron) skips the metadata request.
        path = state.with_name(state.name + ".sheets.json")
        metadata = FileMetadataCache(path, writable=not read_only)
        return google_sheet(sheet, observer=observer, metadata=metadata)
    assert sheet.path is not None  # guaranteed by SheetSettings for the workbook backend
    return WorkbookSheet(
        sheet.path,
        sheet.worksheet,
        client_header=settings.columns.client,
        header_row=sheet.header_row,
        locale=settings.locale,
    )


def sheet_guides(settings: Settings, *, read_only: bool = False) -> SheetGuides:
    """`sheetsync setup` for the configured sheet (`read_only`: a dry run or `doctor`)."""
    sheet = sheet_backend(settings, read_only=read_only)
    if isinstance(sheet, GoogleSheet):
        return GoogleGuides(sheet, settings.sheet.header_row)
    assert isinstance(sheet, WorkbookSheet)
    return WorkbookGuides(sheet)


def guide_planner(settings: Settings) -> Callable[[Sequence[Sequence[CellValue]]], SheetGuide]:
    """The sheet's first rows → the guide setup installs, in the sheet's language."""

    def plan(rows: Sequence[Sequence[CellValue]]) -> SheetGuide:
        layout = guide_layout(
            rows, settings.columns, settings.status_columns, settings.sheet.header_row
        )
        return build_guide(layout, settings.locale)

    return plan


def google_sheet(
    sheet: SheetSettings,
    credentials: GoogleCredentials | None = None,
    observer: RequestObserver = NO_OBSERVER,
    metadata: MetadataCache | None = None,
) -> GoogleSheet:
    """The Google backend, with its own HTTP session and, unless given one, its own
    metadata cache; loads credentials (SheetAccessError naming the key file)."""
    key = sheet.spreadsheet_key
    assert key is not None  # guaranteed by SheetSettings for the google backend
    loaded = credentials or load_credentials(sheet.credentials_file)
    return GoogleSheet(
        key,
        authorized_session(loaded, sheet.timeout_seconds),
        metadata or MetadataCache(),
        worksheet=sheet.worksheet,
        gid=sheet.worksheet_gid,
        account=loaded.account,
        timeout=sheet.timeout_seconds,
        retry=RetryPolicy(max_attempts=sheet.max_attempts, max_total=sheet.max_retry_seconds),
        observer=observer,
    )


def domain_checker(
    settings: Settings,
    clock: Clock = utc_now,
    cache: VerdictCache | None = None,
    progress: Progress | None = None,
    *,
    read_only: bool = False,
) -> DomainChecker:
    """`cache` keeps live verdicts between passes (the state store's, once wired);
    without one an in-process cache is used. `progress` is told as live checks finish.
    `read_only` (dry runs): a refreshed RDAP bootstrap is used, not written."""
    domains = settings.domains
    if domains.checker == "live":
        return LiveDomainChecker(
            domains,
            clock,
            cache or MemoryVerdictCache(),
            progress=progress,
            keep_bootstrap=not read_only,
        )
    if domains.checker == "file":
        assert domains.verdicts_file is not None
        return FileDomainChecker(domains.verdicts_file, clock)
    return OfflineDomainChecker(clock)


def state_store(
    settings: Settings, *, read_only: bool = False, on_damage: DamageObserver | None = None
) -> SqliteStateStore | None:
    """The SQLite state store, or None when `[state] path` is unset, or (`read_only`:
    for a dry run or `status`, which write nothing) when there is no store yet."""
    path = settings.state.path
    if path is None or (read_only and missing(path)):
        return None
    return SqliteStateStore(path, read_only=read_only, on_damage=on_damage)


def webhook_url(settings: Settings) -> SecretStr | None:
    """`[slack] webhook_url` (or SHEETSYNC_SLACK_WEBHOOK_URL), else the secret file."""
    slack = settings.slack
    if slack.webhook_url is not None and slack.webhook_url.get_secret_value().strip():
        url = slack.webhook_url.get_secret_value().strip()
        _never_log(url)
        return SecretStr(url)
    if slack.webhook_url_file is None:
        return None
    try:
        text = slack.webhook_url_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        problem = f"cannot read {slack.webhook_url_file}: {exc.strerror}"
        raise ConfigError([f"slack.webhook_url_file: {problem}"]) from None
    if not text:
        raise ConfigError([f"slack.webhook_url_file: {slack.webhook_url_file} is empty"])
    _never_log(text)
    return SecretStr(text)


def _never_log(url: str) -> None:
    """The webhook URL alone lets anyone post: no log line may print it, nor its path."""
    register_secret(url)
    register_secret(urlsplit(url).path)


def notifier(settings: Settings, fallback: Notifier | None = None) -> Notifier | None:
    """Slack when a webhook is configured, else `fallback` (e.g. printing the summary)."""
    url = webhook_url(settings)
    if url is None:
        return fallback
    return SlackWebhookNotifier(url, timeout=settings.slack.timeout_seconds)


def worker(
    settings: Settings,
    store: StateStore,
    notify: Notifier | None,
    metrics: Metrics | None = None,
    progress: Progress | None = None,
    clock: Clock = utc_now,
    *,
    read_only: bool = False,
    as_of: datetime | None = None,
) -> Worker:
    """The worker for `sync` and `serve`; live verdicts are cached in a SQLite state
    store (in the process otherwise). With `metrics`, API requests and domain verdicts
    are counted. `read_only`: for dry runs, nothing beside the sheet is written.
    `as_of`: the passes evaluate as of that moment (the checker keeps `clock`)."""
    cache = store.verdict_cache() if isinstance(store, SqliteStateStore) else None
    checker = domain_checker(settings, clock, cache=cache, progress=progress, read_only=read_only)
    if metrics is not None:
        checker = ObservedDomainChecker(checker, metrics)
    sheet = sheet_backend(settings, metrics or NO_OBSERVER, read_only=read_only)
    passes = clock if as_of is None else _stopped(as_of)
    return Worker(sheet, checker, settings, passes, store, notify)


def _stopped(moment: datetime) -> Clock:
    """A clock that always tells `moment` (`sync --dry-run --at`)."""
    return lambda: moment
