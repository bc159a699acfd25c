"""The state store fails safe and says so (docs/operations.md, "The state store").

A store it may not use is an error naming the path, never "corrupt", never moved
aside, never chmodded; a file that is not ours is refused and left alone; an empty
file is reported and started in place; a damaged entry is dropped, logged once and
counted, and the pass goes on.

The suite runs as root in CI, and root may open any file whatever its mode, so a
permission denial is provoked two ways: the mode bits sheetsync reads (a 0444 store is
read-only for everyone, root included) and, for "not readable", `os.access` answering
as it would for the service user.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import sheetsync.state.files as files
from sheetsync.app.application import Application
from sheetsync.cli.main import main
from sheetsync.core.memory import Failure, RowMemory, WorkerState
from sheetsync.core.plan import StatusCells
from sheetsync.core.snapshot import ReportSnapshot
from sheetsync.errors import StateError
from sheetsync.settings import load_settings
from sheetsync.state.port import RunRecord
from sheetsync.state.sqlite import SqliteStateStore
from tests.support.workbooks import write_workbook
from tests.support.worker_fixtures import HEADERS, client

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
KEY = "alfa kft."


def saved_store(path: Path) -> bytes:
    """A store holding one client, a report and a run; its bytes."""
    state = WorkerState(
        rows={
            KEY: RowMemory(
                2,
                StatusCells("5. Fizetés", "Fizess", "", ""),
                first_seen={"card-unpaid": T0},
                credential_changes={"hosting_password": T0},
            )
        },
        last_report=ReportSnapshot("Ügyfelek", T0).to_json(),
        last_report_at=T0,
        failure=Failure("SheetAccessError", "unreachable", T0, announced=True),
    )
    SqliteStateStore(path).save(state, RunRecord(T0, T0, "ok", rows=1))
    return path.read_bytes()


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))


def config_for(tmp_path: Path, state: Path) -> Path:
    alfa = client("Alfa Kft.", payment_method="kártya")  # unpaid: a first-seen time is kept
    book = write_workbook(tmp_path / "ugyfelek.xlsx", [HEADERS, alfa])
    config = tmp_path / "sheetsync.toml"
    config.write_text(
        f'[sheet]\npath = "{book.name}"\n[domains]\nchecker = "offline"\n'
        f'[state]\npath = "{state}"\n[slack]\ndigest_time = ""\n',
        encoding="utf-8",
    )
    return config


# -- permissions, modes, files that are not ours -------------------------------------------


def test_a_read_only_store_is_an_error_naming_the_path_and_is_left_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.sqlite"
    before = saved_store(state)
    state.chmod(0o444)
    config = config_for(tmp_path, state)

    assert main(["sync", "--config", str(config)]) == 1

    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(state) in err[0] and "read-only (mode 0444" in err[0]
    assert stat.S_IMODE(state.stat().st_mode) == 0o444, "never chmodded"
    assert state.read_bytes() == before
    assert siblings(state) == ["state.sqlite", "state.sqlite.key", "state.sqlite.lock"]


def test_a_store_this_user_may_not_read_is_a_permission_error_never_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state.sqlite"
    before = saved_store(state)
    real = os.access
    monkeypatch.setattr(files.os, "access", lambda p, mode: Path(p) != state and real(p, mode))
    with pytest.raises(StateError) as caught:
        SqliteStateStore(state).load()
    assert str(state) in str(caught.value) and "not readable by this user" in str(caught.value)
    assert "corrupt" not in str(caught.value)
    assert state.read_bytes() == before and siblings(state) == ["state.sqlite", "state.sqlite.key"]


def test_a_store_locked_by_another_process_is_an_error_never_set_aside(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    before = saved_store(state)
    holder = sqlite3.connect(state, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StateError, match="database is locked") as caught:
            SqliteStateStore(state, busy_timeout=0.1).load()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert str(state) in str(caught.value)
    assert state.read_bytes() == before and siblings(state) == ["state.sqlite", "state.sqlite.key"]


def test_no_mode_is_ever_changed_and_a_new_store_is_0600_whatever_the_umask(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shared = tmp_path / "shared.sqlite"
    saved_store(shared)
    shared.chmod(0o640)
    store = SqliteStateStore(shared)
    with caplog.at_level(logging.WARNING):
        store.save(store.load())
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640
    assert "open to other users (mode 0640)" in caplog.text

    previous = os.umask(0)
    try:
        SqliteStateStore(tmp_path / "new.sqlite").load()
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.sqlite").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "new.sqlite.key").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"PK\x03\x04 the agency's workbook, by mistake", "not a sheetsync state store"),
        (b"just text, not a database\n" * 50, "not a sheetsync state store"),
    ],
)
def test_a_file_that_is_not_a_database_is_refused_and_left_alone(
    tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "state.sqlite"
    path.write_bytes(content)
    with pytest.raises(StateError, match=says) as caught:
        SqliteStateStore(path).load()
    assert str(path) in str(caught.value)
    assert path.read_bytes() == content and siblings(path) == ["state.sqlite"], "not even a key"


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        db.execute("INSERT INTO invoices (total) VALUES (1200.5)")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StateError, match=r"without sheetsync's tables \(it has: invoices\)"):
        SqliteStateStore(path).load()
    assert path.read_bytes() == before and siblings(path) == ["app.db"]


def test_an_empty_file_is_reported_and_the_new_store_started_in_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.sqlite"
    path.touch(mode=0o600)  # e.g. pre-created with the right owner, or truncated
    inode = path.stat().st_ino
    with caplog.at_level(logging.WARNING):
        store = SqliteStateStore(path)
        assert store.load() == WorkerState()
    assert "is empty (0 bytes): starting a new store in it" in caplog.text
    store.save(WorkerState(rows={KEY: RowMemory(2)}))
    assert path.stat().st_ino == inode and SqliteStateStore(path).load().rows[KEY].row == 2
    assert siblings(path) == ["state.sqlite", "state.sqlite.key"]


@pytest.mark.parametrize("damage", ["empty", "truncated"])
def test_a_read_only_open_of_an_empty_or_damaged_store_says_what_the_next_sync_will_do(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    """`status` and dry runs read the store read-only: their words must not claim a new
    store was started or name a dry run (the outside attack found both)."""
    path = tmp_path / "state.sqlite"
    if damage == "empty":
        path.touch(mode=0o600)
    else:
        saved_store(path)
        path.write_bytes(path.read_bytes()[:1500])
    before = path.read_bytes()
    with caplog.at_level(logging.WARNING):
        assert SqliteStateStore(path, read_only=True).load() == WorkerState()
    said = caplog.text
    assert "read as holding no history" in said
    assert "next sync" in said
    assert "starting a new store" not in said and "dry run" not in said
    assert path.read_bytes() == before and siblings(path) == ["state.sqlite"] + (
        ["state.sqlite.key"] if damage == "truncated" else []
    )


def test_an_empty_read_only_store_is_not_promised_a_new_store_by_the_next_sync(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The re-attack: `status` on a 0-byte store of mode 0444 said "the next sync starts
    a new store in it", and that sync then failed as read-only."""
    path = tmp_path / "state.sqlite"
    path.touch(mode=0o444)
    with caplog.at_level(logging.WARNING):
        assert SqliteStateStore(path, read_only=True).load() == WorkerState()
    assert "it is read-only, so the next sync will fail until it is made writable" in caplog.text
    assert "starts a new store" not in caplog.text


