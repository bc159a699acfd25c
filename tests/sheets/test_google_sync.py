"""A whole sync pass against the Sheets fake, with the default Hungarian headers."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sheetsync.core.model import Verdict
from sheetsync.core.report import to_json
from sheetsync.run.sync import run_sync
from sheetsync.settings import Settings, load_settings
from sheetsync.sheets.google import MetadataCache
from sheetsync.testing import FakeClock, InMemoryDomainChecker
from tests.support.google_fake import (
    BATCH_GET,
    KEY,
    STRUCTURE_UPDATE,
    VALUES_UPDATE,
    FakeSheetsApi,
    api,
    google_sheet,
)

__all__ = ["api"]

CANARY = "Titok-Jelszo-9931"
HEADERS = [
    "Ügyfél neve", "E-mail típusa", "E-mail cím", "E-mail jelszó", "Tárhely.eu felhasználó",
    "Tárhely.eu jelszó", "Kezelő fiók", "Csomag", "Domain", "Fizetési mód", "Fizetve",
    "Rendelés élő", "Domain igénylés", "Telefon",
]  # fmt: skip
ROWS = [
    HEADERS,
    ["Kovács Pékség Kft.", "létrehozott", "kovacspekseg.marketing@gmail.com", CANARY,
     "kovacspekseg.marketing@gmail.com", CANARY, True, "Start", "kovacspekseg.hu",
     "bankkártya", 46350.5, "", "", "0036301234567"],
    ["Szabó Virág", "saját", "virag@szabo.hu"],
    [],
    ["", "", "", "", "", "", "", "", "", "", "", "", "", "+36 1 234 5678"],
]  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    config = tmp_path / "sheetsync.toml"
    config.write_text(f'[sheet]\nbackend = "google"\nspreadsheet = "{KEY}"\n', encoding="utf-8")
    return load_settings(config, env={})


def test_a_sync_annotates_the_google_sheet_then_costs_one_request(
    api: FakeSheetsApi, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.add_worksheet("Ügyfelek", ROWS, cols=len(HEADERS))
    cache = MetadataCache()
    clock = FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    checker = InMemoryDomainChecker({"kovacspekseg.hu": Verdict.REGISTERED})

    result = run_sync(google_sheet(api, metadata=cache), checker, settings, clock)

    header = api.sheet.cells[0]
    assert header[len(HEADERS) :] == [
        "Állapot", "Következő lépés", "Problémák", "Domain ellenőrzés", "Állapot változott",
    ]  # fmt: skip
    stage = header.index("Állapot")
    assert api.sheet.get(2, stage) and api.sheet.get(3, stage)
    assert api.sheet.get(4, stage) is None  # the empty row stays empty
    assert api.sheet.get(5, stage)  # a row with data but no client still gets its status
    assert api.sheet.get(2, 13) == "0036301234567"
    assert result.outcome.cells_written > 0
    assert api.count(STRUCTURE_UPDATE) == 1 and api.count(VALUES_UPDATE) == 1
    assert result.row_urls[2].endswith("#gid=0&range=A2")

    report = json.dumps(to_json(result), ensure_ascii=False)
    written = json.dumps(api.sheet.cells[0:], ensure_ascii=False, default=str)
    assert CANARY not in report
    assert written.count(CANARY) == 2  # only the two password cells staff typed
    assert CANARY not in caplog.text

    api.reset_counts()
    clock.advance(minutes=5)
    again = run_sync(google_sheet(api, metadata=cache), checker, settings, clock)
    assert again.outcome.cells_written == 0
    assert api.calls == [BATCH_GET]
