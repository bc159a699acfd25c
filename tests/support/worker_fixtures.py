"""Shared builders for the worker tests: a sheet of clients, settings, a wired worker."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sheetsync.core.model import Code, DomainName, DomainVerdict, Doubt, Verdict
from sheetsync.core.values import CellValue
from sheetsync.domains.port import DomainChecker
from sheetsync.run.worker import PassOutcome, Worker
from sheetsync.settings import Settings, SlackSettings, Thresholds
from sheetsync.state.port import StateStore
from sheetsync.testing import FakeClock, InMemoryDomainChecker, InMemorySheet, RecordingNotifier

CANARY = "Kanári-Jelszó-9f3b!"
HEADERS = [
    "Ügyfél neve",
    "E-mail típusa",
    "E-mail cím",
    "E-mail jelszó",
    "Tárhely.eu felhasználó",
    "Tárhely.eu jelszó",
    "Kezelő fiók",
    "Csomag",
    "Domain",
    "Fizetési mód",
    "Számla elküldve",
    "Fizetve",
    "Rendelés élő",
    "Domain igénylés",
]
KEYS = [
    "client",
    "email_type",
    "email",
    "email_password",
    "hosting_login",
    "hosting_password",
    "managing_account",
    "package",
    "domain",
    "payment_method",
    "invoice_sent",
    "paid",
    "order_live",
    "domain_application",
]
MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Budapest


def client(name: str, **cells: CellValue) -> list[CellValue]:
    """A client at the payment step unless `cells` say otherwise."""
    slug = name.lower().replace(" ", "")
    values: dict[str, CellValue] = {
        "client": name,
        "email_type": "saját",
        "email": f"info@{slug}.hu",
        "hosting_login": f"info@{slug}.hu",
        "hosting_password": CANARY,
        "managing_account": "igen",
        "package": "Start",
        "domain": f"{slug}.hu",
    }
    values.update(cells)
    return [values.get(key) for key in KEYS]


def sheet(*rows: list[CellValue]) -> InMemorySheet:
    return InMemorySheet([HEADERS, *rows])


def settings(**overrides: Any) -> Settings:
    # Summaries at once (0-minute window); tests of the window set their own.
    base: dict[str, Any] = {
        "slack": SlackSettings(digest_time=None, summary_window_minutes=0),
        "thresholds": Thresholds(),
    }
    base.update(overrides)
    return Settings(**base)


def domains(table: Mapping[str, Verdict] | None = None) -> InMemoryDomainChecker:
    return InMemoryDomainChecker(table or {})


class OutageChecker:
    """Every registry out of reach: each name `unknown`, unreachable, naming its server
    (`whois.nic.hu` for .hu, `rdap.<tld>` otherwise). Set `down` False to bring them back:
    then `table` answers, as `domains()` does."""

    def __init__(self, table: Mapping[str, Verdict] | None = None) -> None:
        self.down = True
        self.answering = InMemoryDomainChecker(table or {})

    def check(self, names: Sequence[DomainName]) -> Mapping[str, DomainVerdict]:
        if not self.down:
            return self.answering.check(names)
        return {d.ascii: _unreachable(d.tld) for d in names}


def _unreachable(tld: str) -> DomainVerdict:
    server = "whois.nic.hu" if tld == "hu" else f"rdap.{tld}"
    reason = "WHOIS server unreachable (ConnectionRefusedError)"
    return DomainVerdict(
        Verdict.UNKNOWN, "whois", None, reason, {"server": server}, Doubt.UNREACHABLE
    )


class Rig:
    """A worker on fakes; `restart()` builds a new Worker over the same store and sheet."""

    def __init__(
        self,
        store: StateStore,
        the_sheet: InMemorySheet,
        config: Settings | None = None,
        checker: DomainChecker | None = None,
        clock: FakeClock | None = None,
    ) -> None:
        self.store = store
        self.sheet = the_sheet
        self.settings = config or settings()
        self.checker = checker or domains()
        self.clock = clock or FakeClock(MONDAY_9)
        self.notifier = RecordingNotifier()
        self.worker = self._build()

    def _build(self) -> Worker:
        return Worker(
            self.sheet, self.checker, self.settings, self.clock, self.store, self.notifier
        )

    def restart(self, store: StateStore) -> None:
        self.store = store
        self.worker = self._build()

    def run(self, **kwargs: Any) -> PassOutcome:
        return self.worker.run_once(**kwargs)


def codes(outcome: PassOutcome, name: str) -> set[Code]:
    assert outcome.result is not None
    row = next(e for e in outcome.result.evaluations if e.row.client == name)
    return {f.code for f in row.findings}


def cell(the_sheet: InMemorySheet, name: str, header: str) -> CellValue:
    row = next(i for i, r in enumerate(the_sheet.rows, start=1) if r and r[0] == name)
    return the_sheet.get(row, the_sheet.column(header))
