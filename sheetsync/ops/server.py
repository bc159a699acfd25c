"""The `/healthz` and `/metrics` endpoint of `sheetsync serve`: one asyncio loop in a thread.

`/healthz` answers 200 with the health as JSON when healthy, 503 when not (or when
the health cannot be read in time); `/metrics` is the Prometheus text exposition.

Bounded like everything from outside, and built so that clients who say nothing
cannot silence it: connections are multiplexed on one event loop, so an idle one
costs a socket, not a thread. At most `MAX_CONNECTIONS` are held; a new one beyond
that pushes out the oldest that has waited `IDLE_BEFORE_EVICTION` seconds without
sending its request (a real probe sends its request at once, an idle one never does),
or, when every held one is that fresh (a burst), is answered 503 busy at once. A
request head may be `MAX_HEAD` bytes and a connection may take `CONNECTION_DEADLINE`
seconds from accept to answer. The health is read by one thread at a time, shared by
the requests waiting for it, and waited for at most `HEALTH_WAIT` seconds. It listens
on 127.0.0.1 unless `[server] host` says otherwise.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST

from sheetsync.errors import SheetsyncError
from sheetsync.ops.health import Health
from sheetsync.ops.metrics import Metrics

log = logging.getLogger(__name__)

BACKLOG = 128
MAX_CONNECTIONS = 1024  # or half the process's file descriptors, if fewer
IDLE_BEFORE_EVICTION = 1.0
MAX_HEAD = 8 * 1024
CONNECTION_DEADLINE = 10.0
HEALTH_WAIT = 5.0
_TEXT = "text/plain; charset=utf-8"
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}

Answer = tuple[int, str, bytes]


class OpsServer:
    def __init__(
        self,
        host: str,
        port: int,
        health: Callable[[], Health],
        metrics: Metrics,
        *,
        max_connections: int | None = None,
        deadline: float = CONNECTION_DEADLINE,
        health_wait: float = HEALTH_WAIT,
        report: Callable[[], str] | None = None,
    ) -> None:
        self.host = host
        self.report = report  # the pipeline page for /report ([server] report = true)
        self.requested_port = port
        self.health = health
        self.metrics = metrics
        self.max_connections = max_connections or _connection_ceiling()
        self.deadline = deadline
        self.health_wait = health_wait
        self._socket: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        # A thread each, so a slow report page never queues in front of the health.
        self._threads = {
            "health": ThreadPoolExecutor(1, thread_name_prefix="sheetsync-health"),
            "report": ThreadPoolExecutor(1, thread_name_prefix="sheetsync-report"),
        }
        self._making: dict[str, asyncio.Future[Any]] = {}
        # Connections still reading their request, oldest first (dicts keep order),
        # with when they were accepted.
        self._waiting: dict[asyncio.StreamWriter, float] = {}
        self._answering: set[asyncio.StreamWriter] = set()

    @property
    def port(self) -> int:
        """The bound port (the one picked when 0 was asked)."""
        assert self._socket is not None, "not started"
        return int(self._socket.getsockname()[1])

    def start(self) -> OpsServer:
        try:
            listening = socket.create_server(
                (self.host, self.requested_port), backlog=BACKLOG, reuse_port=False
            )
        except OSError as exc:
            raise SheetsyncError(
                f"cannot listen on {self.host}:{self.requested_port} for /healthz and /metrics "
                f"({exc.strerror}); set [server] port (SHEETSYNC_SERVER__PORT) or "
                "[server] enabled = false"
            ) from None
        self._socket = listening
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(listening, ready), name="sheetsync-ops", daemon=True
        )
        self._thread.start()
        ready.wait(5)
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        stopped = self._stopped
        if stopped is not None:
            self._loop.call_soon_threadsafe(stopped.set)
        self._thread.join(timeout=5)
        for pool in self._threads.values():
            pool.shutdown(wait=False, cancel_futures=True)
        self._loop = self._thread = self._socket = None

    def __enter__(self) -> OpsServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self, listening: socket.socket, ready: threading.Event) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve(listening, ready))
        finally:
            self._loop.close()

    async def _serve(self, listening: socket.socket, ready: threading.Event) -> None:
        self._stopped = asyncio.Event()
        server = await asyncio.start_server(
            self._connection, sock=listening, limit=MAX_HEAD, backlog=BACKLOG
        )
        ready.set()
        async with server:
            await self._stopped.wait()
            server.close()
            for writer in [*self._waiting, *self._answering]:
                writer.transport.abort()
            await server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        full = len(self._waiting) + len(self._answering) >= self.max_connections
        if full and not self._evict_one():
            writer.write(_response(503, _TEXT, b"busy\n"))
            writer.close()
            return
        self._waiting[writer] = time.monotonic()
        answered = False
        try:
            async with asyncio.timeout(self.deadline):
                request = await _read_request(reader)
                self._waiting.pop(writer, None)
                self._answering.add(writer)
                answer = await self._answer(request) if isinstance(request, str) else request
                writer.write(_response(*answer))
                writer.close()
                await writer.wait_closed()
                answered = True
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass  # idle, trickling, gone or pushed out: nothing to answer
        finally:
            self._waiting.pop(writer, None)
            self._answering.discard(writer)
            if not answered:
                writer.transport.abort()

    def _evict_one(self) -> bool:
        """Push out the oldest connection idle long enough; False when none is."""
        oldest, since = next(iter(self._waiting.items()), (None, 0.0))
        if oldest is None or time.monotonic() - since < IDLE_BEFORE_EVICTION:
            return False
        del self._waiting[oldest]
        oldest.transport.abort()  # its reader sees the connection gone and ends
        return True

    async def _answer(self, path: str) -> Answer:
        if path == "/healthz":
            return await self._healthz()
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, self.metrics.exposition()
        if path == "/report" and self.report is not None:
            return await self._report(self.report)
        return 404, _TEXT, b"not found: try /healthz or /metrics\n"

    async def _shared(self, what: str, make: Callable[[], Any]) -> Any:
        """`make()` on `what`'s own thread, one at a time, its answer shared by everyone
        waiting, waited for at most `health_wait`: a store that hangs holds one thread,
        never one per request."""
        making = self._making.get(what)
        if making is None or making.done():
            loop = asyncio.get_running_loop()
            making = self._making[what] = loop.run_in_executor(self._threads[what], make)
            # Said by the 503 of whoever waited; no "exception never retrieved" later.
            making.add_done_callback(lambda done: done.cancelled() or done.exception())
        return await asyncio.wait_for(asyncio.shield(making), self.health_wait)

    async def _report(self, report: Callable[[], str]) -> Answer:
        try:
            page = await self._shared("report", report)
        except Exception as exc:
            why = "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
            log.warning("the report could not be made (%s)", why)
            return 503, _TEXT, f"the report could not be made ({why})\n".encode()
        return 200, "text/html; charset=utf-8", page.encode("utf-8")

    async def _healthz(self) -> Answer:
        try:
            health: Health = await self._shared("health", self.health)
        except Exception as exc:  # the endpoint must answer, and say why it cannot tell
            why = "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
            log.warning("health could not be read (%s)", why)
            return _json(503, {"healthy": False, "reasons": [f"health could not be read ({why})"]})
        return _json(200 if health.healthy else 503, health.to_json())


async def _read_request(reader: asyncio.StreamReader) -> str | Answer:
    """The path asked for, or the refusal of a request that is not a plain GET."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        return 431, _TEXT, b"request head too large\n"
    parts = head.split(b"\r\n", 1)[0].split()
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/"):
        return 400, _TEXT, b"bad request\n"
    if parts[0] != b"GET":
        return 405, _TEXT, b"only GET\n"
    return parts[1].split(b"?", 1)[0].decode("latin-1")


def _connection_ceiling() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(16, min(MAX_CONNECTIONS, soft // 2))


def _json(status: int, body: dict[str, Any]) -> Answer:
    return status, "application/json", json.dumps(body, ensure_ascii=False).encode("utf-8")


def _response(status: int, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n"
        + ("Retry-After: 5\r\n" if status == 503 else "")
        + "Server: sheetsync\r\n\r\n"
    )
    return head.encode("ascii") + body
