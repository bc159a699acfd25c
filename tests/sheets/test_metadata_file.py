"""Spreadsheet metadata persisted beside the state store: a fresh process (cron-style
`sheetsync sync`) costs one request on an unchanged sheet, and stale or broken files
never cost correctness."""

from __future__ import annotations

from pathlib import Path

from sheetsync.app.wiring import sheet_backend
from sheetsync.core.values import CellValue
from sheetsync.settings import Settings
from sheetsync.sheets.google import GoogleSheet
from sheetsync.sheets.metadata_file import FileMetadataCache
from tests.support.google_fake import (
    BATCH_GET,
    GET_META,
    KEY,
    FakeSheetsApi,
    api,
    google_sheet,
    write_key_file,
)
from tests.support.sheet_contract import HEADER

__all__ = ["api"]  # the fixture

ROWS: list[list[CellValue]] = [list(HEADER), ["Alfa", "a@alfa.hu", "alfa.hu", None, "Kész"]]


def test_a_fresh_process_reads_an_unchanged_sheet_with_one_request(
    api: FakeSheetsApi, tmp_path: Path
) -> None:
    api.add_worksheet("Ügyfelek", ROWS)
    path = tmp_path / "state.sqlite.sheets.json"
    google_sheet(api, metadata=FileMetadataCache(path), gid=0).read()
    assert api.counts() == {GET_META: 1, BATCH_GET: 1}
    api.reset_counts()

    later = google_sheet(api, metadata=FileMetadataCache(path), gid=0)  # a new process
    assert later.read().rows[1][0] == "Alfa"
    assert api.counts() == {BATCH_GET: 1}
    assert later.row_url(2) == f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0&range=A2"


def test_a_renamed_worksheet_in_a_stale_file_is_looked_up_again(
    api: FakeSheetsApi, tmp_path: Path
) -> None:
    api.add_worksheet("Ügyfelek", ROWS)
    path = tmp_path / "meta.json"
    google_sheet(api, metadata=FileMetadataCache(path), gid=0).read()
    api.sheet.title = "Ügyfelek 2026"  # a colleague renamed the tab
    api.reset_counts()
    rows = google_sheet(api, metadata=FileMetadataCache(path), gid=0).read().rows
    assert rows[1][0] == "Alfa"
    assert api.count(GET_META) == 1
    assert "Ügyfelek 2026" in path.read_text(encoding="utf-8")


def test_a_tab_re_created_under_its_title_is_saved_with_its_new_id(
    api: FakeSheetsApi, tmp_path: Path
) -> None:
    api.add_worksheet("Ügyfelek", ROWS, gid=7)
    api.sheet.col_count = 19  # widened for the status columns
    path = tmp_path / "meta.json"
    google_sheet(api, metadata=FileMetadataCache(path), worksheet="Ügyfelek").read()
    api.recreate_worksheet("Ügyfelek", gid=8)  # the default grid, 26 columns
    api.reset_counts()

    later = google_sheet(api, metadata=FileMetadataCache(path), worksheet="Ügyfelek")
    later.read()  # a new process: the grid read does not match the file's

    assert api.calls == [BATCH_GET, GET_META]
    assert later.row_url(2) == f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=8&range=A2"
    book = FileMetadataCache(path).get(KEY)
    assert book is not None and [(g.gid, g.cols) for g in book.grids] == [(8, 26)]


def test_an_unreadable_file_is_ignored_and_rewritten(api: FakeSheetsApi, tmp_path: Path) -> None:
    api.add_worksheet("Ügyfelek", ROWS)
    path = tmp_path / "meta.json"
    path.write_text("{not json", encoding="utf-8")
    assert google_sheet(api, metadata=FileMetadataCache(path)).read().rows[1][0] == "Alfa"
    assert api.count(GET_META) == 1
    assert FileMetadataCache(path).get(KEY) is not None


def test_the_worker_wiring_keeps_metadata_beside_the_state_store(tmp_path: Path) -> None:
    settings = Settings(
        sheet={
            "backend": "google",
            "spreadsheet": KEY,
            "credentials_file": write_key_file(tmp_path / "key.json"),
        },
        state={"path": tmp_path / "state.sqlite"},
    )  # type: ignore[arg-type]
    backend = sheet_backend(settings)
    assert isinstance(backend, GoogleSheet)
    cache = backend._metadata
    assert isinstance(cache, FileMetadataCache)
    assert cache.path == tmp_path / "state.sqlite.sheets.json"
