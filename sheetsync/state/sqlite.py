"""The state store: what the worker remembers between syncs, in one SQLite file.

Kept: sync runs, per client row its last status, first-seen times of facts,
secret-cell fingerprints (keyed HMAC; the key lives in a 0600 file beside the
database, never in it) and recent credential changes, the domain verdict cache
(`state.verdicts`, in the same file), and the last report sent. A state is saved in
one transaction.

It fails safe (docs/operations.md): a missing store is created (0600) and an empty
(0-byte) one started in place, each with a warning; a store SQLite finds damaged is
set aside and rebuilt with a warning. A store it may not open or write (permissions,
a read-only mode, a lock held too long) is an error naming the path, never taken for
damage; a file that is not an SQLite database, or a database without sheetsync's
tables, is refused and left alone; no file's mode is ever changed. A damaged entry
(a bad time, status, report or failure) is dropped, logged once and counted
(`on_damage`), never a reason to fail a pass. `read_only` (dry runs, `status`) opens
an existing store without writing anything: no key, database, journal or lock file; a
store of an older schema is read through a private in-memory copy migrated there.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar
from urllib.parse import quote

from sheetsync.core.memory import RowMemory, WorkerState
from sheetsync.core.pipeline import STAGE_FACT, StageEntry
from sheetsync.core.rows import Fingerprinter, hmac_fingerprinter
from sheetsync.errors import StateError
from sheetsync.state import entries
from sheetsync.state.entries import Damage
from sheetsync.state.key import load_or_create_key, read_key
from sheetsync.state.port import RunRecord
from sheetsync.state.schema import ROW_TABLES, Prepared, migrated_copy, prepare
from sheetsync.state.verdicts import SqliteVerdictCache

log = logging.getLogger(__name__)

KEEP_RUNS = 5000
_KEY_CHECK = b"sheetsync fingerprint key check"
DamageObserver = Callable[[str, int], None]  # (kind of entry, how many) dropped


class SqliteStateStore:
    def __init__(
        self,
        path: Path,
        key_path: Path | None = None,
        *,
        read_only: bool = False,
        on_damage: DamageObserver | None = None,
        busy_timeout: float = 30,
    ) -> None:
        self.path = Path(path)
        self.key_path = key_path or self.path.with_name(self.path.name + ".key")
        self.read_only = read_only
        self.on_damage = on_damage
        self._busy_timeout = busy_timeout
        self._key: bytes | None = None  # made once the store is known usable (`_secret`)
        self._checked = False
        self._unusable = False  # read-only and damaged: load as empty, never set aside
        # Read-only and older: a migrated in-memory copy, alive while this connection is.
        self._copy: sqlite3.Connection | None = None
        self._copy_uri = f"file:sheetsync-{secrets.token_hex(8)}?mode=memory&cache=shared"
        # The state as the database holds it after our last load or save (read-only
        # mappings throughout), and the generation token it was stored under. A save
        # writes only what differs from it; a load returns it as long as the database
        # still carries that token, i.e. nobody else has saved since (every save writes a
        # new random token in its transaction, so a rebuilt database cannot match).
        self._held: WorkerState | None = None
        self._generation: str | None = None
        # The database holds more than `_held` (fingerprints of another key, damaged
        # entries): the next save rewrites everything.
        self._stale = False

    @property
    def fingerprint(self) -> Fingerprinter:
        return hmac_fingerprinter(self._secret())

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def verdict_cache(self) -> SqliteVerdictCache:
        return SqliteVerdictCache(self)

    def load(self) -> WorkerState:
        try:
            return self._load()
        except sqlite3.DatabaseError:  # damaged since it was opened: check, set aside, rebuild
            self._checked = False
            return self._load()

    def save(self, state: WorkerState, run: RunRecord | None = None) -> None:
        if self.read_only:
            raise StateError(f"the state store {self.path} was opened read-only (a dry run)")
        held, self._held = self._held, None  # unsure what the database holds until committed
        generation = secrets.token_hex(8)
        try:
            kept = self._save(state, run, None if self._stale else held, generation)
        except sqlite3.Error as exc:
            raise StateError(f"cannot save the state store {self.path}: {exc}") from None
        self._held, self._generation, self._stale = kept, generation, False

    def usable(self) -> bool:
        """False for a read-only store with nothing in it to read (damaged, empty)."""
        self._check()
        return not self._unusable

    def dropped(self, kind: str, count: int) -> None:
        """Damaged entries of `kind` left out of what was read (the verdict cache's too)."""
        if self.on_damage is not None:
            self.on_damage(kind, count)

    def _load(self) -> WorkerState:
        if not self.usable():
            return WorkerState()
        with self.connect() as db:
            generation = _generation(db)
            if self._held is not None and _same(generation, self._generation):
                return self._held
            self._held = None
            db.execute("BEGIN")  # one consistent read
            try:
                state, clean = self._read(db)
            finally:
                if db.in_transaction:
                    db.execute("ROLLBACK")
        self._held, self._generation = state, generation
        self._stale = not clean  # what was discarded or dropped is still in the database
        return state

    def _read(self, db: sqlite3.Connection) -> tuple[WorkerState, bool]:
        damage = Damage()
        state, same_key = self._decode(db, damage)
        if damage:
            log.warning(
                "state store %s: dropped damaged entries (%s); the next sync rebuilds them",
                self.path,
                damage.describe(),
            )
            for kind, count in damage.counts.items():
                self.dropped(kind, count)
        return state, same_key and not damage

    def _decode(self, db: sqlite3.Connection, damage: Damage) -> tuple[WorkerState, bool]:
        meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
        same_key = meta.get("key_check", self._key_check()) == self._key_check()
        if not same_key:
            log.warning(
                "the fingerprint key %s is not the one the stored fingerprints were made "
                "with; they are discarded, so no credential change can be reported this time",
                self.key_path,
            )
        rows = {
            key: (row, entries.status(status, damage))
            for key, row, status in db.execute("SELECT key, row, status FROM client_rows")
        }
        facts = _grouped(db.execute("SELECT key, fact, at FROM first_seen"))
        prints = _grouped(db.execute("SELECT key, column_key, fingerprint FROM fingerprints"))
        changes = _grouped(
            db.execute("SELECT key, column_key, detected_at FROM credential_changes")
        )
        none: dict[str, str] = {}
        loaded = {
            key: RowMemory(
                row=row,
                status=status,
                first_seen=_times(facts.get(key, none), "first_seen", damage),
                fingerprints=_read_only(prints.get(key, {}) if same_key else {}),
                credential_changes=_times(changes.get(key, none), "credential_change", damage),
            )
            for key, (row, status) in rows.items()
        }
        state = WorkerState(
            rows=MappingProxyType(loaded),
            last_report=entries.last_report(meta.get("last_report"), damage),
            last_report_at=entries.maybe_moment(meta.get("last_report_at"), "meta", damage),
            last_digest_at=entries.maybe_moment(meta.get("last_digest_at"), "meta", damage),
            failure=entries.failure(meta.get("failure"), damage),
            alerted=entries.alerted(meta.get("alerted"), damage),
            changes_pending_since=entries.maybe_moment(
                meta.get("changes_pending_since"), "meta", damage
            ),
        )
        return state, same_key

    def _save(
        self, state: WorkerState, run: RunRecord | None, held: WorkerState | None, generation: str
    ) -> WorkerState:
        """Write `state` over `held` (None: over anything); return the read-only copy of
        `state` that the database now holds, sharing every row memory it can with `held`."""
        kept: dict[str, RowMemory] = {}
        with self.connect() as db, _transaction(db):
            if not _same(_generation(db), self._generation):
                held = None  # saved by someone else since (or unknown): write everything
            stored = held.rows if held is not None else None
            if stored is None:
                for table in ROW_TABLES:
                    db.execute(f"DELETE FROM {table}")  # fixed table names
                changed = list(state.rows)
            else:
                changed = []
                for key, memory in state.rows.items():
                    before = stored.get(key)
                    if before is not None and before == memory:
                        kept[key] = before
                    else:
                        changed.append(key)
                gone = [(key,) for key in stored.keys() - state.rows.keys()]
                for table in ROW_TABLES:
                    db.executemany(f"DELETE FROM {table} WHERE key = ?", gone)
                    db.executemany(f"DELETE FROM {table} WHERE key = ?", [(k,) for k in changed])
            for key in changed:
                memory = state.rows[key]
                status = entries.status_json(memory.status)
                db.execute("INSERT INTO client_rows VALUES (?, ?, ?)", (key, memory.row, status))
                db.executemany(
                    "INSERT INTO first_seen VALUES (?, ?, ?)",
                    [(key, f, at.isoformat()) for f, at in memory.first_seen.items()],
                )
                db.executemany(
                    "INSERT INTO fingerprints VALUES (?, ?, ?)",
                    [(key, c, fp) for c, fp in memory.fingerprints.items()],
                )
                db.executemany(
                    "INSERT INTO credential_changes VALUES (?, ?, ?)",
                    [(key, c, at.isoformat()) for c, at in memory.credential_changes.items()],
                )
                db.executemany(
                    "INSERT OR IGNORE INTO stage_entries VALUES (?, ?, ?)",
                    [
                        (key, fact.removeprefix(STAGE_FACT), at.isoformat())
                        for fact, at in memory.first_seen.items()
                        if fact.startswith(STAGE_FACT)
                    ],
                )
                kept[key] = _frozen(memory)
            stored_meta = _meta(held) if held is not None else {}
            for name, value in _meta(state).items():
                if name in stored_meta and stored_meta[name] == value:
                    continue  # unchanged: the last report alone can be megabytes
                if value is None:
                    db.execute("DELETE FROM meta WHERE name = ?", (name,))
                else:
                    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))
            for name, value in (("key_check", self._key_check()), ("generation", generation)):
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))
            if run is not None:
                _insert_run(db, run)
        return replace(state, rows=MappingProxyType(kept))

    def runs(self, limit: int = 100) -> list[RunRecord]:
        """The latest runs, newest first (a damaged record is left out)."""
        if not self.usable():
            return []
        damage = Damage()
        with self.connect() as db:
            cursor = db.execute(
                "SELECT started_at, finished_at, outcome, rows, cells_written, counts, "
                "error_class, error_message FROM runs ORDER BY id DESC LIMIT ?",
                (limit,),
            )
            found = [entries.run(row, damage) for row in cursor]
        if damage:
            log.warning(
                "state store %s: skipped damaged run records (%s)", self.path, damage.describe()
            )
            self.dropped("run", damage.counts["run"])
        return [run for run in found if run is not None]

    def stage_history(self) -> list[StageEntry]:
        """Every stage entry kept (the pipeline's history); damaged ones left out."""
        if not self.usable():
            return []
        damage = Damage()
        with self.connect() as db:
            rows = db.execute("SELECT key, stage, entered_at FROM stage_entries").fetchall()
        found = [entries.stage_entry(row, damage) for row in rows]
        if damage:
            self.dropped("stage_entry", damage.counts["stage_entry"])
        return [entry for entry in found if entry is not None]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one IMMEDIATE transaction, committed when the block ends."""
        with self.connect() as db, _transaction(db):
            yield db

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection to a usable store: created, migrated, or rebuilt if damaged."""
        self._check()
        try:
            db = self._connection()
        except sqlite3.Error as exc:
            raise StateError(f"cannot open the state store {self.path}: {exc}") from None
        try:
            yield db
        finally:
            db.close()

    def _check(self) -> None:
        if not self._checked:
            self._held = None  # a (re)built database holds nothing we remember
            if self._copy is not None:
                self._copy.close()
                self._copy = None
            found = prepare(self.path, self._file, read_only=self.read_only)
            if found is Prepared.OLDER:
                self._copy = migrated_copy(self._file, self._copy_uri)
            self._unusable = found is Prepared.NOTHING
            self._checked = True

    def _connection(self) -> sqlite3.Connection:
        if self._copy is not None:
            return sqlite3.connect(self._copy_uri, uri=True, isolation_level=None)
        return self._file()

    def _file(self) -> sqlite3.Connection:
        if self.read_only:  # no journal, no schema change, nothing created
            uri = f"file:{quote(str(self.path.absolute()))}?mode=ro"
            return sqlite3.connect(uri, uri=True, timeout=self._busy_timeout, isolation_level=None)
        return sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)

    def _secret(self) -> bytes:
        """The fingerprint key, read (or made) only beside a store sheetsync may use: a
        refused file gets no key file next to it."""
        if self._key is None:
            self._check()
            read = read_key if self.read_only else load_or_create_key
            self._key = read(self.key_path)
        return self._key

    def _key_check(self) -> str:
        return hmac.new(self._secret(), _KEY_CHECK, hashlib.sha256).hexdigest()[:16]


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        # SQLite rolls back by itself on some errors (a full disk, I/O errors); a second
        # ROLLBACK would then fail and hide the error that matters.
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _insert_run(db: sqlite3.Connection, run: RunRecord) -> None:
    db.execute(
        "INSERT INTO runs (started_at, finished_at, outcome, rows, cells_written, counts, "
        "error_class, error_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            run.started_at.isoformat(),
            run.finished_at.isoformat(),
            run.outcome,
            run.rows,
            run.cells_written,
            json.dumps(dict(run.counts)),
            run.error_class,
            run.error_message,
        ),
    )
    db.execute("DELETE FROM runs WHERE id <= (SELECT MAX(id) FROM runs) - ?", (KEEP_RUNS,))


