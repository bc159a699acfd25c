"""The workbook file is replaced only while it is ours to replace, and a save in progress
is "being saved, try again": read-only files, Excel and LibreOffice lock files, a save by
a colleague during the pass, a half-saved file, an unwritable folder. Each shows what is
kept and the one line a user sees, through the backend and the installed command."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from sheetsync.errors import SheetAccessError, TransientSheetError
from sheetsync.sheets import workbook_file
from sheetsync.sheets.workbook import READ_ATTEMPTS, WorkbookSheet
from tests.support.sheet_contract import ROWS, plan_for
from tests.support.workbooks import read_workbook, write_config, write_workbook
from tests.support.worker_fixtures import HEADERS, client

SCRIPT = Path(sys.executable).with_name("sheetsync")
CLIENTS = [HEADERS, client("Alfa Pékség"), client("Béta Virág")]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "ugyfelek.xlsx", [list(r) for r in ROWS])


def a_plan() -> object:
    return plan_for(ROWS, {2: [(4, "Kész")], 5: [(4, "Új")]})


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEETSYNC_")}
    return subprocess.run(
        [str(SCRIPT), "sync", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "COLUMNS": "200"},
    )


def said(done: subprocess.CompletedProcess[str]) -> list[str]:
    """The command's own lines on stderr (the log lines are JSON)."""
    return [line for line in done.stderr.splitlines() if line.startswith("sheetsync:")]


def excel_lock(folder: Path, name: str, user: str) -> Path:
    """Excel's owner file: a length byte and the user name, padded to 165 bytes."""
    raw = user.encode("cp1252")
    lock = folder / f"~${name}"
    lock.write_bytes((bytes([len(raw)]) + raw).ljust(165, b" "))
    return lock


def libreoffice_lock(folder: Path, name: str) -> Path:
    lock = folder / f".~lock.{name}#"
    line = ",Nagy Béla,irodagep,30.11.2026 09:12,file:///home/nagy/.config/libreoffice/4;"
    lock.write_text(line, encoding="utf-8")
    return lock


def test_a_read_only_workbook_is_never_replaced_and_the_write_waits(book: Path) -> None:
    book.chmod(0o444)
    before = book.read_bytes()
    outcome = WorkbookSheet(book).write(a_plan())  # type: ignore[arg-type]

    assert outcome.deferred and outcome.cells_written == 0
    assert outcome.rows_skipped == (2, 5)
    assert outcome.note is not None and "read-only (mode 0444)" in outcome.note
    assert "chmod u+w" in outcome.note and "\n" not in outcome.note
    assert book.read_bytes() == before and stat.S_IMODE(book.stat().st_mode) == 0o444

    book.chmod(0o644)  # the next pass writes
    assert WorkbookSheet(book).write(a_plan()).cells_written == 2  # type: ignore[arg-type]


@pytest.mark.parametrize("app", ["Excel", "LibreOffice"])
def test_a_workbook_someone_has_open_is_never_replaced_and_says_who(book: Path, app: str) -> None:
    if app == "Excel":
        lock, who = excel_lock(book.parent, book.name, "Kiss Anna"), "by Kiss Anna"
    else:
        lock, who = libreoffice_lock(book.parent, book.name), "by Nagy Béla on irodagep"
    before = book.read_bytes()
    outcome = WorkbookSheet(book).write(a_plan())  # type: ignore[arg-type]

    assert outcome.deferred and outcome.cells_written == 0 and book.read_bytes() == before
    assert outcome.note is not None
    assert f"open in {app} {who}" in outcome.note and str(lock) in outcome.note
    if app == "LibreOffice":
        assert "since 30.11.2026 09:12" in outcome.note
    lock.unlink()
    assert WorkbookSheet(book).write(a_plan()).cells_written == 2  # type: ignore[arg-type]


def test_a_colleague_saving_between_read_and_write_keeps_their_edit(book: Path) -> None:
    backend = WorkbookSheet(book)
    backend.read()
    plan = a_plan()
    edited = openpyxl.load_workbook(book)  # a colleague saves: a new row and a note
    sheet = edited.worksheets[0]
    sheet.insert_rows(2)
    sheet["A2"], sheet["D2"] = "Új ügyfél", "hívjuk vissza"
    edited.save(book)

    outcome = backend.write(plan)  # type: ignore[arg-type]
    rows = read_workbook(book)
    assert outcome.rows_written == (3, 6)  # followed their rows
    assert rows[1][:4] == ["Új ügyfél", None, None, "hívjuk vissza"]
    assert rows[2][4] == "Kész" and rows[5][4] == "Új"


