"""The live DomainChecker: RDAP where IANA's bootstrap lists the TLD, else WHOIS.

Per-TLD overrides from the settings win. Each server is asked politely (bounded
concurrency, a rate window, pauses it asks for); a server that cannot be reached
is probed once and then skipped for the pass. Verdicts are cached: `available`
briefly, `registered` longer, `unknown` never.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx

from sheetsync.clock import Clock
from sheetsync.core.model import DomainName, DomainVerdict, Verdict
from sheetsync.domains import rdap, whois
from sheetsync.domains.answer import Answer, unknown
from sheetsync.domains.bootstrap import BootstrapSource, RdapBootstrap, default_cache_dir
from sheetsync.domains.politeness import RateWindow, ServerGate, Sleep
from sheetsync.domains.port import VerdictCache
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
        )
        self._windows: dict[str, RateWindow] = {}
        self._windows_lock = threading.Lock()

    # -- the port -------------------------------------------------------------------

    def check(self, domains: Sequence[DomainName]) -> Mapping[str, DomainVerdict]:
        """Synchronous, as the port wants; safe from worker threads and from code
        that already runs an event loop (the lookups then get a thread of their own)."""
        now = self._clock()
        wanted: dict[str, DomainName] = {}
        for domain in domains:
            wanted.setdefault(domain.ascii, domain)
        out = self._cache.get_many(wanted, now) if self._cache else {}
        todo = [domain for name, domain in wanted.items() if name not in out]
        if todo:
            total, ready = len(wanted), len(out)
            if ready:
                self._report(ready, total)
            fresh = _run(lambda: self._check_all(todo, lambda n: self._report(ready + n, total)))
            self._remember(fresh, now)
            out.update(fresh)
        return out

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
        deadline = self._clock() + timedelta(seconds=s.pass_budget_seconds)
        async with httpx.AsyncClient(
            transport=self._transport,
            timeout=httpx.Timeout(s.timeout_seconds),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
        ) as client:
            bootstrap = await self._bootstrap.refreshed(lambda url: _fetch(client, url))
            routes = {d.ascii: self.route(d.tld, bootstrap) for d in domains}
            gates = self._gates(domains, routes)
            done = 0

            async def ask(d: DomainName) -> Answer:
                nonlocal done
                answer = await self._ask(client, d, routes[d.ascii], gates, deadline)
                done += 1
                completed(done)
                return answer

            answers = await asyncio.gather(*(ask(d) for d in domains))
        checked_at = self._clock()
        out = {}
        for d, answer in zip(domains, answers, strict=True):
            route = routes[d.ascii]
            source = route.protocol if route else "live"
            out[d.ascii] = DomainVerdict(
                answer.verdict, source, checked_at, answer.reason, answer.details
            )
        return out

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
        with self._windows_lock:
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
    ) -> Answer:
        if route is None:
            return unknown(f"no RDAP or WHOIS service known for .{domain.tld}")
        gate = gates[route.server]
        probe = gate.is_probe()
        if not probe:
            await gate.after_probe()
        try:
            return await self._ask_politely(client, domain, route, gate, deadline)
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
    ) -> Answer:
        s = self._settings
        for attempt in range(1, s.max_attempts + 1):
            async with gate.concurrency:
                if gate.down:
                    return unknown(
                        f"{gate.down}; not asked again this pass", details={"server": route.server}
                    )
                if not await gate.slot(deadline):
                    return unknown(
                        "not asked: the server's rate limit leaves no time this pass",
                        details={"server": route.server},
                    )
                answer = await self._query(client, domain, route)
            if answer.unreachable:
                gate.down = answer.reason
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
        return answer  # pragma: no cover - the loop always returns

    async def _query(self, client: httpx.AsyncClient, domain: DomainName, route: Route) -> Answer:
        if route.rdap_base is not None:
            return await rdap.lookup(client, route.rdap_base, domain)
        assert route.whois_host is not None and route.registry is not None
        host, port = route.whois_host
        return await whois.lookup(
            host, port, domain, route.registry, self._settings.timeout_seconds, self._connect
        )

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


async def _fetch(client: httpx.AsyncClient, url: str) -> bytes:
    response = await client.get(url, follow_redirects=True)
    response.raise_for_status()
    return response.content


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run the coroutine, in a helper thread if this thread already has a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sheetsync-domains") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()
