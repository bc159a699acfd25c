"""A worker reuses its previous pass's work only while nothing it depends on changed:
with and without the memo, every pass comes out the same."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsync.history import WorkerState, advance, memory_of
from sheetsync.model import Code, Verdict
from sheetsync.reuse import PassMemo
from sheetsync.rows import hmac_fingerprinter
from sheetsync.sync import SyncResult, run_sync
from sheetsync.testing import FakeClock, InMemoryDomainChecker, InMemorySheet

from .builders import CANARY, DONE, KEYS, NOW, client, sheet_rows
from .builders import settings as make_settings

SETTINGS = make_settings()
FINGERPRINT = hmac_fingerprinter(b"reuse-test-key")

# Values that move clients between stages and across time thresholds.
VALUES: dict[str, list[Any]] = {
    "client": ["Alfa Kft.", "Béta Bt.", "alfa kft.", None],
    "email_type": ["saját", "létrehozott", None, "??"],
    "email": ["info@alfa.hu", "alfa.marketing@gmail.com", "nem-email", None],
    "email_password": [CANARY, "Masik-Jelszo-2!", None],
    "hosting_login": ["info@alfa.hu", None],
    "hosting_password": [CANARY, "Uj-Jelszo-3!", 123456, None],
    "managing_account": ["igen", "nem", "valaki@pelda.hu", True, 1, None],
    "package": ["Start", "Pro", None],
    "domain": ["alfa.hu", "beta.hu", "foglalt.hu", "nem domain", None],
    "payment_method": ["bankkártya", "utalás", "csekk", None],
    "invoice_sent": ["2026. 11. 20.", "2026.11.25 09:00", True, 46351.0, None],
    "paid": ["igen", "nem", "2026.11.24 14:30", 46351.5, 1, 1.0, True, None],
    "order_live": ["igen", False, "2026.11.25 10:00", None],
    "domain_application": ["beküldve", "Sikeres", "Sikertelen", "talán", None],
}

cells = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in VALUES.items()})
edit = st.tuples(st.just("edit"), st.integers(0, 3), st.sampled_from(sorted(VALUES)), st.data())
steps = st.one_of(
    edit,
    st.tuples(st.just("wait"), st.sampled_from([0, 1, 7, 9, 23, 25, 47, 49, 73, 200])),
    st.tuples(st.just("verdict"), st.sampled_from(["alfa.hu", "beta.hu", "foglalt.hu"])),
    st.tuples(st.just("swap"), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("dry run")),
    st.tuples(st.just("again")),
)


@dataclass
class World:
    """A worker's view: its sheet and what it remembers."""

    sheet: InMemorySheet
    memo: PassMemo | None
    state: WorkerState = field(default_factory=WorkerState)

    def sync(self, checker: InMemoryDomainChecker, clock: FakeClock, dry_run: bool) -> SyncResult:
        result = run_sync(
            self.sheet,
            checker,
            SETTINGS,
            clock,
            dry_run=dry_run,
            memory=memory_of(self.state),
            fingerprint=FINGERPRINT,
            memo=self.memo,
        )
        if not dry_run:
            self.state = advance(self.state, result)
        return result


def same(a: SyncResult, b: SyncResult) -> None:
    assert a.evaluations == b.evaluations
    assert a.status == b.status
    assert a.plan == b.plan
    assert a.outcome == b.outcome
    assert a.credential_changes == b.credential_changes