# -- damaged entries ------------------------------------------------------------------------

DAMAGE = [
    ("UPDATE first_seen SET at = 'not a time'", "first_seen"),
    ("UPDATE first_seen SET at = '2026-03-02T08:00:00'", "first_seen"),  # no zone
    ("UPDATE credential_changes SET detected_at = '2026-13-45'", "credential_change"),
    ("UPDATE client_rows SET status = '{\"stage\": '", "status"),
    ("UPDATE client_rows SET status = '{\"stage\": 1}'", "status"),
    ("UPDATE meta SET value = '{\"sheet\": \"x\"}' WHERE name = 'last_report'", "last_report"),
    ("UPDATE meta SET value = 'yesterday' WHERE name = 'last_report_at'", "meta"),
    ("UPDATE meta SET value = '{\"since\": 5}' WHERE name = 'failure'", "failure"),
    ("UPDATE runs SET finished_at = 'later'", "run"),
    # Valid times that overflowed the first date arithmetic on every pass (outside attack)
    ("UPDATE first_seen SET at = '9999-12-31T00:00:00+00:00'", "first_seen"),
    ("UPDATE credential_changes SET detected_at = '9999-12-31T23:59:59+00:00'",
     "credential_change"),
    ("UPDATE first_seen SET at = '0001-01-01T00:00:00+14:00'", "first_seen"),
    ("UPDATE meta SET value = '9999-12-31T23:59:59+00:00' WHERE name = 'last_report_at'",
     "meta"),
    ("UPDATE runs SET started_at = '9999-12-31T23:59:59+00:00'", "run"),
]  # fmt: skip


