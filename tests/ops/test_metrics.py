"""Metrics: what a pass, the Google backend's requests and retries, and domain checks count;
and the live checker's progress callback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from prometheus_client import REGISTRY

from sheetsync.core.model import Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.ops.metrics import Metrics, ObservedDomainChecker
from sheetsync.ops.observe import InstrumentedPass
from sheetsync.run.worker import Worker
from sheetsync.testing import InMemoryDomainChecker, InMemoryStateStore
from tests.support import domain_servers
from tests.support.google_fake import BATCH_GET, FakeSheetsApi, api, google_sheet
from tests.support.pacing import FakeTime
from tests.support.sheet_contract import ROWS
from tests.support.worker_fixtures import MONDAY_9, client, domains, settings, sheet

__all__ = ["api"]


def value(metrics: Metrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


def test_a_pass_counts_its_outcome_rows_by_stage_findings_cells_and_last_success() -> None:
    metrics = Metrics()
    fake = sheet(
        client("Kovács Pékség"),
        client("Nagy Fia", hosting_password=None),
        client("Szabo Bt", paid="igen", order_live="igen", domain_application="Sikeres"),
    )
    store = InMemoryStateStore()
    worker = Worker(fake, domains(), settings(), lambda: MONDAY_9, store, None)
    ticks = iter([10.0, 12.5])
    outcome = InstrumentedPass(worker.run_once, metrics, lambda: next(ticks))()
    assert outcome.result is not None
    assert value(metrics, "sheetsync_syncs_total", outcome="ok") == 1
    assert value(metrics, "sheetsync_syncs_total", outcome="failed") == 0
    assert value(metrics, "sheetsync_sync_duration_seconds_sum") == 2.5
    assert value(metrics, "sheetsync_rows", stage="payment") == 2
    assert value(metrics, "sheetsync_rows", stage="hosting-account") == 1
    assert value(metrics, "sheetsync_rows", stage="email") == 0
    assert (
        value(metrics, "sheetsync_findings", code="missing-hosting-password", severity="error") == 1
    )
    assert value(metrics, "sheetsync_findings", code="domain-unverified", severity="warning") == 2
    assert value(metrics, "sheetsync_findings", code="duplicate-client", severity="warning") == 0
    assert value(metrics, "sheetsync_cells_written_total") == outcome.result.outcome.cells_written
    assert outcome.result.outcome.cells_written > 0
    assert value(metrics, "sheetsync_last_success_timestamp_seconds") == MONDAY_9.timestamp()


def test_a_failed_pass_counts_as_failed_and_keeps_the_last_success() -> None:
    metrics = Metrics()
    store = InMemoryStateStore()
    fake = sheet(client("Kovács Pékség"))
    worker = Worker(fake, domains(), settings(), lambda: MONDAY_9, store, None)
    InstrumentedPass(worker.run_once, metrics)()
    fake.fail_read = OSError("disk gone")
    InstrumentedPass(worker.run_once, metrics)()
    assert value(metrics, "sheetsync_syncs_total", outcome="failed") == 1
    assert value(metrics, "sheetsync_syncs_total", outcome="ok") == 1
    assert value(metrics, "sheetsync_last_success_timestamp_seconds") == MONDAY_9.timestamp()
    assert value(metrics, "sheetsync_sync_duration_seconds_count") == 2


def test_each_metrics_has_its_own_registry_not_the_global_one() -> None:
    first, second = Metrics(), Metrics()
    first.cells_written.inc(3)
    assert value(second, "sheetsync_cells_written_total") == 0
    assert REGISTRY.get_sample_value("sheetsync_cells_written_total") is None
    text = first.exposition().decode()
    assert "# TYPE sheetsync_syncs_total counter" in text
    assert 'sheetsync_rows{stage="done"} 0.0' in text


def test_google_requests_and_retries_are_counted(api: FakeSheetsApi) -> None:
    api.add_worksheet("Ügyfelek", ROWS)
    api.fail(BATCH_GET, 429, times=2)
    metrics = Metrics()
    google_sheet(api, FakeTime(), observer=metrics).read()
    assert (
        value(
            metrics,
            "sheetsync_api_requests_total",
            service="google_sheets",
            action="read",
            outcome="429",
        )
        == 2
    )
    assert (
        value(
            metrics,
            "sheetsync_api_requests_total",
            service="google_sheets",
            action="read",
            outcome="ok",
        )
        == 1
    )
    assert (
        value(
            metrics,
            "sheetsync_api_requests_total",
            service="google_sheets",
            action="metadata_read",
            outcome="ok",
        )
        == 1
    )
    assert (
        value(metrics, "sheetsync_api_retries_total", service="google_sheets", action="read") == 2
    )


def test_domain_verdicts_are_counted_by_verdict_and_source() -> None:
    metrics = Metrics()
    inner = InMemoryDomainChecker(
        {"foglalt.hu": Verdict.REGISTERED, "szabad.hu": Verdict.AVAILABLE}
    )
    checker = ObservedDomainChecker(inner, metrics)
    names = [normalize_domain(n) for n in ("foglalt.hu", "szabad.hu", "ismeretlen.hu")]
    assert set(checker.check(names)) == {"foglalt.hu", "szabad.hu", "ismeretlen.hu"}
    for verdict in ("registered", "available", "unknown"):
        assert value(metrics, "sheetsync_domain_checks_total", verdict=verdict, source="fake") == 1


def test_the_live_checker_reports_progress_as_each_name_completes(tmp_path: Path) -> None:
    fake = domain_servers.FakeTime()
    calls: list[tuple[int, int]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        return domain_servers.rdap_fixture("not_found.json")

    live = domain_servers.live_settings(tmp_path, rdap_servers={"eu": "http://127.0.0.1:9/rdap/"})
    checker = domain_servers.make_checker(live, fake, answer)
    checker._progress = lambda done, total: calls.append((done, total))
    names = [normalize_domain(f"ugyfel{i}.eu") for i in range(5)]
    checker.check(names)
    assert calls == [(n, 5) for n in range(1, 6)]


def test_cached_verdicts_count_as_done_before_the_first_query(tmp_path: Path) -> None:
    from sheetsync.domains.cache import MemoryVerdictCache

    fake = domain_servers.FakeTime()
    cache = MemoryVerdictCache()
    live = domain_servers.live_settings(tmp_path, rdap_servers={"eu": "http://127.0.0.1:9/rdap/"})
    names = [normalize_domain(f"ugyfel{i}.eu") for i in range(3)]

    def answer(request: httpx.Request) -> httpx.Response:
        return domain_servers.rdap_fixture("not_found.json")

    domain_servers.make_checker(live, fake, answer, cache=cache).check(names[:2])
    fake.clock.advance(seconds=timedelta(minutes=1).total_seconds())
    calls: list[tuple[int, int]] = []
    checker = domain_servers.make_checker(live, fake, answer, cache=cache)
    checker._progress = lambda done, total: calls.append((done, total))
    checker.check(names)
    assert calls == [(2, 3), (3, 3)]
