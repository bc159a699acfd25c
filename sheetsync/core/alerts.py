"""Alerts (pure): the events the team needs now, not in the next summary.

An event is one client's state that holds while the sheet says so: development can
start; the chosen domain is taken before it was bought; the application failed; it
said "Sikeres" but the domain still shows free. Each is alerted once, at the first
pass that sees it. The worker remembers the events it alerted while they hold; an
event that goes away and comes back (a payment unmarked and marked again, a new
domain that is taken too) is new news and alerts again. Events are keyed by the
client's history key, the kind and the domain: never by a secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sheetsync.core.model import Code, RowEvaluation, Verdict


class AlertKind(StrEnum):
    """What happened (public: the alert's code; add, never rename)."""

    DOMAIN_TAKEN = "domain-taken"
    DOMAIN_NOT_REGISTERED = "domain-not-registered"
    APPLICATION_FAILED = "domain-application-failed"
    READY = "development-can-start"


URGENCY = tuple(AlertKind)  # most urgent first, as the message lists them
_BY_FINDING = {
    Code.DOMAIN_TAKEN: AlertKind.DOMAIN_TAKEN,
    Code.DOMAIN_NOT_REGISTERED: AlertKind.DOMAIN_NOT_REGISTERED,
    Code.DOMAIN_APPLICATION_FAILED: AlertKind.APPLICATION_FAILED,
}


@dataclass(frozen=True)
class Alert:
    """One event on one client (`key` as the report knows it: the history key, or
    `row:N` for a row without a name)."""

    key: str
    kind: AlertKind
    domain: str = ""  # the ASCII domain the event is about, where it is about one

    @property
    def ident(self) -> str:
        return f"{self.kind.value}|{self.key}|{self.domain}"


@dataclass(frozen=True)
class Events:
    """What the sheet shows now (`current`, by `Alert.ident`), and the domain events a
    pass could not decide (`undecided`: the registry gave no clear answer), which keep
    their memory so a registry hiccup does not alert the same taken domain twice."""

    current: Mapping[str, Alert]
    undecided: frozenset[str] = frozenset()


def events_of(evaluations: Iterable[RowEvaluation]) -> Events:
    current: dict[str, Alert] = {}
    undecided: set[str] = set()
    for e in evaluations:
        key = e.row.key or f"row:{e.row.row}"
        domain = e.row.domain.ascii if e.row.domain else ""
        codes = {f.code for f in e.findings}
        kinds = [kind for code, kind in _BY_FINDING.items() if code in codes]
        if e.development_can_start:
            kinds.append(AlertKind.READY)
        for kind in kinds:
            alert = Alert(key, kind, "" if kind == AlertKind.READY else domain)
            current[alert.ident] = alert
        verdict = e.domain_verdict
        if domain and verdict is not None and verdict.verdict == Verdict.UNKNOWN:
            for kind in (AlertKind.DOMAIN_TAKEN, AlertKind.DOMAIN_NOT_REGISTERED):
                undecided.add(Alert(key, kind, domain).ident)
    return Events(current, frozenset(undecided))


def news(events: Events, alerted: frozenset[str] | None) -> tuple[list[Alert], frozenset[str]]:
    """The events to alert now, and what to remember (add the alerted ones to it once
    they are delivered).

    `alerted` None means nothing was ever remembered (a new store, or one from before
    alerts): what the sheet shows then is known already (the first report lists it), so
    it is remembered without an alert rather than announced all at once."""
    if alerted is None:
        return [], frozenset(events.current)
    fresh = [a for ident, a in events.current.items() if ident not in alerted]
    fresh.sort(key=lambda a: (URGENCY.index(a.kind), a.key))
    kept = alerted & (events.current.keys() | events.undecided)
    return fresh, frozenset(kept)
