"""`sheetsync doctor` driven through the CLI against the Sheets fake and local files."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetsync.cli.main import cli, main
from tests.support.domain_servers import refused_port
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


# -- the real cause of a failed read, each with its own fix -------------------------------


def failed_check(out: str) -> tuple[str, str]:
    """The failing check's line and its fix line."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("✗ "))
    return lines[at], lines[at + 1] if at + 1 < len(lines) else ""


@pytest.mark.parametrize(
    ("arrange", "check", "fix"),
    [
        (lambda api: setattr(api, "shared", False), "✗ access:", f"share the sheet with {ACCOUNT}"),
        (
            lambda api: setattr(api, "sheets_api_enabled", False),
            "✗ api: the Google Sheets API is not enabled",
            "enable the Google Sheets API",
        ),
        (
            lambda api: setattr(api, "token_error", "invalid_grant"),
            "✗ credentials: Google refused an access token",
            "create a new JSON key",
        ),
        (
            lambda api: setattr(api, "key", "1SomeOtherSpreadsheetKey_0123456789ab"),
            "✗ spreadsheet:",
            "check sheet.spreadsheet",
        ),
        (
            lambda api: api.fail(None, 503, times=99),
            "✗ google:",
            "wait a few minutes",
        ),
    ],
    ids=["not-shared", "api-disabled", "bad-key", "not-found", "google-down"],
)
def test_doctor_names_the_real_cause_of_a_failed_read_and_its_fix(
    api: FakeSheetsApi,
    tmp_path: Path,
    arrange: Callable[[FakeSheetsApi], None],
    check: str,
    fix: str,
) -> None:
    api.add_worksheet("Ügyfelek", [HEADERS])
    arrange(api)
    write_key_file(tmp_path / "key.json")
    code, out = _doctor(_google_config(tmp_path))
    line, fix_line = failed_check(out)
    assert code == 1
    assert line.startswith(check) and fix in fix_line, out
    if "share" not in fix:
        assert "share the sheet" not in out, "sharing is not the cause"


def test_doctor_says_the_network_when_google_cannot_be_reached_without_library_noise(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused connection to the token endpoint (over https, as the real one): the
    fix is the network, not sharing; urllib3's own retry warnings stay out of the log."""
    refused = f"https://127.0.0.1:{refused_port()}/token"
    write_key_file(tmp_path / "key.json", token_uri=refused)
    caplog.set_level(logging.DEBUG, logger="urllib3")
    assert main(["doctor", "--config", str(_google_config(tmp_path))]) == 1
    out = capsys.readouterr().out
    line, fix_line = failed_check(out)
    assert line.startswith("✗ network: Google Sheets") and "token endpoint unreachable" in line
    assert "cannot reach Google" in fix_line and "share the sheet" not in out
    assert not [r for r in caplog.records if r.name.startswith("urllib3")], "no urllib3 lines"
