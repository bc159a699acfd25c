"""The domain-availability boundary: who tells whether a domain is free, and the cache
of what they told."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from sheetsync.core.model import DomainName, DomainVerdict


class DomainChecker(Protocol):
    def check(self, domains: Sequence[DomainName]) -> Mapping[str, DomainVerdict]:
        """A verdict for every name asked, keyed by ASCII name. `available` only on the
        registry's own, complete 'not found'. An `unknown` verdict says why in its
        `doubt`: `Doubt.UNREACHABLE` and `Doubt.CHECKS_OFF` (`DomainVerdict.outage`) when
        no registry could be asked at all — the pass's notice, not the row's warning —
        anything else when a registry answered but could not tell. Whatever a registry
        sends, this returns; it does not raise."""
        ...


CachedVerdict = tuple[str, DomainVerdict, datetime]  # (ASCII name, verdict, expires at)


class VerdictCache(Protocol):
    """Remembered verdicts with an expiry (the state store's table, or in memory).

    Asked in bulk: a pass looks up every name it needs at once and stores what it
    learnt at once, so a store behind it pays one round trip per pass, not per name."""

    def get_many(self, ascii_names: Iterable[str], now: datetime) -> dict[str, DomainVerdict]:
        """The cached verdicts among `ascii_names` that have not expired at `now`, in a
        new dict the caller may change; names without one are left out."""
        ...

    def put_many(self, verdicts: Iterable[CachedVerdict], now: datetime) -> None:
        """Remember each verdict until its expiry, replacing what a name had, and forget
        what has expired by `now` (names that left the sheet are never asked again)."""
        ...
