"""`sheetsync setup` on a workbook against what an outside attack on it found (session 4):
colour styles other rules use, a sheet with an Excel table, the staff's filter and pane,
validations kept in `extLst`, copies of setup's rules, a re-save by another tool, and a
1904 workbook. Each test is one of the attack's repro scripts made a test."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from sheetsync.core.guides import SheetGuide, build_guide, guide_layout
from sheetsync.core.values import CellValue
from sheetsync.errors import SheetAccessError
from sheetsync.settings import ColumnHeaders, StatusHeaders
from sheetsync.sheets import xlsx_guides
from sheetsync.sheets.workbook import WorkbookSheet
from sheetsync.sheets.xlsx_guides import WorkbookGuides
from tests.sheets.test_workbook import STATUS, members
from tests.support.builders import DONE, client, sheet_rows

pytestmark = pytest.mark.filterwarnings("ignore:Unknown extension")
SHEET1 = "xl/worksheets/sheet1.xml"
STYLES = "xl/styles.xml"
ROWS = sheet_rows(client(DONE), client(DONE, client="Béta Bt."), extra=STATUS)
# Columns of ROWS: client A, payment method K, the status columns Q–U (stage Q, findings S).
STAFF_DXF = b'<dxf><font><b/><color rgb="FF7030A0"/></font></dxf>'


def plan(rows: list[list[CellValue]]) -> SheetGuide:
    return build_guide(guide_layout(rows, ColumnHeaders(), StatusHeaders()), "hu")


def book(path: Path, *titles: str, date1904: bool = False) -> Path:
    """A workbook whose worksheets (`titles`) each hold ROWS, status columns included."""
    workbook = openpyxl.Workbook()
    if date1904:
        workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    first = workbook.active
    assert first is not None
    first.title = titles[0] if titles else "Ügyfelek"
    for title in titles[1:]:
        workbook.create_sheet(title)
    for sheet in workbook.worksheets:
        for row in ROWS:
            sheet.append(row)
    workbook.save(path)
    return path


def set_up(path: Path, worksheet: str | None = None, **kw: bool):  # type: ignore[no-untyped-def]
    return WorkbookGuides(WorkbookSheet(path, worksheet)).set_up(plan, **kw)  # type: ignore[arg-type]


def member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as package:
        return package.read(name)


def edit(path: Path, name: str, pattern: bytes, replacement: bytes) -> None:
    """What a person (or another tool) does to one member: a regex replaced in it."""
    with zipfile.ZipFile(path) as package:
        items = [(info, package.read(info)) for info in package.infolist()]
    found = False
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info, data in items:
            if info.filename == name:
                data, count = re.subn(pattern, replacement, data, flags=re.S)
                found = found or count > 0
            package.writestr(info, data)
    assert found, f"{pattern!r} not in {name}"
    path.write_bytes(out.getvalue())


def add_member(path: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path, "a") as package:
        package.writestr(name, data)


def dxfs(path: Path) -> list[bytes]:
    return re.findall(rb"<dxf\b.*?</dxf>|<dxf/>", member(path, STYLES), re.S)


def dxf_ids(xml: bytes) -> list[int]:
    return [int(i) for i in re.findall(rb'(?i:dxfid)="(\d+)"', xml)]


def resave(path: Path) -> None:
    """What openpyxl (like many tools) does: read and write the whole workbook."""
    with (
        pytest.warns(UserWarning, match="Unknown extension")
        if b"urn:sheetsync" in member(path, SHEET1)
        else _nothing()
    ):
        workbook = openpyxl.load_workbook(path)
    workbook.save(path)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def rules(path: Path, name: str = SHEET1) -> list[tuple[str, str]]:
    """(range, formula) of every conditional format rule of a worksheet."""
    xml = member(path, name)
    out = []
    blocks = rb'<conditionalFormatting sqref="([^"]+)">(.*?)</conditionalFormatting>'
    for block in re.finditer(blocks, xml, re.S):
        for formula in re.findall(rb"<formula>(.*?)</formula>", block.group(2), re.S):
            out.append((block.group(1).decode(), formula.decode()))
    return out


def outdate_a_rule(path: Path) -> None:
    """A prompt of setup's edited by hand: the next setup has something to change."""
    old = 'prompt="Válassz a listából: bankkártya'.encode()
    edit(path, SHEET1, re.escape(old), b'prompt="Pick: bankk')


