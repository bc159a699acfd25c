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
from sheetsync.redaction import redact
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


# -- the outside attack of session 3 (docs/testing.md) ------------------------------------


class KeepAliveSmuggler(LoopbackHttp):
    """Keeps each connection open for more requests; to a name starting with "smug" it
    answers twice (two empty 404s), so a client reusing the connection would read the
    second as the next name's answer."""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                request = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return
            path = request.split(b" ", 2)[1].decode("latin-1")
            self.paths.append(path)
            name = path.rsplit("/", 1)[-1]
            if name.startswith("smug"):
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n" * 2)
            else:
                body = json.dumps({"objectClassName": "domain", "ldhName": name}).encode()
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n"
                writer.write(head.encode() + body)
            await writer.drain()


def test_an_answer_queued_on_a_kept_alive_connection_never_decides_the_next_name(
    tmp_path: Path,
) -> None:
    names = ["smug-1.cz", "foglalt-1.cz", "foglalt-2.cz", "smug-2.cz", "foglalt-3.cz"]
    domains = [normalize_domain(n) for n in names]
    with KeepAliveSmuggler({}) as server:
        config = live_settings(
            tmp_path,
            rdap_servers={"cz": server.base_url},
            timeout_seconds=DEADLINE,
            concurrency_per_server=1,
        )
        verdicts = make_checker(config, FakeTime()).check(domains)
    for name in ("foglalt-1.cz", "foglalt-2.cz", "foglalt-3.cz"):
        assert verdicts[name].verdict == Verdict.REGISTERED, verdicts[name].reason
    assert len(server.paths) == len(names)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (json.dumps({"objectClassName": "domain", "ldhName": "pelda.cz"}).encode(),
         "application/rdap+json"),  # a domain object under a 404: contradictory
        (json.dumps({"ldhName": "pelda.cz", "status": ["active"]}).encode(),
         "application/rdap+json"),
        (json.dumps({"events": []}).encode(), "application/rdap+json"),
        (b'{"foo": [1]}', "application/rdap+json"),  # JSON of another shape
        (b"{}", "application/rdap+json"),
        (b" \r\n ", "application/rdap+json"),  # whitespace only is not empty
        (NOT_FOUND_JSON, "text/plain"),  # an error object, but not sent as JSON
        (NOT_FOUND_JSON, ""),
    ],
    ids=["domain-object", "domain-shape", "events", "other-shape", "empty-object",
         "whitespace", "text-plain", "no-type"],
)  # fmt: skip
def test_a_404_that_is_not_a_plain_rdap_not_found_is_unknown(
    tmp_path: Path, body: bytes, content_type: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    verdicts, _, _ = check_rdap(tmp_path, {"/domain/pelda.cz": respond(404, body, headers)})
    verdict = verdicts[CZ.ascii]
    assert (verdict.verdict, verdict.doubt) == (Verdict.UNKNOWN, Doubt.UNREADABLE), verdict.reason


def test_a_200_about_no_name_or_another_is_not_registered(tmp_path: Path) -> None:
    nameless = json.dumps({"objectClassName": "domain"}).encode()
    other = json.dumps({"objectClassName": "domain", "ldhName": "masik.cz"}).encode()
    rdap_json = {"Content-Type": "application/rdap+json"}
    routes = {
        "/domain/pelda.cz": respond(200, nameless, rdap_json),
        "/domain/harmadik.cz": respond(200, other, rdap_json),
    }
    verdicts, _, _ = check_rdap(tmp_path, routes, "pelda.cz", "harmadik.cz")
    assert verdicts["pelda.cz"].verdict == verdicts["harmadik.cz"].verdict == Verdict.UNKNOWN
    assert verdicts["harmadik.cz"].doubt == Doubt.OTHER_NAME


def test_a_password_and_a_query_in_the_base_url_reach_no_detail_log_or_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    found = respond(200, json.dumps({"objectClassName": "domain", "ldhName": "pelda.cz"}).encode())
    redirect = respond(
        302, headers={"Location": "http://u:TitkosJelszo9@x.example/?apikey=RedirKulcs77"}
    )
    with LoopbackHttp({}, default=found) as server:
        server.routes["/rdap/domain/pelda.cz?apikey=ApiKulcs123"] = found
        server.routes["/rdap/domain/masik.cz?apikey=ApiKulcs123"] = redirect
        base = f"http://ugynokseg:TitkosJelszo9@127.0.0.1:{server.port}/rdap/?apikey=ApiKulcs123"
        config = live_settings(tmp_path, rdap_servers={"cz": base}, timeout_seconds=DEADLINE)
        with caplog.at_level("DEBUG"):
            verdicts = make_checker(config, FakeTime()).check([CZ, normalize_domain("masik.cz")])
    # the name goes into the path, the query is kept after it
    assert sorted(server.paths) == [
        "/rdap/domain/masik.cz?apikey=ApiKulcs123",
        "/rdap/domain/pelda.cz?apikey=ApiKulcs123",
    ]
    assert verdicts[CZ.ascii].verdict == Verdict.REGISTERED
    assert verdicts[CZ.ascii].details["server"] == f"127.0.0.1:{server.port}"
    assert verdicts["masik.cz"].doubt == Doubt.REDIRECTED
    # what is kept (details, reasons: the verdict cache's rows) shows no secret, nor the
    # redirect target's; a log line shows none of the base URL's
    kept = repr(dict(verdicts))
    for secret in ("TitkosJelszo9", "ApiKulcs123", "ugynokseg", "RedirKulcs77"):
        assert secret not in kept, secret
    # httpx logs each request's URL: the log formatters' redaction knows the secrets now
    logged = redact(f"GET {base}/domain/pelda.cz") + "".join(
        redact(r.getMessage()) for r in caplog.records
    )
    for secret in ("TitkosJelszo9", "ApiKulcs123", "ugynokseg"):
        assert secret not in logged, secret


GENERIC_RECORD_AND_NO_MATCH = {  # a server outside the table: any field line is a record
    "a-record": b"nameserver: ns1.x.net\nholder: ACME\nNOT FOUND\n",
    "name-server": b"Name Server: ns1.x.net\nNOT FOUND\n",
    "expiry": b"Expiration Date: 2030-01-01\nNOT FOUND\n",
    "registrant": b"Registrant Name: ACME\nNOT FOUND\n",
    "ripe-style": b"owner-c: ACME\nsource: RIPE\nNOT FOUND\n",
    "dnssec": b"DNSSEC: unsigned\nNOT FOUND\n",
    "empty-field": b"Nameservers:\n    ns1.x.net\nNOT FOUND\n",
    "no-space": b"Domain Name:PELDA.COM\nNOT FOUND\n",
    "status": b"Domain Status: clientTransferProhibited\nNo Data Found\n",
}
GENERIC_FREE = {  # a no-match line about the name, with comments, prose and disclaimers
    "plain": b"NOT FOUND\n",
    "about-the-name": b'No match for "PELDA.COM".\n',
    "comments": b"% a comment\n# another: with a colon\nNo entries found\n",
    "verisign": b'No match for "PELDA.COM".\n>>> Last update of whois database: 2026 <<<\n\n'
    b"NOTICE: The expiration date displayed in this record is the date the\n"
    b"TERMS OF USE: You are not authorized to access or query our Whois\n",
}


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [(a, Verdict.UNKNOWN) for a in GENERIC_RECORD_AND_NO_MATCH.values()]
    + [(a, Verdict.AVAILABLE) for a in GENERIC_FREE.values()],
    ids=[*GENERIC_RECORD_AND_NO_MATCH, *GENERIC_FREE],
)
def test_a_record_line_beside_a_generic_no_match_is_never_available(
    tmp_path: Path, answer: bytes, verdict: Verdict
) -> None:
    com = normalize_domain("pelda.com")
    with LoopbackWhois({com.ascii: answer}) as server:
        config = live_settings(
            tmp_path, whois_servers={"com": server.address}, timeout_seconds=DEADLINE
        )
        found = make_checker(config, FakeTime()).check([com])[com.ascii]
    assert found.verdict == verdict, found.reason
    assert server.queries == ["pelda.com\r\n"]
