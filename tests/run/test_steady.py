"""The steady-state skip: a long-lived worker answers an unchanged sheet with its last
result, and must then behave exactly as a worker that computes every pass anew."""

from __future__ import annotations

import pickle
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.model import Code, Verdict
from sheetsync.core.snapshot import snapshot_of
from sheetsync.errors import NotifierError
from sheetsync.settings import SlackSettings
from sheetsync.state.port import RunRecord
from sheetsync.state.sqlite import SqliteStateStore
from sheetsync.testing import InMemoryStateStore
from tests.support import worker_fixtures as wf

NAMES = ["Alfa Kft", "Béta Bt", "Gamma Zrt"]

clients = st.builds(
    lambda name, method, paid, password, live: wf.client(
        name, payment_method=method, paid=paid, hosting_password=password, order_live=live
    ),
    st.sampled_from(NAMES),
    st.sampled_from([None, "bankkártya", "utalás"]),
    st.sampled_from([None, "igen", 1, 1.0, True, "1"]),
    st.sampled_from([None, "pw-1", "pw-2"]),
    st.sampled_from([None, "igen"]),
)
# Each step: the client rows (None: leave the sheet as it is), hours to move the clock
# (negative: it went back), and whether the registry now says the domains are taken.
steps = st.lists(
    st.tuples(
        st.one_of(st.none(), st.lists(clients, max_size=3)),
        st.sampled_from([0.01, 0.01, 5, 25, -1]),
        st.booleans(),
    ),
    min_size=1,
    max_size=8,
)


@pytest.mark.slow
@given(steps=steps)
def test_a_long_lived_worker_sends_saves_and_writes_what_a_restarted_one_does(
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[list[list[object]] | None, float, bool]],
) -> None:
    """The oracle restarts its worker (and store object) before every pass, so it never
    skips; both see the same edits, verdicts and clock."""
    base = tmp_path_factory.mktemp("steady")
    config = wf.settings(slack=SlackSettings(digest_time="08:30"))
    key = base / "shared.key"  # the same fingerprints in both
    lasting = wf.Rig(SqliteStateStore(base / "a.sqlite", key), wf.sheet(), config)
    fresh = wf.Rig(SqliteStateStore(base / "b.sqlite", key), wf.sheet(), config)
    for rows, hours, taken in steps:
        fresh.restart(SqliteStateStore(base / "b.sqlite", key))
        for rig in (lasting, fresh):
            if rows is not None:
                rig.sheet.rows[1:] = [list(r) for r in rows]
            rig.checker.verdicts = {f"{n.lower().replace(' ', '')}.hu": Verdict.REGISTERED
                                    for n in NAMES} if taken else {}  # fmt: skip
            a = rig.run()
            assert a.error is None
            rig.clock.advance(hours=hours)
        assert lasting.sheet.rows == fresh.sheet.rows
        assert [m.payload() for m in lasting.notifier.sent] == [
            m.payload() for m in fresh.notifier.sent
        ]
        assert lasting.store.load() == SqliteStateStore(base / "b.sqlite", key).load()


# -- when the last result is reused, and when it is not --------------------------------


def settled(*rows: list[object]) -> wf.Rig:
    """A worker whose last pass wrote nothing: the next unchanged pass may be skipped."""
    rig = wf.Rig(InMemoryStateStore(), wf.sheet(*rows))  # type: ignore[arg-type]
    rig.run()  # writes the statuses and records first-seen times
    rig.clock.advance(minutes=5)
    rig.run()  # finds everything as it left it: this pass is remembered
    rig.clock.advance(minutes=5)
    assert rig.worker.last.reused == 0
    return rig


