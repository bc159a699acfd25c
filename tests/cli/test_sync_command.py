"""The command line: exit codes, outputs, and that it writes only when it should."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from sheetsync.cli import render
from sheetsync.cli.main import main
from tests.support.builders import CANARY, DONE, client, sheet_rows
from tests.support.workbooks import read_workbook, write_config, write_workbook

CARD_UNPAID = client(DONE, paid=None, domain_application=None, client="Béta Bt.", domain="beta.hu")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    book = write_workbook(tmp_path / "ugyfelek.xlsx", sheet_rows(DONE, CARD_UNPAID))
    return write_config(tmp_path, book)


def test_sync_prints_a_summary_and_updates_the_workbook(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "5. Fizetés" in out and "Kész" in out
    assert "Az ügyfél indítsa el a bankkártyás fizetést" in out
    rows = read_workbook(config.parent / "ugyfelek.xlsx")
    assert rows[0][-5:] == ["Állapot", "Következő lépés", "Problémák", "Domain ellenőrzés",
                            "Állapot változott"]  # fmt: skip
    assert rows[2][-5] == "5. Fizetés"


def test_second_sync_writes_zero_cells(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["sync", "--config", str(config)])
    capsys.readouterr()
    assert main(["sync", "--config", str(config), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["cells_written"] == 0


def test_dry_run_leaves_the_file_untouched(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = config.parent / "ugyfelek.xlsx"
    before = book.read_bytes()
    assert main(["sync", "--config", str(config), "--dry-run", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert book.read_bytes() == before
    assert report["dry_run"] is True and report["cells_written"] == 0
    assert report["cells_planned"] > 0


def test_json_report_follows_the_contract(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["sync", "--config", str(config), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"sheet", "started_at", "finished_at", "dry_run", "rows", "counts",
                           "cells_written"}  # fmt: skip
    first, second = report["rows"]
    assert first["row"] == 2 and first["client"] == "Kovács Pékség Kft."
    assert first["stage"] == "done" and first["development_can_start"] is True
    assert second["stage"] == "payment"
    # Checks are off (checker = "offline"): no per-row warning, one notice for the pass.
    assert second["findings"] == []
    assert second["domain"]["ascii"] == "beta.hu" and second["domain"]["verdict"] == "unknown"
    assert second["domain"]["doubt"] == "checks-off"
    assert report["notices"] == [
        {
            "code": "domain-checks-unavailable",
            "message": "A domain ellenőrzés ki van kapcsolva. 2 domain állapota „ismeretlen”.",
            "servers": [],
            "tlds": ["hu"],
            "checks_off": True,
            "domains": 2,
        }
    ]
    assert report["counts"]["rows"] == 2
    assert report["counts"]["by_stage"] == {"payment": 1, "done": 1}
    assert report["counts"]["by_severity"] == {}


def test_missing_client_column_exits_1_with_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_workbook(tmp_path / "ugyfelek.xlsx", [["Ügyfél név", "Domain"], ["A", "a.hu"]])
    before = book.read_bytes()
    assert main(["sync", "--config", str(write_config(tmp_path, book))]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'Ügyfél név'" in err
    assert book.read_bytes() == before


def test_unreadable_workbook_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "ugyfelek.xlsx"
    book.write_text("not a zip")
    assert main(["sync", "--config", str(write_config(tmp_path, book))]) == 1
    err = capsys.readouterr().err
    assert "is not a readable .xlsx workbook: it is not a zip file" in err
    assert "BadZipFile" not in err


def test_an_empty_workbook_file_or_sheet_is_called_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "ugyfelek.xlsx"
    book.write_bytes(b"")
    assert main(["sync", "--config", str(write_config(tmp_path, book))]) == 1
    err = capsys.readouterr().err
    assert f"{book} is empty (0 bytes), not an .xlsx workbook" in err and "BadZip" not in err

    empty = write_workbook(tmp_path / "ures.xlsx", [])
    assert main(["sync", "--config", str(write_config(tmp_path, empty))]) == 1
    err = capsys.readouterr().err
    assert "the sheet is empty: sheetsync expects a header row" in err
    assert "client-name column is required" not in err


def test_bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('locale = "fr"\n')
    assert main(["sync", "--config", str(config)]) == 2
    assert "locale" in capsys.readouterr().err
    assert main(["sync", "--format", "xml"]) == 2


def test_english_by_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_workbook(tmp_path / "ugyfelek.xlsx", sheet_rows(CARD_UNPAID))
    config = write_config(tmp_path, book, extra="")
    config.write_text('locale = "en"\n' + config.read_text())
    main(["sync", "--config", str(config)])
    assert "The client starts the card payment" in capsys.readouterr().out
    assert read_workbook(book)[1][-5] == "5. Payment"


def test_no_secret_leaves_the_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A canary password in every secret column appears in no output, log or status cell."""
    created = client(
        DONE, client="Canary Kft.", email_type="létrehozott", email="rossz.minta@gmail.com",
        email_password=CANARY, hosting_password=CANARY, domain="canary.hu",
    )  # fmt: skip
    broken = client(created, client="Canary 2", hosting_login=None, paid="tegnap", domain="x y")
    book = write_workbook(tmp_path / "ugyfelek.xlsx", sheet_rows(created, broken))
    config = write_config(tmp_path, book)
    caplog.set_level(logging.DEBUG)
    outputs = []
    for args in (["-vv", "sync"], ["sync", "--format", "json"], ["sync", "--dry-run"]):
        assert main([*args, "--config", str(config)]) == 0
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]
    outputs.append(caplog.text)
    rows = read_workbook(book)
    status_cells = [str(v) for row in rows for v in row[-5:]]
    assert CANARY in str(rows)  # the sheet still holds it…
    for text in [*outputs, *status_cells]:  # …nothing else does
        assert CANARY not in text


def test_sync_without_a_state_store_prints_a_first_report_after_the_table_every_time(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pass runs through the worker with a store in memory: its summary is printed
    (there is no memory, so each one-shot sync is a first report) and nothing but the
    sheet is written: no state store, key, lock or metadata file."""
    for written in ("cella írva", "0 cella írva"):
        assert main(["sync", "--config", str(config)]) == 0
        out = capsys.readouterr().out
        table, _, report = out.partition("Első jelentés")
        assert written in table and "Szakaszok (2 ügyfél)" in report
    assert sorted(p.name for p in config.parent.iterdir()) == ["sheetsync.toml", "ugyfelek.xlsx"]
    json_out = main(["sync", "--config", str(config), "--format", "json"])
    assert json_out == 0 and "Első jelentés" not in capsys.readouterr().out


def test_the_table_shows_the_most_urgent_rows_and_counts_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of rows in a terminal help nobody (20,000 took 19 s to draw): the
    table stops at the cap, errors first, and says how many more there are."""
    waiting = [client(CARD_UNPAID, client=f"Ügyfél {i:03}", domain=f"u{i}.hu") for i in range(6)]
    broken = client(CARD_UNPAID, client="Hibás Kft.", domain="hibás domain")
    book = write_workbook(tmp_path / "ugyfelek.xlsx", sheet_rows(*waiting, broken))
    config = write_config(tmp_path, book)
    monkeypatch.setattr(render, "SHOWN_ROWS", 3)
    assert main(["sync", "--config", str(config), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Hibás Kft." in out, "the row with an error comes first"
    assert sum(f"Ügyfél {i:03}" in out for i in range(6)) == 2
    assert "… 4 további sor vár teendőre; mindet a --format json listázza" in out
