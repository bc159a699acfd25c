"""The ops endpoint under load, over real loopback sockets: private by default, every
one of many concurrent clients answered, hundreds of idle clients unable to silence it,
idle or trickling clients cut in bounded time without holding threads, a health read
that hangs answered with 503 in bounded time."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sheetsync.ops.health import Health, assess
from sheetsync.ops.metrics import Metrics
from sheetsync.ops.server import BACKLOG, IDLE_BEFORE_EVICTION, OpsServer
from sheetsync.settings import HealthSettings, ServerSettings

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def healthy() -> Health:
    return assess([], NOW, HealthSettings(), up_since=NOW)


def get(port: int, path: str = "/healthz") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_the_endpoint_is_private_unless_configured_and_the_container_opens_it() -> None:
    assert ServerSettings().host == "127.0.0.1"
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert "SHEETSYNC_SERVER__HOST=0.0.0.0" in dockerfile
    assert 'SHEETSYNC_SERVER__HOST: "0.0.0.0"' in compose
    assert BACKLOG >= 128
    with OpsServer("127.0.0.1", 0, healthy, Metrics()) as ops:
        assert get(ops.port) == 200
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.2", ops.port), timeout=1).close()


def test_five_hundred_concurrent_clients_are_all_answered() -> None:
    """The outside attack lost 2–5 of 500 when the cap was 256 and a burst pushed out
    connections whose request was still on its way."""
    with OpsServer("127.0.0.1", 0, healthy, Metrics()) as ops:
        start = threading.Barrier(500)

        def client(i: int) -> int:
            start.wait(10)
            return get(ops.port, "/healthz" if i % 2 else "/metrics")

        began = time.monotonic()
        with ThreadPoolExecutor(500) as pool:
            statuses = list(pool.map(client, range(500)))
        took = time.monotonic() - began
    assert statuses.count(200) == 500
    assert took < 10


def open_idle(port: int, count: int, partial: bytes = b"") -> list[socket.socket]:
    clients = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if partial:
            sock.sendall(partial)
        clients.append(sock)
    return clients


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """The server closed it (perhaps after a 503) within `seconds`."""
    sock.settimeout(seconds)
    try:
        while sock.recv(1024):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True  # reset: closed as well
    return True


def test_idle_and_half_open_clients_hold_no_thread_and_are_cut_at_the_deadline() -> None:
    before = threading.active_count()
    with OpsServer("127.0.0.1", 0, healthy, Metrics(), deadline=0.5) as ops:
        began = time.monotonic()
        idle = open_idle(ops.port, 30) + open_idle(ops.port, 20, b"GET /healthz HTTP/1.1\r\n")
        time.sleep(0.2)
        assert threading.active_count() <= before + 1, "one loop thread, whatever the clients"
        assert all(closed_within(sock, 5) for sock in idle)
        assert time.monotonic() - began < 6
        assert get(ops.port) == 200
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 2
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert threading.active_count() <= before


def test_hundreds_of_idle_clients_cannot_silence_healthz() -> None:
    """The outside attack: ~300 idle connections used to fill the backlog and every
    handler, and /healthz stopped answering at all."""
    with OpsServer("127.0.0.1", 0, healthy, Metrics(), max_connections=64) as ops:
        idle = open_idle(ops.port, 300) + open_idle(ops.port, 100, b"GET /metrics HTTP/1.1\r\n")
        time.sleep(IDLE_BEFORE_EVICTION + 0.1)  # idle long enough to be pushed out
        try:
            for _ in range(5):
                began = time.monotonic()
                assert get(ops.port) == 200
                assert time.monotonic() - began < 1
            beyond = idle[-1]  # opened when 64 were held and none had idled a second yet
            beyond.settimeout(1)
            assert beyond.recv(1024).startswith(b"HTTP/1.1 503 "), "told busy, not left silent"
        finally:
            for sock in idle:
                sock.close()


def test_a_health_read_that_hangs_gets_503_in_bounded_time_and_holds_one_thread() -> None:
    release = threading.Event()
    calls = []

    def hanging() -> Health:
        calls.append(1)
        release.wait(10)
        return healthy()

    before = threading.active_count()
    with OpsServer("127.0.0.1", 0, hanging, Metrics(), health_wait=0.3) as ops:
        with ThreadPoolExecutor(20) as pool:
            began = time.monotonic()
            answers = list(pool.map(lambda _: get_body(ops.port), range(20)))
        assert time.monotonic() - began < 3
        assert {status for status, _ in answers} == {503}
        assert all("health could not be read (timed out)" in body for _, body in answers)
        assert len(calls) == 1, "one read shared by everyone waiting"
        assert threading.active_count() <= before + 2
        assert get(ops.port, "/metrics") == 200, "metrics do not wait for the health"
        release.set()
        time.sleep(0.05)
        assert get(ops.port) == 200
        assert len(calls) == 2


def test_a_health_read_that_fails_is_503_with_the_kind_of_failure() -> None:
    def broken() -> Health:
        raise OSError("database is locked: /secret/path")

    with OpsServer("127.0.0.1", 0, broken, Metrics()) as ops:
        status, body = get_body(ops.port)
    assert status == 503
    assert json.loads(body) == {"healthy": False, "reasons": ["health could not be read (OSError)"]}


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404),
        (b"POST /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405),
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n", 431),
        (b"GET /healthz?verbose=1 HTTP/1.0\r\n\r\n", 200),
    ],
)
def test_requests_that_are_not_a_plain_get_are_refused_with_their_reason(
    request_bytes: bytes, status: int
) -> None:
    with OpsServer("127.0.0.1", 0, healthy, Metrics()) as ops:
        with socket.create_connection(("127.0.0.1", ops.port), timeout=5) as sock:
            with contextlib.suppress(OSError):  # the server may answer before reading it all
                sock.sendall(request_bytes)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(f"HTTP/1.1 {status} ".encode())
        assert b"Connection: close" in answer
        assert get(ops.port) == 200


def test_a_burst_beyond_the_cap_is_told_busy_at_once_never_left_silent() -> None:
    with OpsServer("127.0.0.1", 0, healthy, Metrics(), max_connections=8) as ops:
        fresh = open_idle(ops.port, 8)  # all just accepted: none may be pushed out yet
        time.sleep(0.1)
        try:
            status, body = get_body(ops.port)
            assert (status, body) == (503, "busy\n")
            time.sleep(IDLE_BEFORE_EVICTION)
            assert get(ops.port) == 200, "once they idled a while, the oldest made room"
        finally:
            for sock in fresh:
                sock.close()


def get_body(port: int, path: str = "/healthz") -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def test_a_client_trickling_its_request_is_cut_at_the_deadline() -> None:
    with OpsServer("127.0.0.1", 0, healthy, Metrics(), deadline=0.5) as ops:
        sock = socket.create_connection(("127.0.0.1", ops.port), timeout=5)
        began = time.monotonic()
        cut = False
        try:
            for byte in b"GET /healthz HTTP/1.1\r\nX-Slow: " + b"a" * 100:
                sock.sendall(bytes([byte]))
                time.sleep(0.05)
                if time.monotonic() - began > 3:
                    break
        except OSError:
            cut = True
        if not cut:
            cut = closed_within(sock, 1)
        sock.close()
        assert cut and time.monotonic() - began < 3
        assert get(ops.port) == 200


def test_a_slow_report_page_never_queues_in_front_of_the_health() -> None:
    """Final review: /report was made on the health's one thread, so a page that took
    seconds (a long history) held every /healthz behind it."""
    release = threading.Event()

    def slow_page() -> str:
        release.wait(10)
        return "<html></html>"

    server = OpsServer("127.0.0.1", 0, healthy, Metrics(), report=slow_page, health_wait=5)
    with server as ops, ThreadPoolExecutor(3) as pool:
        pages = [pool.submit(get, ops.port, "/report") for _ in range(3)]
        time.sleep(0.2)  # the page is being made
        began = time.monotonic()
        assert get(ops.port) == 200
        assert time.monotonic() - began < 1
        release.set()
        assert [page.result(10) for page in pages] == [200, 200, 200]
