"""The live DomainChecker: RDAP where IANA's bootstrap lists the TLD, else WHOIS.

Per-TLD overrides from the settings win. Each server is asked politely (bounded
concurrency, a rate window, pauses it asks for); a server that cannot be reached, or
that lets a query run past its deadline, is probed once and then skipped for the pass.
Every query has an overall deadline (`timeout_seconds`, never past the pass's budget);
whatever one answer does, it decides that name's verdict only, and no exception leaves
`check`. Verdicts are cached: `available` briefly, `registered` longer, `unknown` never.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx

from sheetsync.clock import Clock
from sheetsync.core.model import DomainName, DomainVerdict, Doubt, Verdict
from sheetsync.domains import rdap, whois
from sheetsync.domains.answer import Answer, unknown
from sheetsync.domains.bootstrap import BootstrapSource, RdapBootstrap, default_cache_dir
from sheetsync.domains.limits import RDAP_MAX_BYTES, read_capped
from sheetsync.domains.politeness import RateWindow, ServerGate, Sleep
from sheetsync.domains.port import VerdictCache
from sheetsync.errors import BootstrapError
from sheetsync.settings import DomainSettings
from sheetsync.settings.sections import parse_host_port

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (names done, names in all) as each name completes
USER_AGENT = "sheetsync (domain availability check)"
T = TypeVar("T")


@dataclass(frozen=True)
class Route:
    """Where one TLD's question goes."""

    protocol: str  # "rdap" | "whois"
    server: str  # politeness key: host[:port]
    rdap_base: str | None = None
    whois_host: tuple[str, int] | None = None
    registry: whois.Registry | None = None


