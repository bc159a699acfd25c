"""Ask about names typed by hand (the `sheetsync domain check` command's library half)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sheetsync.clock import Clock
from sheetsync.core.model import DomainName, DomainVerdict, Doubt, Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.domains.port import DomainChecker
from sheetsync.errors import InvalidDomain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NameCheck:
    """One typed name and what became of it."""

    input: str
    verdict: Verdict
    source: str
    ascii: str | None = None
    unicode: str | None = None
    reason: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    checked_at: datetime | None = None
    doubt: Doubt | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "ascii": self.ascii,
            "unicode": self.unicode,
            "verdict": self.verdict.value,
            "source": self.source,
            "reason": self.reason,
            "details": dict(self.details),
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "doubt": self.doubt.value if self.doubt else None,
        }


def check_names(names: Sequence[str], checker: DomainChecker, clock: Clock) -> list[NameCheck]:
    """Normalize each name, ask the checker about the valid ones (each once), and
    answer in the order typed. Invalid names are `invalid` with the reason key."""
    valid: dict[str, DomainName] = {}
    parsed: list[DomainName | InvalidDomain] = []
    for name in names:
        try:
            domain = normalize_domain(name)
        except InvalidDomain as exc:
            parsed.append(exc)
            continue
        valid.setdefault(domain.ascii, domain)
        parsed.append(domain)
    verdicts = _verdicts(checker, list(valid.values()))
    out = []
    for name, item in zip(names, parsed, strict=True):
        if isinstance(item, InvalidDomain):
            details = {"suggestion": item.suggestion} if item.suggestion else {}
            out.append(
                NameCheck(
                    name,
                    Verdict.INVALID,
                    "sheetsync",
                    reason=item.reason,
                    details=details,
                    checked_at=clock(),
                )
            )
            continue
        v = verdicts.get(item.ascii)
        if v is None:  # a checker that skipped a name has not said it is free
            out.append(
                NameCheck(
                    name,
                    Verdict.UNKNOWN,
                    "sheetsync",
                    item.ascii,
                    item.unicode,
                    "the checker gave no verdict",
                    doubt=Doubt.CHECKER_FAILED,
                )
            )
        else:
            out.append(
                NameCheck(
                    name,
                    v.verdict,
                    v.source,
                    item.ascii,
                    item.unicode,
                    v.reason,
                    v.details,
                    v.checked_at,
                    v.doubt,
                )
            )
    return out


def _verdicts(checker: DomainChecker, domains: Sequence[DomainName]) -> Mapping[str, DomainVerdict]:
    """The checker's verdicts; a checker that fails leaves every name unknown with the
    reason, so a typed name is always answered (the command never ends in a traceback)."""
    if not domains:
        return {}
    try:
        return checker.check(domains)
    except Exception as exc:
        log.error("domain checker failed (%s)", type(exc).__name__, exc_info=True)
        reason = f"checker failed ({type(exc).__name__})"
        return {
            d.ascii: DomainVerdict(
                Verdict.UNKNOWN, "sheetsync", None, reason, doubt=Doubt.CHECKER_FAILED
            )
            for d in domains
        }
