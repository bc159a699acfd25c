"""What one registry query said, before it becomes a verdict (shared by RDAP and WHOIS)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sheetsync.core.model import Doubt, Verdict


@dataclass(frozen=True)
class Answer:
    """One query's outcome.

    `retry_after` (seconds) is set when the server asked us to slow down; `doubt` says
    why an `unknown` is unknown. `Doubt.UNREACHABLE` (refused, DNS failure, connect
    timeout) makes the rest of the pass skip the server; so does `Doubt.NO_ANSWER`
    (connected, but no whole answer within the deadline, silent or dripping: a stalled
    server). An answer that ended but was empty, broken off or over the size cap is
    `Doubt.INCOMPLETE`, and the server is asked about its other names."""

    verdict: Verdict
    reason: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    doubt: Doubt | None = None

    @property
    def unreachable(self) -> bool:
        return self.doubt == Doubt.UNREACHABLE

    @property
    def stalled(self) -> bool:
        return self.doubt == Doubt.NO_ANSWER


def unknown(
    reason: str,
    doubt: Doubt,
    *,
    details: Mapping[str, str] | None = None,
    retry_after: float | None = None,
) -> Answer:
    return Answer(Verdict.UNKNOWN, reason, dict(details or {}), retry_after, doubt)
