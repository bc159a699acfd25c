"""The state store: what the worker remembers between syncs, in one SQLite file.

Kept: sync runs, per client row its last status, first-seen times of facts,
secret-cell fingerprints (keyed HMAC; the key lives in a 0600 file beside the
database, never in it) and recent credential changes, the domain verdict cache
(`state.verdicts`, in the same file), and the last report sent. A state is saved in
one transaction. A missing store is created and a corrupt one set aside and rebuilt,
each with a warning.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import stat
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from sheetsync.core.memory import Failure, RowMemory, WorkerState
from sheetsync.core.plan import StatusCells
from sheetsync.core.rows import Fingerprinter, hmac_fingerprinter
from sheetsync.errors import StateError
from sheetsync.state.port import RunRecord
from sheetsync.state.verdicts import SqliteVerdictCache

log = logging.getLogger(__name__)

# Each entry migrates from version i to i + 1; PRAGMA user_version holds the version.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL, finished_at TEXT NOT NULL, outcome TEXT NOT NULL,
        rows INTEGER NOT NULL DEFAULT 0, cells_written INTEGER NOT NULL DEFAULT 0,
        counts TEXT NOT NULL DEFAULT '{}', error_class TEXT, error_message TEXT);
    CREATE TABLE client_rows (key TEXT PRIMARY KEY, row INTEGER NOT NULL, status TEXT);
    CREATE TABLE first_seen (
        key TEXT NOT NULL, fact TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (key, fact));
    CREATE TABLE fingerprints (
        key TEXT NOT NULL, column_key TEXT NOT NULL, fingerprint TEXT NOT NULL,
        PRIMARY KEY (key, column_key));
    CREATE TABLE credential_changes (
        key TEXT NOT NULL, column_key TEXT NOT NULL, detected_at TEXT NOT NULL,
        PRIMARY KEY (key, column_key));
    CREATE TABLE domain_verdicts (
        ascii TEXT PRIMARY KEY, verdict TEXT NOT NULL, source TEXT NOT NULL,
        checked_at TEXT, reason TEXT, details TEXT NOT NULL DEFAULT '{}',
        expires_at TEXT NOT NULL);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
KEEP_RUNS = 5000
_KEY_CHECK = b"sheetsync fingerprint key check"


_ROW_TABLES = ("client_rows", "first_seen", "fingerprints", "credential_changes")


class SqliteStateStore:
    def __init__(self, path: Path, key_path: Path | None = None) -> None:
        self.path = Path(path)
        self.key_path = key_path or self.path.with_name(self.path.name + ".key")
        self._key = _load_or_create_key(self.key_path)
        self._checked = False
        # The state as the database holds it after our last load or save (read-only
        # mappings throughout), and the generation token it was stored under. A save
        # writes only what differs from it; a load returns it as long as the database
        # still carries that token, i.e. nobody else has saved since (every save writes a
        # new random token in its transaction, so a rebuilt database cannot match).
        self._held: WorkerState | None = None
        self._generation: str | None = None

    @property
    def fingerprint(self) -> Fingerprinter:
        return hmac_fingerprinter(self._key)

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
        held, self._held = self._held, None  # unsure what the database holds until committed
        generation = secrets.token_hex(8)
        try:
            kept = self._save(state, run, held, generation)
        except sqlite3.Error as exc:
            raise StateError(f"cannot save the state store {self.path}: {exc}") from None
        self._held, self._generation = kept, generation

    def _load(self) -> WorkerState:
        with self.connect() as db:
            generation = _generation(db)
            if self._held is not None and _same(generation, self._generation):
                return self._held
            self._held = None
            db.execute("BEGIN")  # one consistent read
            try:
                state, same_key = self._read(db)
            finally:
                if db.in_transaction:
                    db.execute("ROLLBACK")
        # Discarded fingerprints are still in the database: the next save rewrites all.
        self._held = state if same_key else None
        self._generation = generation
        return state

    def _read(self, db: sqlite3.Connection) -> tuple[WorkerState, bool]:
        meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
        same_key = meta.get("key_check", self._key_check()) == self._key_check()
        if not same_key:
            log.warning(
                "the fingerprint key %s is not the one the stored fingerprints were made "
                "with; they are discarded, so no credential change can be reported this time",
                self.key_path,
            )
        rows = {
            key: (row, _status(status))
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
                first_seen=_read_only({f: _time(at) for f, at in facts.get(key, none).items()}),
                fingerprints=_read_only(prints.get(key, {}) if same_key else {}),
                credential_changes=_read_only(
                    {c: _time(at) for c, at in changes.get(key, none).items()}
                ),
            )
            for key, (row, status) in rows.items()
        }
        state = WorkerState(
            rows=MappingProxyType(loaded),
            last_report=meta.get("last_report"),
            last_report_at=_maybe_time(meta.get("last_report_at")),
            last_digest_at=_maybe_time(meta.get("last_digest_at")),
            failure=_failure(meta.get("failure")),
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
                for table in _ROW_TABLES:
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
                for table in _ROW_TABLES:
                    db.executemany(f"DELETE FROM {table} WHERE key = ?", gone)
                    db.executemany(f"DELETE FROM {table} WHERE key = ?", [(k,) for k in changed])
            for key in changed:
                memory = state.rows[key]
                status = _status_json(memory.status)
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
        """The latest runs, newest first."""
        with self.connect() as db:
            cursor = db.execute(
                "SELECT started_at, finished_at, outcome, rows, cells_written, counts, "
                "error_class, error_message FROM runs ORDER BY id DESC LIMIT ?",
                (limit,),
            )
            return [
                RunRecord(_time(s), _time(f), o, r, c, json.loads(n), ec, em)
                for s, f, o, r, c, n, ec, em in cursor
            ]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one IMMEDIATE transaction, committed when the block ends."""
        with self.connect() as db, _transaction(db):
            yield db

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection to a usable store: created, migrated, or rebuilt if corrupt."""
        if not self._checked:
            self._open_checked()
            self._checked = True
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    def _open_checked(self) -> None:
        self._held = None  # a (re)built database holds nothing we remember
        if not self.path.exists():
            log.warning("state store %s not found: starting a new one (no memory yet)", self.path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._migrate()
        except sqlite3.DatabaseError as exc:
            aside = self.path.with_name(
                f"{self.path.name}.corrupt-{datetime.now(UTC):%Y%m%dT%H%M%S}"
            )
            log.warning(
                "state store %s is unreadable (%s): moved to %s and rebuilt; first-seen times "
                "and fingerprints start anew",
                self.path,
                exc,
                aside.name,
            )
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self._migrate()

    def _migrate(self) -> None:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StateError(
                    f"state store {self.path} has schema {version}, newer than this sheetsync "
                    f"knows ({SCHEMA_VERSION}): upgrade sheetsync or point [state] path elsewhere"
                )
            for number in range(version, SCHEMA_VERSION):
                # One transaction per step, inside the script: executescript would commit
                # a transaction opened outside it.
                script = f"BEGIN IMMEDIATE;{MIGRATIONS[number]};PRAGMA user_version = {number + 1};"
                try:
                    db.executescript(script + "COMMIT;")
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
            os.chmod(self.path, 0o600)  # it holds client names and fingerprints
        finally:
            db.close()

    def _key_check(self) -> str:
        return hmac.new(self._key, _KEY_CHECK, hashlib.sha256).hexdigest()[:16]


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


def _load_or_create_key(path: Path) -> bytes:
    """The per-install fingerprint key: 32 random bytes, hex, in a file only the owner
    can read. Kept outside the database so a copy of the database alone cannot be used
    to test guessed passwords against the fingerprints."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        text = secrets.token_hex(32)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return _load_or_create_key(path)
        except OSError as exc:
            raise StateError(
                f"cannot create the fingerprint key {path} ({exc.strerror}): give the user "
                f"running sheetsync write access to {path.parent}, or set [state] path"
            ) from None
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text + "\n")
        log.warning("created the fingerprint key %s (keep it with the state store)", path)
    except OSError as exc:
        raise StateError(f"cannot read the fingerprint key {path}: {exc.strerror}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise StateError(f"the fingerprint key {path} is damaged (expected hex)") from None
    if len(key) < 16:
        raise StateError(f"the fingerprint key {path} is too short")
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the fingerprint key %s is readable by others: chmod 600 it", path)
    return key


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
        "last_report_at": _iso(state.last_report_at),
        "last_digest_at": _iso(state.last_digest_at),
        "failure": _failure_json(state.failure),
    }


