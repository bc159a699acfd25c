"""Planning writes: a status cell is written exactly when its text differs."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.layout import locate
from sheetsync.core.plan import STATUS_KEYS, StatusCells, identity_columns, plan_writes
from sheetsync.core.texts import Texts
from sheetsync.core.values import text_of
from sheetsync.settings import StatusHeaders
from sheetsync.sheets.guard import view_of_rows
from tests.support.builders import HEADERS, KEYS, NOW, sheet_rows

TEXTS = ["Kész", " Kész ", "a\nb", "a\r\nb", "", 1, True, None]
STATUS = list(StatusHeaders().model_dump())
AS_WANTED = "<as wanted>"


def norm(value: Any) -> str:
    return (text_of(value) or "").replace("\r\n", "\n")


status_row = st.tuples(
    st.one_of(st.none(), st.lists(st.sampled_from(TEXTS[:5]), min_size=4, max_size=4)),
    # per status cell: as wanted or some other value; a short list is a ragged row
    st.lists(st.one_of(st.just(AS_WANTED), st.sampled_from(TEXTS)), max_size=len(STATUS)),
)


@given(st.lists(status_row, min_size=1, max_size=5))
def test_a_status_cell_is_written_exactly_when_its_text_differs(
    drawn: list[tuple[list[str] | None, list[Any]]],
) -> None:
    rows = [
        (
            [((want or [""] * 4) + ["x"])[i] if c == AS_WANTED else c for i, c in enumerate(cells)],
            want,
        )
        for want, cells in drawn
    ]
    header = sheet_rows()[0] + [StatusHeaders().model_dump()[k] for k in STATUS]
    grid = [header] + [["Ügyfél"] + [None] * (len(KEYS) - 1) + cells for cells, _ in rows]
    layout = locate(grid, HEADERS, StatusHeaders())
    desired = {n + 2: StatusCells(*want) for n, (_, want) in enumerate(rows) if want}
    plan = plan_writes(grid, layout, desired, Texts("hu"), NOW)
    written = {(w.row, col) for w in plan.rows for col, _ in w.cells}
    expected = set()
    for number, cells in enumerate(grid[1:], start=2):
        want = desired.get(number)
        texts = dict(zip(STATUS_KEYS, want.texts() if want else ("",) * 4, strict=True))
        changed = {
            (number, layout.status[k])
            for k, text in texts.items()
            if norm(cells[layout.status[k]] if layout.status[k] < len(cells) else None)
            != norm(text)
        }
        if changed:
            expected |= changed | {(number, layout.status["changed_at"])}
    assert written == expected


identity_cell = st.one_of(
    st.none(),
    st.integers(-3, 3),
    st.sampled_from(["Kovács", "Kova\u0301cs", " KOVÁCS ", "kovacs", "a@b.hu", "A@B.HU", ""]),
)


@given(st.lists(st.lists(identity_cell, max_size=len(KEYS)), max_size=6))
def test_the_plan_and_the_guard_read_work_out_identities_with_one_function(
    data: list[list[Any]],
) -> None:
    grid = [sheet_rows()[0], *data]
    layout = locate(grid, HEADERS, StatusHeaders())
    plan = plan_writes(grid, layout, {}, Texts("hu"), NOW)
    assert plan.identity_columns == identity_columns(layout)
    assert dict(plan.identities) == view_of_rows(grid, plan).identities
