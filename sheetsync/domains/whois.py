"""Ask a registry's WHOIS service (port 43, RFC 3912) — for TLDs without RDAP.

The protocol has no status codes, so each registry's texts are matched by its
own patterns. Text that matches none is `unknown`, never `available`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from sheetsync.core.model import DomainName, Verdict
from sheetsync.domains.answer import Answer, unknown
from sheetsync.retry import retry_after_seconds

DEFAULT_PORT = 43
MAX_ANSWER_BYTES = 64 * 1024

Connect = Callable[[str, int], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]


@dataclass(frozen=True)
class Registry:
    """How one registry's WHOIS server speaks. Patterns are tried in this order:
    throttled, free, registered. `registered` holds (reason, patterns) pairs; all of a
    pair's patterns must match."""

    host: str
    free: tuple[re.Pattern[str], ...]
    registered: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    throttled: re.Pattern[str] | None = None
    facts: Mapping[str, re.Pattern[str]] = field(default_factory=dict)


_REGISTERED = "WHOIS: registered"


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.MULTILINE)


_HU = Registry(
    host="whois.nic.hu",
    # Old servers: "Nincs találat / No match"; newer ones drop the accent.
    free=(_p(r"^\s*Nincs tal[aá]lat\s*/\s*No match\s*$"),),
    registered=(
        (_REGISTERED, (_p(r"^domain:\s+\S"), _p(r"^record created:"))),
        # Old servers while an application was pending: the name is no longer free.
        (
            "WHOIS: registration in progress",
            (_p(r"Regisztr[aá]ci[oó] folyamatban\s*/\s*Registration in progress"),),
        ),
    ),
    facts={"created": _p(r"^record created:\s*(.+?)\s*$")},
)
_EU = Registry(
    host="whois.eu",
    free=(_p(r"^Status:\s*AVAILABLE\s*$"),),  # anchored: "NOT AVAILABLE" is not free
    registered=((_REGISTERED, (_p(r"^Domain:\s*\S"), _p(r"^Registrar:\s*$|^Name servers:\s*$"))),),
    throttled=_p(r"^-1:\s*Still in grace period, wait (\d+) seconds"),
    facts={"registrar": _p(r"^Registrar:\s*\n\s*Name:\s*(.+?)\s*$")},
)
_AT = Registry(
    host="whois.nic.at",
    free=(_p(r"^%\s*nothing found\s*$"),),
    registered=((_REGISTERED, (_p(r"^domain:\s+\S"), _p(r"^registrar:\s+\S"))),),
)
_DE = Registry(
    host="whois.denic.de",
    free=(_p(r"^Status:\s*free\s*$"),),
    registered=((_REGISTERED, (_p(r"^Domain:\s+\S"), _p(r"^Status:\s*connect\s*$"))),),
)
_IT = Registry(
    host="whois.nic.it",
    free=(_p(r"^Status:\s*AVAILABLE\s*$"),),
    registered=((_REGISTERED, (_p(r"^Domain:\s+\S"), _p(r"^Created:\s+\S"))),),
)
_BE = Registry(
    host="whois.dns.be",
    free=(_p(r"^Status:\s*AVAILABLE\s*$"),),
    registered=((_REGISTERED, (_p(r"^Domain:\s+\S"), _p(r"^Status:\s*NOT AVAILABLE\s*$"))),),
)

BUILTIN: Mapping[str, Registry] = {"hu": _HU, "eu": _EU, "at": _AT, "de": _DE, "it": _IT, "be": _BE}

# A server named by an override but not in the table: only the classic phrases.
_GENERIC = Registry(
    host="",
    free=(_p(r"^\s*(No match|NOT FOUND|No entries found|Nincs tal[aá]lat)\b"),),
    registered=(
        (
            _REGISTERED,
            (_p(r"^\s*Domain( Name)?:\s+\S"), _p(r"^\s*(Creat|Registrar|record created)")),
        ),
    ),
)


def registry_for(tld: str) -> Registry:
    return BUILTIN.get(tld, _GENERIC)


def decode(raw: bytes) -> str:
    """UTF-8, else ISO-8859-2 (older .hu answers); the latter decodes any byte string."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("iso-8859-2")


def interpret(
    text: str, registry: Registry, domain: DomainName, server: Mapping[str, str]
) -> Answer:
    """Pure: a WHOIS answer's text to an answer."""
    if not text.strip():
        return unknown("WHOIS answer was empty", details=server)
    if registry.throttled is not None and (m := registry.throttled.search(text)):
        return unknown(
            f"WHOIS throttled: wait {m.group(1)} s",
            details=server,
            retry_after=retry_after_seconds(m.group(1)),  # the same ceiling as HTTP's
        )
    if any(p.search(text) for p in registry.free):
        return Answer(Verdict.AVAILABLE, "WHOIS: no match", dict(server))
    for reason, patterns in registry.registered:
        if all(p.search(text) for p in patterns):
            details = dict(server)
            for key, pattern in registry.facts.items():
                if m := pattern.search(text):
                    details[key] = m.group(1)
            return Answer(Verdict.REGISTERED, reason, details)
    return unknown("WHOIS answer not recognised", details=server)


async def lookup(
    host: str,
    port: int,
    domain: DomainName,
    registry: Registry,
    timeout: float,
    connect: Connect | None = None,
) -> Answer:
    """One query: connect, send the name, read to EOF — all within `timeout`."""
    server = {"server": f"{host}:{port}" if port != DEFAULT_PORT else host}
    try:
        raw = await asyncio.wait_for(_exchange(host, port, domain.ascii, connect), timeout)
    except TimeoutError:
        return unknown("WHOIS server timed out", details=server, unreachable=True)
    except OSError as exc:  # refused, reset, DNS failure (socket.gaierror)
        return unknown(
            f"WHOIS server unreachable ({type(exc).__name__})", details=server, unreachable=True
        )
    return interpret(decode(raw), registry, domain, server)


async def _exchange(host: str, port: int, query: str, connect: Connect | None) -> bytes:
    opener = connect or _open
    reader, writer = await opener(host, port)
    try:
        writer.write(f"{query}\r\n".encode("ascii"))
        await writer.drain()
        chunks: list[bytes] = []
        size = 0
        while size < MAX_ANSWER_BYTES:
            chunk = await reader.read(4096)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        writer.close()
        with contextlib.suppress(OSError):  # the server hung up first; the answer is read
            await writer.wait_closed()


async def _open(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(host, port)