# -- H2: colour styles (dxfs) other rules reference are never deleted or renumbered -------


def test_remove_on_one_worksheet_keeps_the_colour_styles_another_worksheets_rules_use(
    tmp_path: Path,
) -> None:
    path = book(tmp_path / "two.xlsx", "Ügyfelek", "B")
    styles = member(path, STYLES)
    set_up(path, "Ügyfelek")
    set_up(path, "B")
    assert len(dxfs(path)) == 4  # B's colours reuse the identical styles A's setup added
    set_up(path, "Ügyfelek", remove=True)
    count = len(dxfs(path))
    assert count == 4  # B's rules still use them
    other = member(path, "xl/worksheets/sheet2.xml")
    assert dxf_ids(other) and all(0 <= i < count for i in dxf_ids(other))
    workbook = openpyxl.load_workbook(path)  # an IndexError before the fix
    assert workbook["B"].conditional_formatting
    assert set_up(path, "B", dry_run=True).state == "current"
    set_up(path, "B", remove=True)  # the last user of them: now they go
    assert member(path, STYLES) == styles


def test_a_colour_style_the_staff_added_after_setup_is_kept_by_a_rerun_and_by_remove(
    tmp_path: Path,
) -> None:
    path = book(tmp_path / "u.xlsx")
    set_up(path)
    edit(path, STYLES, rb"</dxfs>", STAFF_DXF + b"</dxfs>")
    edit(path, STYLES, rb'<dxfs count="4">', b'<dxfs count="5">')
    staff_rule = (
        b'<conditionalFormatting sqref="B2:B9"><cfRule type="expression" dxfId="4" '
        b'priority="9"><formula>B2="x"</formula></cfRule></conditionalFormatting>'
    )
    edit(path, SHEET1, rb"(<conditionalFormatting )", staff_rule + rb"\1")
    outdate_a_rule(path)
    again = set_up(path)
    assert [c.ident for c in again.changes] == ["values:payment_method"]
    assert dxfs(path)[4] == STAFF_DXF and len(dxfs(path)) == 5  # not cut, nothing appended
    set_up(path, remove=True)
    assert STAFF_DXF in dxfs(path)
    xml = member(path, SHEET1)
    assert staff_rule.replace(b' priority="9"', b"") in xml.replace(b' priority="9"', b"")
    assert dxfs(path)[dxf_ids(xml)[0]] == STAFF_DXF
    assert openpyxl.load_workbook(path)


def test_a_table_style_referencing_setups_colour_style_keeps_it(tmp_path: Path) -> None:
    path = book(tmp_path / "u.xlsx")
    set_up(path)
    table = (b'<table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" id="9" '
             b'name="T9" displayName="T9" ref="A1:B3" headerRowDxfId="3"/>')  # fmt: skip
    add_member(path, "xl/tables/table9.xml", table)
    set_up(path, remove=True)
    assert len(dxfs(path)) == 4  # the last is referenced: none may go (only the tail could)


def test_a_rerun_reuses_an_identical_colour_style_instead_of_appending(tmp_path: Path) -> None:
    path = book(tmp_path / "u.xlsx")
    green = (
        b'<dxf><font><color rgb="FF006100"/></font><fill><patternFill><bgColor rgb="FFC6EFCE"/>'
        b"</patternFill></fill></dxf>"
    )  # Excel's "Green fill with dark green text": the same colours as setup's
    edit(path, STYLES, rb"<dxfs[^>]*/>|(?=<tableStyles)", b'<dxfs count="1">' + green + b"</dxfs>")
    set_up(path)
    assert len(dxfs(path)) == 4  # the green one is the staff's: reused, three appended
    set_up(path, remove=True)
    assert dxfs(path) == [green]


