"""A Slack-like incoming webhook on 127.0.0.1 that keeps what was posted (for a
sheetsync process started by a test, which `respx` cannot reach). `answer_after`
seconds makes it a slow Slack: it takes the post at once and answers late."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackWebhook:
    def __init__(self, answer_after: float = 0.0) -> None:
        self.posts: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                owner.posts.append({"path": self.path, "body": self.rfile.read(length)})
                time.sleep(answer_after)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the client stopped waiting
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackWebhook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url_with(self, secret: str) -> str:
        """The webhook URL, its path holding `secret` (as a real one holds its token)."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/services/{secret}"
