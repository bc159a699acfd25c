"""Every exchange with Google has one deadline and one size cap, over real loopback
sockets: servers that trickle headers or a body, fall silent, or send too much (or a
small gzip that inflates) end the call in bounded time with a clear error."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import requests

from sheetsync.errors import SheetAccessError
from sheetsync.sheets.bounded_http import BoundedAdapter, bounded_session
from sheetsync.sheets.google_auth import GoogleCredentials, authorized_session
from tests.support.google_fake import credentials

Serve = Callable[[socket.socket], None]


@contextmanager
def server(serve: Serve) -> Iterator[str]:
    """A loopback server answering every connection with `serve`; yields its URL."""
    listening = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def accept() -> None:
        listening.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listening.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    def handle(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                while True:
                    head = b""
                    while b"\r\n\r\n" not in head:
                        data = conn.recv(4096)
                        if not data:
                            return
                        head += data
                    serve(conn)
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listening.getsockname()[1]}/v4/spreadsheets/key?fields=x"
    finally:
        stop.set()
        listening.close()
        thread.join(2)


def answer(body: bytes, *, extra: bytes = b"") -> Serve:
    def serve(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + extra
            + b"Content-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )

    return serve


def trickle(data: bytes, every: float = 0.05) -> Serve:
    def serve(conn: socket.socket) -> None:
        for byte in data:
            conn.sendall(bytes([byte]))
            time.sleep(every)

    return serve


def silent(conn: socket.socket) -> None:
    time.sleep(10)


def test_an_ordinary_answer_passes_and_a_kept_alive_connection_is_reused() -> None:
    body = b'{"values": [["a", "b"]]}'
    with server(answer(body)) as url:
        session = bounded_session(deadline=2, max_bytes=1000)
        first = session.get(url, timeout=30)
        second = session.get(url, timeout=30)
    assert first.json() == second.json() == {"values": [["a", "b"]]}


HEADERS = b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n"


@pytest.mark.parametrize(
    ("name", "serve"),
    [
        ("headers trickled", trickle(HEADERS + b"x" * 400)),
        ("body trickled", lambda conn: (conn.sendall(HEADERS), trickle(b"x" * 400)(conn))),
        ("silent", silent),
    ],
)
def test_a_server_that_never_finishes_is_cut_at_the_deadline_not_per_read(
    name: str, serve: Serve
) -> None:
    with server(serve) as url:
        session = bounded_session(deadline=0.5, max_bytes=10_000)
        began = time.monotonic()
        with pytest.raises(requests.exceptions.Timeout, match=r"no complete answer within 0.5 s"):
            session.get(url, timeout=30)  # each read alone would wait 30 s
        took = time.monotonic() - began
    assert took < 2, f"{name}: {took:.1f} s"


def test_an_answer_larger_than_the_cap_is_refused_without_quoting_the_query() -> None:
    with server(answer(b"x" * 5000)) as url:
        session = bounded_session(deadline=2, max_bytes=1000)
        with pytest.raises(SheetAccessError, match="larger than") as caught:
            session.get(url, timeout=30)
    assert "/v4/spreadsheets/key" in str(caught.value)
    assert "fields" not in str(caught.value)


def test_a_small_gzip_that_inflates_past_the_cap_is_refused() -> None:
    bomb = gzip.compress(b"0" * 4_000_000)
    assert len(bomb) < 10_000
    with server(answer(bomb, extra=b"Content-Encoding: gzip\r\n")) as url:
        session = bounded_session(deadline=5, max_bytes=1_000_000)
        with pytest.raises(SheetAccessError, match="larger than"):
            session.get(url, timeout=30)


def test_sheets_calls_and_token_refreshes_both_go_through_the_bounds() -> None:
    session = authorized_session(GoogleCredentials(credentials(), None, "test"), 7, 1234)
    for adapter in (
        session.get_adapter("https://sheets.googleapis.com/v4/spreadsheets/k"),
        session._auth_request.session.get_adapter("https://oauth2.googleapis.com/token"),
    ):
        assert isinstance(adapter, BoundedAdapter)
        assert (adapter.deadline, adapter.max_bytes) == (7, 1234)
