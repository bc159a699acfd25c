"""The `/healthz` and `/metrics` endpoint of `sheetsync serve` (stdlib http.server, a thread).

`/healthz` answers 200 with the health as JSON when healthy, 503 when not (or when
the health cannot be read); `/metrics` is the Prometheus text exposition.

Bounded like everything from outside: the kernel queues up to `BACKLOG` connections,
at most `HANDLERS` are answered at once (a connection that finds no free handler
within `HANDLER_WAIT` gets a 503), and a connection may take `CONNECTION_DEADLINE`
seconds from accept to answer, idle or trickling, before it is cut. It listens on
127.0.0.1 unless `[server] host` says otherwise.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST

from sheetsync.errors import SheetsyncError
from sheetsync.ops.health import Health
from sheetsync.ops.metrics import Metrics

log = logging.getLogger(__name__)

BACKLOG = 128
HANDLERS = 8
HANDLER_WAIT = 1.0
CONNECTION_DEADLINE = 10.0
_BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 5\r\nRetry-After: 1\r\nConnection: close\r\n\r\nbusy\n"
)


class BoundedHTTPServer(ThreadingHTTPServer):
    """A thread per connection, at most `handlers` at once, each cut after `deadline`."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = BACKLOG

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        handlers: int = HANDLERS,
        wait: float = HANDLER_WAIT,
        deadline: float = CONNECTION_DEADLINE,
    ) -> None:
        self.deadline = deadline
        self._wait = wait
        self._slots = threading.BoundedSemaphore(handlers)
        self._open: dict[socket.socket, float] = {}  # connection -> when it was accepted
        self._lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._take_slot():
            _refuse(request)
            self.shutdown_request(request)
            return
        with self._lock:
            self._open[request] = time.monotonic()
        try:
            super().process_request(request, client_address)  # starts the handler thread
        except BaseException:
            self._release(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(request)

    def service_actions(self) -> None:
        """Between accepts (every poll interval): cut connections past their deadline;
        the handler blocked on one then sees it closed and ends."""
        now = time.monotonic()
        with self._lock:
            late = [conn for conn, since in self._open.items() if now - since > self.deadline]
        for conn in late:
            with contextlib.suppress(OSError):  # closed meanwhile
                conn.shutdown(socket.SHUT_RDWR)

    def _take_slot(self) -> bool:
        give_up = time.monotonic() + self._wait
        while not self._slots.acquire(timeout=0.05):
            self.service_actions()  # waiting for a handler must not stop the cutting
            if time.monotonic() >= give_up:
                return False
        return True

    def _release(self, request: Any) -> None:
        with self._lock:
            held = self._open.pop(request, None) is not None
        if held:
            self._slots.release()


def _refuse(request: socket.socket) -> None:
    with contextlib.suppress(OSError):  # a client gone already needs no answer
        request.settimeout(0.5)
        request.sendall(_BUSY)


class OpsServer:
    def __init__(
        self,
        host: str,
        port: int,
        health: Callable[[], Health],
        metrics: Metrics,
        *,
        handlers: int = HANDLERS,
        wait: float = HANDLER_WAIT,
        deadline: float = CONNECTION_DEADLINE,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.health = health
        self.metrics = metrics
        self.handlers, self.wait, self.deadline = handlers, wait, deadline
        self._httpd: BoundedHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (the one picked when 0 was asked)."""
        assert self._httpd is not None, "not started"
        return int(self._httpd.server_address[1])

    def start(self) -> OpsServer:
        try:
            httpd = BoundedHTTPServer(
                (self.host, self.requested_port),
                _handler(self),
                handlers=self.handlers,
                wait=self.wait,
                deadline=self.deadline,
            )
        except OSError as exc:
            raise SheetsyncError(
                f"cannot listen on {self.host}:{self.requested_port} for /healthz and /metrics "
                f"({exc.strerror}); set [server] port (SHEETSYNC_SERVER__PORT) or "
                "[server] enabled = false"
            ) from None
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="sheetsync-ops"
        )
        self._thread.start()
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> OpsServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _handler(server: OpsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "sheetsync"
        timeout = server.deadline  # per read; the server cuts the whole connection too

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                self._healthz()
            elif path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, server.metrics.exposition())
            else:
                self._send(
                    404, "text/plain; charset=utf-8", b"not found: try /healthz or /metrics\n"
                )

        def _healthz(self) -> None:
            try:
                health = server.health()
            except Exception as exc:  # the endpoint must answer, and say why it cannot tell
                log.warning("health could not be read (%s)", type(exc).__name__)
                body: dict[str, Any] = {
                    "healthy": False,
                    "reasons": [f"health could not be read ({type(exc).__name__})"],
                }
                self._json(503, body)
                return
            self._json(200 if health.healthy else 503, health.to_json())

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self._send(status, "application/json", data)

        def _send(self, status: int, content_type: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("ops %s", format % args)

    return Handler
