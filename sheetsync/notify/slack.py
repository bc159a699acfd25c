"""Posts the summary to a Slack incoming webhook (httpx).

An incoming webhook has no idempotency key: every request Slack receives is posted.
So a message is sent again only when it provably did not reach Slack or Slack said it
did not take it: a connection that could not be made (refused, DNS, connect timeout)
or a request not fully written, 408, 429 and 5xx — under the shared retry helper
(`sheetsync.retry`: bounded in attempts and total time, honouring `Retry-After`). A
request sent but never answered (a read timeout, the connection dropped before the
status) may have been posted: it is not sent again, a warning says so, and the caller
counts it as delivered — at most once for that case, never four copies. httpx times
each read, not the exchange: `_Deadline` gives each attempt one deadline (a server
trickling its status line or headers cannot hold the pass). 404/410 mean
the webhook was revoked or its channel archived: that is permanent, logged once, and
later messages are not attempted. The webhook URL is a secret (it alone lets anyone
post): it is never logged or put in an error.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from sheetsync.errors import GaveUp, NotifierError
from sheetsync.notify.port import Message
from sheetsync.redaction import redact_logger, register_secret
from sheetsync.retry import (
    REAL_TIME,
    Pacer,
    RetryPolicy,
    Transient,
    call_with_retry,
    retry_after_seconds,
)

log = logging.getLogger(__name__)

REVOKED = (404, 410)
# Slack did not take the message: it said so (408 — it gave up waiting for the request —,
# 429, 5xx) or the request never fully reached it (below).
RETRIED_STATUSES = frozenset({408, 429})
NOT_SENT = (
    httpx.ConnectError,  # refused, unreachable, DNS
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.WriteError,  # the request was cut while being written: Slack cannot act on it
    httpx.WriteTimeout,
)
# A summary can wait for the next pass: fewer tries and less time than a sheet request.
SLACK_POLICY = RetryPolicy(max_attempts=4, max_total=60.0)


class SlackWebhookNotifier:
    def __init__(
        self,
        webhook_url: SecretStr,
        *,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy = SLACK_POLICY,
        pacer: Pacer = REAL_TIME,
    ) -> None:
        self._url = webhook_url
        # httpx logs each request's URL at INFO, maybe to a handler that is not ours.
        register_secret(webhook_url.get_secret_value())
        register_secret(urlsplit(webhook_url.get_secret_value()).path)
        redact_logger("httpx")
        self._client = client or httpx.Client(timeout=timeout)
        self._retry = retry
        self._pacer = pacer
        self._revoked: int | None = None  # the status that revoked the webhook
        self._answer_seconds = timeout  # the whole answer body, not each read of it

    def send(self, message: Message) -> None:
        if self._revoked is not None:
            raise NotifierError(f"Slack webhook unusable (HTTP {self._revoked})", permanent=True)
        try:
            call_with_retry(
                lambda: self._post(message), _transient, self._retry, self._pacer, "Slack message"
            )
        except GaveUp as exc:
            log.warning("Slack message not delivered: %s", exc)
            # Not chained: a transport error's text may quote the URL.
            raise NotifierError(f"Slack message not delivered: {exc.reason}") from None
        except httpx.TransportError as exc:  # sent, not answered: `_transient` said so
            self._maybe_delivered(exc)

    def _maybe_delivered(self, exc: httpx.TransportError) -> None:
        """The request went out and no status came back: Slack may have posted it, and
        sending it again could post it twice. Counted as delivered, and said."""
        if isinstance(exc, httpx.TimeoutException):
            why = f"Slack did not answer within {self._answer_seconds:g} s"
        else:
            why = f"Slack closed the connection without an answer ({type(exc).__name__})"
        log.warning("%s; the message may have arrived; not sent again, to avoid a duplicate", why)

    def _post(self, message: Message) -> None:
        """One attempt. A status worth retrying raises httpx.HTTPStatusError (its text
        names only the status); a refusal raises a permanent NotifierError."""
        url, payload = self._url.get_secret_value(), message.payload()
        deadline = _Deadline(self._answer_seconds)
        try:
            # A connection of its own, so the deadline sees its socket being made.
            with (
                deadline,
                self._client.stream(
                    "POST",
                    url,
                    json=payload,
                    headers={"Connection": "close"},
                    extensions={"trace": deadline.trace},
                ) as response,
            ):
                status = response.status_code
                if 200 <= status < 300:
                    return  # delivered: the body is not needed
                body = _answer_head(response, time.monotonic() + self._answer_seconds)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError):  # would quote the URL
            log.error("the Slack webhook URL is not a valid URL; check the configuration")
            raise NotifierError("Slack webhook URL is not valid", permanent=True) from None
        except httpx.TransportError:
            if not deadline.passed:
                raise
            raise httpx.ReadTimeout("no complete answer in time") from None
        if status in REVOKED:
            self._revoked = status
            log.error(
                "Slack webhook answered HTTP %s (%s): the webhook was revoked or its "
                "channel archived. Create a new incoming webhook and update "
                "SHEETSYNC_SLACK_WEBHOOK_URL; no more messages are sent until then.",
                status,
                body,
            )
            raise NotifierError(f"Slack webhook revoked (HTTP {status})", permanent=True)
        if status not in RETRIED_STATUSES and status < 500:
            log.error("Slack refused the message: HTTP %s (%s)", status, body)
            raise NotifierError(f"Slack refused the message (HTTP {status})", permanent=True)
        # A bodiless copy: the stream is closed, and only the status and headers matter.
        answer = httpx.Response(status, headers=response.headers, request=response.request)
        raise httpx.HTTPStatusError(f"HTTP {status}", request=response.request, response=answer)


class _Deadline:
    """One deadline for an attempt: when it passes, the attempt's sockets are shut down,
    which ends whatever read is blocked on them (httpx's trace hook names them)."""

    def __init__(self, seconds: float) -> None:
        self.passed = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        sock = info["return_value"].get_extra_info("socket")
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                if self.passed:
                    _shut(sock)

    def _cut(self) -> None:
        with self._lock:
            self.passed = True
            for sock in self._sockets:
                _shut(sock)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed meanwhile, or detached by TLS
        sock.shutdown(socket.SHUT_RDWR)


ANSWER_HEAD_BYTES = 1024  # enough of a refusal's body to log its reason


def _answer_head(response: httpx.Response, deadline: float) -> str:
    """The first bytes of a refusal's body, read within `deadline`: an endless or
    trickling body costs neither memory nor time (httpx times each read, not the body).
    A body that breaks off is read as far as it came: the status has decided already."""
    head = b""
    try:
        for chunk in response.iter_bytes():
            head += chunk
            if len(head) >= ANSWER_HEAD_BYTES or time.monotonic() > deadline:
                break
    except httpx.TransportError:
        pass
    return head[:ANSWER_HEAD_BYTES].decode("utf-8", "replace")[:100]


def _transient(exc: Exception) -> Transient | None:
    """Worth sending again: only what Slack provably did not take. Any other transport
    error came after the request was sent (`send` counts it as maybe delivered)."""
    if isinstance(exc, NOT_SENT):
        return Transient(f"network error ({type(exc).__name__})")
    if isinstance(exc, httpx.HTTPStatusError):
        wait = retry_after_seconds(exc.response.headers.get("Retry-After"))
        return Transient(f"HTTP {exc.response.status_code}", wait)
    return None
