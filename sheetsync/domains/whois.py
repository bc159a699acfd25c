"""Ask a registry's WHOIS service (port 43, RFC 3912) — for TLDs without RDAP.

The protocol has no status codes, so each registry's answers are read by its own
patterns, line by line. `available` needs the registry's whole no-match answer: once
its disclaimer and comment lines are set aside, what is left must be exactly one of its
no-match shapes, about the name asked. Any registration record line wins over any
no-match phrase; text that fits nothing is `unknown`, never `available`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sheetsync.core.model import DomainName, Doubt, Verdict
from sheetsync.domains.answer import Answer, unknown
from sheetsync.domains.limits import WHOIS_MAX_BYTES
from sheetsync.retry import retry_after_seconds

DEFAULT_PORT = 43
THROTTLE_PAUSE = 60.0  # seconds a server is left alone after a throttle naming no wait
NAME = "<name>"  # in a pattern: the name asked (ASCII or Unicode form), escaped
FACT_MAX = 100  # characters of a registrar name or date kept from an answer

Connect = Callable[[str, int], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]
Shape = tuple[str, ...]  # line patterns, each matching one whole line, in order


@dataclass(frozen=True)
class Registry:
    """How one registry's WHOIS server speaks.

    `ignored`: lines that say nothing either way (comments, disclaimers, banners);
    `free`: the registry's no-match answers, each the exact sequence of the lines left
    once ignored and blank lines are set aside; `registered`: (reason, patterns) pairs,
    all of a pair's patterns matching a line start to end; `throttled`: "slow down"
    answers, with a `seconds` group where they say how long (searched in the whole
    text); `facts`: details worth keeping, each the pattern's first group. Line patterns
    match a whole line (surrounding spaces aside), case-blind; `<name>` stands for the
    name asked."""

    host: str
    ignored: str
    free: tuple[Shape, ...]
    registered: tuple[tuple[str, Shape], ...]
    throttled: tuple[str, ...] = ()
    facts: Mapping[str, str] = field(default_factory=dict)


_REGISTERED = "WHOIS: registered"
_PERCENT = r"%.*"  # most registries start comment and disclaimer lines with '%'
# Said by many servers when they throttle, in comments or not.
_COMMON_THROTTLES = (
    r"\b(?:rate limit|query limit|queries per|too many (?:queries|requests)"
    r"|limit exceeded|excessive querying|try again later)\b",
)

_HU = Registry(
    host="whois.nic.hu",
    ignored=_PERCENT,
    # Old servers: "Nincs találat / No match"; newer ones drop the accent.
    free=((r"Nincs tal[aá]lat\s*/\s*No match",),),
    registered=(
        (_REGISTERED, (r"domain:\s+<name>", r"(?:record created|registered):\s+\S.*")),
        # Old servers while an application was pending: the name is no longer free.
        (
            "WHOIS: registration in progress",
            (
                r"domain:\s+<name>",
                r"Regisztr[aá]ci[oó] folyamatban\s*/\s*Registration in progress",
            ),
        ),
    ),
    facts={"created": r"^(?:record created|registered):[ \t]*(.+?)[ \t]*$"},
)
_EU = Registry(
    host="whois.eu",
    ignored=_PERCENT,
    free=(
        (r"Domain:\s*<name>", r"Status:\s*AVAILABLE"),  # anchored: "NOT AVAILABLE" is not free
        (r"Domain:\s*<name>", r"Script:\s*\w+", r"Status:\s*AVAILABLE"),
    ),
    registered=((_REGISTERED, (r"Domain:\s*<name>", r"(?:Registrar|Name servers):")),),
    throttled=(r"^-1:\s*Still in grace period, wait (?P<seconds>\d+) seconds",),
    facts={"registrar": r"^Registrar:[ \t]*\r?\n[ \t]*Name:[ \t]*(.+?)[ \t]*$"},
)
_AT = Registry(
    host="whois.nic.at",
    ignored=r"%(?!\s*nothing found\s*$).*",  # its no-match is itself a '%' line
    free=((r"%\s*nothing found",),),
    registered=((_REGISTERED, (r"domain:\s+<name>", r"registrar:\s+\S.*")),),
)
_DE = Registry(
    host="whois.denic.de",
    ignored=_PERCENT,
    free=((r"Domain:\s*<name>", r"Status:\s*free"),),
    registered=((_REGISTERED, (r"Domain:\s*<name>", r"Status:\s*connect")),),
    throttled=(r"^%\s*Error:\s*55000000002\b.*$",),  # access control limit reached
)
_IT = Registry(
    host="whois.nic.it",
    ignored=r"\*.*",  # its disclaimer is a box of '*'
    free=((r"Domain:\s*<name>", r"Status:\s*AVAILABLE"),),
    registered=((_REGISTERED, (r"Domain:\s*<name>", r"Created:\s+\S.*")),),
)
_BE = Registry(
    host="whois.dns.be",
    ignored=_PERCENT,
    free=((r"Domain:\s*<name>", r"Status:\s*AVAILABLE"),),
    registered=((_REGISTERED, (r"Domain:\s*<name>", r"Status:\s*NOT AVAILABLE")),),
    throttled=(
        r"^%\s*Excessive querying, grace period of (?P<seconds>\d+) seconds",
        r"^-3:\s*IP address blocked",
    ),
)

BUILTIN: Mapping[str, Registry] = {"hu": _HU, "eu": _EU, "at": _AT, "de": _DE, "it": _IT, "be": _BE}

# A server named by an override but not in the table: its disclaimers are unknown. Prose
# is set aside, and so are comments ('%', '#', '>>> … <<<') and the few disclaimer
# sentences every such server prints; but ANY other `key: value` line (a field name, a
# colon, a value or none) counts as a record line. The answer is free only if exactly
# one no-match line is left.
_NO_MATCH = (
    r'No match(?: for(?: domain)?)?\s*"?<name>"?\.?',
    r"No match\.?",
    r"NOT FOUND\.?",
    r"No entries found\.?",
    r"Domain not found\.?",
    r"No Data Found\.?",
    r"Nincs tal[aá]lat(?:\s*/\s*No match)?",
)
_COMMENT = r"(?:%|#|>>>).*"
_DISCLAIMER = (
    r"(?:NOTICE|TERMS OF USE|URL of the ICANN (?:Whois|RDDS) Inaccuracy Complaint Form"
    r"|For more information on Whois status codes)\b.*"
)
_FIELD = r"\s*[A-Za-z][A-Za-z0-9 ._/()-]{0,39}:.*"  # `key: value` (a key names no sentence)
_GENERIC = Registry(
    host="",
    ignored=(
        rf"(?:{_COMMENT})|(?:{_DISCLAIMER})"
        rf"|(?!{_FIELD}$)(?!\s*(?:{'|'.join(_NO_MATCH)})\s*$).*"
    ),
    free=tuple((pattern,) for pattern in _NO_MATCH),
    registered=(
        (
            _REGISTERED,
            (r"\s*Domain(?: Name)?:\s+<name>", r"\s*(?:Creat|Registrar|record created).*"),
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


def _pattern(template: str, domain: DomainName) -> re.Pattern[str]:
    names = "|".join(re.escape(n) for n in dict.fromkeys((domain.ascii, domain.unicode)))
    return re.compile(template.replace(NAME, rf"(?:{names})\.?"), re.IGNORECASE | re.MULTILINE)


def interpret(
    text: str, registry: Registry, domain: DomainName, server: Mapping[str, str]
) -> Answer:
    """Pure: a whole WHOIS answer's text to an answer."""
    if not text.strip():
        return unknown("WHOIS answer was empty", Doubt.INCOMPLETE, details=server)
    for throttle in (*registry.throttled, *_COMMON_THROTTLES):
        if m := re.search(throttle, text, re.IGNORECASE | re.MULTILINE):
            asked = m.groupdict().get("seconds")
            return unknown(
                f"WHOIS throttled: wait {asked[:20]} s" if asked else "WHOIS throttled",
                Doubt.THROTTLED,
                details=server,
                # held to the same ceiling as HTTP's Retry-After
                retry_after=retry_after_seconds(asked) if asked else THROTTLE_PAUSE,
            )
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # A record line anywhere wins over any no-match phrase: records are looked for first.
    for reason, shape in registry.registered:
        patterns = [_pattern(p, domain) for p in shape]
        if all(any(p.fullmatch(line) for line in lines) for p in patterns):
            details = dict(server)
            for key, fact in registry.facts.items():
                if m := _pattern(fact, domain).search(text):
                    details[key] = m.group(1)[:FACT_MAX]
            return Answer(Verdict.REGISTERED, reason, details)
    ignored = _pattern(registry.ignored, domain)
    left = [line for line in lines if not ignored.fullmatch(line)]
    if any(_fits(left, shape, domain) for shape in registry.free):
        return Answer(Verdict.AVAILABLE, "WHOIS: no match", dict(server))
    return unknown("WHOIS answer not recognised", Doubt.UNREADABLE, details=server)


