"""The verdict cache is asked in bulk: one lookup and at most one store per pass, the
same answers as name-by-name lookups, and the state store's cache costs one SQLite
connection per call whatever the number of names."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.model import DomainVerdict, Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.domains.cache import MemoryVerdictCache
from sheetsync.domains.port import VerdictCache
from sheetsync.state.sqlite import SqliteStateStore
from sheetsync.state.verdicts import SqliteVerdictCache
from sheetsync.testing import InMemoryVerdictCache
from tests.support.domain_servers import FakeTime, live_settings, make_checker, rdap_fixture

T0 = datetime(2026, 7, 1, 9, tzinfo=UTC)


class CountingStore(SqliteStateStore):
    """Counts the connections the verdict cache opens and the statements it runs."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.connections = 0
        self.statements: list[str] = []

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        with super().connect() as db:
            self.connections += 1
            db.set_trace_callback(self.statements.append)
            yield db

    def reset(self) -> None:
        self.connections, self.statements = 0, []

    def kinds(self) -> list[str]:
        return [s.split(None, 1)[0].upper() for s in self.statements]


def registered(registrar: str = "X") -> DomainVerdict:
    return DomainVerdict(Verdict.REGISTERED, "rdap", T0, None, {"registrar": registrar})


def caches(tmp_path: Path) -> list[VerdictCache]:
    """Every implementation of the port, each with its own storage."""
    return [
        MemoryVerdictCache(),
        InMemoryVerdictCache(),
        SqliteStateStore(tmp_path / "a.sqlite").verdict_cache(),
        # A tiny chunk size, so a handful of names already spans several queries.
        SqliteVerdictCache(SqliteStateStore(tmp_path / "b.sqlite"), names_per_query=3),
    ]


# -- every implementation answers like a name-by-name lookup ------------------------------

NAMES = [f"n{i}.hu" for i in range(8)]
puts = st.lists(
    st.tuples(
        st.sampled_from(NAMES),
        st.sampled_from([Verdict.AVAILABLE, Verdict.REGISTERED]),
        st.sampled_from(["a", "b"]),
        st.integers(0, 6),  # expires this many hours after T0
    ),
    max_size=12,
)
queries = st.lists(
    st.tuples(st.lists(st.sampled_from([*NAMES, "never.hu"]), max_size=12), st.integers(0, 7)),
    min_size=1,
    max_size=4,
)


@given(batches=st.lists(puts, min_size=1, max_size=3), asked=queries)
def test_get_many_equals_a_lookup_of_each_name_alone_at_any_time(
    tmp_path_factory: pytest.TempPathFactory,
    batches: list[list[tuple[str, Verdict, str, int]]],
    asked: list[tuple[list[str], int]],
) -> None:
    for cache in caches(tmp_path_factory.mktemp("cache")):
        model: dict[str, tuple[DomainVerdict, datetime]] = {}  # the plain meaning of a cache
        for batch in batches:
            items = [
                (name, DomainVerdict(v, source, T0), T0 + timedelta(hours=h))
                for name, v, source, h in batch
            ]
            cache.put_many(items, T0)
            model.update({name: (verdict, expires) for name, verdict, expires in items})
        # In time order: the in-process cache forgets what it has seen expire.
        for names, hour in sorted(asked, key=lambda query: query[1]):
            now = T0 + timedelta(hours=hour)
            expected = {n: model[n][0] for n in names if n in model and now < model[n][1]}
            assert cache.get_many(names, now) == expected, type(cache).__name__
            one_by_one = {}
            for name in names:
                one_by_one.update(cache.get_many([name], now))
            assert one_by_one == expected, type(cache).__name__


def test_a_verdict_expires_at_its_expiry_and_not_a_moment_before(tmp_path: Path) -> None:
    for cache in caches(tmp_path):
        cache.put_many([("x.hu", registered(), T0 + timedelta(hours=1))], T0)
        assert cache.get_many(["x.hu"], T0 + timedelta(minutes=59)) == {"x.hu": registered()}
        assert cache.get_many(["x.hu"], T0 + timedelta(hours=1)) == {}


# -- the SQLite cache: one connection per call ------------------------------------------


def test_looking_up_1200_names_is_one_connection_and_three_queries(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "s.sqlite")
    cache = store.verdict_cache()
    names = [f"ugyfel{i}.hu" for i in range(1200)]
    cache.put_many([(n, registered(), T0 + timedelta(days=1)) for n in names[::2]], T0)
    store.reset()

    found = cache.get_many([*names, *names[:10]], T0)  # repeated names are asked once

    assert set(found) == set(names[::2])
    assert store.connections == 1
    assert store.kinds() == ["SELECT"] * 3  # 500 names per query, below SQLite's limit


def test_storing_many_verdicts_is_one_connection_and_one_transaction(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "s.sqlite")
    cache = store.verdict_cache()
    cache.get_many(["warm.hu"], T0)  # the store is created (and migrated) on first use
    store.reset()

    cache.put_many([(f"ugyfel{i}.hu", registered(), T0 + timedelta(days=1)) for i in range(50)], T0)

    assert store.connections == 1
    assert store.kinds() == ["BEGIN", "DELETE", *["INSERT"] * 50, "COMMIT"]  # expired ones go


