"""Build client sheets for tests in the agency's own column language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sheetsync.core.calendar import OfficeCalendar
from sheetsync.core.layout import locate
from sheetsync.core.model import DomainVerdict, RowEvaluation, Verdict
from sheetsync.core.rows import hmac_fingerprinter, parse_rows
from sheetsync.core.rules import Context, evaluate
from sheetsync.core.values import CellValue
from sheetsync.settings import ColumnHeaders, Settings, StatusHeaders, Thresholds

BUD = ZoneInfo("Europe/Budapest")
# Every threshold counted in wall-clock time (the office calendar then plays no part).
CALENDAR_TIME = Thresholds(
    invoice_overdue_unit="calendar", booking_overdue_unit="calendar", card_pending_unit="calendar"
)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=BUD)
HEADERS = ColumnHeaders()
KEYS = list(HEADERS.model_dump())
CANARY = "Canary-Pw-7f3a9!"  # a password that must never leave the sheet

# A client who has finished every step.
DONE: dict[str, CellValue] = {
    "client": "Kovács Pékség Kft.",
    "email_type": "saját",
    "email": "info@kovacspekseg.hu",
    "hosting_login": "info@kovacspekseg.hu",
    "hosting_password": CANARY,
    "managing_account": "igen",
    "package": "Start",
    "domain": "kovacspekseg.hu",
    "payment_method": "bankkártya",
    "paid": "2026.11.10",
    "domain_application": "Sikeres",
}


def client(
    base: Mapping[str, CellValue] | None = None, **fields: CellValue
) -> dict[str, CellValue]:
    """A client row by column key; `None` clears a field of `base`."""
    row = dict(base or {})
    row.update(fields)
    return {k: v for k, v in row.items() if v is not None}


def sheet_rows(*clients: Mapping[str, CellValue], extra: list[str] = ()) -> list[list[CellValue]]:  # type: ignore[assignment]
    """Header row (default Hungarian headers, plus `extra` headers) and one row per client;
    an empty mapping is a blank row."""
    header: list[CellValue] = [HEADERS.model_dump()[k] for k in KEYS] + list(extra)
    return [header] + [[c.get(k) for k in KEYS] for c in clients]


def evaluate_clients(
    *clients: Mapping[str, CellValue],
    verdicts: Mapping[str, Verdict | DomainVerdict] | None = None,
    now: datetime = NOW,
    first_seen: Mapping[tuple[str, str], datetime] | None = None,
    thresholds: Thresholds | None = None,
    calendar: OfficeCalendar | None = None,
) -> list[RowEvaluation]:
    rows = sheet_rows(*clients)
    layout = locate(rows, HEADERS, StatusHeaders())
    parsed = parse_rows(rows, layout, BUD, hmac_fingerprinter(b"test-key"))
    context = Context(
        now=now,
        thresholds=thresholds or Thresholds(),
        verdicts={
            k: v if isinstance(v, DomainVerdict) else DomainVerdict(v, "fake")
            for k, v in (verdicts or {}).items()
        },
        first_seen=first_seen or {},
        calendar=calendar or OfficeCalendar(BUD),
    )
    return evaluate(parsed, context)


def evaluate_client(**kwargs: object) -> RowEvaluation:
    fields = {k: v for k, v in kwargs.items() if k in KEYS}
    options = {k: v for k, v in kwargs.items() if k not in KEYS}
    base = options.pop("base", DONE)
    return evaluate_clients(client(base, **fields), **options)[0]  # type: ignore[arg-type]


def codes(evaluation: RowEvaluation) -> list[str]:
    return sorted(f.code.value for f in evaluation.findings)


def settings(path: str = "unused.xlsx", **overrides: object) -> Settings:
    return Settings(sheet={"path": path}, **overrides)  # type: ignore[arg-type]
