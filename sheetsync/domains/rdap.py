"""Ask a registry's RDAP service (RFC 9082/9083) whether a domain is registered.

A 404 from the registry's own server, with an empty body or an RDAP error object, is the
only `available`; a domain object naming the name asked is `registered`; everything else
is `unknown` with the reason. Each query has a connection of its own (no answer left on
a kept-alive connection can be read as the next name's), runs under one deadline, reads
the body up to a size cap and parses JSON with a depth cap.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from sheetsync.core.model import DomainName, Doubt, Verdict
from sheetsync.domains.answer import Answer, unknown
from sheetsync.domains.limits import RDAP_MAX_BYTES, load_json, read_capped
from sheetsync.redaction import redact_logger, register_secret
from sheetsync.retry import retry_after_seconds

RDAP_ACCEPT = "application/rdap+json, application/json;q=0.9"
# Identity only: a compressed body could inflate far past the size cap once decoded
# (one that comes compressed all the same is refused before a byte is read).
# `Connection: close`: one connection per query. A server that queues a second answer
# on a kept-alive connection would otherwise decide the next name asked on it.
HEADERS = {"Accept": RDAP_ACCEPT, "Accept-Encoding": "identity", "Connection": "close"}
# The keys an RDAP error response (RFC 9083 §6) may carry; a 404 with any other is not
# the registry's plain "not found" (a domain object, a proxy's JSON, something else).
ERROR_KEYS = frozenset({"errorCode", "title", "description", "notices", "rdapConformance", "lang"})
JSON_TYPES = ("application/rdap+json", "application/json")
DEFAULT_BACKOFF = 2.0  # seconds, when a 5xx names no Retry-After
FACT_MAX = 100  # characters of a registrar name or date kept from an answer


def domain_url(base_url: str, domain: DomainName) -> str:
    """`<base path>/domain/<name>`, the base URL's query (an API key, say) kept after it."""
    parts = urlsplit(base_url)
    path = f"{parts.path.rstrip('/')}/domain/{domain.ascii}"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def server_of(base_url: str) -> str:
    """The politeness key and the server named in details and logs: host (and port) only,
    never the URL's user, password, path or query."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: name the host alone
        port = None
    if not host:
        return "?"
    return f"{host}:{port}" if port is not None else host


def register_url_secrets(base_url: str) -> None:
    """The base URL's secret parts (user, password, query) are never printed: httpx logs
    each request's URL, and an exception may carry it."""
    parts = urlsplit(base_url)
    for secret in (parts.password, parts.username, parts.query, parts.netloc.rpartition("@")[0]):
        if secret:
            register_secret(secret)
    if parts.password or parts.username or parts.query:
        redact_logger("httpx")


