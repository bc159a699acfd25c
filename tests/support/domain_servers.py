"""Loopback registry servers and fixture loaders for the domain tests (127.0.0.1 only)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import httpx

from sheetsync.domains.bootstrap import BootstrapSource
from sheetsync.domains.checker import LiveDomainChecker
from sheetsync.domains.port import VerdictCache
from sheetsync.settings import DomainSettings
from sheetsync.testing import FakeClock

FIXTURES = Path(__file__).parent.parent / "fixtures"
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

SLOW = "slow"  # a WHOIS behaviour: answer only after the client gave up
HANG_UP = "hang-up"  # close the connection without a word
# A WHOIS behaviour of its own: given the query and the connection, it writes what it
# likes (slowly, endlessly…) until it returns or the client hangs up.
Streamer = Callable[[str, asyncio.StreamWriter], Awaitable[None]]


def whois_text(name: str) -> bytes:
    """A fixture as served: `{name}` / `{NAME}` are filled in with the name asked."""
    return (FIXTURES / "whois" / name).read_bytes()


def fill(text: bytes, name: str) -> bytes:
    """A fixture's placeholders filled in: the name asked, as the registry prints it."""
    return text.replace(b"{name}", name.encode()).replace(b"{NAME}", name.upper().encode())


def whois_answer(fixture: str, name: str) -> str:
    """A fixture's text as the registry would answer a query for `name`."""
    from sheetsync.domains.whois import decode

    return decode(fill(whois_text(fixture), name))


def rdap_fixture(name: str) -> httpx.Response:
    doc = json.loads((FIXTURES / "rdap" / name).read_text(encoding="utf-8"))
    content = doc["text"].encode() if "text" in doc else json.dumps(doc["body"]).encode()
    if doc.get("body") is None and "text" not in doc:
        content = b""
    return httpx.Response(doc["status"], headers=doc["headers"], content=content)


class LoopbackTcp:
    """A real TCP server on 127.0.0.1 (asyncio, in a thread of its own): subclasses say
    how a connection is handled. On exit, handlers get a second to finish (`released`
    is set first), then are cancelled, so none is left pending when the loop closes."""

    def __init__(self) -> None:
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._release = asyncio.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._release.set)
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        server = await asyncio.start_server(self._tracked, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=1)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _tracked(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._handle(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass  # the client hung up (a cap or a deadline reached): that is the point
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class LoopbackWhois(LoopbackTcp):
    """A real WHOIS server answering from a table of query → bytes (placeholders filled
    in) or behaviour. Records every query line it received."""

    def __init__(
        self, answers: Mapping[str, bytes | str | Streamer], default: bytes | str | Streamer = b""
    ) -> None:
        super().__init__()
        self.answers = dict(answers)
        self.default = default
        self.queries: list[str] = []

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = (await reader.readline()).decode("ascii", "replace")
        self.queries.append(line)
        answer = self.answers.get(line.strip(), self.default)
        if callable(answer):
            await answer(line.strip(), writer)
        elif answer == SLOW:
            await self._release.wait()
        elif answer != HANG_UP:
            assert isinstance(answer, bytes)
            writer.write(fill(answer, line.strip()))
            await writer.drain()


class LoopbackRdap:
    """A real HTTP server (own thread) answering RDAP paths from a table of
    '/domain/<name>' → fixture file name; 404 fixture otherwise."""

    def __init__(self, answers: Mapping[str, str]) -> None:
        self.answers = dict(answers)
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.paths.append(self.path)
                fixture = outer.answers.get(self.path, "not_found.json")
                response = rdap_fixture(fixture)
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> LoopbackRdap:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"


def refused_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeTime:
    """A fake clock with a sleeper that advances it instead of waiting."""

    def __init__(self, start: datetime = START) -> None:
        self.clock = FakeClock(start)
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds=seconds)
        await asyncio.sleep(0)


def live_settings(tmp_path: Path, **overrides: Any) -> DomainSettings:
    """Live settings that never leave the machine: no IANA refresh, a private cache dir."""
    base: dict[str, Any] = {
        "checker": "live",
        "bootstrap_refresh": False,
        "cache_dir": tmp_path / "cache",
        "timeout_seconds": 2,
    }
    base.update(overrides)
    return DomainSettings(**base)


def make_checker(
    settings: DomainSettings,
    time: FakeTime,
    handler: Callable[[httpx.Request], Any] | None = None,
    cache: VerdictCache | None = None,
    bootstrap: BootstrapSource | None = None,
    connect: Any = None,
) -> LiveDomainChecker:
    transport = httpx.MockTransport(handler) if handler else None
    return LiveDomainChecker(
        settings,
        time.clock,
        cache,
        transport=transport,
        sleep=time.sleep,
        bootstrap=bootstrap,
        connect=connect,
    )