@settings(max_examples=150, deadline=None)
@given(st.lists(cells, min_size=1, max_size=4), st.lists(steps, min_size=1, max_size=12))
def test_a_pass_with_the_memo_equals_a_pass_without_it(
    clients: list[dict[str, Any]], script: list[tuple[Any, ...]]
) -> None:
    rows = sheet_rows(*clients)
    reusing = World(InMemorySheet(copy.deepcopy(rows)), PassMemo())
    fresh = World(InMemorySheet(copy.deepcopy(rows)), None)
    clock = FakeClock(NOW)
    checker = InMemoryDomainChecker({"foglalt.hu": Verdict.REGISTERED})
    same(reusing.sync(checker, clock, False), fresh.sync(checker, clock, False))
    for step in script:
        dry_run = False
        match step:
            case ("edit", index, key, data):
                value = data.draw(st.sampled_from(VALUES[key]))
                for world in (reusing, fresh):
                    if index + 2 <= len(world.sheet.rows):
                        world.sheet.set(index + 2, KEYS.index(key), value)
            case ("wait", hours):
                clock.advance(hours=hours)
            case ("verdict", name):
                now = checker.verdicts.get(name)
                checker.verdicts[name] = (
                    Verdict.AVAILABLE if now == Verdict.REGISTERED else Verdict.REGISTERED
                )
            case ("swap", i, j):
                for world in (reusing, fresh):
                    grid = world.sheet.rows
                    if max(i, j) + 1 < len(grid):
                        grid[i + 1], grid[j + 1] = grid[j + 1], grid[i + 1]
            case ("dry run",):
                dry_run = True
        clock.advance(minutes=5)
        same(reusing.sync(checker, clock, dry_run), fresh.sync(checker, clock, dry_run))
        assert reusing.sheet.rows == fresh.sheet.rows
        assert reusing.state == fresh.state


# -- when the memo is used, and when it must not be ----------------------------------------


def worker(rows: list[list[Any]]) -> tuple[World, FakeClock, InMemoryDomainChecker]:
    return World(InMemorySheet(rows), PassMemo()), FakeClock(NOW), InMemoryDomainChecker()


def settled(rows: list[list[Any]]) -> tuple[World, FakeClock, InMemoryDomainChecker]:
    """A worker after the passes that write statuses and record first-seen times."""
    world, clock, checker = worker(rows)
    for _ in range(3):
        world.sync(checker, clock, False)
        clock.advance(minutes=5)
    return world, clock, checker


def test_an_unchanged_sheet_reuses_the_previous_evaluations() -> None:
    world, clock, checker = settled(sheet_rows(DONE, client(DONE, client="Béta Bt.", paid=None)))
    assert world.memo is not None
    before = world.memo.hits
    first = world.sync(checker, clock, False)
    second = world.sync(checker, clock, False)
    assert world.memo.hits == before + 2
    assert second.evaluations is first.evaluations  # not recomputed: the very same objects
    assert second.outcome.cells_written == 0


def test_an_edited_cell_is_worked_out_afresh() -> None:
    world, clock, checker = settled(sheet_rows(DONE, client(DONE, client="Béta Bt.")))
    assert world.memo is not None
    world.sheet.set(3, KEYS.index("paid"), None)
    hits = world.memo.hits
    result = world.sync(checker, clock, False)
    assert world.memo.hits == hits
    assert result.evaluations[1].stage.value == "payment"


def test_a_changed_verdict_is_worked_out_afresh() -> None:
    undecided = client(DONE, domain_application=None)
    world, clock, checker = settled(sheet_rows(undecided))
    checker.verdicts["kovacspekseg.hu"] = Verdict.REGISTERED
    result = world.sync(checker, clock, False)
    assert Code.DOMAIN_TAKEN in {f.code for f in result.evaluations[0].findings}


def test_a_time_threshold_trips_even_when_nothing_else_changed() -> None:
    card_unpaid = client(DONE, paid=None, domain_application=None)
    world, clock, checker = settled(sheet_rows(card_unpaid))
    assert world.memo is not None
    clock.advance(hours=12)
    quiet = world.sync(checker, clock, False)
    assert world.memo.hits > 0
    assert Code.CARD_PAYMENT_PENDING not in {f.code for f in quiet.evaluations[0].findings}
    clock.advance(hours=13)  # more than a day since the worker first saw it unpaid
    due = world.sync(checker, clock, False)
    assert Code.CARD_PAYMENT_PENDING in {f.code for f in due.evaluations[0].findings}
    assert due.outcome.cells_written > 0


def test_a_clock_that_went_back_is_not_trusted_with_old_results() -> None:
    world, clock, checker = settled(sheet_rows(DONE))
    assert world.memo is not None
    hits = world.memo.hits
    clock.advance(hours=-1)
    world.sync(checker, clock, False)
    assert world.memo.hits == hits


def test_a_new_fingerprint_key_or_locale_parses_afresh() -> None:
    world, clock, checker = settled(sheet_rows(DONE))
    assert world.memo is not None
    snapshot = world.sheet.read()
    setup = world.memo.parsed(snapshot.version, ("other",))
    assert setup is None
    english = make_settings(locale="en")
    result = run_sync(world.sheet, checker, english, clock, memo=world.memo)
    assert result.status[2].stage != world.sync(checker, clock, True).status[2].stage