_K = TypeVar("_K")
_V = TypeVar("_V")


def _read_only(mapping: dict[_K, _V]) -> Mapping[_K, _V]:
    # The store hands out what it keeps: nobody may change it behind its back.
    return MappingProxyType(mapping)


def _frozen(memory: RowMemory) -> RowMemory:
    """A copy of `memory` that neither its maker nor a later caller can change."""
    return RowMemory(
        row=memory.row,
        status=memory.status,
        first_seen=_read_only(dict(memory.first_seen)),
        fingerprints=_read_only(dict(memory.fingerprints)),
        credential_changes=_read_only(dict(memory.credential_changes)),
    )


def _status_json(status: StatusCells | None) -> str | None:
    return json.dumps(asdict(status), ensure_ascii=False) if status else None


def _status(text: str | None) -> StatusCells | None:
    return StatusCells(**json.loads(text)) if text else None


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _maybe_time(text: str | None) -> datetime | None:
    return _time(text) if text else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _failure(text: str | None) -> Failure | None:
    if not text:
        return None
    data = json.loads(text)
    return Failure(
        data["error_class"],
        data["message"],
        _time(data["since"]),
        data["announced"],
        _maybe_time(data.get("recovered_at")),
    )


def _failure_json(failure: Failure | None) -> str | None:
    if failure is None:
        return None
    data = asdict(failure)
    data["since"] = failure.since.isoformat()
    data["recovered_at"] = _iso(failure.recovered_at)
    return json.dumps(data, ensure_ascii=False)


__all__: Sequence[str] = ["SqliteStateStore"]
