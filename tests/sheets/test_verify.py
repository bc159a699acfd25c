"""The read after a write, judged (pure): which rows hold a status that is not theirs,
what puts them right, and what is left for the next sync."""

from __future__ import annotations

from typing import Any

import pytest

from sheetsync.core.values import CellValue
from sheetsync.sheets.guard import view_of_rows
from sheetsync.sheets.verify import Check, check, expect, settle, unverified
from tests.support.sheet_contract import HEADER, plan_for


def row(name: str | None, status: str | None = None, phone: str | None = None) -> list[Any]:
    if name is None:
        return [None, None, None, phone, status]
    slug = name.lower()
    return [name, f"info@{slug}.hu", f"{slug}.hu", phone, status]


GUARD = [HEADER, row("Alfa", "régi A"), row("Béta", "régi B"), row("Gamma", "régi G")]
WRITES = {2: [(4, "új A")], 4: [(4, "új G")]}
CELLS = [(2, 4, "új A"), (4, 4, "új G")]


def expectation(
    guard: list[list[CellValue]] = GUARD,
    writes: dict[int, list[tuple[int, str]]] = WRITES,
) -> Any:
    cells = [(n, col, text) for n, pairs in writes.items() for col, text in pairs]
    plan = plan_for(guard, writes)
    found = expect(plan, guard, view_of_rows(guard, plan), cells)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("after", "cells", "wrong"),
    [
        pytest.param(
            [HEADER, row("Alfa", "új A"), row("Béta", "régi B"), row("Gamma", "új G")],
            [], 0, id="nothing moved",
        ),
        pytest.param(
            [HEADER, row("Gamma", "új G"), row("Béta", "régi B"), row("Alfa", "új A")],
            [], 0, id="sorted after the write: statuses travelled with their rows",
        ),
        pytest.param(
            [HEADER, row("Gamma", "új A"), row("Béta", "régi B"), row("Alfa", "új G")],
            [(2, 4, "új G"), (4, 4, "új A")], 2, id="sorted before the write",
        ),
        pytest.param(
            [HEADER, row("Új", "új A"), row("Alfa", "régi A"), row("Béta", "új G"),
             row("Gamma", "régi G")],
            [(2, 4, ""), (3, 4, "új A"), (4, 4, "régi B"), (5, 4, "új G")], 4,
            id="inserted before the write: a stray cleared, a displaced status put back",
        ),
        pytest.param(
            [HEADER, row("Béta", "új A"), row("Gamma", "régi G"), row(None, "új G")],
            [(2, 4, "régi B"), (3, 4, "új G"), (4, 4, "")], 3,
            id="deleted before the write: the last write fell below the rows",
        ),
        pytest.param(
            [HEADER, row("Alfa", "új A"), row("Béta", "régi B")],
            [], 0, id="deleted after the write: nothing to say about a row that is gone",
        ),
        pytest.param(
            [HEADER, row("Alfa", "új A"), row("Új", "kézzel írt"), row("Béta", "régi B"),
             row("Gamma", "új G")],
            [], 0, id="a new row with a status of its own is left alone",
        ),
    ],
)  # fmt: skip
def test_every_row_is_compared_with_what_it_should_hold(
    after: list[list[CellValue]], cells: list[tuple[int, int, str]], wrong: int
) -> None:
    found = check(expectation(), after)
    assert sorted(found.cells) == cells
    assert found.rows_wrong == wrong
    assert found.unconfirmed == 0


def test_rows_without_an_identity_are_told_apart_by_their_other_cells() -> None:
    guard = [HEADER, row(None, "régi 1", "+36 1"), row(None, "régi 2", "+36 2")]
    exp = expectation(guard, {2: [(4, "új 1")]})
    swapped_first = [HEADER, row(None, "új 1", "+36 2"), row(None, "régi 1", "+36 1")]
    found = check(exp, swapped_first)
    assert sorted(found.cells) == [(2, 4, "régi 2"), (3, 4, "új 1")]


def test_rows_sharing_an_identity_whose_number_changed_are_not_confirmed() -> None:
    guard = [HEADER, row("Alfa", "régi 1"), row("Alfa", "régi 2"), row("Béta", "régi B")]
    exp = expectation(guard, {2: [(4, "új 1")], 3: [(4, "új 2")]})
    one_deleted = [HEADER, row("Alfa", "új 2"), row("Béta", "régi B")]
    found = check(exp, one_deleted)
    assert found.cells == () and found.rows_wrong == 0
    assert found.unconfirmed == 2  # the next sync sees to them


def test_a_stale_status_cleared_below_the_rows_is_confirmed_by_its_absence() -> None:
    guard = [HEADER, row("Alfa", "régi A"), row(None, "régi")]
    exp = expectation(guard, {2: [(4, "új A")], 3: [(4, "")]})
    found = check(exp, [HEADER, row("Alfa", "új A")])  # the API leaves out empty rows
    assert found == Check((), 0, 0)


def test_clearing_a_stale_status_is_not_taken_for_a_status_elsewhere() -> None:
    guard = [HEADER, row("Alfa", "régi A"), row(None, "régi"), row("Béta", "régi B")]
    exp = expectation(guard, {3: [(4, "")]})
    inserted = [HEADER, row("Alfa", "régi A"), [], row(None, None), row("Béta", "régi B")]
    assert check(exp, inserted).cells == ()


def test_a_changed_header_row_makes_the_write_unverifiable() -> None:
    moved = [["Sorszám", *HEADER], *[[None, *r] for r in GUARD[1:]]]
    found = check(expectation(), moved)
    assert found.header_changed and found.cells == ()
    settled = settle(found)
    assert settled.left == 2 and settled.note and "header row changed" in settled.note


def test_nothing_to_verify_when_only_header_cells_were_written() -> None:
    plan = plan_for(GUARD, {}, new_headers=((5, "Következő lépés"),))
    assert expect(plan, GUARD, view_of_rows(GUARD, plan), [(1, 5, "Következő lépés")]) is None


@pytest.mark.parametrize(
    ("first", "second", "repaired", "left"),
    [
        (Check((), 0, 0), None, 0, 0),
        (Check((), 0, 2), None, 0, 2),
        (Check(((2, 4, "x"),) * 3, 3, 0), Check((), 0, 0), 3, 0),
        (Check(((2, 4, "x"),) * 3, 3, 1), Check(((2, 4, "x"),), 1, 1), 2, 2),
    ],
)
def test_the_account_says_how_many_rows_were_put_right_and_how_many_are_left(
    first: Check, second: Check | None, repaired: int, left: int
) -> None:
    settled = settle(first, second, cells_written=len(first.cells) if second else 0)
    assert (settled.repaired, settled.left) == (repaired, left)
    assert (settled.note is None) == (repaired == left == 0)
    if left:
        assert settled.note and "the next sync" in settled.note


def test_an_unverified_write_leaves_every_row_it_wrote() -> None:
    settled = unverified(5, "the write could not be verified (HTTP 503)")
    assert settled.left == 5 and settled.note and settled.note.endswith("checks every row")
