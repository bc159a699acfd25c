"""Hostile registries on 127.0.0.1, through the live checker and its real HTTP and TCP
clients: each gives the verdict the rules promise, within its deadline, and one bad
answer decides its own name only."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sheetsync.core.model import DomainVerdict, Doubt, Verdict
from sheetsync.core.names import normalize_domain
from tests.support.domain_servers import (
    FakeTime,
    LoopbackWhois,
    live_settings,
    make_checker,
    refused_port,
    whois_text,
)
from tests.support.hostile_servers import (
    MIB,
    Behaviour,
    LoopbackHttp,
    deep_json,
    drip,
    drip_headers,
    endless,
    huge,
    respond,
    silent,
    whois_drip,
    whois_endless,
    whois_huge,
)

pytestmark = pytest.mark.slow  # a fault suite: `make quick` leaves it out

CZ = normalize_domain("pelda.cz")
HU = normalize_domain("pelda.hu")
DEADLINE = 1.0  # timeout_seconds in these tests
WITHIN = DEADLINE + 1.5  # the deadline, plus start-up and slack on a busy machine
REGISTERED = json.dumps({"objectClassName": "domain", "ldhName": "masik.cz"}).encode()
NOT_FOUND_JSON = json.dumps({"errorCode": 404, "title": "Not Found"}).encode()


@contextlib.contextmanager
def unanswered_port() -> Iterator[int]:
    """A loopback port whose listen queue is full: a connection attempt is never
    answered (its SYN dropped), as a firewalled or overloaded registry behaves."""
    with socket.socket() as server, socket.socket() as filler:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = int(server.getsockname()[1])
        filler.connect(("127.0.0.1", port))  # takes the one place in the queue
        yield port


def check_rdap(
    tmp_path: Path, routes: dict[str, Behaviour], *names: str, **settings: Any
) -> tuple[dict[str, DomainVerdict], float, LoopbackHttp]:
    domains = [normalize_domain(n) for n in names or ("pelda.cz",)]
    with LoopbackHttp(routes) as server:
        config = live_settings(
            tmp_path,
            rdap_servers={"cz": server.base_url},
            timeout_seconds=DEADLINE,
            **settings,
        )
        started = time.monotonic()
        verdicts = make_checker(config, FakeTime()).check(domains)
        elapsed = time.monotonic() - started
    return dict(verdicts), elapsed, server


def check_whois(tmp_path: Path, answer: Any, **settings: Any) -> tuple[DomainVerdict, float]:
    with LoopbackWhois({HU.ascii: answer}) as server:
        config = live_settings(
            tmp_path, whois_servers={"hu": server.address}, timeout_seconds=DEADLINE, **settings
        )
        started = time.monotonic()
        verdict = make_checker(config, FakeTime()).check([HU])[HU.ascii]
        return verdict, time.monotonic() - started


# -- RDAP ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("behaviour", "doubt"),
    [
        (drip(interval=0.1), Doubt.NO_ANSWER),  # slowloris: a byte of body at a time
        (drip_headers(interval=0.1), Doubt.NO_ANSWER),  # slowloris before the headers
        (silent(), Doubt.NO_ANSWER),
        (endless(), Doubt.INCOMPLETE),  # a chunked body that never ends
        (huge(100 * MIB), Doubt.INCOMPLETE),
        (deep_json(), Doubt.UNREADABLE),
        (respond(404, b"<html><body>Not Found</body></html>", {"Content-Type": "text/html"}),
         Doubt.UNREADABLE),  # a proxy's or a wrong base URL's 404 says nothing of the name
        (respond(404, b'{"errorCode": 500}', {"Content-Type": "application/rdap+json"}),
         Doubt.UNREADABLE),
        (respond(429, headers={"Retry-After": "9" * 400}), Doubt.THROTTLED),
        (respond(503, headers={"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}),
         Doubt.SERVER_ERROR),
        (respond(200, b"\x1f\x8b\x08\x00", {"Content-Encoding": "gzip"}), Doubt.UNREADABLE),
        (respond(301, headers={"Location": "https://elsewhere.example/"}), Doubt.REDIRECTED),
    ],
    ids=["slowloris-body", "slowloris-headers", "silent", "endless", "100MB", "deep-json",
         "html-404", "error-404", "huge-retry-after", "far-retry-after-date", "gzip",
         "redirect"],
)  # fmt: skip
def test_a_hostile_rdap_answer_is_unknown_within_its_deadline(
    tmp_path: Path, behaviour: Behaviour, doubt: Doubt
) -> None:
    verdicts, elapsed, _ = check_rdap(tmp_path, {"/domain/pelda.cz": behaviour})
    verdict = verdicts[CZ.ascii]
    assert (verdict.verdict, verdict.doubt) == (Verdict.UNKNOWN, doubt), verdict.reason
    assert elapsed < WITHIN


@pytest.mark.parametrize(
    "behaviour",
    [respond(404), respond(404, NOT_FOUND_JSON, {"Content-Type": "application/rdap+json"})],
    ids=["empty", "rdap-error-object"],
)
def test_the_registrys_own_404_is_available(tmp_path: Path, behaviour: Behaviour) -> None:
    verdicts, _, _ = check_rdap(tmp_path, {"/domain/pelda.cz": behaviour})
    assert verdicts[CZ.ascii].verdict == Verdict.AVAILABLE


def test_one_bad_answer_decides_its_own_name_only(tmp_path: Path) -> None:
    routes = {
        "/domain/pelda.cz": deep_json(),
        "/domain/huge.cz": huge(100 * MIB),
        "/domain/endless.cz": endless(),
        "/domain/masik.cz": respond(200, REGISTERED, {"Content-Type": "application/rdap+json"}),
        "/domain/szabad.cz": respond(404),
    }
    verdicts, elapsed, server = check_rdap(
        tmp_path, routes, "pelda.cz", "huge.cz", "endless.cz", "masik.cz", "szabad.cz"
    )
    assert verdicts["masik.cz"].verdict == Verdict.REGISTERED
    assert verdicts["szabad.cz"].verdict == Verdict.AVAILABLE
    assert verdicts["pelda.cz"].doubt == Doubt.UNREADABLE
    assert verdicts["huge.cz"].doubt == verdicts["endless.cz"].doubt == Doubt.INCOMPLETE
    assert len(server.paths) == 5 and elapsed < WITHIN


def test_a_stalled_server_costs_one_deadline_not_one_per_name(tmp_path: Path) -> None:
    names = [f"ugyfel{i}.cz" for i in range(8)]
    verdicts, elapsed, server = check_rdap_default(tmp_path, drip(interval=0.1), names)
    assert len(server.paths) == 1  # the probe; the others were not sent
    assert {v.doubt for v in verdicts.values()} == {Doubt.NO_ANSWER}
    assert elapsed < WITHIN


def check_rdap_default(
    tmp_path: Path, behaviour: Behaviour, names: list[str]
) -> tuple[dict[str, DomainVerdict], float, LoopbackHttp]:
    with LoopbackHttp({}, default=behaviour) as server:
        config = live_settings(tmp_path, rdap_servers={"cz": server.base_url}, timeout_seconds=1)
        started = time.monotonic()
        verdicts = make_checker(config, FakeTime()).check([normalize_domain(n) for n in names])
        return dict(verdicts), time.monotonic() - started, server


def test_no_query_runs_past_the_pass_budget(tmp_path: Path) -> None:
    async def slow_404(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.4)
        await respond(404)(writer)

    names = [f"ugyfel{i}.cz" for i in range(10)]
    with LoopbackHttp({}, default=slow_404) as server:
        config = live_settings(
            tmp_path,
            rdap_servers={"cz": server.base_url},
            timeout_seconds=5,
            pass_budget_seconds=1.0,
            concurrency_per_server=1,
        )
        started = time.monotonic()
        verdicts = make_checker(config, FakeTime()).check([normalize_domain(n) for n in names])
        elapsed = time.monotonic() - started
    answered = [v for v in verdicts.values() if v.verdict == Verdict.AVAILABLE]
    assert 1 <= len(answered) < len(names)  # some were answered, then time ran out
    rest = {v.doubt for v in verdicts.values() if v.verdict != Verdict.AVAILABLE}
    assert rest <= {Doubt.NO_ANSWER, Doubt.NO_TIME} and rest, rest  # cut at the budget
    assert elapsed < 1.0 + 1.5


def test_a_server_that_cannot_be_reached_is_unreachable_an_outage(tmp_path: Path) -> None:
    with unanswered_port() as port:
        config = live_settings(
            tmp_path, rdap_servers={"cz": f"http://127.0.0.1:{port}/"}, timeout_seconds=DEADLINE
        )
        started = time.monotonic()
        verdicts = make_checker(config, FakeTime()).check([CZ, normalize_domain("masik.cz")])
        elapsed = time.monotonic() - started
    assert {v.doubt for v in verdicts.values()} == {Doubt.UNREACHABLE}
    assert all(v.outage and v.details["server"] == f"127.0.0.1:{port}" for v in verdicts.values())
    assert elapsed < WITHIN
    refused = live_settings(tmp_path, rdap_servers={"cz": f"http://127.0.0.1:{refused_port()}/"})
    assert make_checker(refused, FakeTime()).check([CZ])[CZ.ascii].doubt == Doubt.UNREACHABLE


# -- WHOIS --------------------------------------------------------------------------------

NO_MATCH = b"Nincs talalat / No match\n"


def test_a_record_and_a_no_match_line_in_one_answer_is_registered(tmp_path: Path) -> None:
    verdict, _ = check_whois(tmp_path, whois_text("hu_mixed.txt"))
    assert verdict.verdict == Verdict.REGISTERED


@pytest.mark.parametrize(
    ("answer", "doubt"),
    [
        (whois_drip(NO_MATCH, interval=0.05), Doubt.NO_ANSWER),  # slowloris, never ends
        (whois_endless(NO_MATCH), Doubt.INCOMPLETE),  # free, free, free… never the end
        (whois_huge(100 * MIB, NO_MATCH), Doubt.INCOMPLETE),
        (whois_huge(100 * 1024, b"% a very long disclaimer line\n"), Doubt.INCOMPLETE),
    ],
    ids=["slowloris", "endless-no-match", "100MB", "over-the-cap"],
)
def test_a_hostile_whois_answer_is_unknown_within_its_deadline(
    tmp_path: Path, answer: Any, doubt: Doubt
) -> None:
    verdict, elapsed = check_whois(tmp_path, answer)
    assert (verdict.verdict, verdict.doubt) == (Verdict.UNKNOWN, doubt), verdict.reason
    assert elapsed < WITHIN


def test_a_whois_server_that_cannot_be_reached_is_unreachable(tmp_path: Path) -> None:
    with unanswered_port() as port:
        config = live_settings(
            tmp_path, whois_servers={"hu": f"127.0.0.1:{port}"}, timeout_seconds=DEADLINE
        )
        started = time.monotonic()
        verdict = make_checker(config, FakeTime()).check([HU])[HU.ascii]
        elapsed = time.monotonic() - started
    assert verdict.doubt == Doubt.UNREACHABLE and verdict.outage
    assert elapsed < WITHIN


def test_a_stalled_whois_server_is_asked_once_per_pass(tmp_path: Path) -> None:
    names = [normalize_domain(f"ugyfel{i}.hu") for i in range(6)]
    with LoopbackWhois({}, default=whois_drip(NO_MATCH, interval=0.05)) as server:
        config = live_settings(
            tmp_path, whois_servers={"hu": server.address}, timeout_seconds=DEADLINE
        )
        started = time.monotonic()
        verdicts = make_checker(config, FakeTime()).check(names)
        elapsed = time.monotonic() - started
        assert len(server.queries) == 1  # the probe; the others were not sent
    assert {v.doubt for v in verdicts.values()} == {Doubt.NO_ANSWER}
    assert not any(v.outage for v in verdicts.values())  # it was reached: each row says so
    assert elapsed < WITHIN
