"""`sheetsync doctor` driven through the CLI against the Sheets fake and local files."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from sheetsync.cli.main import cli
from tests.support.google_fake import (
    ACCOUNT,
    KEY,
    VALUES_UPDATE,
    FakeSheetsApi,
    api,
    write_key_file,
)

__all__ = ["api"]

HEADERS = ["Ügyfél neve", "Email cim", "Domain", "Fizetés módja", "Telefon", "Állapot"]


def _google_config(tmp_path: Path, key_file: str = "key.json") -> Path:
    config = tmp_path / "sheetsync.toml"
    config.write_text(
        f'[sheet]\nbackend = "google"\nspreadsheet = "{KEY}"\ncredentials_file = "{key_file}"\n',
        encoding="utf-8",
    )
    return config


def _doctor(config: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["doctor", "--config", str(config)])
    return result.exit_code, result.output


def test_doctor_reports_access_headers_and_close_matches(
    api: FakeSheetsApi, tmp_path: Path
) -> None:
    api.add_worksheet("Ügyfelek", [HEADERS, ["Alfa Kft.", "a@alfa.hu", "alfa.hu"]])
    write_key_file(tmp_path / "key.json")
    code, out = _doctor(_google_config(tmp_path))
    assert code == 0, out
    assert out.startswith("✓ versions: sheetsync 0.1.0, Python 3.")
    assert f"gspread {metadata.version('gspread')}" in out.splitlines()[0]
    assert f"✓ credentials: {ACCOUNT}" in out
    assert "✓ access: read 2 rows" in out
    assert "column B is headed 'Email cim'" in out
    assert "set columns.email = 'Email cim'" in out
    assert "column D is headed 'Fizetés módja'" in out
    assert "the first sync appends 'Következő lépés'" in out
    assert f"share the sheet with {ACCOUNT} as Editor" in out
    assert api.count(VALUES_UPDATE) == 0  # doctor never writes


def test_doctor_says_whom_to_share_with_when_access_is_refused(
    api: FakeSheetsApi, tmp_path: Path
) -> None:
    api.add_worksheet("Ügyfelek", [HEADERS])
    api.shared = False
    write_key_file(tmp_path / "key.json")
    code, out = _doctor(_google_config(tmp_path))
    assert code == 1
    assert "✗ access:" in out and f"share the sheet with {ACCOUNT} as Editor" in out


def test_doctor_names_a_missing_key_file(api: FakeSheetsApi, tmp_path: Path) -> None:
    code, out = _doctor(_google_config(tmp_path, "missing.json"))
    assert code == 1
    assert "✗ credentials:" in out and "missing.json" in out and "does not exist" in out
    assert api.count() == 0


def test_doctor_checks_a_workbook_too(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Ügyfél nev", "E-mail cím"])
    book.save(tmp_path / "ugyfelek.xlsx")
    config = tmp_path / "sheetsync.toml"
    config.write_text('[sheet]\npath = "ugyfelek.xlsx"\n', encoding="utf-8")
    code, out = _doctor(config)
    assert code == 1
    assert "✗ headers:" in out and "did you mean 'Ügyfél nev'" in out

    config.write_text('[sheet]\npath = "nincs.xlsx"\n', encoding="utf-8")
    code, out = _doctor(config)
    assert code == 1 and "nincs.xlsx does not exist" in out
