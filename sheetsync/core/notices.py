"""Run-level notices (pure): what a pass says once, instead of on every row it touches."""

from __future__ import annotations

from collections.abc import Mapping

from sheetsync.core.model import DomainVerdict, Doubt, Notice, NoticeCode


def notices_of(verdicts: Mapping[str, DomainVerdict]) -> tuple[Notice, ...]:
    """One `domain-checks-unavailable` notice when names the rows depend on (`verdicts`,
    by ASCII name) were left unknown because no registry could be asked: the servers
    that could not be reached and their TLDs, or that checks are off. None otherwise."""
    out = {name: v for name, v in verdicts.items() if v.outage}
    if not out:
        return ()
    servers = {
        server
        for v in out.values()
        if v.doubt == Doubt.UNREACHABLE and (server := v.details.get("server"))
    }
    return (
        Notice(
            NoticeCode.DOMAIN_CHECKS_UNAVAILABLE,
            servers=tuple(sorted(servers)),
            tlds=tuple(sorted({name.rsplit(".", 1)[-1] for name in out})),
            checks_off=any(v.doubt == Doubt.CHECKS_OFF for v in out.values()),
            domains=len(out),
        ),
    )
