"""Fuzzing the live checker: random bytes, random HTTP responses, random delays and
broken connections, per name. Every name gets a verdict, no exception leaves the
checker, a verdict other than `unknown` is only ever the one its own answer means, and
names on a well-behaved server are unaffected by whatever the others do."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.model import DomainName, DomainVerdict, Doubt, Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.domains import whois
from sheetsync.domains.limits import RDAP_MAX_BYTES, WHOIS_MAX_BYTES, load_json
from tests.support.domain_servers import (
    FakeTime,
    LoopbackWhois,
    fill,
    live_settings,
    make_checker,
    whois_text,
)

pytestmark = pytest.mark.slow  # a property suite: `make quick` leaves it out

DEADLINE = 0.2  # seconds per query here
LATE = DEADLINE + 0.05  # a delay past it
# Mostly none, some small (answers then finish out of order), now and then one too late.
DELAYS = st.sampled_from([0.0] * 10 + [0.005, 0.02, LATE])
CONTROL = {  # names on a well-behaved RDAP server of their own, and what it says
    "szabad.sk": Verdict.AVAILABLE,
    "foglalt.sk": Verdict.REGISTERED,
}


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes
    delay: float
    broken: str | None  # a transport failure instead of an answer

    def means(self, name: str) -> Verdict:
        """What this answer alone says of `name`, by the rules (unknown unless sure)."""
        if self.broken or self.delay >= DEADLINE or len(self.body) > RDAP_MAX_BYTES:
            return Verdict.UNKNOWN
        if self.headers.get("Content-Encoding", "identity") != "identity":
            return Verdict.UNKNOWN
        if self.status == 404 and not self.body:
            return Verdict.AVAILABLE
        value, problem = load_json(self.body)
        if problem is not None or not isinstance(value, dict):
            return Verdict.UNKNOWN
        if self.status == 404:
            # only an RDAP error object, sent as JSON, is the registry's "not found"
            kind = {k.lower(): v for k, v in self.headers.items()}.get("content-type", "")
            keys = set(value)
            error = keys <= {
                "errorCode",
                "title",
                "description",
                "notices",
                "lang",
                "rdapConformance",
            } and bool(keys & {"errorCode", "title", "description"})
            json_sent = kind.split(";")[0].strip().lower() in (
                "application/rdap+json",
                "application/json",
            )
            ok = error and json_sent and value.get("errorCode", 404) == 404
            return Verdict.AVAILABLE if ok else Verdict.UNKNOWN
        if self.status == 200 and value.get("objectClassName") == "domain":
            names = {
                str(value.get(k) or "").lower().rstrip(".") for k in ("ldhName", "unicodeName")
            }
            if name in names:
                return Verdict.REGISTERED
        return Verdict.UNKNOWN

    @property
    def spoils_the_server(self) -> bool:
        """Politeness: a stall, a refusal or a pause asked for holds back the server's
        other names this pass (they stay unknown, never wrong)."""
        return (
            bool(self.broken) or self.delay >= DEADLINE or self.status == 429 or self.status >= 500
        )


def timed_out(verdict: DomainVerdict) -> bool:
    """A deadline met on a busy machine (no delay was drawn): the server was then left
    alone for the pass, as a stalled one is. Never a wrong verdict, only an unknown."""
    return verdict.doubt == Doubt.NO_ANSWER


# Built once (strategies are costly to build per draw); `{name}` is the name asked.
_DOMAIN_OBJECT = json.dumps({"objectClassName": "domain", "ldhName": "{name}"}).encode()
BODIES = st.one_of(
    st.binary(max_size=300),
    st.just(b""),
    st.just(_DOMAIN_OBJECT),
    st.just(_DOMAIN_OBJECT.replace(b"{name}", b"masik.cz")),
    st.just(json.dumps({"errorCode": 404, "title": "Not Found"}).encode()),
    st.just(json.dumps({"errorCode": 500}).encode()),
    st.integers(1, 200_000).map(lambda n: b"[" * n + b"]" * n),
    st.just(b"<html><body>404 Not Found</body></html>"),
    st.just(b"{" * 70_000),
    st.just(b" " * (RDAP_MAX_BYTES + 1)),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=20,
    ).map(lambda v: json.dumps(v).encode()),
)
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
RETRY_AFTER = st.one_of(
    HEADER_TEXT,
    st.integers(0, 10**400).map(str),
    st.just("Fri, 31 Dec 9999 23:59:59 GMT"),
)
CONTENT_TYPE = st.sampled_from(["application/rdap+json", "application/json", "text/html", "x/y"])
STATUS = st.one_of(st.sampled_from([200, 404, 404, 301, 403, 429, 500, 503]), st.integers(100, 599))
BROKEN_KIND = st.sampled_from([None] * 12 + ["connect", "read", "protocol", "timeout"])


@st.composite
def http_answers(draw: st.DrawFn, name: str) -> HttpAnswer:
    headers: dict[str, str] = {}
    if draw(st.booleans()):
        headers["Retry-After"] = draw(RETRY_AFTER)
    if draw(st.booleans()):
        headers["Content-Type"] = draw(CONTENT_TYPE)
    if draw(st.integers(0, 9)) == 0:
        headers["Content-Encoding"] = draw(st.sampled_from(["gzip", "br", "identity"]))
    if draw(st.integers(0, 9)) == 0:
        headers["Location"] = draw(HEADER_TEXT)
    return HttpAnswer(
        status=draw(STATUS),
        headers=headers,
        body=draw(BODIES).replace(b"{name}", name.encode()),
        delay=draw(DELAYS),
        broken=draw(BROKEN_KIND),
    )


BROKEN = {
    "connect": httpx.ConnectError,
    "read": httpx.ReadError,
    "protocol": httpx.RemoteProtocolError,
    "timeout": httpx.ReadTimeout,
}


def transport(answers: dict[str, HttpAnswer]) -> Any:
    async def handle(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        if request.url.host == "control.test":
            if CONTROL[name] == Verdict.AVAILABLE:
                return httpx.Response(404)
            return httpx.Response(200, json={"objectClassName": "domain", "ldhName": name})
        answer = answers[name]
        await asyncio.sleep(answer.delay)
        if answer.broken:
            raise BROKEN[answer.broken]("fuzzed", request=request)
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body)

    return handle


@st.composite
def rdap_cases(draw: st.DrawFn) -> dict[str, HttpAnswer]:
    count = draw(st.integers(1, 6))
    names = [f"ugyfel{i}.cz" for i in range(count)]
    return {name: draw(http_answers(name)) for name in names}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@given(rdap_cases())
def test_random_http_answers_each_decide_their_own_name_only(
    cache_dir: Path, answers: dict[str, HttpAnswer]
) -> None:
    settings = live_settings(
        cache_dir,
        rdap_servers={"cz": "http://hostile.test/", "sk": "http://control.test/"},
        timeout_seconds=DEADLINE,
    )
    domains = [normalize_domain(n) for n in [*answers, *CONTROL]]
    verdicts = make_checker(settings, FakeTime(), transport(answers)).check(domains)

    assert set(verdicts) == {d.ascii for d in domains}  # a verdict for every name
    for name, verdict in CONTROL.items():
        assert verdicts[name].verdict == verdict  # the other server is unaffected
    spoiled = any(a.spoils_the_server for a in answers.values())
    for name, answer in answers.items():
        got, meant = verdicts[name].verdict, answer.means(name)
        assert got in (meant, Verdict.UNKNOWN), (name, answer, verdicts[name])
        if got == Verdict.UNKNOWN:
            assert verdicts[name].doubt is not None and verdicts[name].reason
        if not spoiled and not timed_out(verdicts[name]):
            assert got == meant, (name, answer, verdicts[name])  # each its own verdict


# -- WHOIS: random bytes and delays from a real server ---------------------------------------


@pytest.fixture(scope="module")
def whois_server() -> Iterator[LoopbackWhois]:
    with LoopbackWhois({}) as server:
        yield server


_HU_FIXTURES = ["hu_free_new.txt", "hu_registered.txt", "hu_mixed.txt", "hu_in_progress.txt"]
_REAL = st.sampled_from([whois_text(f) for f in _HU_FIXTURES])
WHOIS_BYTES = st.one_of(
    st.binary(max_size=500),
    _REAL,
    st.tuples(_REAL, st.binary(max_size=50), st.integers(0, 400)).map(
        lambda t: t[0][: t[2]] + t[1] + t[0][t[2] :]
    ),
    st.just(b"Nincs talalat / No match\n" * (WHOIS_MAX_BYTES // 24 + 10)),
)


@st.composite
def whois_cases(draw: st.DrawFn) -> dict[str, tuple[bytes, float]]:
    names = [f"ugyfel{i}.hu" for i in range(draw(st.integers(1, 4)))]
    return {n: (fill(draw(WHOIS_BYTES), n), draw(DELAYS)) for n in names}


def streamer(data: bytes, delay: float) -> Any:
    async def stream(query: str, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(delay)
        writer.write(data)
        await writer.drain()

    return stream


def meaning(data: bytes, delay: float, domain: DomainName) -> Verdict:
    if delay >= DEADLINE or len(data) > WHOIS_MAX_BYTES:
        return Verdict.UNKNOWN
    return whois.interpret(whois.decode(data), whois.registry_for("hu"), domain, {}).verdict


@given(whois_cases())
def test_random_whois_answers_each_decide_their_own_name_only(
    cache_dir: Path,
    whois_server: LoopbackWhois,
    cases: dict[str, tuple[bytes, float]],
) -> None:
    whois_server.answers = {name: streamer(*case) for name, case in cases.items()}
    settings = live_settings(
        cache_dir,
        whois_servers={"hu": whois_server.address},
        timeout_seconds=DEADLINE,
    )
    domains = [normalize_domain(n) for n in cases]
    no_http = transport({})  # WHOIS only: an HTTP client that is never used builds no TLS
    verdicts = make_checker(settings, FakeTime(), no_http).check(domains)

    assert set(verdicts) == {d.ascii for d in domains}
    stalled = any(delay >= DEADLINE for _, delay in cases.values())
    for domain in domains:
        data, delay = cases[domain.ascii]
        got, meant = verdicts[domain.ascii].verdict, meaning(data, delay, domain)
        assert got in (meant, Verdict.UNKNOWN), (domain.ascii, data[:200], verdicts[domain.ascii])
        if not stalled and not timed_out(verdicts[domain.ascii]):
            assert got == meant, (domain.ascii, data[:200], verdicts[domain.ascii])
