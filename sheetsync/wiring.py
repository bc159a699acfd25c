"""Build the real adapters a configuration asks for (the composition root)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from .domains.cache import MemoryVerdictCache
from .domains.checker import LiveDomainChecker
from .domains.port import DomainChecker, FileDomainChecker, OfflineDomainChecker, VerdictCache
from .settings import Settings
from .sheets.port import SheetBackend
from .sheets.workbook import WorkbookSheet


def utc_now() -> datetime:
    return datetime.now(UTC)


def sheet_backend(settings: Settings) -> SheetBackend:
    sheet = settings.sheet
    assert sheet.path is not None  # guaranteed by SheetSettings for the workbook backend
    return WorkbookSheet(sheet.path, sheet.worksheet)


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
