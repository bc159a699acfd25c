"""Build docs/pipeline-report.html: the pipeline report of eight weeks of fictional work.

One `make demo` sync has no history yet, so this replays one: 36 invented clients
arrive over eight weeks and staff complete their steps with office-hour delays; a
worker syncs the sheet (kept in memory) every office hour into a state store in a
temporary folder, with a fake clock. The report is then made from that store, as
`sheetsync report --html` makes it. Deterministic: the same page every run.

Run: .venv/bin/python examples/build_demo_report.py [OUTPUT]
"""

from __future__ import annotations

import io
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sheetsync.app.application import Application
from sheetsync.core.columns import ColumnHeaders
from sheetsync.domains.offline import OfflineDomainChecker
from sheetsync.notify.console import ConsoleNotifier
from sheetsync.run.worker import Worker
from sheetsync.settings import Settings
from sheetsync.state.sqlite import SqliteStateStore
from sheetsync.testing import FakeClock, InMemorySheet

START = datetime(2026, 10, 5, 6, 0, tzinfo=UTC)  # a Monday, 08:00 in Budapest
END = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # eight weeks later, 16:00
CLIENTS = 36
PASSWORD = "Demo-Jelszo-Nem-Kerul-Ki!"  # in the sheet only: the page never shows it
NAMES = (
    "Almafa Pékség Kft.", "Bodza Virág Bt.", "Cseresznye Kávézó", "Dió Autószerviz Kft.",
    "Eper Fodrászat", "Fenyő Asztalos Bt.", "Gesztenye Könyvelés Kft.", "Hárs Panzió",
    "Ibolya Cukrászda", "Jázmin Szépségszalon", "Kökény Kertészet Kft.", "Levendula Jóga",
    "Mályva Ruhajavító", "Nárcisz Fogászat Kft.", "Orgona Zeneiskola", "Pipacs Virágbolt",
    "Rózsa Étterem Kft.", "Som Szerelő Bt.", "Tulipán Óvoda", "Üröm Gyógyszertár",
    "Vadrózsa Vendégház", "Zsálya Teaház", "Akác Kisbolt", "Berkenye Fotó Stúdió",
    "Cédrus Ácsműhely Kft.", "Dália Divat", "Éger Tüzép Bt.", "Füge Bisztró",
    "Gyöngyvirág Patika", "Hóvirág Takarítás Kft.", "Iszalag Nyomda", "Jegenye Futár",
    "Kamilla Masszázs", "Lonc Lakberendezés", "Menta Ételbár", "Nyír Fakitermelés Kft.",
)  # fmt: skip
# The cells that complete each step, in order (a client's stage is its first step
# not done): e-mail, hosting account, managing account, package and domain, payment,
# domain application.
STEPS: tuple[dict[str, str], ...] = (
    {"email_type": "saját", "email": "info@{slug}.hu"},
    {"hosting_login": "info@{slug}.hu", "hosting_password": PASSWORD},
    {"managing_account": "igen"},
    {"package": "Start", "domain": "{slug}.hu"},
    {"payment_method": "bankkártya", "paid": "igen"},
    {"domain_application": "Sikeres"},
)
# Office hours each step takes staff or the client, at least and at most.
DELAYS = ((1, 6), (2, 10), (1, 8), (3, 16), (4, 30), (2, 14))


def build(output: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            sheet={"path": Path(folder) / "unused.xlsx"},  # type: ignore[arg-type]
            state={"path": Path(folder) / "state.sqlite"},  # type: ignore[arg-type]
            domains={"checker": "offline"},  # type: ignore[arg-type]
            slack={"digest_time": ""},  # type: ignore[arg-type]
        )
        clock = FakeClock(START)
        keys = list(ColumnHeaders().model_dump())
        sheet = InMemorySheet([[ColumnHeaders().model_dump()[k] for k in keys]])
        store = SqliteStateStore(Path(folder) / "state.sqlite")
        told = ConsoleNotifier(io.StringIO())  # reports recorded, so the page has names
        worker = Worker(sheet, OfflineDomainChecker(clock), settings, clock, store, told)
        plan = _plan(settings)
        calendar = settings.office_calendar(START)
        while clock.now <= END:
            if not calendar.office_time(clock.now, clock.now + timedelta(hours=1)):
                clock.advance(hours=1)  # nobody edits the sheet while the office is closed
                continue
            for arrival, name, steps in plan:
                done = sum(1 for at in steps if at <= clock.now)
                if arrival <= clock.now:
                    _show(sheet, keys, name, done)
            worker.run_once()
            clock.advance(hours=1)
        page = Application(settings, clock).pipeline_page()
    output.write_text(page, encoding="utf-8")


def _plan(settings: Settings) -> list[tuple[datetime, str, list[datetime]]]:
    """When each client arrives and finishes each step (office time, seeded)."""
    calendar = settings.office_calendar(START)
    pick = random.Random(17)
    span = (END - START).total_seconds()
    plan = []
    for name in NAMES[:CLIENTS]:
        moment = START + timedelta(seconds=pick.random() * span)
        arrival = at = calendar.reached(moment, timedelta(minutes=1))  # in office hours
        steps = []
        for low, high in DELAYS:
            at = calendar.reached(at, timedelta(hours=pick.uniform(low, high)))
            steps.append(at)
        plan.append((arrival, name, steps))
    return plan


def _show(sheet: InMemorySheet, keys: list[str], name: str, done: int) -> None:
    """The client's row with its first `done` steps filled in."""
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
    cells: dict[str, str] = {"client": name}
    for step in STEPS[:done]:
        cells |= {k: v.format(slug=slug) for k, v in step.items()}
    row = [cells.get(k) for k in keys]
    for i, existing in enumerate(sheet.rows):
        if existing and existing[0] == name:
            sheet.rows[i] = row
            return
    sheet.rows.append(row)


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/pipeline-report.html"))
