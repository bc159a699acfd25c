"""`sheetsync setup` on the local workbook: the rules it installs, a second run that
changes nothing, `--remove` that gives back the very package, and the staff's own
validations, formats and values untouched (real packages, compared member by member)."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from sheetsync.core.guides import SheetGuide, build_guide, guide_layout
from sheetsync.core.values import CellValue
from sheetsync.errors import SheetAccessError, SheetLayoutError
from sheetsync.settings import ColumnHeaders, StatusHeaders
from sheetsync.sheets.workbook import WorkbookSheet
from sheetsync.sheets.xlsx_guides import WorkbookGuides
from tests.sheets.test_workbook import CLIENT_SHEET, STATUS, members, sync
from tests.support import rich_workbook
from tests.support.builders import DONE, HEADERS, client, sheet_rows
from tests.support.workbooks import write_workbook


def planner(locale: str = "hu"):  # type: ignore[no-untyped-def]
    def plan(rows: list[list[CellValue]]) -> SheetGuide:
        return build_guide(guide_layout(rows, ColumnHeaders(), StatusHeaders()), locale)

    return plan


def set_up(path: Path, **kw: bool):  # type: ignore[no-untyped-def]
    return WorkbookGuides(WorkbookSheet(path)).set_up(planner(), **kw)


def values(path: Path) -> list[list[object]]:
    with CalamineWorkbook.from_path(path) as book:
        return [
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in book.sheet_names
        ]


def ours(path: Path, title: str = rich_workbook.CLIENTS):  # type: ignore[no-untyped-def]
    sheet = openpyxl.load_workbook(path)[title]
    validations = {
        str(dv.sqref): dv for dv in sheet.data_validations.dataValidation if dv.promptTitle
    }
    formats = {
        str(rng.sqref): [r.formula[0] for r in rules]
        for rng, rules in sheet.conditional_formatting._cf_rules.items()
    }
    return sheet, validations, formats


@pytest.fixture
def rich(tmp_path: Path) -> Path:
    path = rich_workbook.build(tmp_path / "ugyfelek.xlsx")
    sync(path)  # the status columns a sync appends: setup guards them
    return path


@pytest.mark.filterwarnings("ignore:Unknown extension")
def test_the_rules_sit_on_their_columns_with_their_lists(rich: Path) -> None:
    outcome = set_up(rich)
    assert outcome.applied and outcome.found == 0
    _, validations, formats = ours(rich)
    # rich_workbook: client A, type B, payment J, invoice K, paid L, order M, application N;
    # the status columns O–S. Managing account (G) has the staff's own validation.
    assert validations["B3:B1048576"].formula1 == '"saját,létrehozott"'
    assert validations["B3:B1048576"].errorStyle == "stop"
    assert validations["J3:J1048576"].formula1 == '"bankkártya,utalás"'
    assert validations["N3:N1048576"].formula1 == '"beküldve,Sikeres,Sikertelen"'
    assert validations["H3:H1048576"].errorStyle == "warning"  # package: Start, or another
    assert validations["L3:L1048576"].type == "date"
    assert validations["L3:L1048576"].errorStyle == "warning"
    assert validations["O2:S1048576"].type is None  # the guard: a message, any value
    assert "felülíródik" in (validations["O2:S1048576"].prompt or "")
    assert formats["O3:O1048576"] == ['AND(N("sheetsync:stage-done")=0,$O3="Kész")']
    assert [f[:36] for f in formats["Q3:Q1048576"]] == [
        'AND(N("sheetsync:findings-error")=0,',
        'AND(N("sheetsync:findings-warning")=',
    ]
    assert "A3:A1048576" in formats
    assert "G3:G1048576" not in validations
    assert any("'Kezelő fiók' (G)" in note for note in outcome.notes)


@pytest.mark.filterwarnings("ignore:Unknown extension")
def test_staff_values_formats_and_their_own_rules_are_untouched(rich: Path) -> None:
    before, cells_before = members(rich), values(rich)
    set_up(rich)
    after = members(rich)
    assert list(after) == list(before)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {CLIENT_SHEET, "xl/styles.xml"}
    assert values(rich) == cells_before  # not one cell's value, invalid ones included
    old, new = before[CLIENT_SHEET], after[CLIENT_SHEET]
    rows = re.compile(rb"<sheetData>.*</sheetData>", re.S)
    assert rows.search(old).group(0) == rows.search(new).group(0)  # type: ignore[union-attr]
    for staff in (rb"<dataValidation [^>]*sqref=\"G3:G20\".*?</dataValidation>",
                  rb"<conditionalFormatting sqref=\"J3:J20\">.*?</conditionalFormatting>",
                  rb"<autoFilter [^>]*/>", rb"<pane [^>]*/>"):  # fmt: skip
        assert re.search(staff, old, re.S).group(0) == re.search(staff, new, re.S).group(0)  # type: ignore[union-attr]
    sheet, _, formats = ours(rich)
    assert formats["J3:J20"] == ['"bankkártya"']
    assert sheet.freeze_panes == "B3"


@pytest.mark.filterwarnings("ignore:Unknown extension")
def test_a_second_run_changes_nothing_and_remove_gives_back_the_package(rich: Path) -> None:
    before = members(rich)
    set_up(rich)
    installed = rich.read_bytes()
    again = set_up(rich)
    assert not again.applied and again.changes == () and again.state == "current"
    assert rich.read_bytes() == installed
    dry = set_up(rich, remove=True, dry_run=True)
    assert {c.action for c in dry.changes} == {"remove"} and len(dry.changes) == 12
    assert rich.read_bytes() == installed
    removed = set_up(rich, remove=True)
    assert removed.applied
    assert members(rich) == before
    assert set_up(rich, remove=True).changes == ()


@pytest.mark.filterwarnings("ignore:Unknown extension")
def test_a_plain_workbook_gets_a_frozen_header_and_a_filter_and_loses_them_again(
    tmp_path: Path,
) -> None:
    path = write_workbook(tmp_path / "plain.xlsx", sheet_rows(client(DONE), extra=STATUS))  # type: ignore[arg-type]
    before = members(path)
    outcome = set_up(path)
    assert {"freeze", "filter"} <= {c.ident for c in outcome.changes}
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert (
        sheet.auto_filter.ref
        == f"A1:{openpyxl.utils.get_column_letter(len(HEADERS.model_dump()) + 5)}2"
    )
    assert set_up(path).changes == ()
    set_up(path, remove=True)
    assert members(path) == before


@pytest.mark.filterwarnings("ignore:Unknown extension")
def test_syncs_after_setup_keep_the_rules_and_write_nothing_when_unchanged(rich: Path) -> None:
    set_up(rich)
    assert sync(rich).outcome.cells_written == 0
    book = openpyxl.load_workbook(rich)
    book[rich_workbook.CLIENTS]["A6"] = "Epszilon Bt."  # a new client: a sync writes its row
    book.save(rich)  # (openpyxl drops the record: the rules are still recognised by marker)
    set_up(rich)
    assert sync(rich).outcome.cells_written > 0
    assert sync(rich).outcome.cells_written == 0
    _, validations, formats = ours(rich)
    assert "B3:B1048576" in validations and "O3:O1048576" in formats
    assert set_up(rich).changes == ()


def test_a_dry_run_lists_and_changes_nothing(rich: Path) -> None:
    before = rich.read_bytes()
    outcome = set_up(rich, dry_run=True)
    assert outcome.state == "not-applied" and not outcome.applied
    assert len(outcome.changes) == 12  # 7 value rules (G is the staff's), the guard, 4 colours
    assert rich.read_bytes() == before


def test_a_sheet_without_status_columns_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "new.xlsx", sheet_rows(client(DONE)))  # type: ignore[arg-type]
    before = path.read_bytes()
    with pytest.raises(SheetLayoutError, match="sheetsync sync"):
        set_up(path)
    assert path.read_bytes() == before


def test_a_workbook_open_in_excel_or_read_only_is_refused_and_left_alone(rich: Path) -> None:
    before = rich.read_bytes()
    lock = rich.with_name("~$" + rich.name)
    lock.write_bytes(b"\x08Kiss Anna" + b" " * 40)
    with pytest.raises(SheetAccessError, match="setup changed nothing"):
        set_up(rich)
    lock.unlink()
    os.chmod(rich, 0o444)
    try:
        with pytest.raises(SheetAccessError, match="read-only"):
            set_up(rich)
    finally:
        os.chmod(rich, 0o644)
    assert rich.read_bytes() == before
    assert zipfile.is_zipfile(rich)
