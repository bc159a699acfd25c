"""What a report told the team, and what changed since (pure).

A `ReportSnapshot` is taken from a sync result; the last one sent is stored (as
JSON) so the next summary can say what is new. It holds rendered, secret-free
texts only.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache

from sheetsync.core.model import Code, RowEvaluation
from sheetsync.core.result import SyncResult

# Codes that never trigger a message on their own: an unverified domain comes and goes
# with registry hiccups, and credential changes have their own section.
QUIET_CODES = frozenset({Code.DOMAIN_UNVERIFIED.value, Code.CREDENTIAL_CHANGED.value})
DOMAIN_ALERTS = (  # most urgent first
    Code.DOMAIN_TAKEN.value,
    Code.DOMAIN_NOT_REGISTERED.value,
    Code.DOMAIN_APPLICATION_FAILED.value,
)
OVERDUE = (
    Code.TRANSFER_BOOKING_OVERDUE.value,
    Code.INVOICE_OVERDUE.value,
    Code.CARD_PAYMENT_PENDING.value,
)


@dataclass(frozen=True)
class Problem:
    code: str
    column: str | None
    severity: str
    message: str

    @property
    def ident(self) -> tuple[str, str | None]:
        return (self.code, self.column)


@dataclass(frozen=True)
class ClientSnapshot:
    key: str
    client: str | None
    row: int
    stage: str
    ready: bool  # development can start
    url: str | None = None
    problems: tuple[Problem, ...] = ()
    credentials: tuple[tuple[str, str], ...] = ()  # (column label, ISO time detected)


@dataclass(frozen=True)
class ReportSnapshot:
    sheet: str
    at: datetime
    clients: Mapping[str, ClientSnapshot] = field(default_factory=dict)
    # The pass's run-level notices, rendered. Shown in every summary while they hold,
    # but never a reason to send one (an outage comes and goes, like an unverified row).
    notices: tuple[str, ...] = ()

    def by_stage(self) -> Counter[str]:
        return Counter(c.stage for c in self.clients.values())

    def to_json(self) -> str:
        clients = [asdict(c) for c in self.clients.values()]
        return json.dumps(
            {
                "sheet": self.sheet,
                "at": self.at.isoformat(),
                "clients": clients,
                "notices": list(self.notices),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> ReportSnapshot:
        data = json.loads(text)
        clients = {}
        for c in data["clients"]:
            c["problems"] = tuple(Problem(**p) for p in c["problems"])
            c["credentials"] = tuple(tuple(pair) for pair in c["credentials"])
            clients[c["key"]] = ClientSnapshot(**c)
        notices = tuple(data.get("notices", ()))  # absent in reports of older versions
        return cls(data["sheet"], datetime.fromisoformat(data["at"]), clients, notices)


@lru_cache(maxsize=2)
def read_report(text: str) -> ReportSnapshot:
    """The stored last report, parsed once however often it is asked for: the state
    store checks it reads back when loading, the pass then compares against it (a
    report of 10,000 clients is megabytes). Nobody changes a snapshot."""
    return ReportSnapshot.from_json(text)


def snapshot_of(result: SyncResult) -> ReportSnapshot:
    """The report's view of `result`."""
    clients: dict[str, ClientSnapshot] = {}
    for e in result.evaluations:
        key = e.row.key or f"row:{e.row.row}"  # nameless rows are known by position only
        changed = result.credential_changes.get(e.row.key or "", ())
        clients[key] = _client(key, e, result.row_urls.get(e.row.row), changed, result)
    notices = tuple(result.texts.notice(n) for n in result.notices)
    return ReportSnapshot(result.sheet, result.finished_at, clients, notices)


def _client(
    key: str,
    e: RowEvaluation,
    url: str | None,
    changed: Sequence[tuple[str, datetime]],
    result: SyncResult,
) -> ClientSnapshot:
    texts, labels = result.texts, result.layout.labels
    problems = tuple(
        Problem(f.code.value, f.column, f.severity.value, texts.finding(f, labels))
        for f in e.findings
        if f.code != Code.CREDENTIAL_CHANGED
    )
    return ClientSnapshot(
        key=key,
        client=e.row.client,
        row=e.row.row,
        stage=e.stage.value,
        ready=e.development_can_start,
        url=url,
        problems=problems,
        credentials=tuple(
            (labels.get(col, col), when.isoformat(timespec="seconds")) for col, when in changed
        ),
    )


Pair = tuple[ClientSnapshot, Problem]


@dataclass(frozen=True)
class Changes:
    """What is new in `current` compared with the last report sent."""

    new_clients: tuple[ClientSnapshot, ...] = ()
    new_problems: tuple[Pair, ...] = ()
    resolved: tuple[Pair, ...] = ()
    moved: tuple[tuple[ClientSnapshot, str], ...] = ()  # (client now, stage before)
    ready: tuple[ClientSnapshot, ...] = ()
    credentials: tuple[tuple[ClientSnapshot, str, str], ...] = ()  # (client, column, when)

    @property
    def empty(self) -> bool:
        return not (
            self.new_clients
            or self.new_problems
            or self.resolved
            or self.moved
            or self.ready
            or self.credentials
        )


def diff(previous: ReportSnapshot, current: ReportSnapshot) -> Changes:
    new_clients, new_problems, resolved, moved, ready, credentials = [], [], [], [], [], []
    for key, now in current.clients.items():
        before = previous.clients.get(key)
        if before == now:
            continue  # an unchanged client has nothing to report
        old = {p.ident for p in before.problems} if before else set()
        new_problems += [(now, p) for p in now.problems if p.ident not in old]
        if before is None:
            new_clients.append(now)
        else:
            current_ids = {p.ident for p in now.problems}
            resolved += [(now, p) for p in before.problems if p.ident not in current_ids]
            if before.stage != now.stage:
                moved.append((now, before.stage))
        if now.ready and not (before and before.ready):
            ready.append(now)
        seen = set(before.credentials) if before else set()
        credentials += [(now, col, at) for col, at in now.credentials if (col, at) not in seen]
    return Changes(
        new_clients=tuple(new_clients),
        new_problems=tuple(_loud(new_problems)),
        resolved=tuple(_loud(resolved)),
        moved=tuple(moved),
        ready=tuple(ready),
        credentials=tuple(credentials),
    )


def _loud(pairs: Sequence[Pair]) -> list[Pair]:
    return [(c, p) for c, p in pairs if p.code not in QUIET_CODES]
