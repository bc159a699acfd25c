"""The workbook backend loses nothing staff put in the file and fits its cells in.

Real .xlsx packages (tests/support/rich_workbook.py) with formulas and their cached
results, an image, a chart, a pivot cache, comments, a validation, a conditional
format, a defined name, merged cells and a summary sheet are synced, and the packages
before and after are compared member by member.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from sheetsync.core.model import Code, Verdict
from sheetsync.core.result import SyncResult
from sheetsync.domains.port import DomainChecker
from sheetsync.errors import SheetLayoutError
from sheetsync.run.sync import run_sync
from sheetsync.settings import Settings
from sheetsync.sheets.workbook import WorkbookSheet
from sheetsync.testing import FakeClock, InMemoryDomainChecker
from tests.support import rich_workbook
from tests.support.builders import BUD
from tests.support.sheet_contract import ROWS, plan_for
from tests.support.workbooks import write_workbook
from tests.support.worker_fixtures import HEADERS

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=BUD)
STATUS = ["Állapot", "Következő lépés", "Problémák", "Domain ellenőrzés", "Állapot változott"]
FIRST_STATUS = len(HEADERS)  # 0-based: the status columns are appended after the inputs
CLIENT_SHEET = "xl/worksheets/sheet2.xml"


def sync(path: Path, checker: DomainChecker | None = None, **sheet: object) -> SyncResult:
    settings = Settings(sheet={"path": path, **sheet})
    backend = WorkbookSheet(path, settings.sheet.worksheet, client_header="Ügyfél neve")
    return run_sync(backend, checker or InMemoryDomainChecker(), settings, FakeClock(NOW))


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {info.filename: package.read(info) for info in package.infolist()}


def cells(xml: bytes) -> dict[str, bytes]:
    """Every <c> element of a worksheet, by its reference."""
    return {
        m.group(1).decode(): m.group(0)
        for m in re.finditer(rb'<c r="([A-Z]+\d+)"[^>]*?(?:/>|>.*?</c>)', xml, re.S)
    }


def values(path: Path, sheet: str = rich_workbook.CLIENTS) -> list[list[object]]:
    with CalamineWorkbook.from_path(path) as book:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


@pytest.fixture
def rich(tmp_path: Path) -> Path:
    return rich_workbook.build(tmp_path / "ugyfelek.xlsx")


def test_every_member_but_the_client_sheet_and_its_formats_is_byte_identical(rich: Path) -> None:
    before = members(rich)
    result = sync(rich)
    after = members(rich)

    assert result.outcome.cells_written > 0
    assert list(after) == list(before)  # same members, same order
    changed = {name for name in before if before[name] != after[name]}
    # the worksheet written, its formats (wrap, date-time) and the autofilter's hidden
    # name in workbook.xml (Excel keeps it in step with the filter range)
    assert changed <= {CLIENT_SHEET, "xl/styles.xml", "xl/workbook.xml"}
    assert CLIENT_SHEET in changed
    for kept in ("xl/media/image1.png", "xl/charts/chart1.xml", "xl/drawings/drawing1.xml",
                 "xl/pivotCache/pivotCacheDefinition1.xml", "xl/comments/comment1.xml",
                 "xl/worksheets/sheet1.xml"):  # fmt: skip
        assert after[kept] == before[kept], kept
    workbook_before = re.sub(rb"\$[A-Z]+\$\d+</definedName>", b"", before["xl/workbook.xml"])
    workbook_after = re.sub(rb"\$[A-Z]+\$\d+</definedName>", b"", after["xl/workbook.xml"])
    assert workbook_after == workbook_before  # only a defined range's last column moved
    styles_before, styles_after = before["xl/styles.xml"], after["xl/styles.xml"]
    assert styles_after.startswith(styles_before[: styles_before.index(b"<numFmts")])


def test_every_cell_outside_the_status_columns_is_unchanged_formulas_and_results_too(
    rich: Path,
) -> None:
    before = members(rich)[CLIENT_SHEET]
    sync(rich)
    after = members(rich)[CLIENT_SHEET]

    old, new = cells(before), cells(after)
    staff = {ref for ref in old if _column(ref) < FIRST_STATUS}
    assert staff and all(new[ref] == old[ref] for ref in staff)
    assert {ref for ref in new if _column(ref) < FIRST_STATUS} == staff
    assert b"<f>CONCATENATE(" in new["A3"] and "<v>Kovács Pékség</v>".encode() in new["A3"]
    for part in (rb"<mergeCells.*?</mergeCells>", rb"<dataValidations.*?</dataValidations>",
                 rb"<conditionalFormatting.*?</conditionalFormatting>", rb"<sheetViews>.*?"
                 rb"</sheetViews>", rb"<legacyDrawing[^>]*>"):  # fmt: skip
        found = re.search(part, before, re.S)
        assert found is not None and found.group(0) in after, part


def test_values_staff_see_read_the_same_and_the_next_pass_writes_nothing(rich: Path) -> None:
    before = values(rich)
    summary = values(rich, rich_workbook.SUMMARY)
    first = sync(rich)
    after = values(rich)

    assert [row[:FIRST_STATUS] for row in after] == [row[:FIRST_STATUS] for row in before]
    assert after[2][0] == "Kovács Pékség" and after[4][0] == "Gamma Autó"  # formula results
    assert after[2][11] == date(2026, 3, 1)  # =DATE(…): payment date kept
    codes = {f.code for e in first.evaluations for f in e.findings}
    assert Code.MISSING_CLIENT_NAME not in codes
    kovacs = next(e for e in first.evaluations if e.row.client == "Kovács Pékség")
    assert kovacs.row.paid is not None
    assert sync(rich).outcome.cells_written == 0
    assert values(rich, rich_workbook.SUMMARY) == summary


def test_status_cells_fit_in_header_style_wrap_date_time_and_the_autofilter(rich: Path) -> None:
    sync(rich)
    book = openpyxl.load_workbook(rich)
    sheet = book[rich_workbook.CLIENTS]
    header = [sheet.cell(row=2, column=FIRST_STATUS + 1 + i) for i in range(len(STATUS))]
    staff_header = sheet.cell(row=2, column=FIRST_STATUS)

    assert [c.value for c in header] == STATUS
    assert all(c.font.b and c.fill.fgColor.rgb == staff_header.fill.fgColor.rgb for c in header)
    findings = sheet.cell(row=3, column=FIRST_STATUS + 3)
    assert findings.value and findings.alignment.wrap_text
    assert sheet.auto_filter.ref == f"A2:{_letter(FIRST_STATUS + len(STATUS) - 1)}6"
    stamped = sheet.cell(row=3, column=FIRST_STATUS + 5)
    assert stamped.is_date and stamped.value == NOW.replace(tzinfo=None)
    assert sheet.column_dimensions[_letter(FIRST_STATUS + 2)].width == 60
    with CalamineWorkbook.from_path(rich) as again:
        row = again.get_sheet_by_name(rich_workbook.CLIENTS).to_python()[2]
    assert row[FIRST_STATUS + 4] == NOW.replace(tzinfo=None)  # a date-time, Budapest time


def test_status_text_is_stored_as_typed_markup_escapes_and_limits_included(
    tmp_path: Path,
) -> None:
    path = write_workbook(tmp_path / "ugyfelek.xlsx", [list(r) for r in ROWS])
    text = "=1+1 & <b>_x0041_ \x07" + "é" * 40_000
    WorkbookSheet(path).write(plan_for(ROWS, {2: [(4, text)]}))
    written = values(path, "Ügyfelek")[1][4]
    assert written == text.replace("\x07", "")[:32_767]  # Excel's cell limit


def test_merged_cells_over_a_status_column_stop_the_write_naming_range_and_fix(
    tmp_path: Path,
) -> None:
    span = f"{_letter(FIRST_STATUS)}4:{_letter(FIRST_STATUS + 1)}4"
    path = rich_workbook.build(tmp_path / "ugyfelek.xlsx", merged=span)
    before = path.read_bytes()
    with pytest.raises(SheetLayoutError) as raised:
        sync(path)
    message = str(raised.value)
    assert span in message and "Állapot" in message and "unmerge" in message
    assert "\n" not in message and "nothing was written" in message
    assert path.read_bytes() == before
    assert span in str(openpyxl.load_workbook(path)[rich_workbook.CLIENTS].merged_cells)


def test_the_client_sheet_is_found_by_its_header_not_its_position(rich: Path) -> None:
    result = sync(rich)
    assert result.sheet == f"{rich.name} / {rich_workbook.CLIENTS}"
    summary = members(rich)["xl/worksheets/sheet1.xml"]
    assert "Állapot".encode() not in summary


def test_several_sheets_with_the_client_column_stop_and_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "ugyfelek.xlsx"
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "2025"
    first.append(["Ügyfél neve", "Domain"])
    second = book.create_sheet("2026")
    second.append(["ügyfél  neve:", "Domain"])
    book.save(path)
    with pytest.raises(SheetLayoutError, match=r"'2025', '2026'.*set sheet.worksheet"):
        sync(path)
    assert sync(path, worksheet="2026").sheet.endswith("/ 2026")


def test_a_sheet_starting_below_and_right_of_a1_is_read_from_a1(tmp_path: Path) -> None:
    path = tmp_path / "ugyfelek.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["C2"], sheet["D2"] = "Ügyfél neve", "Fizetve"
    sheet["C3"], sheet["D3"] = "Alfa Kft.", 2.0
    sheet["C4"], sheet["E4"] = "Béta Bt.", 2.5
    book.save(path)

    rows = WorkbookSheet(path).read().rows
    assert rows == [
        [None, None, None, None, None],
        [None, None, "Ügyfél neve", "Fizetve", None],
        [None, None, "Alfa Kft.", 2, None],
        [None, None, "Béta Bt.", None, 2.5],
    ]
    assert type(rows[2][3]) is int  # a whole number, as the core reads it


def test_equal_texts_are_read_as_one_object(tmp_path: Path) -> None:
    """A column repeats a few values on thousands of rows: one string each, not per cell."""
    path = write_workbook(tmp_path / "ugyfelek.xlsx", [["Ügyfél neve", "Csomag"],
                          ["Alfa", "Start"], ["Béta", "Start"], ["Gamma", "Pro"]])  # fmt: skip
    rows = WorkbookSheet(path).read().rows
    assert rows[1][1] == rows[2][1] == "Start" and rows[1][1] is rows[2][1]


def test_later_passes_reuse_the_formats_the_first_pass_added(rich: Path) -> None:
    sync(rich)
    before = members(rich)["xl/styles.xml"]
    taken = InMemoryDomainChecker({"kovacspekseg.hu": Verdict.REGISTERED})
    assert sync(rich, checker=taken).outcome.cells_written > 0  # the verdict changed
    assert members(rich)["xl/styles.xml"] == before


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    assert letters is not None
    index = 0
    for char in letters.group(0):
        index = index * 26 + ord(char) - 64
    return index - 1


def _letter(index: int) -> str:
    return openpyxl.utils.get_column_letter(index + 1)
