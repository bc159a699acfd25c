"""`sheetsync setup` through the installed console script: what it prints and its exit
codes (0 done or nothing to change, 1 a sheet-level problem, 2 bad config or usage)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.cli.test_exit_codes import GOOD, folder, sheetsync

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:Unknown extension")]


def test_setup_exits_and_prints_as_documented(tmp_path: Path) -> None:
    good = folder(tmp_path, "good", GOOD)  # type: ignore[arg-type]
    book = good / "ugyfelek.xlsx"
    code, out = sheetsync("setup", cwd=good)
    assert code == 1 and "run `sheetsync sync` once" in out  # no status columns yet
    assert sheetsync("sync", cwd=good)[0] == 0
    synced = book.read_bytes()
    code, out = sheetsync("setup", "--dry-run", cwd=good)
    assert code == 0 and "add    values:payment_method" in out and "dry run" in out
    assert book.read_bytes() == synced
    code, out = sheetsync("setup", cwd=good)
    assert code == 0 and "change(s) made" in out
    sheet = openpyxl.load_workbook(book).worksheets[0]
    assert any(dv.promptTitle == "sheetsync" for dv in sheet.data_validations.dataValidation)
    code, out = sheetsync("setup", cwd=good)
    assert (code, out.strip()) == (0, "setup: nothing to change (applied and current)")
    lock = good / "~$ugyfelek.xlsx"
    lock.write_bytes(b"\x08Kiss Anna" + b" " * 40)
    code, out = sheetsync("setup", "--remove", cwd=good)
    assert code == 1 and "setup changed nothing" in out and "open in Excel by Kiss" in out
    lock.unlink()
    code, out = sheetsync("setup", "--remove", cwd=good)
    assert code == 0 and "remove colour:stage-done" in out
    with zipfile.ZipFile(book) as after, zipfile.ZipFile(_bytes(tmp_path, synced)) as before:
        assert {i.filename: after.read(i) for i in after.infolist()} == {
            i.filename: before.read(i) for i in before.infolist()
        }
    bad = tmp_path / "bad.toml"
    bad.write_text('[sheet]\npath = "x.xlsx"\nbakend = "google"\n', encoding="utf-8")
    assert sheetsync("setup", "--config", str(bad), cwd=good)[0] == 2
    code, out = sheetsync("setup", "--remvoe", cwd=good)
    assert code == 2 and "No such option" in out


def test_a_refused_setup_says_to_run_setup_again_not_to_wait_for_a_sync(tmp_path: Path) -> None:
    good = folder(tmp_path, "good", GOOD)  # type: ignore[arg-type]
    book = good / "ugyfelek.xlsx"
    assert sheetsync("sync", cwd=good)[0] == 0
    synced = book.read_bytes()
    lock = good / "~$ugyfelek.xlsx"
    lock.write_bytes(b"\x08Kiss Anna" + b" " * 40)
    code, out = sheetsync("setup", cwd=good)
    assert code == 1 and "run `sheetsync setup` again once it is closed" in out
    assert "next sync" not in out
    lock.unlink()
    book.chmod(0o444)
    try:
        code, out = sheetsync("setup", cwd=good)
    finally:
        book.chmod(0o644)
    assert code == 1 and "make it writable" in out and "run `sheetsync setup` again" in out
    assert "status columns" not in out
    assert book.read_bytes() == synced

    assert sheetsync("setup", cwd=good)[0] == 0
    set_up = book.read_bytes()
    lock.write_bytes(b"\x08Kiss Anna" + b" " * 40)
    code, out = sheetsync("setup", "--remove", cwd=good)
    assert code == 1 and "run `sheetsync setup --remove` again once it is closed" in out
    assert book.read_bytes() == set_up


def _bytes(folder: Path, data: bytes) -> Path:
    path = folder / "synced.xlsx"
    path.write_bytes(data)
    return path
