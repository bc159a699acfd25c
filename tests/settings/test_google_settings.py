"""Google settings: validation, spreadsheet key/URL/gid parsing, and wiring from a config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheetsync.app.wiring import sheet_backend
from sheetsync.errors import ConfigError
from sheetsync.settings import Settings, load_settings, spreadsheet_key
from sheetsync.sheets.google import GoogleSheet
from tests.support.google_fake import ACCOUNT, KEY, write_key_file

URL = f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=42"


def _load(tmp_path: Path, sheet: str, env: dict[str, str] | None = None) -> Settings:
    path = tmp_path / "sheetsync.toml"
    path.write_text(f"[sheet]\n{sheet}\n", encoding="utf-8")
    return load_settings(path, env=env or {})


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (KEY, KEY),
        (URL, KEY),
        (f"https://docs.google.com/spreadsheets/d/{KEY}", KEY),
        ("ugyfelek.xlsx", None),
        ("https://example.com/spreadsheets/d/" + KEY, None),
    ],
)
def test_the_spreadsheet_is_given_by_key_or_url(text: str, key: str | None) -> None:
    assert spreadsheet_key(text) == key


def test_the_google_backend_needs_a_spreadsheet(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sheet\.spreadsheet .* is required"):
        _load(tmp_path, 'backend = "google"')


def test_a_garbled_spreadsheet_or_both_worksheet_and_gid_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="neither a spreadsheet key nor"):
        _load(tmp_path, 'backend = "google"\nspreadsheet = "my sheet"')
    with pytest.raises(ConfigError, match="not both"):
        _load(tmp_path, f'backend = "google"\nspreadsheet = "{KEY}"\nworksheet = "A"\ngid = 1')


def test_the_gid_in_a_pasted_url_picks_the_worksheet_unless_one_is_named(tmp_path: Path) -> None:
    assert _load(tmp_path, f'backend = "google"\nspreadsheet = "{URL}"').sheet.worksheet_gid == 42
    named = _load(tmp_path, f'backend = "google"\nspreadsheet = "{URL}"\nworksheet = "Ügyfelek"')
    assert named.sheet.worksheet_gid is None


def test_existing_workbook_configs_keep_their_defaults(tmp_path: Path) -> None:
    settings = _load(tmp_path, 'path = "ugyfelek.xlsx"')
    assert settings.sheet.backend == "workbook"
    assert settings.sheet.timeout_seconds == 30 and settings.sheet.max_attempts == 5


def test_wiring_builds_the_google_sheet_from_the_config(tmp_path: Path) -> None:
    write_key_file(tmp_path / "key.json")
    settings = _load(
        tmp_path,
        f'backend = "google"\nspreadsheet = "{URL}"\ncredentials_file = "key.json"\n'
        "timeout_seconds = 9\nmax_attempts = 3",
        env={"SHEETSYNC_SHEET__MAX_RETRY_SECONDS": "45"},
    )
    backend = sheet_backend(settings)
    assert isinstance(backend, GoogleSheet)
    assert (backend.key, backend.gid, backend.account) == (KEY, 42, ACCOUNT)
    assert backend._http.timeout == 9
    assert (backend._retry.max_attempts, backend._retry.max_total) == (3, 45)
