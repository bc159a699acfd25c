"""A workbook as staff keep it, with everything sheetsync must not lose.

openpyxl builds the sheets (a summary sheet first, then the clients: a styled header
row, an autofilter, comments, a data validation, a conditional format, a defined name,
merged title cells, a chart); the package is then finished by hand with what openpyxl
cannot write: cached results of formulas (a client name made with CONCATENATE, a
payment date made with DATE), an image and a pivot cache.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from tests.support.worker_fixtures import HEADERS

CLIENTS = "Ügyfelek"
SUMMARY = "Összesítő"
HEADER_ROW = 2
# Cells holding a formula, and the result Excel saved with it (what staff see).
FORMULAS = {
    "A3": ('CONCATENATE("Kovács ","Pékség")', "Kovács Pékség"),
    "L3": ("DATE(2026,3,1)", 46082),  # Fizetve: 2026-03-01
    "A5": ('"Gamma "&"Autó"', "Gamma Autó"),
}
ROWS: list[list[object]] = [
    # client, type, e-mail, e-mail pw, login, hosting pw, managing, package, domain,
    # method, invoice sent, paid, order live, application
    [None, "saját", "info@kovacs.hu", None, "info@kovacs.hu", "Titok#1", "igen", "Start",
     "kovacspekseg.hu", "bankkártya", None, None, None, None],
    ["Béta Virág", "saját", "info@beta.hu", None, "info@beta.hu", "Titok#2", "nem", "Start",
     "betavirag.hu", None, None, None, None, None],
    [None, "saját", "info@gamma.hu", None, None, None, None, None, None, None, None, None,
     None, None],
    ["Delta Kft.", None, None, None, None, None, None, None, None, None, None, None, None, None],
]  # fmt: skip


def build(path: Path, *, merged: str | None = None, read_only_chart: bool = True) -> Path:
    """Write the workbook to `path`. `merged`: an extra merged range on the client sheet
    (e.g. over a status column)."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = SUMMARY
    summary["A1"] = "Ügyfelek száma"
    summary["B1"] = f"=COUNTA('{CLIENTS}'!A3:A20)"
    summary["A2"], summary["B2"] = "Kész", 1
    summary["A3"], summary["B3"] = "Fizetésre vár", 3

    sheet = book.create_sheet(CLIENTS)
    sheet["A1"] = "Sparrow Exerceo – ügyfelek"
    sheet.merge_cells("A1:E1")
    bold, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E78")
    for col, header in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=col, value=header)
        cell.font, cell.fill = bold, fill
    for number, row in enumerate(ROWS, start=HEADER_ROW + 1):
        for col, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=number, column=col, value=value)
    for ref, (formula, _) in FORMULAS.items():
        sheet[ref] = f"={formula}"
    sheet["L3"].number_format = "yyyy-mm-dd"
    sheet["A4"].comment = Comment("Fizetésre vár", "Kiss Anna")
    check = DataValidation(type="list", formula1='"igen,nem"', allow_blank=True)
    sheet.add_data_validation(check)
    check.add("G3:G20")
    red = PatternFill("solid", fgColor="FFC7CE")
    sheet.conditional_formatting.add(
        "J3:J20", CellIsRule(operator="equal", formula=['"bankkártya"'], fill=red)
    )
    book.defined_names["Ugyfelnevek"] = DefinedName(
        "Ugyfelnevek", attr_text=f"{CLIENTS}!$A$3:$A$20"
    )
    sheet.auto_filter.ref = f"A{HEADER_ROW}:N{HEADER_ROW + len(ROWS)}"
    sheet.freeze_panes = "B3"
    if merged:
        sheet.merge_cells(merged)
    chart = BarChart()
    chart.add_data(Reference(summary, min_col=2, min_row=2, max_row=3))
    summary.add_chart(chart, "D2")
    plain = io.BytesIO()
    book.save(plain)
    path.write_bytes(_finished(plain.getvalue()))
    return path


