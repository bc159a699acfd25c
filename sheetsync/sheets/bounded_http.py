"""One deadline and one size cap for every HTTP exchange with Google (requests/urllib3).

requests times each socket read, so a server that trickles a byte now and then holds
a call for ever. `BoundedAdapter` gives the whole exchange — connect, request,
headers, body — one deadline: a watchdog shuts the connection's socket down when it
passes, which ends whatever read is blocked on it. It reads the body itself, decoded,
and stops at `max_bytes` (a gzip bomb is measured after decompression).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Mapping
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from sheetsync.errors import SheetAccessError

# Generous: a legitimately large sheet (Google allows 10 million cells) must still fit.
MAX_ANSWER_BYTES = 256 * 2**20
_current = threading.local()  # the exchange the calling thread is in


class _Exchange:
    """One request and its answer; `cut` may come from the watchdog's thread."""

    def __init__(self) -> None:
        self.connection: HTTPConnection | None = None
        self.was_cut = False
        self._lock = threading.Lock()

    def attach(self, connection: HTTPConnection) -> None:
        with self._lock:
            self.connection = connection
            if self.was_cut:
                raise requests.exceptions.Timeout("deadline passed before the request was sent")

    def cut(self) -> None:
        with self._lock:
            self.was_cut = True
            sock = getattr(self.connection, "sock", None)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):  # closed meanwhile
                sock.shutdown(socket.SHUT_RDWR)


class _Tracked:
    def request(self, *args: Any, **kwargs: Any) -> None:
        exchange = getattr(_current, "exchange", None)
        if exchange is not None:
            exchange.attach(self)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _TrackedHTTP(_Tracked, HTTPConnection):
    pass


class _TrackedHTTPS(_Tracked, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _TrackedHTTP


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPS


_POOLS: Mapping[str, type[HTTPConnectionPool]] = {"http": _HTTPPool, "https": _HTTPSPool}


class BoundedAdapter(HTTPAdapter):
    def __init__(self, deadline: float, max_bytes: int) -> None:
        self.deadline = deadline
        self.max_bytes = max_bytes
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = dict(_POOLS)
        return manager

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any
    ) -> requests.Response:
        outer = getattr(_current, "exchange", None)
        exchange = _current.exchange = _Exchange()
        watchdog = threading.Timer(self.deadline, exchange.cut)
        watchdog.daemon = True
        watchdog.start()
        try:
            kwargs["timeout"] = kwargs.get("timeout") or self.deadline
            response = super().send(request, stream=True, **kwargs)
            response._content = self._body(response)
            response._content_consumed = True
            return response
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            if exchange.was_cut:
                raise requests.exceptions.Timeout(
                    f"no complete answer within {self.deadline:g} s"
                ) from None
            if isinstance(exc, requests.RequestException):
                raise
            raise requests.exceptions.ConnectionError(f"answer broken off ({exc})") from None
        finally:
            watchdog.cancel()
            _current.exchange = outer

    def _body(self, response: requests.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.raw.stream(64 * 1024, decode_content=True):
                size += len(chunk)
                if size > self.max_bytes:
                    raise SheetAccessError(
                        f"Google's answer to {response.request.method} "
                        f"{_path(response.request.url)} is larger than "
                        f"{self.max_bytes // 2**20} MiB: nothing was written; the sheet is "
                        "too large for sheetsync, or something between here and Google "
                        "answers in its place"
                    )
                chunks.append(chunk)
        finally:
            response.close()
        return b"".join(chunks)


def bounded_session(deadline: float, max_bytes: int) -> requests.Session:
    """A plain session (e.g. for token refreshes) under the same bounds."""
    session = requests.Session()
    mount(session, deadline, max_bytes)
    return session


def mount(session: requests.Session, deadline: float, max_bytes: int) -> None:
    adapter = BoundedAdapter(deadline, max_bytes)
    session.mount("https://", adapter)
    session.mount("http://", adapter)


def _path(url: str | None) -> str:
    """The URL's path only: its query may hold a key."""
    return (url or "").split("?", 1)[0]
