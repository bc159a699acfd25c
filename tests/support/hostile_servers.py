"""Hostile registry servers on 127.0.0.1: slowloris, endless or huge bodies, deep JSON,
absurd pauses, HTML where RDAP belongs. A real HTTP/1.1 server (asyncio, raw bytes, so
it can misbehave as no framework would let it) and WHOIS streamers for `LoopbackWhois`.

Each behaviour writes one response and returns; one that never ends stops when the
client hangs up (its deadline or size cap reached) or the server shuts down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from tests.support.domain_servers import LoopbackTcp

Behaviour = Callable[[asyncio.StreamWriter], Awaitable[None]]
MIB = 1024 * 1024


def _head(status: int, headers: Mapping[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> Behaviour:
    """A complete, well-formed response."""

    async def behave(writer: asyncio.StreamWriter) -> None:
        head = {"Content-Length": str(len(body)), "Connection": "close", **(headers or {})}
        writer.write(_head(status, head) + body)
        await writer.drain()

    return behave


def drip(interval: float = 1.0, status: int = 200) -> Behaviour:
    """Slowloris: headers at once, then one byte of body per `interval`, for ever (the
    body it promises never ends, so each read brings something and no read times out)."""

    async def behave(writer: asyncio.StreamWriter) -> None:
        writer.write(_head(status, {"Content-Type": "application/rdap+json"}))
        writer.write(b"{")
        while True:
            await writer.drain()
            await asyncio.sleep(interval)
            writer.write(b" ")

    return behave


def drip_headers(interval: float = 1.0) -> Behaviour:
    """Slowloris before the headers: the status line one byte per `interval`."""

    async def behave(writer: asyncio.StreamWriter) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 10_000:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(interval)

    return behave


def endless(chunk: bytes = b'{"objectClassName": "domain", ' * 1000) -> Behaviour:
    """A chunked body that never ends, as fast as the client reads it."""

    async def behave(writer: asyncio.StreamWriter) -> None:
        head = {"Content-Type": "application/rdap+json", "Transfer-Encoding": "chunked"}
        writer.write(_head(200, head))
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        while True:
            writer.write(frame)
            await writer.drain()

    return behave


def huge(size: int = 100 * MIB, status: int = 200) -> Behaviour:
    """A body of `size` bytes, announced and sent: a JSON array of spaces, so read whole
    it would even parse."""

    async def behave(writer: asyncio.StreamWriter) -> None:
        head = {"Content-Type": "application/rdap+json", "Content-Length": str(size)}
        writer.write(_head(status, head) + b"[")
        block = b" " * (64 * 1024)
        sent = 1
        while sent < size - 1:
            piece = block[: min(len(block), size - 1 - sent)]
            writer.write(piece)
            sent += len(piece)
            await writer.drain()
        writer.write(b"]")
        await writer.drain()

    return behave


def deep_json(depth: int = 100_000) -> Behaviour:
    """A 200 whose body nests arrays `depth` deep: a recursive parser's stack overflows."""
    return respond(200, b"[" * depth + b"]" * depth, {"Content-Type": "application/rdap+json"})


def silent() -> Behaviour:
    """Accepts the connection, reads the request, never says a word."""

    async def behave(writer: asyncio.StreamWriter) -> None:
        await asyncio.Event().wait()

    return behave


class LoopbackHttp(LoopbackTcp):
    """An HTTP/1.1 server answering each request path with a behaviour (`default`
    otherwise); records the paths asked. One request per connection."""

    def __init__(self, routes: Mapping[str, Behaviour], default: Behaviour | None = None) -> None:
        super().__init__()
        self.routes = dict(routes)
        self.default = default or respond(404)
        self.paths: list[str] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        path = request.split(b" ", 2)[1].decode("latin-1")
        self.paths.append(path)
        await self.routes.get(path, self.default)(writer)


# WHOIS streamers (see `domain_servers.Streamer`): (query, connection) → writes.


def whois_drip(
    line: bytes, interval: float = 1.0
) -> Callable[[str, asyncio.StreamWriter], Awaitable[None]]:
    """Slowloris WHOIS: `line` a byte at a time, one per `interval`, for ever."""

    async def stream(query: str, writer: asyncio.StreamWriter) -> None:
        while True:
            for byte in line:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(interval)

    return stream


def whois_endless(line: bytes) -> Callable[[str, asyncio.StreamWriter], Awaitable[None]]:
    """`line` again and again, as fast as the client reads, never closing."""

    async def stream(query: str, writer: asyncio.StreamWriter) -> None:
        block = line * max(1, 4096 // len(line))
        while True:
            writer.write(block)
            await writer.drain()

    return stream


def whois_huge(size: int, line: bytes) -> Callable[[str, asyncio.StreamWriter], Awaitable[None]]:
    """`size` bytes of `line` repeated, then the connection closed (a complete answer
    far past any sane size)."""

    async def stream(query: str, writer: asyncio.StreamWriter) -> None:
        block = line * max(1, 65536 // len(line))
        sent = 0
        while sent < size:
            writer.write(block)
            sent += len(block)
            await writer.drain()

    return stream
