"""Build the real adapters a configuration asks for (the composition root)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from .domains.cache import MemoryVerdictCache
from .domains.checker import LiveDomainChecker
from .domains.port import DomainChecker, FileDomainChecker, OfflineDomainChecker, VerdictCache
from .settings import Settings, SheetSettings
from .sheets.google import GoogleSheet
from .sheets.google_auth import GoogleCredentials, load_credentials
from .sheets.port import SheetBackend
from .sheets.retry import RetryPolicy
from .sheets.workbook import WorkbookSheet


def utc_now() -> datetime:
    return datetime.now(UTC)


def sheet_backend(settings: Settings) -> SheetBackend:
    sheet = settings.sheet
    if sheet.backend == "google":
        return google_sheet(sheet)
    assert sheet.path is not None  # guaranteed by SheetSettings for the workbook backend
    return WorkbookSheet(sheet.path, sheet.worksheet)


def google_sheet(sheet: SheetSettings, credentials: GoogleCredentials | None = None) -> GoogleSheet:
    """The Google backend; loads credentials (SheetAccessError naming the key file)."""
    key = sheet.spreadsheet_key
    assert key is not None  # guaranteed by SheetSettings for the google backend
    loaded = credentials or load_credentials(sheet.credentials_file)
    return GoogleSheet(
        key,
        loaded.credentials,
        worksheet=sheet.worksheet,
        gid=sheet.worksheet_gid,
        account=loaded.account,
        timeout=sheet.timeout_seconds,
        retry=RetryPolicy(max_attempts=sheet.max_attempts, max_total=sheet.max_retry_seconds),
    )


def domain_checker(
    settings: Settings,
    clock: Callable[[], datetime] = utc_now,
    cache: VerdictCache | None = None,
) -> DomainChecker:
    """`cache` keeps live verdicts between passes (the state store's, once wired);
    without one an in-process cache is used."""
    domains = settings.domains
    if domains.checker == "live":
        return LiveDomainChecker(domains, clock, cache or MemoryVerdictCache())
    if domains.checker == "file":
        assert domains.verdicts_file is not None
        return FileDomainChecker(domains.verdicts_file, clock)
    return OfflineDomainChecker(clock)