def _grouped(cursor: Iterator[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for key, name, value in cursor:
        out.setdefault(key, {})[name] = value
    return out


def _generation(db: sqlite3.Connection) -> str | None:
    found = db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
    return found[0] if found else None


def _same(generation: str | None, ours: str | None) -> bool:
    """Whether the database still holds what we last loaded or saved. Without a token
    (written by an older sheetsync) nobody can tell."""
    return generation is not None and generation == ours


def _meta(state: WorkerState) -> dict[str, str | None]:
    """The `meta` rows a state is stored as (besides the key check and generation)."""
    return {
        "last_report": state.last_report,
        "last_report_at": entries.iso(state.last_report_at),
        "last_digest_at": entries.iso(state.last_digest_at),
        "failure": entries.failure_json(state.failure),
        "alerted": entries.alerted_json(state.alerted),
        "changes_pending_since": entries.iso(state.changes_pending_since),
    }


_K = TypeVar("_K")
_V = TypeVar("_V")


def _read_only(mapping: dict[_K, _V]) -> Mapping[_K, _V]:
    # The store hands out what it keeps: nobody may change it behind its back.
    return MappingProxyType(mapping)


def _times(stored: Mapping[str, str], kind: str, damage: Damage) -> Mapping[str, datetime]:
    """Name → time, leaving out the times that do not read back."""
    try:  # the common case, whole, at the cost of the parsing alone
        return _read_only({name: entries.aware_time(at) for name, at in stored.items()})
    except (TypeError, ValueError):
        pass
    checked = {name: entries.moment(at, kind, damage) for name, at in stored.items()}
    return _read_only({name: at for name, at in checked.items() if at is not None})


def _frozen(memory: RowMemory) -> RowMemory:
    """A copy of `memory` that neither its maker nor a later caller can change."""
    return RowMemory(
        row=memory.row,
        status=memory.status,
        first_seen=_read_only(dict(memory.first_seen)),
        fingerprints=_read_only(dict(memory.fingerprints)),
        credential_changes=_read_only(dict(memory.credential_changes)),
    )


__all__: Sequence[str] = ["SqliteStateStore"]
