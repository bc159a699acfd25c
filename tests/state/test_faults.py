"""Faults of local storage: a state store that cannot be written (read-only, disk
full) and a workbook that cannot be saved (disk full).

The state store's faults are SQLite's own errors, provoked with pragmas (the tests
may run as root, which ignores file modes): `query_only` refuses every write like a
read-only file, `max_page_count` makes the database full like a full disk. After
each fault nothing that was saved is lost, the message is one line, and the next
pass completes the work.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import pytest

import sheetsync.app.application as application
import sheetsync.sheets.workbook as workbook
from sheetsync.cli.main import main
from sheetsync.core.model import Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.domains.checker import LiveDomainChecker
from sheetsync.errors import StateError
from sheetsync.state.sqlite import SqliteStateStore
from tests.support.domain_servers import FakeTime, live_settings, make_checker, rdap_fixture
from tests.support.workbooks import read_workbook, write_workbook
from tests.support.worker_fixtures import HEADERS, Rig, cell, client, sheet

pytestmark = pytest.mark.slow  # a property or fault suite: `make quick` leaves it out


class ReadOnlyStore(SqliteStateStore):
    """Every connection refuses writes, as on a read-only file or mount."""

    @contextmanager
    def connect(self) -> Iterator[Any]:
        with super().connect() as db:
            db.execute("PRAGMA query_only = ON")
            yield db


class FullDiskStore(SqliteStateStore):
    """The database cannot grow by a single page, as on a full disk."""

    @contextmanager
    def connect(self) -> Iterator[Any]:
        with super().connect() as db:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {pages}")
            yield db


def many_clients(count: int) -> list[list[Any]]:
    return [client(f"Ügyfél {i:03d} Kereskedelmi és Szolgáltató Kft.") for i in range(count)]


@pytest.mark.parametrize(
    ("store_class", "why"),
    [(ReadOnlyStore, "readonly database"), (FullDiskStore, "database or disk is full")],
)
def test_an_unwritable_state_store_keeps_what_it_had_and_the_next_pass_saves(
    tmp_path: Path, store_class: type[SqliteStateStore], why: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.sqlite"
    rig = Rig(SqliteStateStore(path), sheet(*many_clients(3)))
    assert rig.run().error is None
    saved = SqliteStateStore(path).load()
    rig.sheet.rows.extend(many_clients(80)[3:])  # staff add clients: the state must grow

    rig.restart(store_class(path))
    rig.clock.advance(minutes=5)
    outcome = rig.run()

    assert isinstance(outcome.error, StateError)
    assert why in str(outcome.error) and "\n" not in str(outcome.error)
    assert outcome.result is not None and outcome.result.outcome.cells_written > 0  # sheet done
    assert "state not saved" in caplog.text
    assert SqliteStateStore(path).load() == saved  # the previous state whole, not half-new
    assert SqliteStateStore(path).runs()[0].outcome == "ok"  # no half-written run either

    rig.restart(SqliteStateStore(path))
    rig.clock.advance(minutes=5)
    assert rig.run().error is None
    assert len(SqliteStateStore(path).load().rows) == 80


def test_a_state_store_in_an_unusable_place_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder should be", encoding="utf-8")
    book = write_workbook(tmp_path / "ugyfelek.xlsx", [HEADERS, client("Alfa")])
    config = tmp_path / "sheetsync.toml"
    config.write_text(
        f'[sheet]\npath = "{book.name}"\n[domains]\nchecker = "offline"\n'
        f'[state]\npath = "{blocker / "state.sqlite"}"\n',
        encoding="utf-8",
    )
    assert main(["sync", "--config", str(config)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sheetsync: ") and "not-a-folder" in err[0]


def test_a_full_disk_at_state_save_exits_1_after_writing_the_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_workbook(tmp_path / "ugyfelek.xlsx", [HEADERS, *many_clients(60)])
    state = tmp_path / "state.sqlite"
    config = tmp_path / "sheetsync.toml"
    config.write_text(
        f'[sheet]\npath = "{book.name}"\n[domains]\nchecker = "offline"\n'
        f'[state]\npath = "{state}"\n[slack]\ndigest_time = ""\n',
        encoding="utf-8",
    )
    SqliteStateStore(state).load()  # an empty store exists
    monkeypatch.setattr(application, "state_store", lambda settings, **_: FullDiskStore(state))

    assert main(["sync", "--config", str(config)]) == 1

    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"sheetsync: cannot save the state store {state}: database or disk is full"]
    stage = HEADERS.index("Domain igénylés") + 1
    assert all(row[stage] for row in read_workbook(book)[1:])  # the sheet was annotated

    monkeypatch.undo()
    assert main(["sync", "--config", str(config)]) == 0
    assert len(SqliteStateStore(state).load().rows) == 60


def test_a_full_disk_at_workbook_save_leaves_the_workbook_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_workbook(tmp_path / "ugyfelek.xlsx", [HEADERS, client("Alfa"), client("Béta")])
    config = tmp_path / "sheetsync.toml"
    config.write_text(
        f'[sheet]\npath = "{book.name}"\n[domains]\nchecker = "offline"\n', encoding="utf-8"
    )
    original = book.read_bytes()

    def no_space(source: bytes, replaced: object, out: BinaryIO) -> None:
        out.write(b"PK\x03\x04 half a zip")  # the disk filled up mid-file
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workbook, "rebuild", no_space)
    assert main(["sync", "--config", str(config)]) == 1

    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"sheetsync: could not save {book}: No space left on device"]
    assert book.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~sheetsync-")] == []

    monkeypatch.undo()
    assert main(["sync", "--config", str(config)]) == 0
    assert read_workbook(book)[0][len(HEADERS)] == "Állapot"


def test_a_state_save_crash_mid_transaction_is_rolled_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The worker's save is one transaction: a failure half-way leaves no half state."""
    caplog.set_level(logging.ERROR)
    path = tmp_path / "state.sqlite"
    rig = Rig(SqliteStateStore(path), sheet(client("Alfa"), client("Béta")))
    rig.run()
    before = SqliteStateStore(path).load()
    rig.sheet.rows.extend(many_clients(120))
    rig.restart(FullDiskStore(path))
    rig.clock.advance(minutes=5)
    rig.run()
    after = SqliteStateStore(path).load()
    assert after == before
    assert cell(rig.sheet, "Alfa", "Állapot")


