"""The SQLite state store: schema, round trips, atomic saves, rebuilds, key file, cache."""

from __future__ import annotations

import logging
import sqlite3
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.memory import Failure, RowMemory, WorkerState
from sheetsync.core.model import DomainVerdict, Verdict
from sheetsync.core.plan import StatusCells
from sheetsync.core.snapshot import ReportSnapshot
from sheetsync.errors import StateError
from sheetsync.state.port import RunRecord
from sheetsync.state.schema import SCHEMA_VERSION
from sheetsync.state.sqlite import SqliteStateStore

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
OTHER_REPORT = ReportSnapshot("Másik lap", T0 + timedelta(hours=1)).to_json()


def a_state() -> WorkerState:
    return WorkerState(
        rows={
            "kovács pékség kft.": RowMemory(
                row=5,
                status=StatusCells("5. Fizetés", "Küldd el a számlát", "", "x.hu: szabad (fake)"),
                first_seen={"card-unpaid": T0},
                fingerprints={"hosting_password": "ab" * 32},
                credential_changes={"hosting_password": T0 + timedelta(hours=1)},
            )
        },
        last_report=ReportSnapshot("Ügyfelek", T0).to_json(),
        last_report_at=T0,
        last_digest_at=T0 - timedelta(days=1),
        failure=Failure("SheetAccessError", "unreachable", T0, announced=True),
    )


def test_a_saved_state_loads_back_equal_in_a_new_store_object(tmp_path: Path) -> None:
    SqliteStateStore(tmp_path / "s.sqlite").save(a_state())
    assert SqliteStateStore(tmp_path / "s.sqlite").load() == a_state()


def test_the_schema_is_created_at_the_current_version(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "s.sqlite")
    store.load()
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "client_rows", "first_seen", "fingerprints", "domain_verdicts"} <= tables


def test_a_store_from_a_newer_sheetsync_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StateError, match="newer"):
        SqliteStateStore(tmp_path / "s.sqlite").load()


def test_a_failing_save_leaves_the_previous_state_whole(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "s.sqlite")
    store.save(a_state())
    broken = WorkerState(
        rows={
            "a": RowMemory(1, first_seen={"x": T0}),
            "b": RowMemory(2, first_seen={"y": "not a time"}),  # type: ignore[dict-item]
        }
    )
    with pytest.raises(AttributeError):
        store.save(broken)
    assert SqliteStateStore(tmp_path / "s.sqlite").load() == a_state()


def test_a_missing_store_is_created_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        state = SqliteStateStore(tmp_path / "sub" / "s.sqlite").load()
    assert state == WorkerState()
    assert "not found" in caplog.text


def damage(path: Path, at: int = 120) -> None:
    """Overwrite part of the database past SQLite's header (120: the schema page)."""
    data = bytearray(path.read_bytes())
    data[at : at + 400] = b"\xff" * 400
    path.write_bytes(bytes(data))


def test_a_corrupt_store_is_set_aside_and_rebuilt_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "s.sqlite"
    SqliteStateStore(path).save(a_state())
    damage(path)
    with caplog.at_level(logging.WARNING):
        store = SqliteStateStore(path)
        assert store.load() == WorkerState()
    assert "rebuilt" in caplog.text
    assert list(tmp_path.glob("s.sqlite.corrupt-*"))
    store.save(a_state())
    assert store.load() == a_state()


def test_the_key_lives_beside_the_database_readable_by_the_owner_only(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "s.sqlite")
    store.save(a_state())
    key = tmp_path / "s.sqlite.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().strip() not in (tmp_path / "s.sqlite").read_bytes().decode("latin-1")
    assert store.fingerprint("c", "v") == SqliteStateStore(tmp_path / "s.sqlite").fingerprint(
        "c", "v"
    )


def test_a_damaged_key_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "s.sqlite.key").write_text("not hex\n")
    with pytest.raises(StateError, match="damaged"):
        SqliteStateStore(tmp_path / "s.sqlite").load()


def test_runs_are_recorded_newest_first(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "s.sqlite")
    store.save(WorkerState(), RunRecord(T0, T0, "ok", rows=3, cells_written=7, counts={"done": 3}))
    store.save(WorkerState(), RunRecord(T0, T0, "failed", error_class="SheetAccessError"))
    runs = store.runs()
    assert [r.outcome for r in runs] == ["failed", "ok"]
    assert runs[1].counts == {"done": 3} and runs[1].cells_written == 7


