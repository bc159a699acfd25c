"""The outside attack on the workbook (session 3): worksheet XML of a shape the text editor
cannot edit with certainty is refused in one line, the file left byte for byte as it was."""

from __future__ import annotations

import warnings
import zipfile
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest

from sheetsync.errors import SheetLayoutError
from sheetsync.run.sync import run_sync
from sheetsync.settings import Settings
from sheetsync.sheets.workbook import WorkbookSheet
from sheetsync.testing import FakeClock, InMemoryDomainChecker
from tests.support.builders import BUD

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET = "xl/worksheets/sheet1.xml"


def c(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER = '<row r="1">' + c("A1", "Ügyfél neve") + c("B1", "E-mail cím") + c("C1", "Csomag")
ROW2 = '<row r="2">' + c("A2", "Alfa Kft.") + c("B2", "info@alfa.hu") + c("C2", "Start")
ROW3 = '<row r="3">' + c("A3", "Béta Bt.") + c("B3", "info@beta.hu") + c("C3", "Start")


def build(path: Path, rows: list[str], extra: dict[str, str] | None = None) -> Path:
    """A minimal package: one worksheet holding `rows` (each a row without its </row>)."""
    body = "".join(row + "</row>" for row in rows)
    sheet = f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{NS}"><sheetData>{body}'
    members = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
            '.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
            'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-office'
            'document.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
        f'Type="{R}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{NS}" xmlns:r="{R}"><sheets><sheet '
        'name="Ügyfelek" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
        f'Type="{R}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        SHEET: sheet + "</sheetData></worksheet>",
        **(extra or {}),
    }
    with zipfile.ZipFile(path, "w") as package:
        for name, text in members.items():
            package.writestr(name, text)
    return path


def refused(path: Path) -> str:
    """The one line a sync gives; the file must be left as it was."""
    before = path.read_bytes()
    settings = Settings(sheet={"path": path})
    sheet = WorkbookSheet(path, client_header="Ügyfél neve")
    clock = FakeClock(datetime(2026, 3, 2, 9, 30, tzinfo=BUD))
    with pytest.raises(SheetLayoutError) as raised:
        run_sync(sheet, InMemoryDomainChecker(), settings, clock)
    assert path.read_bytes() == before
    message = str(raised.value)
    assert "\n" not in message and "nothing was written" in message
    return message


def test_a_stray_cell_in_xfd_is_named_rather_than_columns_written_past_excels_last(
    tmp_path: Path,
) -> None:
    path = build(tmp_path / "w.xlsx", [HEADER, ROW2 + c("XFD2", "stray"), ROW3])
    message = refused(path)
    assert "XFD2" in message and "last column" in message and "clear or move" in message


def test_shared_and_array_formulas_in_status_cells_are_refused_naming_the_cells(
    tmp_path: Path,
) -> None:
    header = HEADER + c("D1", "Állapot")
    master = '<c r="D2" t="str"><f t="shared" ref="D2:D3" si="0">UPPER(A2)</f><v>A</v></c>'
    member = '<c r="D3" t="str"><f t="shared" si="0"/><v>B</v></c>'
    array = '<c r="E2"><f t="array" ref="E2">SUM(1)</f><v>1</v></c>'
    path = build(tmp_path / "w.xlsx", [header, ROW2 + master, ROW3 + member])
    message = refused(path)
    assert "D2, D3" in message and "clear the formulas in the status columns" in message
    path = build(tmp_path / "a.xlsx", [header + c("E1", "Következő lépés"), ROW2 + array, ROW3])
    assert "E2" in refused(path)


def test_a_status_cell_listed_in_the_calc_chain_is_refused(tmp_path: Path) -> None:
    header = HEADER + c("D1", "Állapot")
    formula = '<c r="D2" t="str"><f>UPPER(A2)</f><v>ALFA KFT.</v></c>'
    chain = f'<calcChain xmlns="{NS}"><c r="D2" i="1"/></calcChain>'
    path = build(tmp_path / "w.xlsx", [header, ROW2 + formula, ROW3], {"xl/calcChain.xml": chain})
    message = refused(path)
    assert "D2" in message and "clear the formulas in the status columns" in message


@pytest.mark.parametrize(
    ("construct", "named"),
    [
        ("<![CDATA[a</t></is></c></row>]]>", "CDATA"),
        ("<!-- </row> -->", "comment"),
        ("<?pi </row>?>", "processing instruction"),
    ],
)
def test_cdata_comments_and_processing_instructions_are_refused(
    tmp_path: Path, construct: str, named: str
) -> None:
    path = build(
        tmp_path / "w.xlsx", [HEADER, ROW2.replace("<t>Start</t>", f"<t>{construct}</t>"), ROW3]
    )
    message = refused(path)
    assert named in message and "open and save it in Excel" in message


def test_rows_out_of_order_are_refused_never_two_rows_of_one_number(tmp_path: Path) -> None:
    path = build(tmp_path / "w.xlsx", [HEADER, ROW3, ROW2])
    assert "out of order" in refused(path)


def test_a_package_with_two_copies_of_a_member_is_refused(tmp_path: Path) -> None:
    path = build(tmp_path / "w.xlsx", [HEADER, ROW2, ROW3])
    with zipfile.ZipFile(path) as package:
        sheet = package.read(SHEET)
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as package:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        package.writestr(SHEET, sheet)
    assert f"holds two copies of {SHEET}" in refused(path)


def test_a_row_attribute_holding_tag_ends_stays_well_formed(tmp_path: Path) -> None:
    odd = '<row r="2" xmlns:q="urn:q" q:n="x/>y" q:m=\'say "r=9" >\' ht="40" customHeight="1">'
    path = build(tmp_path / "w.xlsx", [HEADER, ROW2.replace('<row r="2">', odd), ROW3])
    settings = Settings(sheet={"path": path})
    sheet = WorkbookSheet(path, client_header="Ügyfél neve")
    clock = FakeClock(datetime(2026, 3, 2, 9, 30, tzinfo=BUD))
    run_sync(sheet, InMemoryDomainChecker(), settings, clock)
    with zipfile.ZipFile(path) as package:
        xml = package.read(SHEET)
    root = ElementTree.fromstring(xml)
    rows = root.iter(f"{{{NS}}}row")
    numbers = [row.get("r") for row in rows]
    assert numbers == ["1", "2", "3"]
    second = next(r for r in root.iter(f"{{{NS}}}row") if r.get("r") == "2")
    assert second.get("{urn:q}n") == "x/>y" and second.get("{urn:q}m") == 'say "r=9" >'
    assert second.get("ht") == "40" and len(second) > 3  # its cells, with the status ones
