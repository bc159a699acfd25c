"""RDAP: what each registry answer means, through the live checker and httpx.MockTransport."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from sheetsync.core.model import Verdict
from sheetsync.core.names import normalize_domain
from tests.support.domain_servers import FakeTime, live_settings, make_checker, rdap_fixture

CZ = normalize_domain("nic.cz")


class Recorder:
    """A MockTransport handler answering fixtures in turn (the last one repeats)."""

    def __init__(self, *fixtures: str) -> None:
        self.fixtures = list(fixtures)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        name = self.fixtures.pop(0) if len(self.fixtures) > 1 else self.fixtures[0]
        return rdap_fixture(name)


def check_once(tmp_path: Path, *fixtures: str, **settings: object) -> tuple[object, Recorder]:
    recorder = Recorder(*fixtures)
    time = FakeTime()
    checker = make_checker(live_settings(tmp_path, **settings), time, recorder)
    return checker.check([CZ])[CZ.ascii], recorder


def test_a_404_from_the_registry_server_means_available(tmp_path: Path) -> None:
    verdict, recorder = check_once(tmp_path, "not_found.json")
    assert verdict.verdict == Verdict.AVAILABLE
    assert verdict.source == "rdap"
    # asked of the server IANA's bootstrap lists for .cz
    assert str(recorder.requests[0].url) == "https://rdap.nic.cz/domain/nic.cz"
    assert "rdap+json" in recorder.requests[0].headers["Accept"]


def test_a_domain_object_means_registered_with_registrar_and_dates(tmp_path: Path) -> None:
    verdict, _ = check_once(tmp_path, "registered.json")
    assert verdict.verdict == Verdict.REGISTERED
    assert verdict.details["registrar"] == "CZ.NIC, z.s.p.o."
    assert verdict.details["created"] == "1997-10-30T09:12:00+01:00"
    assert verdict.details["expires"] == "2027-03-15T00:00:00Z"
    assert verdict.details["server"] == "rdap.nic.cz"


@pytest.mark.parametrize(
    ("fixture", "reason_part"),
    [
        ("server_error.json", "server error (HTTP 500)"),
        ("forbidden.json", "HTTP 403"),
        ("malformed.json", "not JSON"),
        ("redirect.json", "redirected to https://rdap.example.net/domain/nic.cz"),
        ("other_object.json", "not a domain object"),
        ("other_name.json", "another name"),
        ("rate_limited_long.json", "rate limited (HTTP 429)"),
    ],
)
def test_anything_but_404_or_a_domain_object_is_unknown_never_available(
    tmp_path: Path, fixture: str, reason_part: str
) -> None:
    verdict, _ = check_once(tmp_path, fixture)
    assert verdict.verdict == Verdict.UNKNOWN
    assert reason_part in (verdict.reason or "")


def test_it_waits_as_long_as_retry_after_says_then_asks_again(tmp_path: Path) -> None:
    recorder = Recorder("rate_limited.json", "not_found.json")
    time = FakeTime()
    checker = make_checker(live_settings(tmp_path), time, recorder)
    verdict = checker.check([CZ])[CZ.ascii]
    assert verdict.verdict == Verdict.AVAILABLE
    assert len(recorder.requests) == 2
    assert time.slept == [3.0]


def test_a_long_retry_after_is_not_waited_for_and_the_server_is_left_alone(
    tmp_path: Path,
) -> None:
    recorder = Recorder("rate_limited_long.json")
    time = FakeTime()
    checker = make_checker(live_settings(tmp_path), time, recorder)
    names = [normalize_domain(f"pelda{i}.cz") for i in range(4)]
    verdicts = checker.check(names)
    assert len(recorder.requests) == 1  # the others would have to wait an hour
    assert all(v.verdict == Verdict.UNKNOWN for v in verdicts.values())
    assert time.slept == []


@pytest.mark.parametrize("asked", ["9" * 400, "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_an_absurd_retry_after_is_unknown_and_pauses_the_server_without_overflowing(
    tmp_path: Path, asked: str
) -> None:
    requests: list[httpx.Request] = []

    def throttle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(429, headers={"Retry-After": asked})

    time = FakeTime()
    checker = make_checker(live_settings(tmp_path), time, throttle)
    names = [normalize_domain(f"pelda{i}.cz") for i in range(3)]
    verdicts = checker.check(names)
    assert all(v.verdict == Verdict.UNKNOWN for v in verdicts.values())
    assert len(requests) == 1 and time.slept == []


def test_server_errors_are_retried_a_bounded_number_of_times(tmp_path: Path) -> None:
    verdict, recorder = check_once(tmp_path, "server_error.json", max_attempts=3)
    assert verdict.verdict == Verdict.UNKNOWN
    assert len(recorder.requests) == 3


def test_an_unreachable_server_is_probed_once_not_once_per_domain(tmp_path: Path) -> None:
    attempts: list[str] = []

    async def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(str(request.url))
        await asyncio.sleep(0.01)  # a real refusal takes a moment; others queue meanwhile
        raise httpx.ConnectError("connection refused", request=request)

    checker = make_checker(live_settings(tmp_path), FakeTime(), refuse)
    names = [normalize_domain(f"pelda{i}.cz") for i in range(6)]
    verdicts = checker.check(names)
    assert len(attempts) == 1
    assert {v.verdict for v in verdicts.values()} == {Verdict.UNKNOWN}
    assert all("unreachable" in (v.reason or "") for v in verdicts.values())


def test_a_timeout_is_unknown(tmp_path: Path) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    verdict = make_checker(live_settings(tmp_path), FakeTime(), slow).check([CZ])[CZ.ascii]
    assert verdict.verdict == Verdict.UNKNOWN
    assert verdict.reason == "RDAP server timed out"


def test_an_rdap_override_wins_over_the_bootstrap(tmp_path: Path) -> None:
    recorder = Recorder("not_found.json")
    settings = live_settings(tmp_path, rdap_servers={"cz": "http://127.0.0.1:8081/mirror"})
    make_checker(settings, FakeTime(), recorder).check([CZ])
    assert str(recorder.requests[0].url) == "http://127.0.0.1:8081/mirror/domain/nic.cz"


def test_an_idn_is_asked_for_in_its_ascii_form(tmp_path: Path) -> None:
    recorder = Recorder("not_found.json")
    make_checker(live_settings(tmp_path), FakeTime(), recorder).check(
        [normalize_domain("příklad.cz")]
    )
    assert recorder.requests[0].url.path == "/domain/xn--pklad-zsa96e.cz"