def test_the_verdict_cache_answers_until_expiry(tmp_path: Path) -> None:
    cache = SqliteStateStore(tmp_path / "s.sqlite").verdict_cache()
    verdict = DomainVerdict(Verdict.REGISTERED, "rdap", T0, None, {"registrar": "X"})
    assert cache.get_many(["x.hu"], T0) == {}
    cache.put_many([("x.hu", verdict, T0 + timedelta(hours=1))], T0)
    again = SqliteStateStore(tmp_path / "s.sqlite").verdict_cache()
    assert again.get_many(["x.hu"], T0 + timedelta(minutes=59)) == {"x.hu": verdict}
    assert again.get_many(["x.hu"], T0 + timedelta(hours=1)) == {}


# -- incremental saves: a pass rewrites only the clients whose memory changed ------------

row_memories = st.builds(
    RowMemory,
    row=st.integers(2, 50),
    status=st.none() | st.builds(StatusCells, st.text(max_size=5), st.text(max_size=5),
                                 st.text(max_size=5), st.text(max_size=5)),
    first_seen=st.dictionaries(st.sampled_from(["card-unpaid", "invoice-unpaid"]),
                               st.just(T0) | st.just(T0 + timedelta(hours=3)), max_size=2),
    fingerprints=st.dictionaries(st.sampled_from(["email_password", "hosting_password"]),
                                 st.sampled_from(["aa" * 32, "bb" * 32]), max_size=2),
)  # fmt: skip
states = st.builds(
    WorkerState, rows=st.dictionaries(st.sampled_from(list("abcdef")), row_memories, max_size=6)
)


@given(history=st.lists(states, min_size=1, max_size=5))
def test_passes_of_load_then_save_always_leave_exactly_the_last_state(
    tmp_path_factory: pytest.TempPathFactory, history: list[WorkerState]
) -> None:
    path = tmp_path_factory.mktemp("store") / "s.sqlite"
    worker = SqliteStateStore(path)  # one long-lived store, as in `serve`
    for state in history:
        worker.load()
        worker.save(state)
        assert SqliteStateStore(path).load().rows == state.rows  # as a new process sees it


def test_an_unchanged_client_is_not_rewritten(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "s.sqlite")
    store.save(a_state())
    store.load()
    with sqlite3.connect(store.path) as db:  # a marker that only a rewrite would remove
        db.execute(
            "INSERT INTO first_seen VALUES ('kovács pékség kft.', 'marker', ?)", (T0.isoformat(),)
        )
    store.save(a_state())
    facts = SqliteStateStore(store.path).load().rows["kovács pékség kft."].first_seen
    assert "marker" in facts


