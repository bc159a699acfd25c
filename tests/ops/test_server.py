"""The ops endpoint under load, over real loopback sockets: private by default, every
one of many concurrent clients answered, idle or trickling clients cut in bounded time
without holding more than the bounded number of threads."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sheetsync.ops.health import Health, assess
from sheetsync.ops.metrics import Metrics
from sheetsync.ops.server import BACKLOG, OpsServer
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
    with OpsServer("127.0.0.1", 0, healthy, Metrics()) as ops:
        assert ops._httpd is not None and ops._httpd.request_queue_size == BACKLOG >= 128


def test_two_hundred_concurrent_clients_are_all_answered() -> None:
    with OpsServer("127.0.0.1", 0, healthy, Metrics()) as ops:
        start = threading.Barrier(200)

        def client(i: int) -> int:
            start.wait(10)
            return get(ops.port, "/healthz" if i % 2 else "/metrics")

        began = time.monotonic()
        with ThreadPoolExecutor(200) as pool:
            statuses = list(pool.map(client, range(200)))
        took = time.monotonic() - began
    assert statuses.count(200) == 200
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


def test_idle_and_half_open_clients_hold_a_bounded_number_of_threads_for_a_bounded_time() -> None:
    before = threading.active_count()
    with OpsServer("127.0.0.1", 0, healthy, Metrics(), handlers=4, wait=0.05, deadline=0.5) as ops:
        began = time.monotonic()
        idle = open_idle(ops.port, 30) + open_idle(ops.port, 20, b"GET /healthz HTTP/1.1\r\n")
        time.sleep(0.2)
        assert threading.active_count() <= before + 1 + 4, "one server thread, four handlers"
        assert all(closed_within(sock, 5) for sock in idle)
        assert time.monotonic() - began < 6
        assert get(ops.port) == 200, "answered again once the idle clients were cut"
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 2
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert threading.active_count() <= before


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