def _finished(package: bytes) -> bytes:
    """Add cached formula results, an image and a pivot cache to openpyxl's package."""
    source = zipfile.ZipFile(io.BytesIO(package))
    members = {i.filename: source.read(i) for i in source.infolist()}
    clients = _sheet_member(members, CLIENTS)
    members[clients] = _with_cached_values(members[clients])
    drawing = next(n for n in members if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n))
    members["xl/media/image1.png"] = tiny_png()
    rels = drawing.replace("drawings/", "drawings/_rels/") + ".rels"
    members[rels] = members[rels].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdImg1" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/image" Target="../media/image1.png"/></Relationships>',
    )
    members[drawing] = members[drawing].replace(b"</xdr:wsDr>", _PICTURE + b"</xdr:wsDr>")
    members["xl/pivotCache/pivotCacheDefinition1.xml"] = _PIVOT_CACHE
    members["xl/pivotCache/pivotCacheRecords1.xml"] = _PIVOT_RECORDS
    members["xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels"] = _PIVOT_RELS
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdPivot1" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/pivotCacheDefinition" Target="pivotCache/pivotCacheDefinition1.xml"'
        b"/></Relationships>",
    )
    members["xl/workbook.xml"] = re.sub(
        rb"(</definedNames>|<calcPr)",
        rb'\1<pivotCaches><pivotCache cacheId="1" r:id="rIdPivot1"/></pivotCaches>',
        members["xl/workbook.xml"],
        count=1,
    )
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Default Extension="png" ContentType="image/png"/>'
        b'<Override PartName="/xl/pivotCache/pivotCacheDefinition1.xml" ContentType="'
        b'application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml"/>'
        b'<Override PartName="/xl/pivotCache/pivotCacheRecords1.xml" ContentType="'
        b'application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheRecords+xml"/>'
        b"</Types>",
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)
    return out.getvalue()


def _sheet_member(members: dict[str, bytes], title: str) -> str:
    workbook = members["xl/workbook.xml"].decode()
    rid = re.search(rf'<sheet [^>]*name="{title}"[^>]*r:id="(\w+)"', workbook)
    assert rid is not None
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="'
                       rf'{rid.group(1)}"', rels)  # fmt: skip
    assert target is not None
    found = (target.group(1) or target.group(2)).lstrip("/")
    return found if found.startswith("xl/") else f"xl/{found}"


def _with_cached_values(xml: bytes) -> bytes:
    for ref, (_, value) in FORMULAS.items():
        cell = re.compile(rb'<c r="' + ref.encode() + rb'"([^>]*)>(<f>.*?</f>)<v ?/>(</c>)')
        kind = b' t="str"' if isinstance(value, str) else b""
        cached = str(value).encode()
        found = cell.search(xml)
        assert found is not None, ref
        attrs, formula = found.group(1), found.group(2)
        new = b'<c r="%s"%s%s>%s<v>%s</v></c>' % (ref.encode(), attrs, kind, formula, cached)
        xml = xml[: found.start()] + new + xml[found.end() :]
    return xml


def tiny_png() -> bytes:
    """A valid 1×1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


_PICTURE = (
    b"<xdr:oneCellAnchor><xdr:from><xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>5"
    b'</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="952500" cy="952500"/>'
    b'<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="9" name="Logo"/><xdr:cNvPicPr/></xdr:nvPicPr>'
    b'<xdr:blipFill><a:blip xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships" r:embed="rIdImg1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
    b'<xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic>'
    b"<xdr:clientData/></xdr:oneCellAnchor>"
)
_PIVOT_CACHE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheDefinition xmlns='
    b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships" r:id="rId1" recordCount="2">'
    b'<cacheSource type="worksheet"><worksheetSource ref="A1:B3" sheet="'
    + SUMMARY.encode()
    + b'"/></cacheSource><cacheFields count="1"><cacheField name="Ready" numFmtId="0">'
    b'<sharedItems containsNumber="1" minValue="1" maxValue="3"/></cacheField></cacheFields>'
    b"</pivotCacheDefinition>"
)
_PIVOT_RECORDS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheRecords xmlns='
    b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2"><r><n v="1"/></r>'
    b'<r><n v="3"/></r></pivotCacheRecords>'
)
_PIVOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
    b'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
    b'http://schemas.openxmlformats.org/officeDocument/2006/relationships/pivotCacheRecords"'
    b' Target="pivotCacheRecords1.xml"/></Relationships>'
)