# -- H1: a worksheet with an Excel table gets no second filter ----------------------------


def test_a_worksheet_with_a_table_gets_no_autofilter(tmp_path: Path) -> None:
    path = book(tmp_path / "u.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook.active.add_table(Table(displayName="Ugyfelek", ref="A1:U3"))  # type: ignore[union-attr]
    workbook.save(path)
    outcome = set_up(path)
    xml = member(path, SHEET1)
    assert b"<autoFilter" not in xml and b"<tableParts" in xml
    assert "filter" not in {c.ident for c in outcome.changes}
    assert any("table" in note and "own filter" in note for note in outcome.notes)
    assert set_up(path, dry_run=True).state == "current"
    assert openpyxl.load_workbook(path).active.tables  # type: ignore[union-attr]


# -- H3, M2: the filter and the frozen pane are the staff's once installed ----------------


def test_the_staffs_filter_criteria_sort_and_pane_are_current_and_survive_rerun_and_remove(
    tmp_path: Path,
) -> None:
    path = book(tmp_path / "u.xlsx")
    set_up(path)
    criteria = (
        b'<autoFilter ref="A1:U3"><filterColumn colId="10"><filters>'
        b'<filter val="utal\xc3\xa1s"/></filters></filterColumn>'
        b'<sortState ref="A2:U3"><sortCondition ref="A2:A3"/></sortState></autoFilter>'
    )
    edit(path, SHEET1, rb'<autoFilter ref="A1:U3"/>', criteria)
    edit(path, SHEET1, rb'<row r="3"', b'<row r="3" hidden="1"')
    edit(path, SHEET1, rb'<pane ySplit="1" topLeftCell="A2"', b'<pane ySplit="2" topLeftCell="A3"')
    assert set_up(path, dry_run=True).state == "current"  # "outdated" before the fix
    outdate_a_rule(path)
    set_up(path)  # a rerun with something to change
    xml = member(path, SHEET1)
    assert criteria in xml and b'<pane ySplit="2" topLeftCell="A3"' in xml
    removed = set_up(path, remove=True)
    assert {"filter", "freeze"}.isdisjoint(c.ident for c in removed.changes)
    assert any(n.startswith("the filter") for n in removed.notes)
    assert any(n.startswith("the frozen pane") for n in removed.notes)
    xml = member(path, SHEET1)
    assert criteria in xml and b'<pane ySplit="2" topLeftCell="A3"' in xml
    assert b'<row r="3" hidden="1"' in xml


def test_a_new_client_row_leaves_setup_current(tmp_path: Path) -> None:
    path = book(tmp_path / "u.xlsx")
    set_up(path)
    row = (b'<row r="4"><c r="A4" t="inlineStr"><is><t>\xc3\x9aj \xc3\x9cgyf\xc3\xa9l Bt.</t>'
           b"</is></c></row></sheetData>")  # fmt: skip
    edit(path, SHEET1, rb"</sheetData>", row)
    edit(path, SHEET1, rb'<autoFilter ref="A1:U3"/>', b'<autoFilter ref="A1:V4"/>')
    assert set_up(path, dry_run=True).changes == ()


def test_an_untouched_filter_and_pane_are_removed_as_setup_left_them(tmp_path: Path) -> None:
    path = book(tmp_path / "u.xlsx")
    before = members(path)
    set_up(path)
    edit(path, SHEET1, rb'<autoFilter ref="A1:U3"/>', b'<autoFilter ref="A1:V9"/>')  # rows grew
    removed = set_up(path, remove=True)
    assert {"filter", "freeze"} <= {c.ident for c in removed.changes}
    assert members(path) == before


# -- H4, M3: validations the staff keep in extLst; a guard column left out is said --------

X14 = (
    b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    b'<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    b'<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
    b"<x14:formula1><xm:f>Jegyzetek!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>K2:K500 S2:S9"
    b"</xm:sqref></x14:dataValidation></x14:dataValidations></ext>"
    b'<ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    b'<x14:conditionalFormattings><x14:conditionalFormatting xmlns:xm="http://schemas.'
    b'microsoft.com/office/excel/2006/main"><x14:cfRule type="expression" priority="1" '
    b'id="{00000000-0000-0000-0000-000000000001}"><xm:f>AND(N("sheetsync:stage-done")=0,'
    b"$Q2=Jegyzetek!$A$1)</xm:f><x14:dxf><font><b/></font></x14:dxf></x14:cfRule>"
    b"<xm:sqref>Q2:Q1048576</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings>"
    b"</ext></extLst></worksheet>"
)  # a staff validation and a colour rule (carrying setup's marker) Excel keeps in extLst


def test_a_staff_validation_in_extlst_keeps_its_columns_out_of_setup(tmp_path: Path) -> None:
    path = book(tmp_path / "u.xlsx")
    edit(path, SHEET1, rb"</worksheet>\s*$", X14)
    outcome = set_up(path)
    xml = member(path, SHEET1)
    assert not re.search(rb'<dataValidation [^>]*sqref="K', xml)  # no dropdown stacked on it
    assert any("'Fizetési mód' (K)" in n and "of the staff's own" in n for n in outcome.notes)
    guard = re.search(rb'<dataValidation [^>]*promptTitle="sheetsync"[^>]*sqref="(Q[^"]*)"', xml)
    assert guard is not None and guard.group(1) == b"Q1:R1048576 T1:U1048576"
    assert any("'Problémák' (S)" in n and "no warning" in n for n in outcome.notes)
    assert b"Jegyzetek!$A$1:$A$3" in xml and X14[: -len(b"</extLst></worksheet>")] in xml
    assert outcome.found == 0 and set_up(path, dry_run=True).found == 12  # x14 rule not ours
    removed = set_up(path, remove=True)
    assert len([c for c in removed.changes if c.ident == "colour:stage-done"]) == 1
    assert member(path, SHEET1).endswith(X14)


def test_a_status_column_with_a_staff_validation_is_named_in_the_output(tmp_path: Path) -> None:
    path = book(tmp_path / "u.xlsx")
    workbook = openpyxl.load_workbook(path)
    dv = DataValidation(type="textLength", operator="lessThan", formula1="500", sqref="S2:S100")
    workbook.active.add_data_validation(dv)  # type: ignore[union-attr]
    workbook.save(path)
    outcome = set_up(path)
    assert any("'Problémák' (S)" in n and "no warning" in n for n in outcome.notes)


# -- H5: a copy of setup's rule elsewhere is the staff's ----------------------------------


def test_a_copied_colour_rule_on_another_range_is_the_staffs(tmp_path: Path) -> None:
    path = book(tmp_path / "u.xlsx")
    set_up(path)
    ours = re.search(rb'<conditionalFormatting sqref="Q2:Q1048576">.*?</conditionalFormatting>',
                     member(path, SHEET1), re.S)  # fmt: skip
    assert ours is not None
    copy = ours.group(0).replace(b'sqref="Q2:Q1048576"', b'sqref="B2:B50"')
    edit(path, SHEET1, rb"(<dataValidations)", copy.replace(b"\\", b"\\\\") + rb"\1")
    check = set_up(path, dry_run=True)
    assert check.state == "current" and check.found == 13  # the copy is not counted
    outdate_a_rule(path)
    set_up(path)
    assert ("B2:B50", 'AND(N("sheetsync:stage-done")=0,$Q2="Kész")') in rules(path)
    removed = set_up(path, remove=True)
    assert [c.ident for c in removed.changes].count("colour:stage-done") == 1
    assert rules(path) == [("B2:B50", 'AND(N("sheetsync:stage-done")=0,$Q2="Kész")')]


def validation_refs(path: Path) -> list[str]:
    return re.findall(r'<dataValidation\b[^>]*\bsqref="([^"]*)"', member(path, SHEET1).decode())


@pytest.mark.parametrize("how", ["the same validation extended", "a validation of its own"])
def test_a_dropdown_pasted_into_another_column_stays_the_staffs(tmp_path: Path, how: str) -> None:
    """The re-attack: Excel's paste of a cell with setup's dropdown into another column
    (K5 → P5) was deleted, unsaid, by the next setup or `--remove`."""
    path = book(tmp_path / "u.xlsx")
    set_up(path)
    if how == "the same validation extended":
        edit(path, SHEET1, rb'sqref="K2:K1048576"', b'sqref="K2:K1048576 P5"')
    else:
        ours = re.search(rb'<dataValidation [^>]*sqref="K2:K1048576".*?</dataValidation>',
                         member(path, SHEET1), re.S)  # fmt: skip
        assert ours is not None
        pasted = ours.group(0).replace(b'sqref="K2:K1048576"', b'sqref="P5"')
        edit(path, SHEET1, rb"(</dataValidations>)", pasted + rb"\1")
    set_up(path)
    assert "P5" in validation_refs(path) and "K2:K1048576" in validation_refs(path)
    assert set_up(path).changes == (), "a rerun changes nothing"
    set_up(path, remove=True)
    assert validation_refs(path) == ["P5"], "the pasted cell keeps its dropdown"


# -- M1: a re-save by another tool --------------------------------------------------------


def test_a_resaved_setup_is_current_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    path = book(tmp_path / "u.xlsx")
    set_up(path)
    for _ in range(3):
        resave(path)
        saved = path.read_bytes()
        check = set_up(path, dry_run=True)
        assert check.state == "current", check.changes
        assert set_up(path).changes == () and path.read_bytes() == saved
        assert len(dxfs(path)) == 4
    removed = set_up(path, remove=True)
    assert {c.ident for c in removed.changes if c.ident.startswith("colour:")} == {
        "colour:stage-done", "colour:findings-error", "colour:findings-warning", "colour:ready"
    }  # fmt: skip
    assert rules(path) == [] and b"promptTitle" not in member(path, SHEET1)


# -- low: a 1904 workbook -----------------------------------------------------------------


def test_the_date_rule_of_a_1904_workbook_counts_from_1904(tmp_path: Path) -> None:
    path = book(tmp_path / "mac.xlsx", date1904=True)
    set_up(path)
    xml = member(path, SHEET1)
    dates = re.findall(rb'type="date".*?<formula1>(\d+)</formula1><formula2>(\d+)</formula2>', xml)
    assert dates and set(dates) == {(b"35064", b"71589")}  # 2000-01-01 .. 2099-12-31 (1904)
    sheet = openpyxl.load_workbook(path).active
    rule = next(dv for dv in sheet.data_validations.dataValidation if dv.type == "date")  # type: ignore[union-attr]
    start = openpyxl.utils.datetime.from_excel(int(rule.formula1), sheet.parent.epoch)  # type: ignore[union-attr]
    assert start.year == 2000 and (start.month, start.day) == (1, 1)


# -- M4: a refusal tells to run setup again -----------------------------------------------


def test_a_workbook_saved_meanwhile_is_refused_with_setups_own_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = book(tmp_path / "u.xlsx")
    original = xlsx_guides.rebuild

    def saved_by_someone(*args: Any) -> None:
        edit(path, SHEET1, rb"</worksheet>", b" </worksheet>")  # Excel saved it meanwhile
        original(*args)

    monkeypatch.setattr(xlsx_guides, "rebuild", saved_by_someone)
    with pytest.raises(SheetAccessError, match=r"saved by someone.*run `sheetsync setup` again"):
        set_up(path)
    assert b"sheetsync" not in member(path, SHEET1)