def test_an_unchanged_sheet_is_answered_with_the_last_result_and_the_run_recorded() -> None:
    rig = settled(wf.client("Alfa Kft", payment_method="utalás"))
    before = rig.store.load()
    runs = len(rig.store.runs)  # type: ignore[attr-defined]
    outcome = rig.run()
    assert rig.worker.last.reused == 1
    assert outcome.result is not None and outcome.result.outcome.cells_written == 0
    assert outcome.result.started_at == rig.clock().astimezone(outcome.result.started_at.tzinfo)
    assert rig.store.load() == before
    assert len(rig.store.runs) == runs + 1  # type: ignore[attr-defined]


def test_an_edited_cell_is_worked_out_afresh() -> None:
    rig = settled(wf.client("Alfa Kft", payment_method="utalás"))
    rig.sheet.set(2, rig.sheet.column("Fizetési mód"), "bankkártya")
    rig.run()
    assert rig.worker.last.reused == 0
    assert wf.cell(rig.sheet, "Alfa Kft", "Fizetési mód") == "bankkártya"


@pytest.mark.parametrize("other", [1.0, True, "1"])
def test_an_equal_value_of_another_type_is_worked_out_afresh(other: object) -> None:
    rig = settled(wf.client("Alfa Kft", payment_method="bankkártya", paid=1))
    rig.sheet.set(2, rig.sheet.column("Fizetve"), other)  # type: ignore[arg-type]
    rig.run()
    assert rig.worker.last.reused == 0


def test_a_changed_verdict_is_worked_out_afresh() -> None:
    rig = settled(wf.client("Alfa Kft"))
    rig.checker.verdicts = {"alfakft.hu": Verdict.REGISTERED}
    assert Code.DOMAIN_TAKEN in wf.codes(rig.run(), "Alfa Kft")
    assert rig.worker.last.reused == 0


def test_a_time_threshold_trips_although_nothing_else_changed() -> None:
    rig = settled(wf.client("Alfa Kft", payment_method="bankkártya"))
    assert Code.CARD_PAYMENT_PENDING not in wf.codes(rig.run(), "Alfa Kft")
    assert rig.worker.last.reused == 1
    rig.clock.advance(days=1)
    assert Code.CARD_PAYMENT_PENDING in wf.codes(rig.run(), "Alfa Kft")
    assert rig.worker.last.reused == 1


def test_a_first_seen_time_recorded_by_the_last_pass_starts_its_clock() -> None:
    """The pass that records a first-seen time changes what the rules read next."""
    rig = wf.Rig(InMemoryStateStore(), wf.sheet(wf.client("Alfa Kft")))  # type: ignore[arg-type]
    rig.run()
    rig.sheet.set(2, rig.sheet.column("Fizetési mód"), "bankkártya")
    rig.run()  # first sees "card chosen, unpaid"
    rig.clock.advance(days=1, seconds=1)
    assert Code.CARD_PAYMENT_PENDING in wf.codes(rig.run(), "Alfa Kft")


def test_a_clock_that_went_back_is_not_trusted_with_the_last_result() -> None:
    rig = settled(wf.client("Alfa Kft", payment_method="utalás"))
    rig.clock.advance(hours=-1)
    rig.run()
    assert rig.worker.last.reused == 0