def _fits(lines: Sequence[str], shape: Shape, domain: DomainName) -> bool:
    """The lines are, one for one, the shape's: a whole no-match answer and nothing else."""
    return len(lines) == len(shape) and all(
        _pattern(p, domain).fullmatch(line) for p, line in zip(shape, lines, strict=True)
    )


async def lookup(
    host: str,
    port: int,
    domain: DomainName,
    registry: Registry,
    seconds: float,
    connect: Connect | None = None,
) -> Answer:
    """One query: connect, send the name, read to EOF — all within `seconds`, and at
    most `WHOIS_MAX_BYTES` of answer."""
    server = {"server": f"{host}:{port}" if port != DEFAULT_PORT else host}
    exchange = _Exchange(host, port, domain.ascii, connect)
    try:
        async with asyncio.timeout(seconds):
            raw = await exchange.run()
    except TimeoutError:
        if not exchange.connected:
            return unknown(
                f"WHOIS server not reached within {seconds:g} s", Doubt.UNREACHABLE, details=server
            )
        # Connected, but no whole answer in time (silent, or dripping): a stalled server.
        said = "did not finish its answer" if exchange.received else "gave no answer"
        return unknown(f"WHOIS server {said} within {seconds:g} s", Doubt.NO_ANSWER, details=server)
    except OSError as exc:  # refused, DNS failure (socket.gaierror); or reset mid-answer
        if not exchange.connected:
            return unknown(
                f"WHOIS server unreachable ({type(exc).__name__})",
                Doubt.UNREACHABLE,
                details=server,
            )
        return unknown(
            f"WHOIS answer broke off ({type(exc).__name__})", Doubt.INCOMPLETE, details=server
        )
    if raw is None:
        return unknown(
            f"WHOIS answer longer than {WHOIS_MAX_BYTES // 1024} KiB",
            Doubt.INCOMPLETE,
            details=server,
        )
    return interpret(decode(raw), registry, domain, server)


class _Exchange:
    """One WHOIS conversation, remembering how far it got (for the deadline's verdict)."""

    def __init__(self, host: str, port: int, query: str, connect: Connect | None) -> None:
        self.host, self.port, self.query = host, port, query
        self.opener = connect or _open
        self.connected = False
        self.received = 0

    async def run(self) -> bytes | None:
        """The answer to EOF, or None once it passes the size cap."""
        reader, writer = await self.opener(self.host, self.port)
        self.connected = True
        try:
            writer.write(f"{self.query}\r\n".encode("ascii"))
            await writer.drain()
            chunks: list[bytes] = []
            while chunk := await reader.read(4096):
                self.received += len(chunk)
                if self.received > WHOIS_MAX_BYTES:
                    writer.transport.abort()  # the rest is never read
                    return None
                chunks.append(chunk)
        except BaseException:  # the deadline, or the server broke off: no goodbyes
            writer.transport.abort()
            raise
        writer.close()
        with contextlib.suppress(OSError):  # the server hung up first; the answer is read
            await writer.wait_closed()
        return b"".join(chunks)


async def _open(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(host, port)