def test_a_file_changed_on_disk_after_it_was_read_is_not_replaced(book: Path) -> None:
    read = workbook_file.load(book).version
    book.write_bytes(book.read_bytes() + b"")  # same bytes: still the version read
    os.utime(book, ns=(read.mtime_ns, read.mtime_ns))
    assert workbook_file.replace(book, lambda out: out.write(b"ours"), read) is None
    assert book.read_bytes() == b"ours"

    read = workbook_file.load(book).version
    book.write_bytes(b"saved by a colleague")
    why = workbook_file.replace(book, lambda out: out.write(b"ours again"), read)
    assert why is not None and "changed on disk during the sync" in why
    assert book.read_bytes() == b"saved by a colleague"
    assert [p.name for p in book.parent.iterdir() if p.name.startswith(".~sheetsync")] == []


def test_the_replaced_file_keeps_its_owner_group_and_mode(book: Path) -> None:
    os.chown(book, 1234, 2345)
    book.chmod(0o640)
    assert WorkbookSheet(book).write(a_plan()).cells_written == 2  # type: ignore[arg-type]
    info = book.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 2345, 0o640)


def test_a_symbolic_link_is_followed_not_replaced(book: Path) -> None:
    link = book.with_name("link.xlsx")
    link.symlink_to(book)
    assert WorkbookSheet(link).write(a_plan()).cells_written == 2  # type: ignore[arg-type]
    assert link.is_symlink() and read_workbook(book)[1][4] == "Kész"


def test_a_half_saved_workbook_is_being_saved_never_broken(book: Path) -> None:
    whole = book.read_bytes()
    book.write_bytes(whole[: len(whole) // 2])  # a save caught halfway
    pauses: list[float] = []
    with pytest.raises(TransientSheetError) as raised:
        WorkbookSheet(book, pause=pauses.append).read()
    assert "is being saved right now" in str(raised.value)
    assert len(pauses) == READ_ATTEMPTS - 1

    healed: list[float] = []
    backend = WorkbookSheet(book, pause=lambda s: (healed.append(s), book.write_bytes(whole)))
    assert backend.read().rows[1][0] == "Alfa Kft."  # the save finished meanwhile
    assert len(healed) == 1


def test_a_half_saved_workbook_at_write_time_defers_the_write(book: Path) -> None:
    backend = WorkbookSheet(book, pause=lambda s: None)
    backend.read()
    half = book.read_bytes()[:300]
    book.write_bytes(half)
    outcome = backend.write(a_plan())  # type: ignore[arg-type]
    assert outcome.deferred and "being saved" in (outcome.note or "")
    assert book.read_bytes() == half


def test_a_file_that_is_no_workbook_at_all_says_so(book: Path) -> None:
    book.write_text("name;domain\n")
    with pytest.raises(SheetAccessError, match=r"not a readable \.xlsx workbook"):
        WorkbookSheet(book).read()


def test_sync_defers_a_locked_workbook_exits_0_and_the_next_pass_writes(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "ugyfelek.xlsx", [list(r) for r in CLIENTS])
    config = write_config(tmp_path, book, f'[state]\npath = "{tmp_path / "state.sqlite"}"\n')
    lock = excel_lock(tmp_path, book.name, "Kiss Anna")
    before = book.read_bytes()

    deferred = run(config)
    assert deferred.returncode == 0, deferred.stderr
    assert "open in Excel by Kiss Anna" in deferred.stdout
    assert book.read_bytes() == before

    lock.unlink()
    written = run(config)
    assert written.returncode == 0, written.stderr
    assert read_workbook(book)[0][-5:][0] == "Állapot"


def test_sync_on_a_half_saved_workbook_exits_1_being_saved_not_130(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "ugyfelek.xlsx", [list(r) for r in CLIENTS])
    book.write_bytes(book.read_bytes()[:-40])  # the zip's end not written yet
    done = run(write_config(tmp_path, book))
    assert done.returncode == 1
    lines = said(done)
    assert len(lines) == 1 and "is being saved right now" in lines[0]


def test_an_unwritable_folder_is_named_with_the_fix(tmp_path: Path) -> None:
    """Run as a user who may not write in the folder (`unshare --user` drops root's
    override of file permissions)."""
    folder = tmp_path / "közös"
    folder.mkdir()
    book = write_workbook(folder / "ugyfelek.xlsx", [list(r) for r in CLIENTS])
    book.chmod(0o666)
    config = write_config(folder, book)
    folder.chmod(0o555)
    tmp_path.chmod(0o755)
    try:
        done = subprocess.run(
            ["unshare", "--user", str(SCRIPT), "sync", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        folder.chmod(0o755)
    assert done.returncode == 1
    lines = said(done)
    assert len(lines) == 1 and "unexpected" not in lines[0]
    assert f"cannot write in the folder {folder}" in lines[0] and "write access" in lines[0]
    assert shutil.which("unshare")
