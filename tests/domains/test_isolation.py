"""Whatever goes wrong while one name is checked, it is that name's `unknown` only: a
bug while asking, a cache that cannot be read, a checker that fails outright, an IANA
download that is huge or never ends. No exception leaves the checker or the lookup."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import httpx

from sheetsync.core.model import DomainName, DomainVerdict, Doubt, Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.domains.bootstrap import CACHE_FILE, BootstrapSource, snapshot
from sheetsync.domains.lookup import check_names
from sheetsync.domains.port import CachedVerdict
from sheetsync.testing import FakeClock
from tests.support.domain_servers import START, FakeTime, live_settings, make_checker, rdap_fixture

CZ = [normalize_domain(n) for n in ("hiba.cz", "szabad.cz", "foglalt.cz")]


def test_a_bug_while_asking_about_one_name_leaves_the_others_their_verdicts(
    tmp_path: Path,
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        if name == "hiba.cz":
            raise ValueError("a bug, not a network error")  # escapes httpx's error tree
        return rdap_fixture("not_found.json" if name == "szabad.cz" else "registered.json")

    verdicts = make_checker(live_settings(tmp_path), FakeTime(), answer).check(CZ)
    assert verdicts["hiba.cz"].verdict == Verdict.UNKNOWN
    assert verdicts["hiba.cz"].doubt == Doubt.CHECKER_FAILED
    assert verdicts["hiba.cz"].reason == "checker failed (ValueError)"
    assert verdicts["szabad.cz"].verdict == Verdict.AVAILABLE
    assert verdicts["foglalt.cz"].doubt == Doubt.OTHER_NAME  # the fixture names nic.cz


class BrokenCache:
    def get_many(self, ascii_names: Iterable[str], now: datetime) -> dict[str, DomainVerdict]:
        raise OSError("disk I/O error")

    def put_many(self, verdicts: Iterable[CachedVerdict], now: datetime) -> None:
        raise OSError("disk I/O error")


def test_a_cache_that_cannot_be_read_or_written_costs_lookups_not_verdicts(
    tmp_path: Path,
) -> None:
    checker = make_checker(
        live_settings(tmp_path), FakeTime(), lambda r: rdap_fixture("not_found.json"),
        cache=BrokenCache(),  # type: ignore[arg-type]
    )  # fmt: skip
    verdicts = checker.check(CZ[1:2])
    assert verdicts["szabad.cz"].verdict == Verdict.AVAILABLE


class FailingChecker:
    def check(self, domains: Sequence[DomainName]) -> dict[str, DomainVerdict]:
        raise RecursionError("maximum recursion depth exceeded")


def test_a_typed_name_is_always_answered_even_when_the_checker_fails() -> None:
    [result, invalid] = check_names(
        ["pelda.hu", "shop.pelda.hu"], FailingChecker(), FakeClock(START)
    )
    assert (result.verdict, result.doubt) == (Verdict.UNKNOWN, Doubt.CHECKER_FAILED)
    assert result.reason == "checker failed (RecursionError)"
    assert invalid.verdict == Verdict.INVALID


def bootstrap(tmp_path: Path, fake: FakeTime) -> BootstrapSource:
    return BootstrapSource(fake.clock, tmp_path, refresh=True, url="http://iana.test/dns.json")


def test_a_huge_iana_download_is_cut_at_the_cap_and_the_pass_goes_on(tmp_path: Path) -> None:
    fake = FakeTime()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "iana.test":
            return httpx.Response(200, content=b" " * (2 * 1024 * 1024) + b"{}")
        return rdap_fixture("not_found.json")

    source = bootstrap(tmp_path, fake)
    checker = make_checker(live_settings(tmp_path), fake, answer, bootstrap=source)
    assert checker.check(CZ[1:2])["szabad.cz"].verdict == Verdict.AVAILABLE
    assert source.current.publication == snapshot().publication
    assert not (tmp_path / CACHE_FILE).exists()


def test_an_iana_download_that_never_ends_is_given_up_at_the_deadline(tmp_path: Path) -> None:
    fake = FakeTime()

    async def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "iana.test":
            await asyncio.sleep(60)
        return rdap_fixture("not_found.json")

    source = bootstrap(tmp_path, fake)
    checker = make_checker(
        live_settings(tmp_path, timeout_seconds=0.3), fake, answer, bootstrap=source
    )
    started = time.monotonic()
    assert checker.check(CZ[1:2])["szabad.cz"].verdict == Verdict.AVAILABLE
    assert time.monotonic() - started < 3
    assert source.current.publication == snapshot().publication
