"""Hostile sheets through the real backends: the local workbook (openpyxl) and the
Google Sheets fake. Whatever the cells hold — random headers, ragged rows, any
Unicode, formulas and `=`/`+`/`-`/`@` prefixes, 50,000-character cells, NUL and
other control characters (which .xlsx cannot store) — a sync never raises (except
the documented SheetLayoutError, which writes nothing), never writes outside its
status cells, gives every data row a status, and a second sync writes nothing.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import responses
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from sheetsync.core.result import SyncResult
from sheetsync.errors import SheetLayoutError
from sheetsync.run.sync import run_sync
from sheetsync.sheets.workbook import WorkbookSheet
from sheetsync.testing import FakeClock, InMemoryDomainChecker
from tests.support.builders import HEADERS, KEYS, NOW
from tests.support.builders import settings as make_settings
from tests.support.google_fake import FakeSheetsApi, google_sheet

HEADER_TEXTS = [*HEADERS.model_dump().values(), "Telefon", "", "Állapot", "ügyfél NEVE:", "=A1"]
NASTY = [
    "=HYPERLINK(\"http://x\")", "=1+1", "+36 30 123 4567", "-1", "@SUM(A1)", "\x00", "a\x00b",
    "\x07\x1b[31m", "\u202e", "\ufeff", "x" * 50_000, "é" * 50_000, "2026. 13. 45.", "igen",
    "✓", "Sikeres", "beküldve", "utalás", "https://www.Példa.hu/", "xn--", "a@b",
    "penzugy@sparrow.hu", " ", "\n\t", "1e309", "NaN", "  Alfa  ", "Alfa\r\n", "'=A1",
]  # fmt: skip

text_cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=5),
)
cells = st.one_of(
    st.none(),
    text_cells,
    st.integers(min_value=-(2**53), max_value=2**53),
    # Finite and well inside a double: openpyxl writes 17 significant digits, so a value
    # at the very edge (1.7976931348623155e308) reads back as inf and is lost when the
    # workbook is saved — a limit of the file format round trip, not of the sync.
    st.floats(min_value=-1e300, max_value=1e300),
    st.booleans(),
)

pytestmark = pytest.mark.slow  # a property or fault suite: `make quick` leaves it out
rows = st.lists(st.lists(cells, max_size=len(KEYS) + 3), max_size=10)
headers = st.lists(st.sampled_from(HEADER_TEXTS), min_size=1, max_size=len(KEYS) + 3)
CLIENT = "Ügyfél neve"


def sync(sheet: Any) -> SyncResult | None:
    """None when the sheet-level error stopped the sync (it must write nothing)."""
    try:
        return run_sync(sheet, InMemoryDomainChecker(), make_settings(), FakeClock(NOW))
    except SheetLayoutError:
        return None


def check_only_owned_cells_changed(
    before: list[list[Any]], after: list[list[Any]], result: SyncResult
) -> None:
    owned = set(result.layout.status.values())
    for number in range(1, max(len(before), len(after)) + 1):
        old = before[number - 1] if number <= len(before) else []
        new = after[number - 1] if number <= len(after) else []
        for col in range(max(len(old), len(new))):
            was = old[col] if col < len(old) else None
            now = new[col] if col < len(new) else None
            if col in owned and number >= result.layout.header_row:
                # text, never a formula or number; `Állapot változott` is a date-time
                stamp = col == result.layout.status["changed_at"]
                kinds = (str, datetime) if stamp and number > 1 else str
                assert now is None or isinstance(now, kinds), (number, col, now)
                continue
            assert _same(was, now), (number, col, was, now)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b or (a in (None, "") and b in (None, "")))


def check_every_row_has_a_status(result: SyncResult, get: Any) -> None:
    stage = result.layout.status["stage"]
    for evaluation in result.evaluations:
        assert get(evaluation.row.row, stage), evaluation.row.row


# -- the local workbook -----------------------------------------------------------------


def xlsx_safe(value: Any) -> Any:
    """What a .xlsx can hold: control characters are not allowed in its XML."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def read_back(path: Path) -> list[list[Any]]:
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@given(header=headers, body=rows)
def test_random_sheets_never_break_a_workbook_sync(
    tmp_path_factory: Any, header: list[str], body: list[list[Any]]
) -> None:
    path = tmp_path_factory.mktemp("book") / "ugyfelek.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    for row in [[CLIENT, *header], *body]:
        ws.append([xlsx_safe(v) for v in row])
    book.save(path)
    before = read_back(path)
    sheet = WorkbookSheet(path)

    result = sync(sheet)

    after = read_back(path)
    if result is None:
        assert after == before
        return
    check_only_owned_cells_changed(before, after, result)
    check_every_row_has_a_status(
        result, lambda r, c: after[r - 1][c] if c < len(after[r - 1]) else None
    )
    again = sync(sheet)
    assert again is not None and again.outcome.cells_written == 0


# -- the Google Sheets fake -------------------------------------------------------------


@given(header=headers, body=rows)
def test_random_sheets_never_break_a_google_sync(header: list[str], body: list[list[Any]]) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        api = FakeSheetsApi()
        api.install(mock)
        width = max(len(r) for r in [[CLIENT, *header], *body])
        api.add_worksheet("Ügyfelek", [[CLIENT, *header], *body], cols=width)
        before = json.loads(json.dumps(api.sheet.cells))
        sheet = google_sheet(api)

        result = sync(sheet)

        after = api.sheet.cells
        if result is None:
            assert after == before
            assert api.count("values.batchUpdate") == 0
            return
        check_only_owned_cells_changed(before, after, result)
        check_every_row_has_a_status(result, api.sheet.get)
        again = sync(google_sheet(api))
        assert again is not None and again.outcome.cells_written == 0
