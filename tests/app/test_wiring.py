"""The composition root builds each adapter with what it needs; no module global is shared."""

from __future__ import annotations

from pathlib import Path

from sheetsync.app.wiring import sheet_backend
from sheetsync.core.values import CellValue
from sheetsync.settings import Settings
from sheetsync.sheets.google import GoogleSheet, MetadataCache
from tests.support.google_fake import GET_META, KEY, FakeSheetsApi, api, write_key_file
from tests.support.sheet_contract import HEADER

__all__ = ["api"]  # the fixture

ROWS: list[list[CellValue]] = [list(HEADER), ["Alfa", "a@alfa.hu", "alfa.hu", None, "Kész"]]


def test_without_a_state_store_each_wired_sheet_gets_its_own_cache_and_session(
    api: FakeSheetsApi, tmp_path: Path
) -> None:
    settings = Settings(
        sheet={
            "backend": "google",
            "spreadsheet": KEY,
            "credentials_file": write_key_file(tmp_path / "key.json"),
        },
    )  # type: ignore[arg-type]
    api.add_worksheet("Ügyfelek", ROWS)
    first, second = sheet_backend(settings), sheet_backend(settings)
    assert isinstance(first, GoogleSheet) and isinstance(second, GoogleSheet)
    assert type(first._metadata) is MetadataCache
    assert first._metadata is not second._metadata
    assert first._http.session is not second._http.session
    first.read()
    second.read()
    assert api.count(GET_META) == 2  # nothing shared through a module global
