"""WHOIS: registry texts served by a real TCP server on 127.0.0.1, through the live checker."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from sheetsync.core.model import DomainVerdict, Doubt, Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.domains import whois
from sheetsync.retry import RETRY_AFTER_CEILING
from sheetsync.settings.sections import parse_host_port
from tests.support.domain_servers import (
    HANG_UP,
    SLOW,
    FakeTime,
    LoopbackWhois,
    live_settings,
    make_checker,
    refused_port,
    whois_text,
)

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]
HU = normalize_domain("pelda.hu")
EU = normalize_domain("pelda.eu")


def ask(tmp_path: Path, answer: bytes | str, domain=HU, **settings: object) -> DomainVerdict:  # type: ignore[no-untyped-def]
    with LoopbackWhois({domain.ascii: answer}) as server:
        checker = make_checker(
            live_settings(tmp_path, whois_servers={domain.tld: server.address}, **settings),
            FakeTime(),
        )
        return checker.check([domain])[domain.ascii]


@pytest.mark.parametrize(
    ("fixture", "domain", "verdict"),
    [
        ("hu_free_old.txt", HU, Verdict.AVAILABLE),
        ("hu_free_new.txt", HU, Verdict.AVAILABLE),
        ("hu_free_latin2.txt", HU, Verdict.AVAILABLE),
        ("hu_registered.txt", HU, Verdict.REGISTERED),
        ("hu_in_progress.txt", HU, Verdict.REGISTERED),
        ("eu_available.txt", EU, Verdict.AVAILABLE),
        ("eu_registered.txt", EU, Verdict.REGISTERED),
        ("eu_throttled.txt", EU, Verdict.UNKNOWN),
        ("garbage.txt", HU, Verdict.UNKNOWN),
        ("empty.txt", HU, Verdict.UNKNOWN),
        ("eu_available.txt", HU, Verdict.UNKNOWN),  # another registry's "free" is not .hu's
    ],
)
def test_each_registry_text_means_what_the_registry_says(
    tmp_path: Path, fixture: str, domain: object, verdict: Verdict
) -> None:
    result = ask(tmp_path, whois_text(fixture), domain)
    assert result.verdict == verdict, result.reason
    assert result.source == "whois"


def test_a_registered_hu_domain_carries_its_creation_date(tmp_path: Path) -> None:
    result = ask(tmp_path, whois_text("hu_registered.txt"))
    assert result.details["created"] == "2000.03.25 23:20:39"
    assert result.details["server"].startswith("127.0.0.1:")


def test_an_old_registration_in_progress_counts_as_taken(tmp_path: Path) -> None:
    result = ask(tmp_path, whois_text("hu_in_progress.txt"))
    assert result.reason == "WHOIS: registration in progress"


def test_a_registered_eu_domain_carries_its_registrar(tmp_path: Path) -> None:
    assert ask(tmp_path, whois_text("eu_registered.txt"), EU).details["registrar"] == (
        "eMarkMonitor, Inc."
    )


def test_the_query_is_the_ascii_name_and_crlf(tmp_path: Path) -> None:
    idn = normalize_domain("kovácspékség.hu")
    with LoopbackWhois({}, default=whois_text("hu_free_new.txt")) as server:
        settings = live_settings(tmp_path, whois_servers={"hu": server.address})
        make_checker(settings, FakeTime()).check([idn])
    assert server.queries == ["xn--kovcspksg-21a5gc.hu\r\n"]


def test_a_silent_server_times_out_as_unknown_quickly(tmp_path: Path) -> None:
    started = time.monotonic()
    result = ask(tmp_path, SLOW, timeout_seconds=0.2)
    assert result.verdict == Verdict.UNKNOWN
    assert result.reason == "WHOIS server gave no answer within 0.2 s"
    assert result.doubt == Doubt.NO_ANSWER  # it was reached: not an outage
    assert time.monotonic() - started < 2


def test_a_server_hanging_up_without_a_word_is_unknown(tmp_path: Path) -> None:
    result = ask(tmp_path, HANG_UP)
    assert result.reason == "WHOIS answer was empty" and result.doubt == Doubt.INCOMPLETE


def test_a_refused_connection_is_unknown(tmp_path: Path) -> None:
    settings = live_settings(tmp_path, whois_servers={"hu": f"127.0.0.1:{refused_port()}"})
    result = make_checker(settings, FakeTime()).check([HU])[HU.ascii]
    assert result.verdict == Verdict.UNKNOWN
    assert "unreachable" in (result.reason or "") and result.doubt == Doubt.UNREACHABLE


def test_when_the_network_is_down_one_probe_fails_fast_for_every_domain(tmp_path: Path) -> None:
    attempts: list[tuple[str, int]] = []

    async def no_network(host: str, port: int) -> Streams:
        attempts.append((host, port))
        raise OSError(101, "Network is unreachable")

    settings = live_settings(tmp_path)  # built-in servers: whois.nic.hu, whois.eu
    names = [normalize_domain(f"ugyfel{i}.hu") for i in range(8)]
    names += [normalize_domain(f"ugyfel{i}.eu") for i in range(5)]
    verdicts = make_checker(settings, FakeTime(), connect=no_network).check(names)
    assert sorted(attempts) == [("whois.eu", 43), ("whois.nic.hu", 43)]
    assert {v.verdict for v in verdicts.values()} == {Verdict.UNKNOWN}


def test_a_short_eu_throttle_is_waited_out_and_asked_again(tmp_path: Path) -> None:
    served: list[str] = []
    with (
        LoopbackWhois({}, default=whois_text("eu_throttled_briefly.txt")) as throttling,
        LoopbackWhois({}, default=whois_text("eu_available.txt")) as answering,
    ):
        ports = [throttling.port, answering.port]

        async def scripted(
            host: str, port: int
        ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            served.append(host)
            return await asyncio.open_connection("127.0.0.1", ports.pop(0))

        fake = FakeTime()
        checker = make_checker(live_settings(tmp_path), fake, connect=scripted)
        verdict = checker.check([EU])[EU.ascii]
    assert verdict.verdict == Verdict.AVAILABLE
    assert served == ["whois.eu", "whois.eu"]
    assert fake.slept == [2.0]


@pytest.mark.parametrize(
    ("tld", "text", "verdict"),
    [
        ("eu", "Domain: pelda.eu\nStatus: NOT AVAILABLE\n", Verdict.UNKNOWN),
        ("at", "% Copyright (c)2026 by NIC.AT\n%\n% nothing found\n", Verdict.AVAILABLE),
        ("at", "domain:         pelda.at\nregistrar:      Example GmbH\n", Verdict.REGISTERED),
        ("de", "Domain: pelda.de\nStatus: free\n", Verdict.AVAILABLE),
        ("de", "Domain: pelda.de\nStatus: connect\n", Verdict.REGISTERED),
        ("de", "Domain: pelda.de\nStatus: redemptionPeriod\n", Verdict.UNKNOWN),
        ("it", "Domain:             pelda.it\nStatus:             AVAILABLE\n", Verdict.AVAILABLE),
        (
            "it",
            "Domain:             pelda.it\nCreated:            2001-01-01\n",
            Verdict.REGISTERED,
        ),
        ("be", "Domain:\tpelda.be\nStatus:\tAVAILABLE\n", Verdict.AVAILABLE),
        ("be", "Domain:\tpelda.be\nStatus:\tNOT AVAILABLE\n", Verdict.REGISTERED),
        ("hu", "Nincs találat / No match (napi limit)\n", Verdict.UNKNOWN),
        # a server outside the table (an override): the classic phrases, about this name
        ("com", 'No match for "PELDA.COM".\n', Verdict.AVAILABLE),
        ("com", 'No match for "MASIK.COM".\n', Verdict.UNKNOWN),
        ("com", "Domain Name: PELDA.COM\nCreation Date: 2001-01-01\n", Verdict.REGISTERED),
        ("com", "Domain Name: MASIK.COM\nCreation Date: 2001-01-01\n", Verdict.UNKNOWN),
    ],
)
def test_registry_patterns(tld: str, text: str, verdict: Verdict) -> None:
    domain = normalize_domain(f"pelda.{tld}")
    answer = whois.interpret(text, whois.registry_for(tld), domain, {})
    assert answer.verdict == verdict, answer.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("whois.nic.hu", ("whois.nic.hu", 43)),
        ("127.0.0.1:4343", ("127.0.0.1", 4343)),
        ("[::1]:4343", ("::1", 4343)),
    ],
)
def test_host_port_parsing(value: str, expected: tuple[str, int]) -> None:
    assert parse_host_port(value) == expected


@pytest.mark.parametrize("value", ["", ":43", "host:0", "host:http", "a:b:c"])
def test_host_port_parsing_rejects_nonsense(value: str) -> None:
    with pytest.raises(ValueError):
        parse_host_port(value)


def test_a_throttle_asking_for_an_absurd_wait_is_held_to_the_retry_after_ceiling() -> None:
    text = "-1: Still in grace period, wait " + "9" * 400 + " seconds\n"
    answer = whois.interpret(text, whois.registry_for("eu"), EU, {})
    assert answer.verdict == Verdict.UNKNOWN
    assert answer.retry_after == RETRY_AFTER_CEILING