def test_a_plan_left_unwritten_is_made_again_with_the_time_of_this_pass() -> None:
    world, clock, checker = worker(sheet_rows(DONE))
    first = world.sync(checker, clock, True)  # dry run: the statuses stay unwritten
    clock.advance(minutes=30)
    second = world.sync(checker, clock, True)
    changed_at = first.layout.status["changed_at"]

    def stamps(result: SyncResult) -> set[str]:
        return {text for w in result.plan.rows for col, text in w.cells if col == changed_at}

    assert stamps(first) == {"2026. 11. 25. 12:00"}
    assert stamps(second) == {"2026. 11. 25. 12:30"}


def test_a_backend_without_versions_never_reuses() -> None:
    world, clock, checker = settled(sheet_rows(DONE))
    assert world.memo is not None

    class Unversioned(InMemorySheet):
        def read(self):  # type: ignore[no-untyped-def]
            snapshot = super().read()
            return type(snapshot)(snapshot.title, snapshot.rows)

    sheet = Unversioned(world.sheet.rows)
    hits = world.memo.hits
    for _ in range(3):
        run_sync(sheet, checker, SETTINGS, clock, memo=world.memo, fingerprint=FINGERPRINT)
    assert world.memo.hits == hits


def test_equal_values_of_other_types_are_different_versions() -> None:
    rows = sheet_rows(client(DONE, paid=1))
    versions = set()
    for value in (1, 1.0, True, "1"):
        rows[1][KEYS.index("paid")] = value
        versions.add(InMemorySheet(rows).read().version)
    assert len(versions) == 4


def test_the_time_a_threshold_trips_is_reported_with_the_evaluation() -> None:
    world, clock, checker = settled(sheet_rows(client(DONE, paid=None, domain_application=None)))
    result = world.sync(checker, clock, True)
    evaluation = result.evaluations[0]
    first_seen = world.state.rows[evaluation.row.key or ""].first_seen["card-unpaid"]
    assert evaluation.valid_until == first_seen + timedelta(days=1)


def test_a_fact_first_seen_by_the_last_pass_starts_its_clock() -> None:
    # Renaming the client leaves the status text as it was (nothing is written, the
    # sheet's version stays), but the facts are new under the new name.
    card_unpaid = client(DONE, paid=None, domain_application=None)
    world, clock, checker = settled(sheet_rows(card_unpaid))
    world.sheet.set(2, KEYS.index("client"), "Nagy Virág Bt.")
    renamed = world.sync(checker, clock, False)
    assert renamed.outcome.cells_written == 0
    clock.advance(minutes=5)
    world.sync(checker, clock, False)
    clock.advance(hours=25)
    due = world.sync(checker, clock, False)
    assert Code.CARD_PAYMENT_PENDING in {f.code for f in due.evaluations[0].findings}


def test_a_credential_change_stops_showing_after_its_day() -> None:
    world, clock, checker = settled(sheet_rows(DONE))
    world.sheet.set(2, KEYS.index("hosting_password"), "Uj-Jelszo-3!")
    for _ in range(2):
        shown = world.sync(checker, clock, False)
        clock.advance(minutes=5)
    assert Code.CREDENTIAL_CHANGED in {f.code for f in shown.evaluations[0].findings}
    clock.advance(hours=25)
    later = world.sync(checker, clock, False)
    assert Code.CREDENTIAL_CHANGED not in {f.code for f in later.evaluations[0].findings}


def test_other_thresholds_are_worked_out_afresh() -> None:
    card_unpaid = client(DONE, paid=None, domain_application=None)
    world, clock, checker = settled(sheet_rows(card_unpaid))
    clock.advance(hours=12)
    memory = memory_of(world.state)
    strict = make_settings(thresholds={"card_pending_days": 0.25})
    result = run_sync(
        world.sheet, checker, strict, clock, memory=memory, fingerprint=FINGERPRINT, memo=world.memo
    )
    assert Code.CARD_PAYMENT_PENDING in {f.code for f in result.evaluations[0].findings}