class LiveDomainChecker:
    def __init__(
        self,
        settings: DomainSettings,
        clock: Clock,
        cache: VerdictCache | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        connect: whois.Connect | None = None,
        sleep: Sleep | None = None,
        bootstrap: BootstrapSource | None = None,
        progress: Progress | None = None,
        keep_bootstrap: bool = True,
    ) -> None:
        self._settings = settings
        self._progress = progress
        self._clock = clock
        self._cache = cache
        self._transport = transport
        self._connect = connect
        self._sleep: Sleep = sleep or asyncio.sleep
        self._bootstrap = bootstrap or BootstrapSource(
            clock,
            settings.cache_dir or default_cache_dir(),
            refresh=settings.bootstrap_refresh,
            url=settings.bootstrap_url,
            max_age=timedelta(hours=settings.bootstrap_max_age_hours),
            keep=keep_bootstrap,
        )
        self._windows: dict[str, RateWindow] = {}
        self._tls: ssl.SSLContext | None = None  # made once: loading CA certificates is slow
        self._lock = threading.Lock()  # guards what passes share: the windows, the TLS context

    # -- the port -------------------------------------------------------------------

    def check(self, domains: Sequence[DomainName]) -> Mapping[str, DomainVerdict]:
        """Synchronous, as the port wants; safe from worker threads and from code
        that already runs an event loop (the lookups then get a thread of their own)."""
        now = self._clock()
        wanted: dict[str, DomainName] = {}
        for domain in domains:
            wanted.setdefault(domain.ascii, domain)
        out = self._cached(wanted, now)
        todo = [domain for name, domain in wanted.items() if name not in out]
        if todo:
            total, ready = len(wanted), len(out)
            if ready:
                self._report(ready, total)
            try:
                fresh = _run(
                    lambda: self._check_all(todo, lambda n: self._report(ready + n, total))
                )
            except Exception as exc:  # a bug of ours: these names are unknown, nothing else
                log.error("domain checks failed (%s)", type(exc).__name__, exc_info=True)
                answer = unknown(f"checker failed ({type(exc).__name__})", Doubt.CHECKER_FAILED)
                fresh = {d.ascii: _verdict(answer, "live", self._clock()) for d in todo}
            self._remember(fresh, now)
            out.update(fresh)
        return out

    def _cached(self, wanted: Mapping[str, DomainName], now: datetime) -> dict[str, DomainVerdict]:
        """The cache's fresh verdicts; a cache that cannot be read costs lookups, not the pass."""
        if self._cache is None:
            return {}
        try:
            return self._cache.get_many(wanted, now)
        except Exception as exc:
            log.warning("domain verdict cache not read (%s); asking the registries", exc)
            return {}

    def route(self, tld: str, bootstrap: RdapBootstrap | None = None) -> Route | None:
        """Override RDAP, override WHOIS, IANA's RDAP, built-in WHOIS — first that exists."""
        s = self._settings
        if tld in s.rdap_servers:
            base = s.rdap_servers[tld]
            return Route("rdap", rdap.server_of(base), rdap_base=base)
        if tld in s.whois_servers:
            host, port = parse_host_port(s.whois_servers[tld])
            return Route(
                "whois", f"{host}:{port}", whois_host=(host, port), registry=whois.registry_for(tld)
            )
        listed = (bootstrap or self._bootstrap.current).base_url(tld)
        if listed:
            return Route("rdap", rdap.server_of(listed), rdap_base=listed)
        if tld in whois.BUILTIN:
            registry = whois.BUILTIN[tld]
            port = whois.DEFAULT_PORT
            return Route(
                "whois",
                f"{registry.host}:{port}",
                whois_host=(registry.host, port),
                registry=registry,
            )
        return None

    # -- one pass ---------------------------------------------------------------------

    def _report(self, done: int, total: int) -> None:
        if self._progress is not None:
            try:
                self._progress(done, total)
            except Exception:  # a display problem must never cost a verdict
                log.debug("progress display failed", exc_info=True)

    async def _check_all(
        self, domains: list[DomainName], completed: Callable[[int], None] = lambda n: None
    ) -> dict[str, DomainVerdict]:
        s = self._settings
        # The budget twice over: on the clock the rate windows keep (a test's may be fake),
        # and on the event loop's, which the I/O deadlines run on: no query runs past it.
        deadline = self._clock() + timedelta(seconds=s.pass_budget_seconds)
        loop = asyncio.get_running_loop()
        ends = loop.time() + s.pass_budget_seconds

        def seconds_left() -> float:
            return min(s.timeout_seconds, ends - loop.time())

        async with httpx.AsyncClient(
            transport=self._transport,
            verify=self._tls_context() if self._transport is None else True,  # else its own
            timeout=httpx.Timeout(s.timeout_seconds),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
        ) as client:
            bootstrap = await self._bootstrap.refreshed(
                lambda url: _fetch(client, url, s.timeout_seconds)
            )
            routes = {d.ascii: self.route(d.tld, bootstrap) for d in domains}
            gates = self._gates(domains, routes)
            done = 0

            async def ask(d: DomainName) -> Answer:
                nonlocal done
                try:
                    answer = await self._ask(
                        client, d, routes[d.ascii], gates, deadline, seconds_left
                    )
                except Exception as exc:  # whatever one answer does, it is this name's only
                    log.error("checking %s failed (%s)", d.ascii, type(exc).__name__, exc_info=True)
                    answer = unknown(f"checker failed ({type(exc).__name__})", Doubt.CHECKER_FAILED)
                done += 1
                completed(done)
                return answer

            answers = await asyncio.gather(*(ask(d) for d in domains))
        checked_at = self._clock()
        out = {}
        for d, answer in zip(domains, answers, strict=True):
            route = routes[d.ascii]
            out[d.ascii] = _verdict(answer, route.protocol if route else "live", checked_at)
        return out

    def _tls_context(self) -> ssl.SSLContext:
        """One TLS context for every pass (thread-safe once made): building it reads the
        whole CA bundle, about a tenth of a second of CPU each time."""
        with self._lock:
            if self._tls is None:
                self._tls = httpx.create_ssl_context()
            return self._tls

    def _gates(
        self, domains: list[DomainName], routes: Mapping[str, Route | None]
    ) -> dict[str, ServerGate]:
        s = self._settings
        rates: dict[str, int] = {}
        for d in domains:
            route = routes[d.ascii]
            if route is not None:
                rate = s.rate_limits.get(d.tld, s.requests_per_minute)
                rates[route.server] = min(rate, rates.get(route.server, rate))
        gates = {}
        with self._lock:
            for server, rate in rates.items():
                window = self._windows.get(server)
                if window is None:
                    window = self._windows[server] = RateWindow(rate)
                window.per_minute = rate  # settings may have changed since the last pass
                gates[server] = ServerGate(
                    window, s.concurrency_per_server, self._clock, self._sleep
                )
        return gates

    async def _ask(
        self,
        client: httpx.AsyncClient,
        domain: DomainName,
        route: Route | None,
        gates: Mapping[str, ServerGate],
        deadline: datetime,
        seconds_left: Callable[[], float],
    ) -> Answer:
        if route is None:
            return unknown(f"no RDAP or WHOIS service known for .{domain.tld}", Doubt.NO_SERVICE)
        gate = gates[route.server]
        probe = gate.is_probe()
        if not probe:
            await gate.after_probe()
        try:
            return await self._ask_politely(client, domain, route, gate, deadline, seconds_left)
        finally:
            if probe:
                gate.probe_done()

    async def _ask_politely(
        self,
        client: httpx.AsyncClient,
        domain: DomainName,
        route: Route,
        gate: ServerGate,
        deadline: datetime,
        seconds_left: Callable[[], float],
    ) -> Answer:
        s = self._settings
        answer: Answer | None = None  # the last answer, if the server was asked
        for attempt in range(1, s.max_attempts + 1):
            async with gate.concurrency:
                if gate.given_up is not None:
                    given_up = gate.given_up
                    return unknown(
                        f"{given_up.reason}; not asked again this pass",
                        given_up.doubt or Doubt.UNREACHABLE,
                        details={"server": route.server},
                    )
                # Out of time: the last answer (a throttle) if there was one, else no-time.
                if seconds_left() <= 0:
                    return answer or unknown(
                        "not asked: the pass's time is up",
                        Doubt.NO_TIME,
                        details={"server": route.server},
                    )
                if not await gate.slot(deadline):
                    return answer or unknown(
                        "not asked: the server's rate limit leaves no time this pass",
                        Doubt.NO_TIME,
                        details={"server": route.server},
                    )
                answer = await self._query(client, domain, route, seconds_left())
            if answer.unreachable or answer.stalled:
                gate.given_up = answer
                return answer
            if answer.retry_after is None:
                return answer
            gate.pause(answer.retry_after)
            if answer.retry_after > s.retry_after_max_seconds or attempt == s.max_attempts:
                return answer
            log.info(
                "%s asks to wait %.0f s; asking again about %s",
                route.server,
                answer.retry_after,
                domain.ascii,
            )
        assert answer is not None  # pragma: no cover - the loop always returns
        return answer  # pragma: no cover

    async def _query(
        self, client: httpx.AsyncClient, domain: DomainName, route: Route, seconds: float
    ) -> Answer:
        """One query, within `seconds` from connecting to the answer's last byte."""
        if seconds <= 0:
            return unknown("not asked: the pass's time is up", Doubt.NO_TIME)
        if route.rdap_base is not None:
            return await rdap.lookup(client, route.rdap_base, domain, seconds)
        assert route.whois_host is not None and route.registry is not None
        host, port = route.whois_host
        return await whois.lookup(host, port, domain, route.registry, seconds, self._connect)

    def _remember(self, fresh: Mapping[str, DomainVerdict], now: datetime) -> None:
        """Cache what deserves it, in one go; a cache that cannot store (a full disk, a
        read-only state store) costs the next pass some lookups, never this pass."""
        if self._cache is None:
            return
        s = self._settings
        ttl = {Verdict.AVAILABLE: s.available_ttl_hours, Verdict.REGISTERED: s.registered_ttl_hours}
        keep = [
            (name, verdict, verdict.checked_at + timedelta(hours=hours))
            for name, verdict in fresh.items()
            # unknown and invalid are never cached; a TTL of 0 turns caching off
            if verdict.checked_at is not None and (hours := ttl.get(verdict.verdict))
        ]
        if not keep:
            return
        try:
            self._cache.put_many(keep, now)
        except Exception as exc:
            log.warning(
                "%d domain verdicts not cached (%s); they are asked again next pass",
                len(keep),
                exc,
            )


def _verdict(answer: Answer, source: str, checked_at: datetime) -> DomainVerdict:
    return DomainVerdict(
        answer.verdict, source, checked_at, answer.reason, answer.details, answer.doubt
    )


async def _fetch(client: httpx.AsyncClient, url: str, seconds: float) -> bytes:
    """IANA's bootstrap file, held to the same deadline and size cap as an answer."""
    async with (
        asyncio.timeout(seconds),
        client.stream(
            "GET", url, headers={"Accept-Encoding": "identity"}, follow_redirects=True
        ) as response,
    ):
        response.raise_for_status()
        body = await read_capped(response.aiter_bytes(), RDAP_MAX_BYTES)
    if body is None:
        raise BootstrapError(f"larger than {RDAP_MAX_BYTES // 1024} KiB")
    return body


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run the coroutine, in a helper thread if this thread already has a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sheetsync-domains") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()
