"""A worker reuses its previous pass's work only while nothing it depends on changed:
with and without the memo, every pass comes out the same."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.memory import WorkerState, advance, memory_of
from sheetsync.core.model import Code, Verdict
from sheetsync.core.result import SyncResult
from sheetsync.core.rows import hmac_fingerprinter
from sheetsync.run.reuse import PassMemo
from sheetsync.run.sync import run_sync
from sheetsync.settings import StatusHeaders
from sheetsync.testing import FakeClock, InMemoryDomainChecker, InMemorySheet
from tests.support.builders import CANARY, DONE, KEYS, NOW, client, sheet_rows
from tests.support.builders import settings as make_settings

pytestmark = pytest.mark.slow  # a property or fault suite: `make quick` leaves it out

SETTINGS = make_settings()
STATUS = list(StatusHeaders().model_dump())  # appended after the input columns
FINGERPRINT = hmac_fingerprinter(b"reuse-test-key")

# Values that move clients between stages and across time thresholds.
VALUES: dict[str, list[Any]] = {
    # Equal in Python (1 == 1.0 == True) but not as text ("1", "TRUE"): the row keys
    # must tell them apart. Repeated names change other rows' cross findings and keys.
    "client": ["Alfa Kft.", "Béta Bt.", "alfa kft.", 1, 1.0, True, "1", None],
    "email_type": ["saját", "létrehozott", None, "??"],
    "email": ["info@alfa.hu", "alfa.marketing@gmail.com", "nem-email", None],
    "email_password": [CANARY, "Masik-Jelszo-2!", None],
    "hosting_login": ["info@alfa.hu", None],
    "hosting_password": [CANARY, "Uj-Jelszo-3!", 123456, None],
    "managing_account": ["igen", "nem", "valaki@pelda.hu", True, 1, None],
    "package": ["Start", "Pro", 1, 1.0, True, "1", None],
    "domain": ["alfa.hu", "beta.hu", "foglalt.hu", "nem domain", None],
    "payment_method": ["bankkártya", "utalás", "csekk", None],
    "invoice_sent": ["2026. 11. 20.", "2026.11.25 09:00", True, 46351.0, None],
    "paid": ["igen", "nem", "2026.11.24 14:30", 46351.5, 1, 1.0, True, "1", None],
    "order_live": ["igen", False, "2026.11.25 10:00", None],
    "domain_application": ["beküldve", "Sikeres", "Sikertelen", "talán", None],
}

cells = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in VALUES.items()})
edit = st.tuples(st.just("edit"), st.integers(0, 3), st.sampled_from(sorted(VALUES)), st.data())
steps = st.one_of(
    edit,
    st.tuples(st.just("wait"), st.sampled_from([0, 1, 7, 9, 23, 25, 47, 49, 73, 200, -2, -30])),
    st.tuples(st.just("verdict"), st.sampled_from(["alfa.hu", "beta.hu", "foglalt.hu"])),
    st.tuples(st.just("swap"), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("dry run")),
    st.tuples(st.just("again")),
    st.tuples(st.just("insert"), st.integers(0, 5), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(st.just("copy name"), st.integers(0, 5), st.integers(0, 5)),
    st.tuples(st.just("status"), st.integers(0, 5), st.integers(0, len(STATUS)), st.data()),
    st.tuples(st.just("headers"), st.sampled_from(sorted(VALUES)), st.sampled_from(sorted(VALUES))),
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


def change(world: World, step: tuple[Any, ...], value: Any) -> None:
    """Apply a staff edit that does not depend on the clock or the checker."""
    grid = world.sheet.rows
    match step:
        case ("edit", index, key, _) if index + 2 <= len(grid):
            world.sheet.set(index + 2, KEYS.index(key), value)
        case ("swap", i, j) if max(i, j) + 1 < len(grid):
            grid[i + 1], grid[j + 1] = grid[j + 1], grid[i + 1]
        case ("insert", index, copy_it) if index + 1 <= len(grid):
            grid.insert(index + 1, list(grid[min(index + 1, len(grid) - 1)]) if copy_it else [])
        case ("delete", index) if index + 1 < len(grid):
            del grid[index + 1]
        case ("copy name", i, j) if max(i, j) + 1 < len(grid):
            name = grid[i + 1][0] if grid[i + 1] else None
            world.sheet.set(j + 2, 0, name)
        case ("status", index, column, _) if index + 2 <= len(grid):
            world.sheet.set(index + 2, len(KEYS) + column, value)
        case ("headers", a, b):
            header = grid[0]
            header[KEYS.index(a)], header[KEYS.index(b)] = (
                header[KEYS.index(b)],
                header[KEYS.index(a)],
            )


@given(st.lists(cells, min_size=1, max_size=6), st.lists(steps, min_size=1, max_size=12))
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
        value = None
        match step:
            case ("edit", _, key, data):
                value = data.draw(st.sampled_from(VALUES[key]))
            case ("status", _, _, data):
                value = data.draw(st.sampled_from(["Kész", "", " Kész ", 1, None]))
            case ("wait", hours):
                clock.advance(hours=hours)
            case ("verdict", name):
                now = checker.verdicts.get(name)
                checker.verdicts[name] = (
                    Verdict.AVAILABLE if now == Verdict.REGISTERED else Verdict.REGISTERED
                )
            case ("dry run",):
                dry_run = True
        for world in (reusing, fresh):
            change(world, step, value)
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
    before = world.sync(checker, clock, True)
    other_key = hmac_fingerprinter(b"another-install-key")
    rekeyed = run_sync(
        world.sheet, checker, SETTINGS, clock, fingerprint=other_key, memo=world.memo
    )
    old_prints = before.evaluations[0].row.secret_fingerprints
    assert rekeyed.evaluations[0].row.secret_fingerprints != old_prints
    english = make_settings(locale="en")
    result = run_sync(world.sheet, checker, english, clock, fingerprint=other_key, memo=world.memo)
    assert result.status[2].stage != before.status[2].stage


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


# -- row by row: a changed sheet keeps the work for its unchanged rows ---------------------

FIVE = [client(DONE, client=f"Ügyfél {n} Kft.", domain=f"ugyfel{n}.hu") for n in range(5)]


def afresh(world: World, clock: FakeClock, checker: InMemoryDomainChecker) -> SyncResult:
    """What a worker without a memo makes of the same sheet and memory (a dry run)."""
    copy_of = World(InMemorySheet(copy.deepcopy(world.sheet.rows)), None, world.state)
    return copy_of.sync(checker, clock, True)


def test_an_edit_of_one_row_reuses_the_others() -> None:
    world, clock, checker = settled(sheet_rows(*FIVE))
    memo = world.memo
    assert memo is not None
    before = world.sync(checker, clock, False)
    parsed, reused, hits = memo.rows_parsed, memo.rows_reused, memo.hits
    world.sheet.set(4, KEYS.index("package"), "Pro")
    after = world.sync(checker, clock, True)
    assert memo.hits == hits  # the version changed: no wholesale reuse
    assert (memo.rows_parsed - parsed, memo.rows_reused - reused) == (4, 4)
    kept = [a is b for a, b in zip(before.evaluations, after.evaluations, strict=True)]
    assert kept == [True, True, False, True, True]
    assert Code.PACKAGE_NOT_START in {f.code for f in after.evaluations[2].findings}
    same(after, afresh(world, clock, checker))


def test_our_own_status_write_does_not_stop_reuse() -> None:
    world, clock, checker = settled(sheet_rows(*FIVE))
    memo = world.memo
    assert memo is not None
    world.sheet.set(4, KEYS.index("package"), "Pro")
    first = world.sync(checker, clock, False)  # writes row 4's status: a new version
    assert first.outcome.rows_written == (4,)
    clock.advance(minutes=5)
    hits, reused = memo.hits, memo.rows_reused
    second = world.sync(checker, clock, False)
    assert memo.hits == hits
    assert memo.rows_reused - reused == 5
    assert second.evaluations[2] is first.evaluations[2]
    assert second.outcome.cells_written == 0


def test_a_value_equal_in_python_but_not_as_text_is_parsed_again() -> None:
    world, clock, checker = settled(sheet_rows(*FIVE))
    for value in (1, 1.0, True, "1"):
        world.sheet.set(3, KEYS.index("package"), value)
        result = world.sync(checker, clock, True)
        shown = {
            f.params["package"] for f in result.evaluations[1].findings if f.column == "package"
        }
        assert shown == {"TRUE" if value is True else "1"}
        same(result, afresh(world, clock, checker))
        clock.advance(minutes=5)


def test_a_repeated_name_changes_the_findings_and_history_key_of_an_untouched_row() -> None:
    world, clock, checker = settled(sheet_rows(*FIVE))
    world.sheet.set(2, KEYS.index("client"), "ügyfél 4 kft.")  # the first row takes row 6's name
    copied = world.sync(checker, clock, True)
    assert copied.evaluations[4].row.key == "ügyfél 4 kft.#2"
    assert Code.DUPLICATE_CLIENT in {f.code for f in copied.evaluations[4].findings}
    same(copied, afresh(world, clock, checker))
    world.sheet.set(2, KEYS.index("client"), "Ügyfél 0 Kft.")  # and back
    restored = world.sync(checker, clock, True)
    assert restored.evaluations[4].row.key == "ügyfél 4 kft."
    same(restored, afresh(world, clock, checker))


def test_an_inserted_row_shifts_the_rows_below_it() -> None:
    world, clock, checker = settled(sheet_rows(*FIVE))
    world.sheet.rows.insert(2, [None] * len(KEYS) + ["stale status"])
    world.sheet.rows.insert(2, [c for c in sheet_rows(DONE)[1]])
    result = world.sync(checker, clock, True)
    assert [e.row.row for e in result.evaluations] == [2, 3, 5, 6, 7, 8]
    same(result, afresh(world, clock, checker))


def test_the_memo_keeps_no_password_in_the_clear() -> None:
    secretive = [client(c, email_password=CANARY) for c in FIVE]
    world, clock, checker = settled(sheet_rows(*secretive))
    memo = world.memo
    assert memo is not None
    world.sheet.set(3, KEYS.index("hosting_password"), "Uj-" + CANARY)
    world.sync(checker, clock, False)
    parsed = memo._parsed
    assert parsed is not None and len(parsed.content) == 5
    assert all(type(k) is bytes and len(k) == 16 for k in parsed.content)  # digests
    held = repr(vars(memo)) + repr(vars(memo._keys))
    assert CANARY not in held
    assert CANARY.encode() not in b"".join(parsed.content)


def test_a_clock_gone_back_undoes_a_tripped_threshold_of_an_untouched_row() -> None:
    card_unpaid = client(DONE, paid=None, domain_application=None)
    world, clock, checker = settled(sheet_rows(card_unpaid, *FIVE[1:]))
    clock.advance(hours=25)
    due = world.sync(checker, clock, False)
    assert Code.CARD_PAYMENT_PENDING in {f.code for f in due.evaluations[0].findings}
    clock.advance(hours=-3)
    world.sheet.set(4, KEYS.index("package"), "Pro")  # elsewhere: a new version
    back = world.sync(checker, clock, True)
    assert Code.CARD_PAYMENT_PENDING not in {f.code for f in back.evaluations[0].findings}
    same(back, afresh(world, clock, checker))


def test_a_note_right_of_the_status_columns_makes_a_blank_row_a_row() -> None:
    world, clock, checker = settled(sheet_rows(*FIVE[:2], {}, FIVE[3]))
    assert [e.row.row for e in world.sync(checker, clock, True).evaluations] == [2, 3, 5]
    world.sheet.set(4, len(KEYS) + len(STATUS) + 1, "megjegyzés")
    noted = world.sync(checker, clock, True)
    assert [e.row.row for e in noted.evaluations] == [2, 3, 4, 5]
    same(noted, afresh(world, clock, checker))


def test_a_new_time_zone_or_fingerprint_key_parses_every_row_afresh() -> None:
    world, clock, checker = settled(sheet_rows(*FIVE))
    world.sheet.set(4, KEYS.index("package"), "Pro")  # a new version either way
    memory = memory_of(world.state)
    for options, key in (({"timezone": "America/New_York"}, b"reuse-test-key"), ({}, b"new")):
        other = make_settings(**options)
        kwargs: dict[str, Any] = {"memory": memory, "fingerprint": hmac_fingerprinter(key)}
        reused = run_sync(world.sheet, checker, other, clock, memo=world.memo, **kwargs)
        plain = run_sync(world.sheet, checker, other, clock, dry_run=True, **kwargs)
        assert reused.evaluations == plain.evaluations
        assert reused.status == plain.status