def shown(url: str) -> str:
    """A URL fit to show (a redirect's target): without user, password, query, fragment."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class _Connecting:
    """httpx's trace hook: whether the deadline caught the query still connecting (the
    server cannot be reached) or after it connected (the server is slow to answer).
    A pooled connection reused is connected already: no connect is traced."""

    def __init__(self) -> None:
        self.started = False
        self.connected = False

    @property
    def pending(self) -> bool:
        return self.started and not self.connected

    async def __call__(self, event: str, info: Mapping[str, Any]) -> None:
        if event == "connection.connect_tcp.started":
            self.started = True
        elif event == "connection.connect_tcp.complete":
            self.connected = True


async def lookup(
    client: httpx.AsyncClient, base_url: str, domain: DomainName, seconds: float
) -> Answer:
    """One query within `seconds` (connect, headers and body together)."""
    register_url_secrets(base_url)
    server = {"server": server_of(base_url)}
    connecting = _Connecting()
    try:
        async with (
            asyncio.timeout(seconds),
            client.stream(
                "GET",
                domain_url(base_url, domain),
                headers=HEADERS,
                follow_redirects=False,
                extensions={"trace": connecting},
            ) as response,
        ):
            encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                return unknown(
                    f"RDAP answer is {encoding:.40}-encoded though none was asked for",
                    Doubt.UNREADABLE,
                    details=server,
                )
            body = await read_capped(response.aiter_bytes(), RDAP_MAX_BYTES)
    except TimeoutError:
        if connecting.pending:
            return unknown(
                f"RDAP server not reached within {seconds:g} s", Doubt.UNREACHABLE, details=server
            )
        return unknown(
            f"RDAP server gave no complete answer within {seconds:g} s",
            Doubt.NO_ANSWER,
            details=server,
        )
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # refused, DNS failure
        return unknown(
            f"RDAP server unreachable ({type(exc).__name__})", Doubt.UNREACHABLE, details=server
        )
    except httpx.TimeoutException:
        return unknown("RDAP server timed out", Doubt.NO_ANSWER, details=server)
    except httpx.HTTPError as exc:  # reset, broken off mid-body, not HTTP at all
        return unknown(
            f"RDAP answer broke off ({type(exc).__name__})", Doubt.INCOMPLETE, details=server
        )
    if body is None:
        return unknown(
            f"RDAP answer larger than {RDAP_MAX_BYTES // 1024} KiB",
            Doubt.INCOMPLETE,
            details=server,
        )
    return interpret(response.status_code, response.headers, body, domain, server)


def interpret(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    domain: DomainName,
    server: Mapping[str, str],
) -> Answer:
    """Pure: a complete HTTP answer (status, headers, body) to an answer."""
    if status == 404:
        return _not_found(headers.get("Content-Type", ""), body, server)
    if status == 200:
        return _domain_object(body, domain, server)
    if status in (301, 302, 303, 307, 308):
        where = shown(headers.get("Location", "?"))
        return unknown(f"RDAP redirected to {where:.200}", Doubt.REDIRECTED, details=server)
    if status == 429 or status >= 500:
        wait = retry_after_seconds(headers.get("Retry-After"))
        what = "rate limited" if status == 429 else "server error"
        return unknown(
            f"RDAP {what} (HTTP {status})",
            Doubt.THROTTLED if status == 429 else Doubt.SERVER_ERROR,
            details=server,
            retry_after=wait if wait is not None else DEFAULT_BACKOFF,
        )
    if status == 403:
        return unknown("RDAP refused the query (HTTP 403)", Doubt.REFUSED, details=server)
    return unknown(f"RDAP answered HTTP {status}", Doubt.SERVER_ERROR, details=server)


def _not_found(content_type: str, body: bytes, server: Mapping[str, str]) -> Answer:
    """A 404 is the registry's "not found" only if it looks like the registry's: an
    empty body, or an RDAP error object (RFC 9083 §6) sent as JSON. An HTML page is a
    proxy's or a wrong base URL's; a domain object, or JSON of another shape, contradicts
    the status. Neither says the name is free."""
    if body:
        value, problem = load_json(body)
        if problem is not None or not isinstance(value, dict):
            return unknown(
                f"RDAP 404 body is not an RDAP object ({problem or 'not an object'})",
                Doubt.UNREADABLE,
                details=server,
            )
        media = content_type.split(";", 1)[0].strip().lower()
        if media not in JSON_TYPES:
            return unknown(
                f"RDAP 404 body is JSON sent as {media or 'no type'!s:.40}",
                Doubt.UNREADABLE,
                details=server,
            )
        if not _error_object(value):
            return unknown(
                "RDAP 404 body is not an RDAP error object", Doubt.UNREADABLE, details=server
            )
        code = value.get("errorCode", 404)
        if code != 404:
            return unknown(
                f"RDAP 404 carries error code {code!s:.20}", Doubt.UNREADABLE, details=server
            )
    return Answer(Verdict.AVAILABLE, "RDAP: not found", dict(server))


def _error_object(value: Mapping[str, Any]) -> bool:
    """Only error keys, and at least one that says what the error is."""
    keys = set(value)
    return keys <= ERROR_KEYS and bool(keys & {"errorCode", "title", "description"})


def _domain_object(body: bytes, domain: DomainName, server: Mapping[str, str]) -> Answer:
    value, problem = load_json(body)
    if problem is not None:
        return unknown(f"RDAP answer: {problem}", Doubt.UNREADABLE, details=server)
    if not isinstance(value, dict) or value.get("objectClassName") != "domain":
        return unknown("RDAP answer is not a domain object", Doubt.UNREADABLE, details=server)
    # The object must name the name asked: an answer about another name (or none) is
    # not this name's, whatever the connection it came on.
    ldh = str(value.get("ldhName") or "").lower().rstrip(".")
    uni = str(value.get("unicodeName") or "").lower().rstrip(".")
    if domain.ascii not in (ldh, uni) and domain.unicode.lower() not in (ldh, uni):
        named = ldh or uni or "no name"
        return unknown(
            f"RDAP answered about another name ({named:.60})", Doubt.OTHER_NAME, details=server
        )
    details = dict(server)
    details.update(_facts(value))
    return Answer(Verdict.REGISTERED, "RDAP: domain object", details)


def _facts(body: Mapping[str, Any]) -> dict[str, str]:
    facts: dict[str, str] = {}
    events = body.get("events")
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict):
            continue
        action, date = event.get("eventAction"), event.get("eventDate")
        if isinstance(date, str) and action in ("registration", "expiration"):
            facts["created" if action == "registration" else "expires"] = date[:FACT_MAX]
    registrar = _registrar(body.get("entities"))
    if registrar:
        facts["registrar"] = registrar[:FACT_MAX]
    statuses = body.get("status")
    if isinstance(statuses, list) and all(isinstance(s, str) for s in statuses) and statuses:
        facts["status"] = ", ".join(statuses)[:FACT_MAX]
    return facts


def _registrar(entities: Any) -> str | None:
    if not isinstance(entities, list):
        return None
    for entity in entities:
        if not isinstance(entity, dict):
            continue
        roles = entity.get("roles")
        if isinstance(roles, list) and "registrar" in roles:
            name = _vcard_fn(entity.get("vcardArray"))
            if name:
                return name
            handle = entity.get("handle")
            return str(handle) if handle else None
    return None


def _vcard_fn(vcard: Any) -> str | None:
    # jCard (RFC 7095): ["vcard", [["fn", {}, "text", "Name"], …]]
    if not (isinstance(vcard, list) and len(vcard) == 2 and isinstance(vcard[1], list)):
        return None
    for prop in vcard[1]:
        if isinstance(prop, list) and len(prop) >= 4 and prop[0] == "fn":
            return str(prop[3]) or None
    return None
