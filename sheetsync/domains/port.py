"""The domain-availability boundary, and the checkers that need no network."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sheetsync.clock import Clock
from sheetsync.core.model import DomainName, DomainVerdict, Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.errors import ConfigError, InvalidDomain


class DomainChecker(Protocol):
    def check(self, domains: Sequence[DomainName]) -> Mapping[str, DomainVerdict]:
        """Verdicts keyed by ASCII name. `available` only on a positive 'not found'."""
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


class OfflineDomainChecker:
    """Checks nothing: every domain is `unknown`, so nothing is reported free by mistake."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def check(self, domains: Sequence[DomainName]) -> Mapping[str, DomainVerdict]:
        now = self._clock()
        return {
            d.ascii: DomainVerdict(Verdict.UNKNOWN, "offline", now, "domain checks are off")
            for d in domains
        }


class FileDomainChecker:
    """Verdicts from a TOML table (`"példa.hu" = "available"`), for demos and trials
    without network. Domains not in the file are `unknown`."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self._clock = clock
        self._known = _load_verdicts(path)

    def check(self, domains: Sequence[DomainName]) -> Mapping[str, DomainVerdict]:
        now = self._clock()
        out = {}
        for d in domains:
            verdict = self._known.get(d.ascii)
            out[d.ascii] = (
                DomainVerdict(verdict, "file", now)
                if verdict
                else DomainVerdict(Verdict.UNKNOWN, "file", now, "not in the verdicts file")
            )
        return out


def _load_verdicts(path: Path) -> dict[str, Verdict]:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError([f"domains.verdicts_file: cannot read {path}: {exc}"]) from exc
    known, problems = {}, []
    for name, word in table.get("verdicts", {}).items():
        try:
            known[normalize_domain(name).ascii] = Verdict(word)
        except (InvalidDomain, ValueError):
            problems.append(f"domains.verdicts_file {path}: bad entry {name!r} = {word!r}")
    if problems:
        raise ConfigError(problems)
    return known
