"""The live checker's politeness, caching, routing and threading (fake clock, mock HTTP)."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from sheetsync.core.model import Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.domains.bootstrap import CACHE_FILE, BootstrapSource, snapshot
from sheetsync.domains.cache import MemoryVerdictCache
from tests.support.domain_servers import FakeTime, live_settings, make_checker, rdap_fixture

EU_MIRROR = {"eu": "http://127.0.0.1:9/rdap/"}  # RDAP for .eu only through this override


def names(tld: str, count: int) -> list:  # type: ignore[type-arg]
    return [normalize_domain(f"ugyfel{i}.{tld}") for i in range(count)]


def test_no_minute_ever_sees_more_queries_than_the_servers_rate_limit(tmp_path: Path) -> None:
    fake = FakeTime()
    starts = []

    def answer(request: httpx.Request) -> httpx.Response:
        starts.append(fake.clock())
        return rdap_fixture("not_found.json")

    # Three windows (each a minute plus the safety margin) need more than the default
    # two-minute budget.
    settings = live_settings(
        tmp_path, rdap_servers=EU_MIRROR, rate_limits={"eu": 15}, pass_budget_seconds=180
    )
    verdicts = make_checker(settings, fake, answer).check(names("eu", 40))
    assert len(starts) == 40 and all(v.verdict == Verdict.AVAILABLE for v in verdicts.values())
    for first in starts:
        in_window = [s for s in starts if first <= s < first + timedelta(minutes=1)]
        assert len(in_window) <= 15
    assert starts[-1] - starts[0] >= timedelta(minutes=2)  # 40 at 15/min needs 3 windows


def test_queries_the_budget_leaves_no_time_for_stay_unknown_and_are_not_sent(
    tmp_path: Path,
) -> None:
    fake = FakeTime()
    sent = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return rdap_fixture("not_found.json")

    settings = live_settings(
        tmp_path, rdap_servers=EU_MIRROR, rate_limits={"eu": 15}, pass_budget_seconds=30
    )
    verdicts = make_checker(settings, fake, answer).check(names("eu", 20))
    assert len(sent) == 15
    unknown = [v for v in verdicts.values() if v.verdict == Verdict.UNKNOWN]
    assert len(unknown) == 5
    assert all("rate limit" in (v.reason or "") for v in unknown)


def test_the_rate_window_carries_over_to_the_next_pass(tmp_path: Path) -> None:
    fake = FakeTime()
    starts = []

    def answer(request: httpx.Request) -> httpx.Response:
        starts.append(fake.clock())
        return rdap_fixture("not_found.json")

    settings = live_settings(tmp_path, rdap_servers=EU_MIRROR, rate_limits={"eu": 15})
    checker = make_checker(settings, fake, answer)
    checker.check(names("eu", 15))
    checker.check([normalize_domain("masik.eu")])
    assert starts[-1] - starts[0] >= timedelta(minutes=1)


def test_no_more_than_the_configured_queries_run_at_once(tmp_path: Path) -> None:
    in_flight = 0
    most = 0

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return rdap_fixture("not_found.json")

    settings = live_settings(tmp_path, concurrency_per_server=3)
    make_checker(settings, FakeTime(), answer).check(names("cz", 12))
    assert most == 3


def test_available_is_cached_for_an_hour_registered_for_a_day_unknown_never(
    tmp_path: Path,
) -> None:
    fake = FakeTime()
    asked: list[str] = []
    fixtures = {
        "/domain/szabad.cz": "not_found.json",
        "/domain/foglalt.cz": "registered.json",
        "/domain/nemtudni.cz": "forbidden.json",
    }

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path.rsplit("/", 1)[-1])
        response = rdap_fixture(fixtures[request.url.path])
        if request.url.path.endswith("foglalt.cz"):  # the fixture names nic.cz
            body = json.loads(response.content) | {"ldhName": "foglalt.cz"}
            return httpx.Response(200, json=body)
        return response

    cache = MemoryVerdictCache()
    checker = make_checker(live_settings(tmp_path), fake, answer, cache=cache)
    domains = [normalize_domain(n) for n in ("szabad.cz", "foglalt.cz", "nemtudni.cz")]

    checker.check(domains)
    assert sorted(asked) == ["foglalt.cz", "nemtudni.cz", "szabad.cz"]
    asked.clear()
    fake.clock.advance(minutes=59)
    again = checker.check(domains)
    assert asked == ["nemtudni.cz"]  # unknown is asked every time
    assert again["szabad.cz"].verdict == Verdict.AVAILABLE
    asked.clear()
    fake.clock.advance(minutes=2)
    checker.check(domains)
    assert sorted(asked) == ["nemtudni.cz", "szabad.cz"]  # available expired after 1 h
    asked.clear()
    fake.clock.advance(hours=23)
    checker.check(domains)
    assert "foglalt.cz" in asked  # registered expired after 24 h


def test_it_works_from_a_worker_thread_and_inside_a_running_event_loop(tmp_path: Path) -> None:
    checker = make_checker(
        live_settings(tmp_path), FakeTime(), lambda r: rdap_fixture("not_found.json")
    )
    domain = [normalize_domain("szal.cz")]
    results: list[Verdict] = []
    worker = threading.Thread(
        target=lambda: results.append(checker.check(domain)["szal.cz"].verdict)
    )
    worker.start()
    worker.join(5)

    async def from_a_coroutine() -> Verdict:
        return checker.check(domain)["szal.cz"].verdict

    results.append(asyncio.run(from_a_coroutine()))
    assert results == [Verdict.AVAILABLE, Verdict.AVAILABLE]


@pytest.mark.parametrize(
    ("tld", "overrides", "expected"),
    [
        ("cz", {}, ("rdap", "rdap.nic.cz")),
        ("com", {}, ("rdap", "rdap.verisign.com")),
        ("hu", {}, ("whois", "whois.nic.hu:43")),
        ("eu", {}, ("whois", "whois.eu:43")),
        ("hu", {"whois_servers": {"hu": "127.0.0.1:4343"}}, ("whois", "127.0.0.1:4343")),
        ("hu", {"rdap_servers": {"hu": "http://127.0.0.1:8081/"}}, ("rdap", "127.0.0.1:8081")),
        ("cz", {"whois_servers": {"cz": "whois.nic.cz"}}, ("whois", "whois.nic.cz:43")),
        ("sk", {}, None),
    ],
)
def test_routes(tmp_path: Path, tld: str, overrides: dict, expected: tuple | None) -> None:  # type: ignore[type-arg]
    route = make_checker(live_settings(tmp_path, **overrides), FakeTime()).route(tld)
    assert (route.protocol, route.server) == expected if route else expected is None


def test_a_tld_nobody_serves_is_unknown_without_any_query(tmp_path: Path) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no query expected")

    verdict = make_checker(live_settings(tmp_path), FakeTime(), fail).check(
        [normalize_domain("pelda.sk")]
    )["pelda.sk"]
    assert verdict.verdict == Verdict.UNKNOWN
    assert verdict.reason == "no RDAP or WHOIS service known for .sk"


def test_the_shipped_bootstrap_has_no_rdap_for_hu_and_eu() -> None:
    boot = snapshot()
    assert boot.base_url("hu") is None and boot.base_url("eu") is None
    assert boot.base_url("cz") == "https://rdap.nic.cz/"
    assert boot.publication == "2026-06-26T18:00:02Z"


class TestBootstrapRefresh:
    FRESH: ClassVar[dict[str, object]] = {
        "version": "1.0",
        "publication": "2099-01-01T00:00:00Z",
        "description": "test",
        "services": [[["hu"], ["http://127.0.0.1:8081/"]]],
    }

    def source(self, tmp_path: Path, fake: FakeTime) -> BootstrapSource:
        return BootstrapSource(fake.clock, tmp_path, refresh=True, url="http://iana.test/dns.json")

    def test_a_newer_bootstrap_is_fetched_once_a_day_and_kept(self, tmp_path: Path) -> None:
        fake = FakeTime()
        fetched: list[str] = []

        def answer(request: httpx.Request) -> httpx.Response:
            if request.url.host == "iana.test":
                fetched.append(str(request.url))
                return httpx.Response(200, json=self.FRESH)
            return rdap_fixture("not_found.json")

        checker = make_checker(
            live_settings(tmp_path), fake, answer, bootstrap=self.source(tmp_path, fake)
        )
        first = checker.check([normalize_domain("pelda.hu")])["pelda.hu"]
        assert first.source == "rdap"  # the fresh bootstrap lists .hu
        fake.clock.advance(hours=12)
        checker.check([normalize_domain("masik.hu")])
        assert fetched == ["http://iana.test/dns.json"]
        assert (tmp_path / CACHE_FILE).exists()
        # a new process finds the stored copy and does not fetch again the same day
        again = self.source(tmp_path, fake)
        assert again.current.publication == "2099-01-01T00:00:00Z"

    def test_a_failed_refresh_keeps_the_snapshot_and_the_pass_goes_on(self, tmp_path: Path) -> None:
        fake = FakeTime()

        def answer(request: httpx.Request) -> httpx.Response:
            if request.url.host == "iana.test":
                return httpx.Response(503)
            return rdap_fixture("not_found.json")

        checker = make_checker(
            live_settings(tmp_path), fake, answer, bootstrap=self.source(tmp_path, fake)
        )
        verdict = checker.check([normalize_domain("pelda.cz")])["pelda.cz"]
        assert verdict.verdict == Verdict.AVAILABLE
        assert not (tmp_path / CACHE_FILE).exists()

    def test_garbage_from_iana_is_not_stored(self, tmp_path: Path) -> None:
        fake = FakeTime()

        def answer(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"services": "nope"})

        source = self.source(tmp_path, fake)
        make_checker(live_settings(tmp_path), fake, answer, bootstrap=source).check(
            [normalize_domain("pelda.cz")]
        )
        assert source.current.publication == snapshot().publication
        assert not (tmp_path / CACHE_FILE).exists()
