"""Domain checks, side by side: sheetsync cold, sheetsync warm (verdict cache), and a
sequential checker opening one socket per name, against loopback RDAP (.com) and
WHOIS (.hu) servers that hold each query `latency` seconds and enforce a rate limit
(a sliding minute, as registries do: over it RDAP answers 429, WHOIS a refusal).
"""

from __future__ import annotations

import http.client
import json
import math
import socket
import socketserver
import tempfile
import threading
import time
import tracemalloc
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

from sheetsync.core.model import DomainName, Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.domains.cache import MemoryVerdictCache
from sheetsync.domains.checker import LiveDomainChecker
from sheetsync.settings import DomainSettings

HU_FREE = b"% Whois server 4.0 serving the hu ccTLD\n\nNincs talalat / No match\n"
HU_TAKEN = (
    b"% Whois server 4.0 serving the hu ccTLD\n\ndomain:         {name}\n"
    b"record created: 2011.05.04 10:00:00\n"
)
HU_REFUSED = b"% Query rate limit exceeded. Try again later.\n"


class Limiter:
    """The server side of a rate limit: at most `per_minute` queries in any minute."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.starts: deque[float] = deque()
        self.lock = threading.Lock()
        self.served = 0
        self.refused = 0

    def admit(self) -> bool:
        with self.lock:
            now = time.monotonic()
            while self.starts and self.starts[0] <= now - 60:
                self.starts.popleft()
            if len(self.starts) >= self.per_minute:
                self.refused += 1
                return False
            self.starts.append(now)
            self.served += 1
            return True


def registered(name: str) -> bool:
    return sum(name.encode()) % 2 == 1  # about half the names are taken


class _QuietHttpServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client closing a kept-alive connection is no news


class _QuietTcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class Registries:
    """Loopback RDAP and WHOIS servers, each with its own limiter."""

    def __init__(self, latency: float, per_minute: int) -> None:
        self.latency = latency
        self.rdap_limit = Limiter(per_minute)
        self.whois_limit = Limiter(per_minute)
        outer = self

        class Rdap(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                admitted = outer.rdap_limit.admit()  # a query counts when it arrives
                time.sleep(outer.latency)
                name = self.path.rsplit("/", 1)[-1]
                if not admitted:
                    self._send(429, {"errorCode": 429, "title": "Too Many Requests"}, "60")
                elif registered(name):
                    self._send(200, {"objectClassName": "domain", "ldhName": name})
                else:
                    self._send(404, {"errorCode": 404, "title": "Not Found"})

            def _send(self, status: int, body: Any, retry_after: str | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/rdap+json")
                self.send_header("Content-Length", str(len(data)))
                if retry_after:
                    self.send_header("Retry-After", retry_after)
                self.end_headers()
                self.wfile.write(data)

        class Whois(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                name = self.rfile.readline().decode("ascii", "replace").strip()
                admitted = outer.whois_limit.admit()
                time.sleep(outer.latency)
                if not admitted:
                    self.wfile.write(HU_REFUSED)
                elif registered(name):
                    self.wfile.write(HU_TAKEN.replace(b"{name}", name.encode()))
                else:
                    self.wfile.write(HU_FREE)

        self.rdap = _QuietHttpServer(("127.0.0.1", 0), Rdap)
        self.rdap.daemon_threads = True
        self.whois = _QuietTcpServer(("127.0.0.1", 0), Whois)
        self.whois.daemon_threads = True
        self._threads = [
            threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            for s in (self.rdap, self.whois)
        ]

    def __enter__(self) -> Registries:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in (self.rdap, self.whois):
            server.shutdown()
            server.server_close()

    @property
    def rdap_url(self) -> str:
        return f"http://127.0.0.1:{self.rdap.server_address[1]}/"

    @property
    def whois_address(self) -> tuple[str, int]:
        return "127.0.0.1", int(self.whois.server_address[1])

    def sent(self) -> int:
        limits = (self.rdap_limit, self.whois_limit)
        return sum(limit.served + limit.refused for limit in limits)

    def reset(self) -> None:
        for limit in (self.rdap_limit, self.whois_limit):
            limit.starts.clear()
            limit.served = limit.refused = 0


@dataclass
class DomainRun:
    approach: str
    requests: int
    wall: float
    answered: int  # available or registered
    unknown: int


def domain_names(count: int) -> list[DomainName]:
    half = count // 2
    names = [f"ugyfel-{i}-pekseg.hu" for i in range(half)]
    names += [f"client-{i}-bakery.com" for i in range(count - half)]
    return [normalize_domain(n) for n in names]


def sheetsync_checker(registries: Registries, per_minute: int, cache_dir: Path) -> Any:
    host, port = registries.whois_address
    settings = DomainSettings(
        checker="live",
        rdap_servers={"com": registries.rdap_url},
        whois_servers={"hu": f"{host}:{port}"},
        requests_per_minute=per_minute,
        rate_limits={},
        concurrency_per_server=4,
        timeout_seconds=10,
        pass_budget_seconds=600,
        bootstrap_refresh=False,
        cache_dir=cache_dir,
    )
    return LiveDomainChecker(settings, lambda: datetime.now(UTC), MemoryVerdictCache())


def sequential_check(registries: Registries, names: list[DomainName]) -> dict[str, str]:
    """The usual script: one name after another, a fresh connection for each, no pacing."""
    out = {}
    host, port = registries.whois_address
    rdap_port = int(registries.rdap.server_address[1])
    for name in names:
        if name.tld == "hu":
            with socket.create_connection((host, port), timeout=10) as sock:
                sock.sendall(name.ascii.encode() + b"\r\n")
                answer = b"".join(iter(lambda s=sock: s.recv(4096), b""))  # type: ignore[misc]
            if b"No match" in answer:
                out[name.ascii] = "available"
            elif b"record created" in answer:
                out[name.ascii] = "registered"
            else:
                out[name.ascii] = "unknown"
        else:
            conn = http.client.HTTPConnection("127.0.0.1", rdap_port, timeout=10)
            conn.request("GET", f"/domain/{name.ascii}")
            status = conn.getresponse().status
            conn.close()
            out[name.ascii] = {404: "available", 200: "registered"}.get(status, "unknown")
    return out


def rate_bound(per_server: int, per_minute: int, concurrency: int, latency: float) -> float:
    """The least time a polite client needs for `per_server` queries to each server:
    a minute for every window it exhausts, then the rest `concurrency` at a time after
    the first query, which goes alone (sheetsync probes a server before it fans out)."""
    windows = math.ceil(per_server / per_minute) - 1
    rest = per_server - windows * per_minute
    if windows:
        return windows * 60.0 + math.ceil(rest / concurrency) * latency
    return (1 + math.ceil((rest - 1) / concurrency)) * latency


def run(count: int, latency: float, per_minute: int) -> tuple[float, list[DomainRun]]:
    names = domain_names(count)
    out = []
    with Registries(latency, per_minute) as registries, tempfile.TemporaryDirectory() as tmp:
        checker = sheetsync_checker(registries, per_minute, Path(tmp))
        for label in ("sheetsync cold", "sheetsync warm (verdict cache)"):
            before = registries.sent()
            start = time.perf_counter()
            verdicts = checker.check(names)
            wall = time.perf_counter() - start
            unknown = sum(v.verdict == Verdict.UNKNOWN for v in verdicts.values())
            out.append(
                DomainRun(label, registries.sent() - before, wall, len(names) - unknown, unknown)
            )
        registries.reset()
        start = time.perf_counter()
        answers = sequential_check(registries, names)
        wall = time.perf_counter() - start
        unknown = sum(a == "unknown" for a in answers.values())
        out.append(
            DomainRun(
                "sequential, one socket per name",
                registries.sent(),
                wall,
                len(names) - unknown,
                unknown,
            )
        )
    bound = rate_bound(count - count // 2, per_minute, 4, latency)
    return bound, out


# -- a pass with one misbehaving registry -------------------------------------------------


class _Hostile(BaseHTTPRequestHandler):
    """An RDAP server gone bad, as `behaviour` says: `slowloris` (headers, then a byte
    of body every 0.1 s, never ending) or `huge` (a 100 MB body, sent as fast as read)."""

    behaviour: ClassVar[str] = "slowloris"
    asked: ClassVar[list[str]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/rdap+json")
        size = 100 * 1024 * 1024
        if self.behaviour == "huge":
            self.send_header("Content-Length", str(size))
        self.end_headers()
        try:
            if self.behaviour == "huge":
                block = b" " * 65536
                for _ in range(size // len(block)):
                    self.wfile.write(block)
            else:
                while True:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
        except OSError:
            pass  # the client hung up: its deadline or size cap


@dataclass
class HostileRun:
    case: str
    asked_bad: int  # queries the misbehaving server received
    wall: float
    answered: int
    unknown: int
    peak_mb: float  # Python allocations during the pass (tracemalloc)


def hostile(count: int, latency: float, timeout: float) -> list[HostileRun]:
    """`count` names on a good WHOIS server (`latency` per query) and `count` on an RDAP
    server that answers well, then stalls (slowloris), then sends 100 MB bodies."""
    names = [normalize_domain(f"jo-{i}.hu") for i in range(count)]
    names += [normalize_domain(f"rossz-{i}.com") for i in range(count)]
    out = []
    with Registries(latency, 10_000) as good, tempfile.TemporaryDirectory() as tmp:
        host, port = good.whois_address
        for case in ("none (both answer)", "slowloris", "huge"):
            _Hostile.behaviour, _Hostile.asked = case, []
            bad = _QuietHttpServer(("127.0.0.1", 0), _Hostile)
            bad.daemon_threads = True
            threading.Thread(target=bad.serve_forever, daemon=True).start()
            rdap = f"http://127.0.0.1:{bad.server_address[1]}/"
            settings = DomainSettings(
                checker="live",
                rdap_servers={"com": good.rdap_url if case.startswith("none") else rdap},
                whois_servers={"hu": f"{host}:{port}"},
                rate_limits={},
                requests_per_minute=10_000,
                timeout_seconds=timeout,
                bootstrap_refresh=False,
                cache_dir=Path(tmp),
            )
            checker = LiveDomainChecker(settings, lambda: datetime.now(UTC))
            tracemalloc.start()
            start = time.perf_counter()
            verdicts = checker.check(names)
            wall = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            bad.shutdown()
            bad.server_close()
            unknown = sum(v.verdict == Verdict.UNKNOWN for v in verdicts.values())
            label = {
                "slowloris": "RDAP slowloris (a byte every 0.1 s)",
                "huge": "RDAP 100 MB bodies",
            }
            out.append(
                HostileRun(
                    label.get(case, case),
                    len(_Hostile.asked),
                    wall,
                    len(names) - unknown,
                    unknown,
                    peak,
                )
            )
    return out
