"""A long-lived worker reuses the previous pass's bookkeeping (state, memory, report
snapshots); every reuse must give exactly what building it anew gives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.memory import (
    AdvanceMemo,
    Memory,
    MemoryMemo,
    RowMemory,
    WorkerState,
    advance,
    memory_of,
)
from sheetsync.core.result import SyncResult
from sheetsync.core.rows import hmac_fingerprinter
from sheetsync.core.snapshot import (
    QUIET_CODES,
    Changes,
    ReportSnapshot,
    SnapshotMemo,
    diff,
    snapshot_of,
)
from sheetsync.core.texts import Texts
from sheetsync.run.sync import run_sync
from sheetsync.settings import SlackSettings
from sheetsync.state.sqlite import SqliteStateStore
from sheetsync.testing import FakeClock, InMemorySheet
from tests.support import worker_fixtures as wf

NAMES = ["Alfa Kft", "Béta Bt", "Gamma Zrt", "Delta Kft"]
T = wf.MONDAY_9
KEYED = hmac_fingerprinter(b"reuse-test-key-0123456789abcdef")

# One client's cells: enough variety to move stages, facts, findings and fingerprints.
clients = st.builds(
    lambda name, method, paid, password, live: wf.client(
        name, payment_method=method, paid=paid, hosting_password=password, order_live=live
    ),
    st.sampled_from(NAMES),
    st.sampled_from([None, "bankkártya", "utalás"]),
    st.sampled_from([None, "igen"]),
    st.sampled_from([None, "pw-1", "pw-2"]),
    st.sampled_from([None, "igen"]),
)
# Each pass: the sheet's client rows, the hours since the last pass, and whether the
# core hands back last pass's objects for rows it judged unchanged (the row memo).
passes = st.lists(
    st.tuples(st.lists(clients, max_size=4), st.sampled_from([0.1, 5, 30]), st.booleans()),
    min_size=1,
    max_size=6,
)

pytestmark = pytest.mark.slow  # a property or fault suite: `make quick` leaves it out


def plain_advance(state: WorkerState, result: SyncResult) -> WorkerState:
    """`advance` as it was before any reuse: the oracle."""
    rows = {}
    for evaluation in result.evaluations:
        key = evaluation.row.key
        if key is None:
            continue
        before = state.rows.get(key, RowMemory(evaluation.row.row)).first_seen
        rows[key] = RowMemory(
            row=evaluation.row.row,
            status=result.status.get(evaluation.row.row),
            first_seen={f: before.get(f, result.started_at) for f in evaluation.observed_facts},
            fingerprints=dict(evaluation.row.secret_fingerprints),
            credential_changes=dict(result.credential_changes.get(key, ())),
        )
    failure = state.failure
    if failure is not None:
        failure = (
            replace(failure, recovered_at=failure.recovered_at or result.finished_at)
            if failure.announced
            else None
        )
    return replace(state, rows=rows, failure=failure)


def plain_diff(previous: ReportSnapshot, current: ReportSnapshot) -> Changes:
    """`diff` without its pass-over of unchanged clients: the oracle."""
    new_clients, new_problems, resolved, moved, ready, credentials = [], [], [], [], [], []
    for key, now in current.clients.items():
        before = previous.clients.get(key)
        old = {p.ident for p in before.problems} if before else set()
        new_problems += [(now, p) for p in now.problems if p.ident not in old]
        if before is None:
            new_clients.append(now)
        else:
            current_ids = {p.ident for p in now.problems}
            resolved += [(now, p) for p in before.problems if p.ident not in current_ids]
            if before.stage != now.stage:
                moved.append((now, before.stage))
        if now.ready and not (before and before.ready):
            ready.append(now)
        seen = set(before.credentials) if before else set()
        credentials += [(now, col, at) for col, at in now.credentials if (col, at) not in seen]
    loud = [(c, p) for c, p in new_problems if p.code not in QUIET_CODES]
    gone = [(c, p) for c, p in resolved if p.code not in QUIET_CODES]
    return Changes(
        tuple(new_clients), tuple(loud), tuple(gone), tuple(moved), tuple(ready), tuple(credentials)
    )


def like_the_row_memo(previous: SyncResult | None, result: SyncResult) -> SyncResult:
    """`result` with last pass's very objects wherever they are equal, as the core's
    row memo hands them back."""
    if previous is None:
        return result
    old = {e.row.key or e.row.row: e for e in previous.evaluations}
    evaluations = []
    status = dict(result.status)
    for e in result.evaluations:
        before = old.get(e.row.key or e.row.row)
        if before == e:
            e = before
            if previous.status.get(e.row.row) == status.get(e.row.row):
                status[e.row.row] = previous.status[e.row.row]
        evaluations.append(e)
    return replace(result, evaluations=tuple(evaluations), status=status)


def results(steps: Sequence[tuple[list[list[object]], float, bool]]) -> list[SyncResult]:
    """The sync results of a sheet edited between passes, each pass remembering the last."""
    clock = FakeClock(wf.MONDAY_9)
    config = wf.settings()
    state, out, previous = WorkerState(), [], None
    for rows, hours, memo in steps:
        sheet = InMemorySheet([wf.HEADERS, *rows])  # type: ignore[list-item]
        result = run_sync(
            sheet, wf.domains(), config, clock, memory=memory_of(state), fingerprint=KEYED
        )
        result = like_the_row_memo(previous, result) if memo else result
        out.append(result)
        state, previous = plain_advance(state, result), result
        clock.advance(hours=hours)
    return out


@given(steps=passes)
def test_advance_equals_a_rebuild_and_keeps_every_unchanged_memory(
    steps: list[tuple[list[list[object]], float, bool]],
) -> None:
    state = plain = WorkerState()
    for result in results(steps):
        before, plain_before = state, plain
        state, plain = advance(state, result), plain_advance(plain, result)
        assert state == plain
        for key, memory in state.rows.items():
            if plain_before.rows.get(key) == plain.rows[key]:
                assert memory is before.rows[key]
        if state.rows == before.rows and state.failure == before.failure:
            assert state is before


def repeated(result: SyncResult, minutes: int) -> SyncResult:
    """The next pass over an unchanged sheet: the pass memo hands back the very same
    evaluations and statuses, at a later time."""
    later = timedelta(minutes=minutes)
    return replace(
        result, started_at=result.started_at + later, finished_at=result.finished_at + later
    )


@given(steps=passes)
def test_the_advance_memo_equals_a_rebuild_across_repeated_and_new_passes(
    steps: list[tuple[list[list[object]], float, bool]],
) -> None:
    memo, state, plain = AdvanceMemo(), WorkerState(), WorkerState()
    for result in results(steps):
        for again in (result, repeated(result, 5), repeated(result, 10)):
            before = state
            state, plain = memo.advance(state, again), plain_advance(plain, again)
            assert state == plain
        assert state.rows is before.rows  # the repeats kept every client's memory


def test_the_advance_memo_works_a_state_it_did_not_return_out_in_full() -> None:
    # After a failed save the worker loads the older state: it must not pass as current.
    rows = [wf.client("Alfa Kft", payment_method="bankkártya")]
    (result,) = results([(rows, 5, False)])
    memo = AdvanceMemo()
    saved = memo.advance(WorkerState(), result)
    assert saved.rows  # Alfa's first-seen facts
    older = WorkerState()
    assert memo.advance(older, repeated(result, 5)) == plain_advance(older, repeated(result, 5))
    other = replace(result, evaluations=tuple(result.evaluations))  # equal, not the same
    assert memo.advance(WorkerState(), other) == plain_advance(WorkerState(), other)


@pytest.mark.parametrize("differs", ["evaluations", "status", "credential changes"])
def test_the_advance_memo_visits_the_clients_when_any_input_is_not_the_last_one(
    differs: str,
) -> None:
    unpaid = [wf.client("Alfa Kft", payment_method="bankkártya")]
    paid = [wf.client("Alfa Kft", payment_method="bankkártya", paid="igen")]
    first, other = results([(unpaid, 5, False), (paid, 5, False)])
    memo = AdvanceMemo()
    state = memo.advance(WorkerState(), first)
    again = repeated(first, 5)
    if differs == "evaluations":  # other facts observed, the same status object
        again = replace(again, evaluations=other.evaluations)
    elif differs == "status":
        again = replace(again, status=dict(other.status))
    else:
        again = replace(again, credential_changes={"alfa kft": (("hosting_password", T),)})
    assert memo.advance(state, again) == plain_advance(state, again) != state


def test_a_changed_client_gets_a_new_memory_and_the_others_keep_theirs() -> None:
    rows = [wf.client("Alfa Kft"), wf.client("Béta Bt", payment_method="bankkártya")]
    first, second = results([(rows, 5, False), ([rows[0], wf.client("Béta Bt")], 5, True)])
    state = advance(WorkerState(), first)
    after = advance(state, second)
    assert after.rows["alfa kft"] is state.rows["alfa kft"]
    assert after.rows["béta bt"] != state.rows["béta bt"]
    assert after == plain_advance(state, second)


def test_a_client_whose_credential_changes_alone_differ_gets_a_new_memory() -> None:
    rows = [wf.client("Alfa Kft", hosting_password="pw-1")]
    first, second = results([(rows, 1, False), (rows, 1, True)])
    state = advance(WorkerState(), first)
    assert advance(state, second).rows["alfa kft"] is state.rows["alfa kft"]
    shown = replace(second, credential_changes={"alfa kft": (("hosting_password", T),)})
    after = advance(state, shown)
    assert after == plain_advance(state, shown)
    assert after.rows["alfa kft"].credential_changes == {"hosting_password": T}
    assert advance(after, second) == plain_advance(after, second)  # and when it expires


def test_a_client_whose_fingerprints_alone_differ_gets_a_new_memory() -> None:
    rows = [wf.client("Alfa Kft", hosting_password="pw-1")]
    first, second = results([(rows, 1, False), (rows, 1, True)])
    state = advance(WorkerState(), first)
    (e,) = second.evaluations
    printed = replace(e, row=replace(e.row, secret_fingerprints={"hosting_password": "f2"}))
    other = replace(second, evaluations=(printed,))
    assert advance(state, other) == plain_advance(state, other)
    assert advance(state, other).rows["alfa kft"].fingerprints == {"hosting_password": "f2"}


@given(steps=passes)
def test_the_memoized_memory_always_equals_a_rebuilt_one(
    steps: list[tuple[list[list[object]], float, bool]],
) -> None:
    memo, state = MemoryMemo(), WorkerState()
    for result in results(steps):
        state = advance(state, result)
        assert memo.of(state) == memory_of(state)


def test_the_memory_is_rebuilt_when_the_rows_differ_and_reused_when_equal() -> None:
    memo = MemoryMemo()
    one = WorkerState(rows={"a": RowMemory(2, fingerprints={"hosting_password": "f1"})})
    first = memo.of(one)
    assert memo.of(one) is first
    assert memo.of(WorkerState(rows=dict(one.rows), last_report="{}")) is first  # equal rows
    other = WorkerState(rows={"a": RowMemory(2, fingerprints={"hosting_password": "f2"})})
    assert memo.of(other) == memory_of(other) != first
    assert memo.of(WorkerState()) == Memory()


@given(steps=passes)
def test_memoized_snapshots_json_and_diffs_equal_plain_ones(
    steps: list[tuple[list[list[object]], float, bool]],
) -> None:
    memo = SnapshotMemo()
    sent: tuple[str, ReportSnapshot] | None = None
    for result in results(steps):
        current, plain = memo.snapshot_of(result), snapshot_of(result)
        assert current == plain
        text = memo.to_json(current)
        assert text == plain.to_json()
        if sent is not None:
            previous = memo.report(sent[0])
            assert diff(previous, current) == plain_diff(ReportSnapshot.from_json(sent[0]), plain)
        memo.sent(text, current)
        sent = (text, current)


def _one_result() -> SyncResult:
    rows = [wf.client("Alfa Kft", payment_method="bankkártya"), wf.client("Béta Bt", paid="kp")]
    return results([(rows, 5, False)])[0]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda r: replace(r, texts=Texts("en")), id="locale"),
        pytest.param(
            lambda r: replace(
                r, layout=replace(r.layout, labels={**r.layout.labels, "paid": "Fizetve?"})
            ),
            id="column-label",
        ),
        pytest.param(
            lambda r: replace(r, row_urls={n: f"{u}-moved" for n, u in r.row_urls.items()}),
            id="row-url",
        ),
        pytest.param(
            lambda r: replace(
                r, credential_changes={"alfa kft": (("hosting_password", r.started_at),)}
            ),
            id="credential-change",
        ),
    ],
)
def test_a_client_snapshot_is_remade_when_an_input_besides_the_row_changes(change) -> None:  # type: ignore[no-untyped-def]
    memo, result = SnapshotMemo(), _one_result()
    memo.snapshot_of(result)
    changed = change(result)
    assert memo.snapshot_of(changed) == snapshot_of(changed) != snapshot_of(result)


def test_an_unchanged_client_keeps_its_snapshot_object_and_diff_passes_over_it() -> None:
    memo, result = SnapshotMemo(), _one_result()
    first = memo.snapshot_of(result)
    again = memo.snapshot_of(replace(result, finished_at=result.finished_at + timedelta(1)))
    assert all(again.clients[k] is c for k, c in first.clients.items())
    assert diff(first, again).empty


def test_the_last_report_is_parsed_again_only_when_its_text_differs() -> None:
    memo, current = SnapshotMemo(), snapshot_of(_one_result())
    text = current.to_json()
    memo.sent(text, current)
    assert memo.report(text) is current
    other = ReportSnapshot(current.sheet, current.at, {})
    assert memo.report(other.to_json()) == other
    assert memo.report(text) == ReportSnapshot.from_json(text)


@given(steps=passes)
def test_a_long_lived_worker_sends_and_saves_what_a_restarted_one_does(
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[list[list[object]], float, bool]],
) -> None:
    """The oracle restarts the worker (a new store object too) before every pass, so
    nothing is reused from memory; both see the same sheet edits and clock."""
    base = tmp_path_factory.mktemp("reuse")
    config = wf.settings(slack=SlackSettings(digest_time="08:30"))
    key = base / "shared.key"  # the same fingerprints in both
    lasting = wf.Rig(SqliteStateStore(base / "a.sqlite", key), wf.sheet(), config)
    restarted = wf.Rig(SqliteStateStore(base / "b.sqlite", key), wf.sheet(), config)
    for rows, hours, _ in steps:
        restarted.restart(SqliteStateStore(base / "b.sqlite", key))
        for rig in (lasting, restarted):
            rig.sheet.rows[1:] = [list(r) for r in rows]
            rig.run()
            rig.clock.advance(hours=hours)
        assert [m.payload() for m in lasting.notifier.sent] == [
            m.payload() for m in restarted.notifier.sent
        ]
        assert lasting.store.load() == SqliteStateStore(base / "b.sqlite", key).load()
        assert lasting.sheet.rows == restarted.sheet.rows
