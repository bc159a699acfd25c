"""Alerts (pure): the events the team needs now, not in the next summary.

An event is one client's state that holds while the sheet says so: development can
start; the chosen domain is taken before it was bought; the application failed; it
said "Sikeres" but the domain still shows free. Each is alerted once, at the first
pass that sees it. The worker remembers the events it alerted while they hold; an
event that goes away and comes back (a payment unmarked and marked again, a new
domain that is taken too) is new news and alerts again. Events are keyed by the
client's history key, the kind and the domain: never by a secret. The history key of
rows sharing a name holds their e-mail and domain (`rows.history_keys`), so a sort does
not make news; when a client's key changes because a row with its name appeared or went
away, the event alerted under the old key is the same event, not news.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sheetsync.core.keys import name_key
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
    name: str = field(default="", compare=False)  # the name key `key` starts with

    @property
    def ident(self) -> str:
        return f"{self.kind.value}|{self.key}|{self.domain}"

    def rekeyed_from(self, ident: str, keys: frozenset[str]) -> bool:
        """Whether `ident`, an event remembered under a key no row has any more, is this
        event under this client's former key: the same kind, domain and name, the key
        `name` alone or `name#…` (rows sharing a name are keyed apart)."""
        kind, _, rest = ident.partition("|")
        key, _, domain = rest.rpartition("|")
        return (
            self.name != ""
            and (kind, domain) == (self.kind.value, self.domain)
            and key not in keys
            and (key == self.name or key.startswith(f"{self.name}#"))
        )


@dataclass(frozen=True)
class Events:
    """What the sheet shows now (`current`, by `Alert.ident`), and the domain events a
    pass could not decide (`undecided`: the registry gave no clear answer), which keep
    their memory so a registry hiccup does not alert the same taken domain twice."""

    current: Mapping[str, Alert]
    undecided: frozenset[str] = frozenset()
    keys: frozenset[str] = frozenset()  # every row's key this pass, events or not


def events_of(evaluations: Iterable[RowEvaluation]) -> Events:
    current: dict[str, Alert] = {}
    undecided: set[str] = set()
    keys: set[str] = set()
    for e in evaluations:
        key = e.row.key or f"row:{e.row.row}"
        keys.add(key)
        name = name_key(e.row.client) if e.row.key and e.row.client else ""
        domain = e.row.domain.ascii if e.row.domain else ""
        codes = {f.code for f in e.findings}
        kinds = [kind for code, kind in _BY_FINDING.items() if code in codes]
        if e.development_can_start:
            kinds.append(AlertKind.READY)
        for kind in kinds:
            alert = Alert(key, kind, "" if kind == AlertKind.READY else domain, name)
            current[alert.ident] = alert
        verdict = e.domain_verdict
        if domain and verdict is not None and verdict.verdict == Verdict.UNKNOWN:
            for kind in (AlertKind.DOMAIN_TAKEN, AlertKind.DOMAIN_NOT_REGISTERED):
                undecided.add(Alert(key, kind, domain).ident)
    return Events(current, frozenset(undecided), frozenset(keys))


def news(events: Events, alerted: frozenset[str] | None) -> tuple[list[Alert], frozenset[str]]:
    """The events to alert now, and what to remember (add the alerted ones to it once
    they are delivered).

    `alerted` None means nothing was ever remembered (a new store, or one from before
    alerts): what the sheet shows then is known already (the first report lists it), so
    it is remembered without an alert rather than announced all at once."""
    if alerted is None:
        return [], frozenset(events.current)
    unseen = [a for ident, a in events.current.items() if ident not in alerted]
    gone = [ident for ident in alerted - events.current.keys() if ident not in events.undecided]
    rekeyed = {a.ident for a in unseen if any(a.rekeyed_from(i, events.keys) for i in gone)}
    fresh = [a for a in unseen if a.ident not in rekeyed]
    fresh.sort(key=lambda a: (URGENCY.index(a.kind), a.key))
    kept = alerted & (events.current.keys() | events.undecided) | rekeyed
    return fresh, frozenset(kept)
