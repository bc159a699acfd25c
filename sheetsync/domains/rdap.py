"""Ask a registry's RDAP service (RFC 9082/9083) whether a domain is registered.

404 from the registry's own server is the only `available`; a domain object is
`registered`; everything else is `unknown` with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from sheetsync.core.model import DomainName, Verdict
from sheetsync.domains.answer import Answer, unknown
from sheetsync.retry import retry_after_seconds

RDAP_ACCEPT = "application/rdap+json, application/json;q=0.9"
DEFAULT_BACKOFF = 2.0  # seconds, when a 5xx names no Retry-After


def domain_url(base_url: str, domain: DomainName) -> str:
    return f"{base_url.rstrip('/')}/domain/{domain.ascii}"


def server_of(base_url: str) -> str:
    """The politeness key: one host (and port) is one server, whatever the path."""
    parts = urlsplit(base_url)
    return parts.netloc.lower() or base_url


async def lookup(client: httpx.AsyncClient, base_url: str, domain: DomainName) -> Answer:
    url = domain_url(base_url, domain)
    server = {"server": server_of(base_url)}
    try:
        response = await client.get(url, headers={"Accept": RDAP_ACCEPT}, follow_redirects=False)
    except httpx.TimeoutException:
        return unknown("RDAP server timed out", details=server, unreachable=True)
    except httpx.TransportError as exc:
        return unknown(
            f"RDAP server unreachable ({type(exc).__name__})", details=server, unreachable=True
        )
    return interpret(response, domain, server)


def interpret(response: httpx.Response, domain: DomainName, server: Mapping[str, str]) -> Answer:
    """Pure: an HTTP response to an answer."""
    status = response.status_code
    if status == 404:
        return Answer(Verdict.AVAILABLE, "RDAP: not found", dict(server))
    if status == 200:
        return _domain_object(response, domain, server)
    if status in (301, 302, 303, 307, 308):
        where = response.headers.get("Location", "?")
        return unknown(f"RDAP redirected to {where}", details=server)
    if status == 429 or status >= 500:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        what = "rate limited" if status == 429 else "server error"
        return unknown(
            f"RDAP {what} (HTTP {status})",
            details=server,
            retry_after=wait if wait is not None else DEFAULT_BACKOFF,
        )
    if status == 403:
        return unknown("RDAP refused the query (HTTP 403)", details=server)
    return unknown(f"RDAP answered HTTP {status}", details=server)


def _domain_object(
    response: httpx.Response, domain: DomainName, server: Mapping[str, str]
) -> Answer:
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return unknown("RDAP answer is not JSON", details=server)
    if not isinstance(body, dict) or body.get("objectClassName") != "domain":
        return unknown("RDAP answer is not a domain object", details=server)
    named = str(body.get("ldhName") or "").lower().rstrip(".")
    if named and named != domain.ascii:
        return unknown(f"RDAP answered about another name ({named:.60})", details=server)
    details = dict(server)
    details.update(_facts(body))
    return Answer(Verdict.REGISTERED, "RDAP: domain object", details)


def _facts(body: Mapping[str, Any]) -> dict[str, str]:
    facts: dict[str, str] = {}
    for event in body.get("events") or []:
        if not isinstance(event, dict):
            continue
        action, date = event.get("eventAction"), event.get("eventDate")
        if isinstance(date, str) and action in ("registration", "expiration"):
            facts["created" if action == "registration" else "expires"] = date
    registrar = _registrar(body.get("entities") or [])
    if registrar:
        facts["registrar"] = registrar
    statuses = body.get("status")
    if isinstance(statuses, list) and all(isinstance(s, str) for s in statuses) and statuses:
        facts["status"] = ", ".join(statuses)
    return facts


def _registrar(entities: Any) -> str | None:
    if not isinstance(entities, list):
        return None
    for entity in entities:
        if isinstance(entity, dict) and "registrar" in (entity.get("roles") or []):
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
