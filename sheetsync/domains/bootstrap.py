"""Which RDAP server answers for which TLD: IANA's bootstrap file (RFC 9224).

A snapshot of `https://data.iana.org/rdap/dns.json` ships with the package; a
copy refreshed from IANA at most once per `max_age` is kept in a cache folder.
A failed refresh is never fatal: the newest copy at hand is used.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from sheetsync.clock import Clock
from sheetsync.errors import BootstrapError

log = logging.getLogger(__name__)

IANA_DNS_BOOTSTRAP = "https://data.iana.org/rdap/dns.json"
CACHE_FILE = "rdap-dns-bootstrap.json"

Fetch = Callable[[str], Awaitable[bytes]]  # URL → body; raises on any failure


@dataclass(frozen=True)
class RdapBootstrap:
    """TLD (ASCII, lower-case) → base URLs of its registry's RDAP service, HTTPS first."""

    publication: str
    servers: Mapping[str, tuple[str, ...]]

    def base_url(self, tld: str) -> str | None:
        urls = self.servers.get(tld.lower())
        return urls[0] if urls else None

    @classmethod
    def parse(cls, raw: bytes | str) -> RdapBootstrap:
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BootstrapError(f"not JSON: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("services"), list):
            raise BootstrapError("no 'services' list")
        servers: dict[str, tuple[str, ...]] = {}
        for entry in doc["services"]:
            if not (isinstance(entry, list) and len(entry) >= 2):
                raise BootstrapError(f"bad service entry {entry!r:.80}")
            tlds, urls = entry[0], entry[1]
            if not _strings(tlds) or not _strings(urls):
                raise BootstrapError(f"bad service entry {entry!r:.80}")
            # RFC 9224 §4: prefer HTTPS; base URLs are used with a trailing '/'.
            ordered = sorted(urls, key=lambda u: not u.lower().startswith("https://"))
            normalized = tuple(u if u.endswith("/") else u + "/" for u in ordered)
            for tld in tlds:
                servers[tld.lower().strip(".")] = normalized
        if not servers:
            raise BootstrapError("no services listed")
        return cls(publication=str(doc.get("publication", "")), servers=servers)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def snapshot() -> RdapBootstrap:
    """The copy shipped with the package (see docs/domains.md for its provenance)."""
    raw = resources.files("sheetsync.domains").joinpath("data/dns.json").read_bytes()
    return RdapBootstrap.parse(raw)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sheetsync"


class BootstrapSource:
    """Hands out the newest usable bootstrap, refreshing the cached copy when stale.

    With `refresh` off only the snapshot and the cached copy are used; the cache
    folder is optional too. With `keep` off (a dry run) a refreshed copy is used but
    not written."""

    def __init__(
        self,
        clock: Clock,
        cache_dir: Path | None,
        refresh: bool = True,
        url: str = IANA_DNS_BOOTSTRAP,
        max_age: timedelta = timedelta(days=1),
        *,
        keep: bool = True,
    ) -> None:
        self._clock = clock
        self._keep = keep
        self._path = cache_dir / CACHE_FILE if cache_dir else None
        self._refresh = refresh
        self._url = url
        self._max_age = max_age
        self._current = _newest(snapshot(), self._read_cached())
        self._last_attempt: datetime | None = self._fetched_at()

    @property
    def current(self) -> RdapBootstrap:
        return self._current

    async def refreshed(self, fetch: Fetch) -> RdapBootstrap:
        """The bootstrap after at most one refresh attempt per `max_age`."""
        now = self._clock()
        if not self._refresh or (
            self._last_attempt is not None and now - self._last_attempt < self._max_age
        ):
            return self._current
        self._last_attempt = now  # a failed attempt also waits max_age: IANA is not polled
        try:
            raw = await fetch(self._url)
            fresh = RdapBootstrap.parse(raw)
        except Exception as exc:  # any failure: keep what we have, say why once
            log.warning(
                "RDAP bootstrap refresh from %s failed (%s); using the copy published %s",
                self._url,
                exc,
                self._current.publication or "(unknown)",
            )
            return self._current
        self._current = _newest(self._current, fresh)
        self._write_cached(raw, now)
        return self._current

    def _read_cached(self) -> RdapBootstrap | None:
        if self._path is None:
            return None
        try:
            wrapper = json.loads(self._path.read_text(encoding="utf-8"))
            return RdapBootstrap.parse(json.dumps(wrapper["bootstrap"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable RDAP bootstrap cache %s: %s", self._path, exc)
            return None

    def _fetched_at(self) -> datetime | None:
        if self._path is None:
            return None
        try:
            wrapper = json.loads(self._path.read_text(encoding="utf-8"))
            return datetime.fromisoformat(wrapper["fetched_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_cached(self, raw: bytes, now: datetime) -> None:
        if self._path is None or not self._keep:
            return
        wrapper = {"fetched_at": now.isoformat(), "source": self._url, "bootstrap": json.loads(raw)}
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a crash never leaves half a file behind.
            fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".bootstrap-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(wrapper, out)
            os.replace(tmp, self._path)
        except OSError as exc:
            log.warning("cannot store the RDAP bootstrap in %s: %s", self._path, exc)


def _newest(a: RdapBootstrap, b: RdapBootstrap | None) -> RdapBootstrap:
    # ISO-8601 publication stamps compare correctly as strings.
    return b if b is not None and b.publication >= a.publication else a
