"""`doctor` checks, before any sync, that the workbook, its folder and the state folder can
be written; a sync with an unwritable state folder names it. The folder cases run the
installed command under `unshare --user`, where even root obeys file permissions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sheetsync.app.doctor import diagnose
from sheetsync.settings import load_settings
from sheetsync.sheets.workbook import WorkbookSheet
from tests.support.sheet_contract import ROWS, plan_for
from tests.support.workbooks import write_config, write_workbook
from tests.support.worker_fixtures import HEADERS, client

SCRIPT = Path(sys.executable).with_name("sheetsync")


def workbook(folder: Path) -> Path:
    return write_workbook(folder / "ugyfelek.xlsx", [HEADERS, client("Alfa Pékség")])


def as_unprivileged(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["unshare", "--user", str(SCRIPT), *args], capture_output=True, text=True, timeout=120
    )


def test_doctor_fails_a_read_only_workbook_and_says_how_to_fix_it(tmp_path: Path) -> None:
    book = workbook(tmp_path)
    book.chmod(0o444)
    config = write_config(tmp_path, book)
    diagnosis = diagnose(load_settings(config, env={}))
    check = next(c for c in diagnosis.checks if c.name == "workbook writable")
    assert check.status == "fail" and "read-only" in check.detail and "chmod u+w" in check.detail
    assert not diagnosis.ok


def test_doctor_warns_when_someone_has_the_workbook_open(tmp_path: Path) -> None:
    book = workbook(tmp_path)
    (tmp_path / f".~lock.{book.name}#").write_text(",Nagy Béla,irodagep,30.11.2026 09:12,x;")
    diagnosis = diagnose(load_settings(write_config(tmp_path, book), env={}))
    check = next(c for c in diagnosis.checks if c.name == "workbook writable")
    assert check.status == "warn" and "Nagy Béla" in check.detail
    assert diagnosis.ok


def test_doctor_checks_the_workbook_folder_and_the_state_folder(tmp_path: Path) -> None:
    shared, state = tmp_path / "shared", tmp_path / "state"
    shared.mkdir()
    state.mkdir()
    book = workbook(shared)
    book.chmod(0o666)
    config = write_config(tmp_path, book, f'[state]\npath = "{state / "db" / "s.sqlite"}"\n')
    config.write_text(config.read_text().replace(book.name, str(book)))
    for folder in (shared, state):
        folder.chmod(0o555)
    tmp_path.chmod(0o755)
    try:
        done = as_unprivileged("doctor", "--config", str(config))
    finally:
        for folder in (shared, state):
            folder.chmod(0o755)
    assert done.returncode == 1, done.stdout
    lines = done.stdout.splitlines()
    assert f"✗ workbook folder: {shared} is not writable for this user" in lines
    assert any(
        line.startswith(f"✗ state folder: {state} is not writable for this user") for line in lines
    )
    assert f"    fix: give the user running sheetsync write access to {state}" in lines


def test_sync_with_an_unwritable_state_folder_names_it_in_one_line(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    book = workbook(tmp_path)
    config = write_config(tmp_path, book, f'[state]\npath = "{state / "s.sqlite"}"\n')
    state.chmod(0o555)
    tmp_path.chmod(0o755)
    try:
        done = as_unprivileged("sync", "--config", str(config))
    finally:
        state.chmod(0o755)
    said = [line for line in done.stderr.splitlines() if line.startswith("sheetsync:")]
    assert done.returncode == 1
    assert len(said) == 1 and "unexpected" not in said[0]
    assert f"write access to {state}" in said[0]


def test_doctor_fails_a_workbook_of_another_user_that_a_sync_would_defer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = write_workbook(tmp_path / "ugyfelek.xlsx", [list(r) for r in ROWS])
    book.chmod(0o666)  # writable for all, yet a copy could not keep its owner
    os.chown(book, 4321, 4321)
    config = write_config(tmp_path, book)
    monkeypatch.setattr(os, "geteuid", lambda: 1234)  # sheetsync run as an ordinary user
    monkeypatch.setattr(os, "getegid", lambda: 1234)
    monkeypatch.setattr(os, "getgroups", lambda: [1234])
    diagnosis = diagnose(load_settings(config, env={}))
    check = next(c for c in diagnosis.checks if c.name == "workbook writable")
    assert check.status == "fail" and "belongs to another user (uid 4321)" in check.detail
    assert not diagnosis.ok
    before = book.read_bytes()
    outcome = WorkbookSheet(book).write(plan_for(ROWS, {2: [(4, "Kész")]}))
    assert outcome.deferred and outcome.note == check.detail
    assert book.read_bytes() == before


def test_doctor_fails_a_store_key_or_lock_file_a_sync_could_not_use(tmp_path: Path) -> None:
    """The outside attack: `doctor` said ✓ (only the folder was checked) for stores,
    keys and lock files that made every sync exit 1."""
    state = tmp_path / "state"
    book = workbook(tmp_path)
    store = state / "s.sqlite"
    config = write_config(tmp_path, book, f'[state]\npath = "{store}"\n')
    assert subprocess.run([str(SCRIPT), "sync", "--config", str(config)]).returncode == 0
    key, lock = state / "s.sqlite.key", state / "s.sqlite.lock"
    key.chmod(0o000)
    lock.chmod(0o400)
    tmp_path.chmod(0o755)
    try:
        done = as_unprivileged("doctor", "--config", str(config))
        store.chmod(0o400)
        read_only = as_unprivileged("doctor", "--config", str(config))
    finally:
        for path in (key, lock, store):
            path.chmod(0o600)
    assert done.returncode == 1, done.stdout
    lines = done.stdout.splitlines()
    assert f"✓ state store: {store} can be read and written" in lines
    assert any(line.startswith(f"✗ fingerprint key: {key} is not a file") for line in lines)
    assert any(line.startswith(f"✗ lock file: {lock} is not a file") for line in lines)
    assert read_only.returncode == 1
    assert any(
        line.startswith(f"✗ state store: state store {store} is read-only (mode 0400")
        for line in read_only.stdout.splitlines()
    )


def test_status_with_a_state_folder_this_user_may_not_enter_names_the_folder(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    book = workbook(tmp_path)
    config = write_config(tmp_path, book, f'[state]\npath = "{state / "s.sqlite"}"\n')
    assert subprocess.run([str(SCRIPT), "sync", "--config", str(config)]).returncode == 0
    state.chmod(0o000)
    tmp_path.chmod(0o755)
    try:
        done = as_unprivileged("status", "--config", str(config))
    finally:
        state.chmod(0o755)
    said = [line for line in done.stderr.splitlines() if line.startswith("sheetsync:")]
    assert done.returncode == 1
    assert len(said) == 1 and "unexpected" not in said[0]
    assert f"permission denied on its folder {state}" in said[0]


@pytest.mark.filterwarnings("ignore:Unknown extension")
def test_doctor_says_whether_setup_is_applied_and_current(tmp_path: Path) -> None:
    from sheetsync.app.application import Application

    book = workbook(tmp_path)
    settings = load_settings(write_config(tmp_path, book), env={})

    def setup() -> tuple[str, str]:
        check = next(c for c in diagnose(settings).checks if c.name == "setup")
        return check.status, check.detail

    assert setup() == ("warn", "not applied")  # no status columns yet: sync first
    app = Application(settings)
    app.sync_once()
    assert setup() == ("warn", "not applied: run `sheetsync setup`")
    before = book.read_bytes()
    assert setup()[0] == "warn" and book.read_bytes() == before  # doctor only reads
    app.set_up()
    assert setup() == ("ok", "applied, current (dropdowns, colours, guarded status columns)")
    english = settings.model_copy(update={"locale": "en"})  # the labels change language
    check = next(c for c in diagnose(english).checks if c.name == "setup")
    assert check.status == "warn" and check.detail == "outdated: run `sheetsync setup`"


def test_sync_and_doctor_with_a_store_below_a_folder_this_user_may_not_enter(
    tmp_path: Path,
) -> None:
    """Path.exists raises on such a folder: the lock file's and doctor's look at it gave
    "unexpected PermissionError" (final review). Both name the folder instead."""
    state = tmp_path / "state"
    (state / "db").mkdir(parents=True)
    book = workbook(tmp_path)
    config = write_config(tmp_path, book, f'[state]\npath = "{state / "db" / "s.sqlite"}"\n')
    state.chmod(0o000)
    tmp_path.chmod(0o755)
    try:
        synced = as_unprivileged("sync", "--config", str(config))
        doctor = as_unprivileged("doctor", "--config", str(config))
    finally:
        state.chmod(0o755)
    said = [line for line in synced.stderr.splitlines() if line.startswith("sheetsync:")]
    assert synced.returncode == 1 and len(said) == 1, synced.stderr
    assert "unexpected" not in said[0] and str(state) in said[0]
    assert doctor.returncode == 1, doctor.stdout + doctor.stderr
    assert "unexpected" not in doctor.stderr
    assert f"✗ state folder: {state} is not writable for this user" in doctor.stdout
