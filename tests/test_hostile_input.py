"""Hostile sheets: whatever staff (or a paste accident) put in, a sync never raises,
never writes outside its own status cells, and gives every data row a status."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.values import CellValue
from sheetsync.run.sync import run_sync
from sheetsync.testing import FakeClock, InMemoryDomainChecker, InMemorySheet
from tests.support.builders import HEADERS, KEYS, NOW
from tests.support.builders import settings as make_settings

HEADER_TEXTS = [*HEADERS.model_dump().values(), "Telefon", "", "Állapot", "ügyfél NEVE:"]
NASTY = ["=HYPERLINK(\"http://x\")", "+36 30", "-1", "@SUM(A1)", "\x00", "\u202e", "x" * 50_000,
         "2026. 13. 45.", "igen", "nem", "✓", "Sikeres", "beküldve", "utalás", "https://www.Példa.hu/",
         "xn--", "a@b", "penzugy@sparrow.hu", " ", "\n\t", "1e309", "NaN"]  # fmt: skip

cells = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(NASTY),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
)

pytestmark = pytest.mark.slow  # a property or fault suite: `make quick` leaves it out
rows = st.lists(st.lists(cells, max_size=len(KEYS) + 3), max_size=12)
headers = st.lists(st.sampled_from(HEADER_TEXTS), min_size=1, max_size=len(KEYS) + 3)


@given(header=headers, body=rows)
def test_random_sheets_never_break_the_sync(header: list[str], body: list[list[CellValue]]) -> None:
    sheet = InMemorySheet([["Ügyfél neve", *header], *body])
    before = [list(r) for r in sheet.rows]
    try:
        result = run_sync(sheet, InMemoryDomainChecker(), make_settings(), FakeClock(NOW))
    except Exception as exc:  # only the documented sheet-level error may stop a sync
        from sheetsync.errors import SheetLayoutError

        assert isinstance(exc, SheetLayoutError), repr(exc)
        assert sheet.rows == before
        return
    owned = set(result.layout.status.values())
    for number, row in enumerate(sheet.rows, start=1):
        for col, value in enumerate(row):
            old = (
                before[number - 1][col]
                if number <= len(before) and col < len(before[number - 1])
                else None
            )
            if col not in owned or number < result.layout.header_row:
                assert repr(value) == repr(old), (number, col)  # repr: NaN equals NaN
    stage_col = result.layout.status["stage"]
    for evaluation in result.evaluations:
        assert sheet.get(evaluation.row.row, stage_col), evaluation.row.row
    assert all(isinstance(v, str) for _, _, v in sheet.written)