def test_an_empty_lookup_opens_no_connection(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "s.sqlite")
    assert store.verdict_cache().get_many([], T0) == {}
    assert store.connections == 0


# -- every lookup reads the table: another process's write is seen ----------------------


def test_a_verdict_rewritten_by_another_process_is_seen_at_the_next_lookup(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "s.sqlite")
    worker = store.verdict_cache()
    worker.put_many([(n, registered(), T0 + timedelta(days=1)) for n in ("a.hu", "b.hu")], T0)
    first = worker.get_many(["a.hu", "b.hu"], T0)
    # Another process (or `sheetsync domain check`) rewrites one row meanwhile.
    SqliteStateStore(store.path).verdict_cache().put_many(
        [("b.hu", registered("Y"), T0 + timedelta(days=1))], T0
    )

    second = worker.get_many(["a.hu", "b.hu"], T0 + timedelta(hours=1))

    assert second["a.hu"] == first["a.hu"] == registered()
    assert second["b.hu"] == registered("Y")
    assert worker.get_many(["a.hu"], T0 + timedelta(days=1)) == {}  # expiry still applies


def test_a_row_rewritten_with_a_new_expiry_is_seen(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "s.sqlite")
    worker = store.verdict_cache()
    worker.put_many([("a.hu", registered(), T0 + timedelta(hours=1))], T0)
    assert worker.get_many(["a.hu"], T0) == {"a.hu": registered()}
    worker.put_many([("a.hu", registered(), T0 + timedelta(hours=5))], T0)
    assert worker.get_many(["a.hu"], T0 + timedelta(hours=2)) == {"a.hu": registered()}


# -- the live checker asks the cache once per pass and stores once ------------------------


def answering(statuses: dict[str, str]) -> Callable[[httpx.Request], httpx.Response]:
    """RDAP answers by name: 'free' is a 404, 'taken' a domain object, else a 403."""

    def answer(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        kind = statuses[name]
        if kind == "taken":  # the fixture names nic.cz
            body = json.loads(rdap_fixture("registered.json").content) | {"ldhName": name}
            return httpx.Response(200, json=body)
        return rdap_fixture("not_found.json" if kind == "free" else "forbidden.json")

    return answer


def test_a_pass_looks_up_once_and_stores_only_what_deserves_caching(tmp_path: Path) -> None:
    statuses = {"szabad.cz": "free", "foglalt.cz": "taken", "nemtudni.cz": "unknown"}
    fake = FakeTime()
    cache = InMemoryVerdictCache()
    checker = make_checker(live_settings(tmp_path), fake, answering(statuses), cache=cache)
    domains = [normalize_domain(n) for n in [*statuses, "szabad.cz"]]

    first = checker.check(domains)

    assert cache.calls == ["get_many", "put_many"]
    checked = first["szabad.cz"].checked_at
    assert checked is not None
    assert cache.entries == {
        "szabad.cz": (first["szabad.cz"], checked + timedelta(hours=1)),
        "foglalt.cz": (first["foglalt.cz"], checked + timedelta(hours=24)),
    }  # unknown is never cached
    cache.calls.clear()
    fake.clock.advance(minutes=30)

    second = checker.check(domains)

    assert cache.calls == ["get_many"]  # only `unknown` was asked again: nothing to store
    assert second["szabad.cz"] is first["szabad.cz"]
    assert second["nemtudni.cz"].verdict == Verdict.UNKNOWN


def test_5000_cached_names_cost_one_connection_and_no_lookup(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "s.sqlite")
    cache = store.verdict_cache()
    domains = [normalize_domain(f"ugyfel{i}.cz") for i in range(5000)]
    cache.put_many([(d.ascii, registered(), T0 + timedelta(days=1)) for d in domains], T0)
    store.reset()
    asked: list[Any] = []
    fake = FakeTime(T0)

    verdicts = make_checker(live_settings(tmp_path), fake, asked.append, cache=cache).check(domains)

    assert asked == [] and len(verdicts) == 5000
    assert store.connections == 1 and store.kinds() == ["SELECT"] * 10


def test_storing_forgets_what_has_expired_so_the_cache_does_not_grow_forever(
    tmp_path: Path,
) -> None:
    # A domain that left the sheet is never asked about again: only time removes it.
    budapest = timezone(timedelta(hours=1))
    for cache in caches(tmp_path):
        cache.put_many(
            [
                ("gone.hu", registered(), T0 + timedelta(hours=1)),
                ("kept.hu", registered(), (T0 + timedelta(hours=3)).astimezone(budapest)),
            ],
            T0,
        )
        cache.put_many([("new.hu", registered(), T0 + timedelta(days=1))], T0 + timedelta(hours=2))
        everything = cache.get_many(["gone.hu", "kept.hu", "new.hu"], T0)
        assert set(everything) == {"kept.hu", "new.hu"}, type(cache).__name__
    with sqlite3.connect(tmp_path / "a.sqlite") as db:
        names = {name for (name,) in db.execute("SELECT ascii FROM domain_verdicts")}
    assert names == {"kept.hu", "new.hu"}
