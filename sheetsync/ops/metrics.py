"""Prometheus metrics of the worker, in a registry of their own (never the global one).

`Metrics` is also the `sheets.port.RequestObserver` the Google backend reports to, and
`ObservedDomainChecker` counts the verdicts of whichever checker it wraps.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from sheetsync.core.model import SEVERITY, Code, DomainName, DomainVerdict, NoticeCode, Stage
from sheetsync.core.result import SyncResult
from sheetsync.domains.port import DomainChecker

OUTCOMES = ("ok", "degraded", "deferred", "failed")
DURATION_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.syncs = Counter(
            "sheetsync_syncs",
            "Sync passes by outcome (ok; degraded: written but state not saved, or a "
            "run-level notice such as domain checks unavailable; deferred: its writes wait, "
            "the workbook being open; failed).",
            ["outcome"],
            registry=r,
        )
        self.sync_duration = Histogram(
            "sheetsync_sync_duration_seconds",
            "Wall time of a sync pass, failed ones included.",
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.rows = Gauge(
            "sheetsync_rows",
            "Client rows by stage at the last successful sync.",
            ["stage"],
            registry=r,
        )
        self.findings = Gauge(
            "sheetsync_findings",
            "Findings by code at the last successful sync.",
            ["code", "severity"],
            registry=r,
        )
        self.cells_written = Counter(
            "sheetsync_cells_written", "Status cells written to the sheet.", registry=r
        )
        self.api_requests = Counter(
            "sheetsync_api_requests",
            "HTTP requests to external APIs by service, action and outcome "
            "(ok, an HTTP status, or error).",
            ["service", "action", "outcome"],
            registry=r,
        )
        self.api_retries = Counter(
            "sheetsync_api_retries",
            "Requests retried after a transient failure.",
            ["service", "action"],
            registry=r,
        )
        self.domain_checks = Counter(
            "sheetsync_domain_checks",
            "Domain verdicts by verdict and source (cached ones included).",
            ["verdict", "source"],
            registry=r,
        )
        self.notices = Gauge(
            "sheetsync_notices",
            "Run-level notices of the last completed sync by code (1: present, 0: not).",
            ["code"],
            registry=r,
        )
        self.state_dropped = Counter(
            "sheetsync_state_entries_dropped",
            "Damaged state-store entries left out when read, by kind (the next sync "
            "rebuilds them).",
            ["entry"],
            registry=r,
        )
        self.last_success = Gauge(
            "sheetsync_last_success_timestamp_seconds",
            "Unix time the last successful sync finished (0: none yet in this process).",
            registry=r,
        )
        for outcome in OUTCOMES:
            self.syncs.labels(outcome)
        for stage in Stage:
            self.rows.labels(stage.value).set(0)
        for notice in NoticeCode:
            self.notices.labels(notice.value).set(0)

    # -- the request observer -------------------------------------------------------------

    def request(self, service: str, action: str, outcome: str) -> None:
        self.api_requests.labels(service, action, outcome).inc()

    def retry(self, service: str, action: str) -> None:
        self.api_retries.labels(service, action).inc()

    # -- the state store ------------------------------------------------------------------

    def state_damaged(self, kind: str, count: int) -> None:
        self.state_dropped.labels(kind).inc(count)

    # -- sync passes ----------------------------------------------------------------------

    def observe_pass(self, result: SyncResult | None, outcome: str, seconds: float) -> None:
        self.syncs.labels(outcome).inc()
        self.sync_duration.observe(seconds)
        if result is None:
            return
        stages = Tally(e.stage for e in result.evaluations)
        for stage in Stage:
            self.rows.labels(stage.value).set(stages[stage])
        codes = Tally(f.code for e in result.evaluations for f in e.findings)
        for code in Code:
            self.findings.labels(code.value, SEVERITY[code].value).set(codes[code])
        present = {n.code for n in result.notices}
        for notice in NoticeCode:
            self.notices.labels(notice.value).set(1 if notice in present else 0)
        self.cells_written.inc(result.outcome.cells_written)
        if outcome not in ("failed", "deferred"):  # as health counts it
            self.last_success.set(result.finished_at.timestamp())

    def observe_verdicts(self, verdicts: Mapping[str, DomainVerdict]) -> None:
        for verdict in verdicts.values():
            self.domain_checks.labels(verdict.verdict.value, verdict.source).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class ObservedDomainChecker:
    """A DomainChecker that counts the verdicts of the one it wraps."""

    def __init__(self, inner: DomainChecker, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    def check(self, domains: Sequence[DomainName]) -> Mapping[str, DomainVerdict]:
        verdicts = self.inner.check(domains)
        self.metrics.observe_verdicts(verdicts)
        return verdicts
