"""The `/healthz` and `/metrics` endpoint of `sheetsync serve` (stdlib http.server, a thread).

`/healthz` answers 200 with the health as JSON when healthy, 503 when not (or when
the health cannot be read); `/metrics` is the Prometheus text exposition.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST

from sheetsync.errors import SheetsyncError
from sheetsync.ops.health import Health
from sheetsync.ops.metrics import Metrics

log = logging.getLogger(__name__)


class OpsServer:
    def __init__(
        self, host: str, port: int, health: Callable[[], Health], metrics: Metrics
    ) -> None:
        self.host = host
        self.requested_port = port
        self.health = health
        self.metrics = metrics
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (the one picked when 0 was asked)."""
        assert self._httpd is not None, "not started"
        return int(self._httpd.server_address[1])

    def start(self) -> OpsServer:
        try:
            httpd = ThreadingHTTPServer((self.host, self.requested_port), _handler(self))
        except OSError as exc:
            raise SheetsyncError(
                f"cannot listen on {self.host}:{self.requested_port} for /healthz and /metrics "
                f"({exc.strerror}); set [server] port (SHEETSYNC_SERVER__PORT) or "
                "[server] enabled = false"
            ) from None
        httpd.daemon_threads = True
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
