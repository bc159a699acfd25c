"""The domain checkers that need no network: checks off, or verdicts from a file."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from sheetsync.clock import Clock
from sheetsync.core.model import DomainName, DomainVerdict, Doubt, Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.errors import ConfigError, InvalidDomain


class OfflineDomainChecker:
    """Checks nothing: every domain is `unknown`, so nothing is reported free by mistake.
    Its verdicts are an outage (`Doubt.CHECKS_OFF`): one notice for the pass, no
    per-row warning."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def check(self, domains: Sequence[DomainName]) -> Mapping[str, DomainVerdict]:
        now = self._clock()
        return {
            d.ascii: DomainVerdict(
                Verdict.UNKNOWN, "offline", now, "domain checks are off", doubt=Doubt.CHECKS_OFF
            )
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
                else DomainVerdict(
                    Verdict.UNKNOWN, "file", now, "not in the verdicts file", doubt=Doubt.NOT_LISTED
                )
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