@pytest.mark.parametrize(
    ("store_class", "why"),
    [(ReadOnlyStore, "readonly database"), (FullDiskStore, "database or disk is full")],
)
def test_a_verdict_cache_that_cannot_store_costs_the_pass_no_verdict(
    tmp_path: Path, store_class: type[SqliteStateStore], why: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.sqlite"
    SqliteStateStore(path).load()  # the store exists; it cannot grow from here on
    domains = [normalize_domain(f"ugyfel{i}.cz") for i in range(200)]  # more than a page
    settings = live_settings(tmp_path, requests_per_minute=1000)
    time = FakeTime()

    def free(request: httpx.Request) -> httpx.Response:
        return rdap_fixture("not_found.json")

    def checker(store: SqliteStateStore) -> LiveDomainChecker:
        return make_checker(settings, time, free, cache=store.verdict_cache())

    verdicts = checker(store_class(path)).check(domains)

    assert [v.verdict for v in verdicts.values()] == [Verdict.AVAILABLE] * 200
    warning = "200 domain verdicts not cached (cannot write the state store"
    assert f"{warning} {path}: " in caplog.text and f"{why}); they are asked again" in caplog.text
    names = [d.ascii for d in domains]
    assert SqliteStateStore(path).verdict_cache().get_many(names, time.clock()) == {}

    checker(SqliteStateStore(path)).check(domains)  # writable again: the next pass caches
    assert len(SqliteStateStore(path).verdict_cache().get_many(names, time.clock())) == 200