def test_fingerprints_discarded_for_a_new_key_are_deleted_at_the_next_save(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite"
    SqliteStateStore(path).save(a_state())
    (tmp_path / "s.sqlite.key").unlink()  # a new install key: old fingerprints are useless
    store = SqliteStateStore(path)
    loaded = store.load()
    assert loaded.rows["kovács pékség kft."].fingerprints == {}
    store.save(loaded)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM fingerprints").fetchone() == (0,)


# -- a long-lived store remembers what it loaded or saved, until someone else saves ----


def test_a_load_after_our_own_save_hands_back_the_saved_state_unread(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "s.sqlite")
    store.save(a_state())
    loaded = store.load()
    assert loaded == a_state()
    with sqlite3.connect(store.path) as db:  # an edit that only a real read would see
        db.execute("UPDATE client_rows SET row = 99")
    assert store.load() is loaded


def test_the_state_handed_out_cannot_be_changed_in_place(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "s.sqlite")
    mine = a_state()
    store.save(mine)
    mine.rows["kovács pékség kft."].first_seen["card-unpaid"] = T0 + timedelta(days=9)  # type: ignore[index]
    mine.rows["új"] = RowMemory(7)  # type: ignore[index]
    loaded = store.load()
    assert loaded == a_state()  # the caller's later edits did not reach what the store holds
    memory = loaded.rows["kovács pékség kft."]
    for mapping in (loaded.rows, memory.first_seen, memory.fingerprints, memory.credential_changes):
        with pytest.raises(TypeError):
            mapping["x"] = "y"  # type: ignore[index]
    fresh = SqliteStateStore(tmp_path / "s.sqlite")
    with pytest.raises(TypeError):
        fresh.load().rows["x"] = RowMemory(1)  # type: ignore[index]


def test_a_save_by_another_store_on_the_same_file_is_loaded(tmp_path: Path) -> None:
    serve, cron = SqliteStateStore(tmp_path / "s.sqlite"), SqliteStateStore(tmp_path / "s.sqlite")
    serve.save(a_state())
    serve.load()
    theirs = WorkerState(rows={"béta bt.": RowMemory(3, first_seen={"invoice-unpaid": T0})})
    cron.load()
    cron.save(theirs)
    assert serve.load() == theirs
    serve.save(a_state())  # and the next save writes over theirs, not over what we held
    assert SqliteStateStore(tmp_path / "s.sqlite").load() == a_state()


def test_after_a_failed_save_the_next_load_reads_the_database(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "s.sqlite")
    store.save(a_state())
    broken = WorkerState(rows={"b": RowMemory(2, first_seen={"y": "not a time"})})  # type: ignore[dict-item]
    with pytest.raises(AttributeError):
        store.save(broken)
    with sqlite3.connect(store.path) as db:  # leaves the generation as it was
        db.execute("UPDATE client_rows SET row = 99")
    assert store.load().rows["kovács pékség kft."].row == 99


def test_a_rebuilt_database_is_loaded_not_remembered(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SqliteStateStore(path)
    store.save(a_state())
    store.load()
    path.unlink()  # e.g. restored or recreated by another process
    other = WorkerState(rows={"c": RowMemory(4)})
    SqliteStateStore(path).save(other)
    assert store.load() == other


def test_a_database_corrupted_after_our_save_is_rebuilt_on_load(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SqliteStateStore(path)
    store.save(a_state())
    damage(path)
    assert store.load() == WorkerState()
    assert list(tmp_path.glob("s.sqlite.corrupt-*"))


def test_a_save_made_with_another_fingerprint_key_is_loaded_with_fingerprints_discarded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite"
    store = SqliteStateStore(path)
    store.save(a_state())
    other_key = SqliteStateStore(path, key_path=tmp_path / "other.key")
    other_key.save(other_key.load())
    loaded = store.load()
    assert loaded.rows["kovács pékség kft."].fingerprints == {}
    assert loaded.rows["kovács pékség kft."].first_seen == {"card-unpaid": T0}


def test_a_database_without_a_generation_is_always_read(tmp_path: Path) -> None:
    """As written by an older sheetsync, which knows no generation token."""
    store = SqliteStateStore(tmp_path / "s.sqlite")
    store.save(a_state())
    with sqlite3.connect(store.path) as db:
        db.execute("DELETE FROM meta WHERE name = 'generation'")
    assert store.load() == a_state()
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE client_rows SET row = 99")
    assert store.load().rows["kovács pékség kft."].row == 99


def test_a_save_that_changes_nothing_loads_back_the_same_state(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "s.sqlite")
    store.save(a_state())
    loaded = store.load()
    store.save(loaded, RunRecord(T0, T0, "ok"))
    assert store.load() == loaded
    store.save(replace(loaded, last_report=OTHER_REPORT))
    assert store.load().rows == loaded.rows
    assert SqliteStateStore(store.path).load() == replace(a_state(), last_report=OTHER_REPORT)


operations = st.lists(
    st.one_of(
        st.tuples(st.just("save"), st.sampled_from([0, 1]), states),
        st.tuples(st.just("load"), st.sampled_from([0, 1]), st.none()),
        st.tuples(st.just("save-loaded"), st.sampled_from([0, 1]), st.none()),
        st.tuples(st.just("fail"), st.sampled_from([0, 1]), st.none()),
    ),
    min_size=1,
    max_size=12,
)


@given(steps=operations)
def test_two_long_lived_stores_on_one_file_always_load_what_a_new_store_loads(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, int, WorkerState | None]]
) -> None:
    """`serve` next to a cron `sync`: interleaved loads and saves (some failing) by two
    stores; every load equals a fresh read, every save leaves exactly its state."""
    path = tmp_path_factory.mktemp("store") / "s.sqlite"
    stores = [SqliteStateStore(path), SqliteStateStore(path)]
    loaded = [WorkerState(), WorkerState()]
    broken = WorkerState(rows={"z": RowMemory(2, first_seen={"y": "not a time"})})  # type: ignore[dict-item]
    for action, which, state in steps:
        store = stores[which]
        if action == "load":
            loaded[which] = store.load()
            assert loaded[which] == SqliteStateStore(path).load()
        elif action == "fail":
            with pytest.raises(AttributeError):
                store.save(broken)
        else:
            wanted = state or replace(loaded[which], last_report=OTHER_REPORT)
            store.save(wanted)
            assert SqliteStateStore(path).load().rows == wanted.rows