def test_a_state_saved_by_another_process_is_read_afresh(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    rig = wf.Rig(SqliteStateStore(path), wf.sheet(wf.client("Alfa Kft", payment_method="utalás")))
    for _ in range(3):
        rig.run()
        rig.clock.advance(minutes=5)
    reused = rig.worker.last.reused
    other = SqliteStateStore(path)
    state = other.load()
    other.save(state.__class__(rows={}, last_report=state.last_report))  # history wiped
    rig.run()
    assert rig.worker.last.reused == reused


def test_a_credential_change_stops_showing_after_its_day() -> None:
    rig = settled(wf.client("Alfa Kft", hosting_password="pw-1"))
    rig.sheet.set(2, rig.sheet.column("Tárhely.eu jelszó"), "pw-2")
    assert Code.CREDENTIAL_CHANGED in wf.codes(rig.run(), "Alfa Kft")
    for _ in range(3):
        rig.clock.advance(hours=1)
        assert Code.CREDENTIAL_CHANGED in wf.codes(rig.run(), "Alfa Kft")
    rig.clock.advance(hours=22)
    assert Code.CREDENTIAL_CHANGED not in wf.codes(rig.run(), "Alfa Kft")


def test_a_summary_not_delivered_is_sent_again_by_the_next_pass() -> None:
    rig = settled(wf.client("Alfa Kft", payment_method="utalás"))
    rig.notifier.fail = NotifierError("down")
    rig.sheet.rows.append(wf.client("Béta Bt"))
    failed = rig.run()
    assert failed.message is not None and failed.delivered is False
    rig.notifier.fail = None
    rig.clock.advance(minutes=5)
    outcome = rig.run()
    assert outcome.delivered is True
    assert rig.worker.last.reused == 0


def test_the_daily_digest_is_sent_although_the_sheet_is_unchanged() -> None:
    config = wf.settings(slack=SlackSettings(digest_time="09:30"))
    store = InMemoryStateStore()
    rig = wf.Rig(store, wf.sheet(wf.client("Alfa Kft", payment_method="utalás")), config)  # type: ignore[arg-type]
    for _ in range(3):
        rig.run()
        rig.clock.advance(minutes=5)
    assert rig.worker.last.reused == 1  # the third pass
    sent = len(rig.notifier.sent)
    rig.clock.advance(minutes=30)  # past 09:30 in Budapest
    outcome = rig.run()
    assert outcome.delivered is True and len(rig.notifier.sent) == sent + 1
    assert rig.worker.last.reused == 1


def test_a_failed_pass_forgets_the_last_result() -> None:
    rig = settled(wf.client("Alfa Kft", payment_method="utalás"))
    header = rig.sheet.rows[0]
    rig.sheet.rows[0] = ["Valami más"] * len(header)
    assert rig.run().error is not None
    rig.sheet.rows[0] = header
    rig.run()
    assert rig.worker.last.reused == 0


def test_an_unchanged_pass_reads_the_sheet_once_and_writes_nothing() -> None:
    rig = settled(wf.client("Alfa Kft", payment_method="utalás"))
    reads, writes = rig.sheet.reads, rig.sheet.writes
    rig.run()
    assert (rig.sheet.reads - reads, rig.sheet.writes - writes) == (1, 0)
    rig.sheet.set(2, rig.sheet.column("Fizetve"), "igen")
    rig.run()
    assert rig.sheet.reads - reads == 2  # a pass that cannot skip still reads once


def test_the_kept_result_holds_no_password_in_the_clear() -> None:
    rig = settled(wf.client("Alfa Kft", hosting_password=wf.CANARY))
    rig.run()
    kept = pickle.dumps(rig.worker.last.__dict__)
    assert wf.CANARY.encode() not in kept
    assert wf.CANARY.encode("utf-8") not in pickle.dumps(snapshot_of(rig.run().result))  # type: ignore[arg-type]


def test_a_reused_pass_records_an_ok_run_for_health() -> None:
    rig = settled(wf.client("Alfa Kft", payment_method="utalás"))
    rig.run()
    last: RunRecord = rig.store.runs[-1]  # type: ignore[attr-defined]
    assert last.outcome == "ok" and last.rows == 1
    assert last.finished_at - last.started_at < timedelta(seconds=1)


def test_a_first_seen_time_recorded_by_a_pass_that_wrote_nothing_starts_its_clock() -> None:
    """A new state store over a sheet already annotated: the pass writes nothing but
    records when it first saw each fact, which the next pass must read."""
    rig = settled(wf.client("Alfa Kft", payment_method="bankkártya"))
    rig.restart(InMemoryStateStore())  # type: ignore[arg-type]
    rig.run()
    rig.clock.advance(days=1, seconds=1)
    assert Code.CARD_PAYMENT_PENDING in wf.codes(rig.run(), "Alfa Kft")
