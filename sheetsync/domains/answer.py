"""What one registry query said, before it becomes a verdict (shared by RDAP and WHOIS)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sheetsync.core.model import Verdict


@dataclass(frozen=True)
class Answer:
    """One query's outcome.

    `retry_after` (seconds) is set when the server asked us to slow down;
    `unreachable` when the server could not be talked to at all (connection
    refused, DNS failure, timeout) — then the rest of the pass skips it."""

    verdict: Verdict
    reason: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    unreachable: bool = False

    @property
    def transient(self) -> bool:
        """Worth asking again after a pause (rate limited or a server error)."""
        return self.retry_after is not None


def unknown(
    reason: str,
    *,
    details: Mapping[str, str] | None = None,
    retry_after: float | None = None,
    unreachable: bool = False,
) -> Answer:
    return Answer(Verdict.UNKNOWN, reason, dict(details or {}), retry_after, unreachable)