@pytest.mark.parametrize(("sql", "kind"), DAMAGE)
def test_a_damaged_entry_is_dropped_logged_once_and_counted_and_the_rest_loads(
    tmp_path: Path, sql: str, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.sqlite"
    saved_store(path)
    with sqlite3.connect(path) as db:
        db.execute(sql)
    db.close()
    counted: list[tuple[str, int]] = []
    store = SqliteStateStore(path, on_damage=lambda k, n: counted.append((k, n)))
    with caplog.at_level(logging.WARNING):
        state = store.load()
        runs = store.runs()
        store.load()  # the same damage again: said once
    assert counted == [(kind, 1)]
    said = [r for r in caplog.records if "damaged" in str(r.msg)]
    assert len(said) == 1 and str(path) in said[0].getMessage()
    assert KEY in state.rows and (runs or kind == "run")

    store.save(state)  # the next save rewrites the whole state: the damage is gone
    caplog.clear()
    again: list[tuple[str, int]] = []
    SqliteStateStore(path, on_damage=lambda k, n: again.append((k, n))).load()
    assert again == [] and not [r for r in caplog.records if "damaged" in str(r.msg)]


def test_a_damaged_store_entry_does_not_fail_the_sync_and_is_counted_in_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.sqlite"
    config = config_for(tmp_path, state)
    assert main(["sync", "--config", str(config)]) == 0
    with sqlite3.connect(state) as db:
        db.execute("UPDATE first_seen SET at = 'not a time' WHERE fact NOT LIKE 'stage:%'")
        db.execute("UPDATE meta SET value = '[]' WHERE name = 'last_report'")
        db.execute(  # a valid time at the edge of the calendar (it overflowed every pass)
            "INSERT INTO credential_changes VALUES "
            "('alfa kft.', 'email_password', '9999-12-31T23:59:59+00:00')"
        )
        db.execute(
            "INSERT INTO domain_verdicts VALUES "
            "('alfa.hu', 'maybe', 'whois', NULL, NULL, '{}', '2999-01-01T00:00:00+00:00')"
        )
    db.close()
    capsys.readouterr()

    app = Application(load_settings(config, {}))
    outcome = app.sync_once()
    assert outcome.error is None and outcome.result is not None
    exposition = app.metrics.exposition().decode()
    assert 'sheetsync_state_entries_dropped_total{entry="first_seen"} 1.0' in exposition
    assert 'sheetsync_state_entries_dropped_total{entry="last_report"} 1.0' in exposition
    assert 'sheetsync_state_entries_dropped_total{entry="credential_change"} 1.0' in exposition
    assert main(["sync", "--config", str(config)]) == 0
    assert "unexpected" not in capsys.readouterr().err


def test_a_damaged_verdict_is_asked_again_not_an_answer(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    counted: list[tuple[str, int]] = []
    store = SqliteStateStore(path, on_damage=lambda k, n: counted.append((k, n)))
    store.load()
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO domain_verdicts VALUES (?, ?, ?, ?, ?, ?, ?)",
            ("alfa.hu", "available", "whois", "2026-03-02T08:00:00", None, "{}", "soon"),
        )
        db.execute(
            "INSERT INTO domain_verdicts VALUES (?, ?, ?, ?, ?, ?, ?)",
            ("beta.hu", "registered", "whois", None, None, json.dumps([1]), "2999-01-01"),
        )
    db.close()
    assert store.verdict_cache().get_many(["alfa.hu", "beta.hu"], T0) == {}
    assert counted == [("verdict", 2)]


def test_a_store_in_a_folder_this_user_may_not_enter_is_an_error_naming_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a non-root user, `status`, `sync --dry-run` and `report --preview` ended in
    "unexpected PermissionError at pathlib.py (stat)" (outside attack): Path.exists
    raises on a folder that may not be entered. Root enters every folder, so the
    kernel's answer is played here."""
    state = tmp_path / "state" / "state.sqlite"
    config = config_for(tmp_path, state)
    assert main(["sync", "--config", str(config)]) == 0
    real_stat = Path.stat

    def stat(self: Path, **kwargs: Any) -> os.stat_result:
        if self.parent == state.parent and self.name.startswith("state.sqlite"):
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    app = Application(load_settings(config, {}))
    with pytest.raises(StateError) as caught:
        app.health()
    said = str(caught.value)
    assert f"permission denied on its folder {state.parent}" in said
    with pytest.raises(StateError, match="permission denied on its folder"):
        app.sync_once(dry_run=True)
