"""An .xlsx package as sheetsync sees it: which member holds a worksheet, and a copy with a
few members replaced and every other one carried over unchanged.

The package is a zip of XML parts (ECMA-376): `_rels/.rels` names the workbook part,
whose `<sheets>` list names and relationship ids, which its own `_rels` resolve to
worksheet parts; `styles.xml` is found the same way. Small parts are parsed with the
standard library; the worksheet itself is edited as text (`xlsx_sheet`), read and
written in chunks: it is the one part that grows with the sheet (17 MB of XML at
20,000 rows × 20 columns), so it is never held whole, uncompressed, in memory.
"""

from __future__ import annotations

import io
import posixpath
import re
import shutil
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree import ElementTree

_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"
_WORKSHEET = "/worksheet"
_STYLES = "/styles"
_RID = "}id"  # r:id in the transitional or the strict namespace
_MAX_PART = 512 * 1024 * 1024  # bytes; a bigger part is not a spreadsheet staff keep
CHUNK = 256 * 1024  # bytes of a part read, edited or written at a time


@dataclass(frozen=True)
class SheetPart:
    name: str
    path: str  # the member holding the worksheet XML
    index: int  # position among all sheets (localSheetId of defined names)
    sheet_id: str = ""  # its sheetId (the `i` of calcChain entries)


@dataclass(frozen=True)
class Parts:
    workbook: str
    styles: str | None
    sheets: tuple[SheetPart, ...]
    date1904: bool


def parts_of(book: zipfile.ZipFile) -> Parts:
    """The workbook's parts; KeyError or ElementTree.ParseError if the package is broken."""
    workbook = _target(book, "_rels/.rels", "", _OFFICE_DOCUMENT)
    if workbook is None:
        raise KeyError("no workbook part in _rels/.rels")
    base = posixpath.dirname(workbook)
    rels = f"{base}/_rels/{posixpath.basename(workbook)}.rels"
    targets = _targets(book, rels, base)
    root = ElementTree.fromstring(read_member(book, workbook))
    sheets = []
    for index, element in enumerate(e for e in root.iter() if _local(e.tag) == "sheet"):
        rid = next((v for k, v in element.attrib.items() if k.endswith(_RID)), None)
        target = targets.get(rid or "")
        if target is not None and target[1].endswith(_WORKSHEET):
            sheets.append(
                SheetPart(element.get("name", ""), target[0], index, element.get("sheetId", ""))
            )
    properties = next((e for e in root.iter() if _local(e.tag) == "workbookPr"), None)
    date1904 = properties is not None and properties.get("date1904") in ("1", "true")
    styles = next((path for path, kind in targets.values() if kind.endswith(_STYLES)), None)
    return Parts(workbook, styles, tuple(sheets), date1904)


def duplicate_member(book: zipfile.ZipFile) -> str | None:
    """A member name the package holds twice: which copy a reader takes is undefined."""
    seen: set[str] = set()
    for name in book.namelist():
        if name in seen:
            return name
        seen.add(name)
    return None


def calculated_cells(book: zipfile.ZipFile, sheet: SheetPart) -> set[str]:
    """The cells of `sheet` that `xl/calcChain.xml` lists as holding a formula."""
    path = posixpath.join(posixpath.dirname(_target(book, "_rels/.rels", "", _OFFICE_DOCUMENT)
                                            or "xl/workbook.xml"), "calcChain.xml")  # fmt: skip
    try:
        root = ElementTree.fromstring(read_member(book, path))
    except KeyError:
        return set()
    cells, current = set(), ""
    for element in root:
        current = element.get("i", current)  # omitted: the previous entry's sheet
        if current == sheet.sheet_id:
            cells.add(element.get("r", ""))
    return cells


def read_member(book: zipfile.ZipFile, name: str) -> bytes:
    return book.read(_checked(book, name))


def member_chunks(book: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """A part to parse, CHUNK bytes at a time."""
    with book.open(_checked(book, name)) as member:
        while chunk := member.read(CHUNK):
            yield chunk


def _checked(book: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    info = book.getinfo(name)
    if info.file_size > _MAX_PART:
        raise zipfile.BadZipFile(f"{name} is {info.file_size} bytes uncompressed")
    return info


class Spool:
    """A member's new content, kept deflated in memory as it is written, until the
    package is rebuilt: a worksheet edited in chunks takes a tenth of its size (the
    members that change with it are only known once it is all written, and may come
    before it in the package). Read back once."""

    def __init__(self) -> None:
        # Level 1: it is inflated again within seconds, so speed matters more than size.
        self._deflate = zlib.compressobj(1, zlib.DEFLATED, -15)
        self._parts: list[bytes] = []
        self.size = 0  # bytes written

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if part := self._deflate.compress(data):
            self._parts.append(part)

    def chunks(self) -> Iterator[bytes]:
        """The content written, at most CHUNK bytes at a time."""
        parts, self._parts = self._parts, []
        parts.append(self._deflate.flush())
        inflate = zlib.decompressobj(-15)
        for part in parts:
            while part:
                yield inflate.decompress(part, CHUNK)
                part = inflate.unconsumed_tail
        yield inflate.flush()


def rebuild(source: bytes, replaced: Mapping[str, bytes | Spool], out: BinaryIO) -> None:
    """Write to `out` the package `source` with the members in `replaced` swapped for new
    content; every other member keeps its content, name, order, date and compression.
    Members are copied in chunks, so none is ever held whole."""
    with (
        zipfile.ZipFile(io.BytesIO(source)) as old,
        zipfile.ZipFile(out, "w", allowZip64=True) as new,
    ):
        for info in old.infolist():
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type = info.compress_type
            copy.external_attr = info.external_attr
            copy.create_system = info.create_system
            copy.comment = info.comment
            data = replaced.get(info.filename)
            # file_size, where known before writing, decides whether zip64 fields are needed.
            if data is None:
                copy.file_size = info.file_size
                with old.open(info) as kept, new.open(copy, "w") as member:
                    shutil.copyfileobj(kept, member, CHUNK)
            elif isinstance(data, Spool):
                copy.file_size = data.size
                with new.open(copy, "w") as member:
                    for chunk in data.chunks():
                        member.write(chunk)
            else:
                new.writestr(copy, data)
        new.comment = old.comment


def with_filter_name(workbook_xml: bytes, sheet: SheetPart, old: str, new: str) -> bytes:
    """workbook.xml with the sheet's hidden `_xlnm._FilterDatabase` name moved from the
    autofilter range `old` to `new` (Excel keeps the two in step); unchanged if absent."""
    c_old, c_new = _columns_of(old), _columns_of(new)
    if c_old is None or c_new is None:
        return workbook_xml
    pattern = re.compile(
        rb"(<(?:\w+:)?definedName\b[^>]*name=\"_xlnm\._FilterDatabase\"[^>]*"
        rb"localSheetId=\""
        + str(sheet.index).encode()
        + rb"\"[^>]*>[^<]*?\$?)"
        + re.escape(c_old.encode())
        + rb"(\$?\d+<)"
    )
    return pattern.sub(lambda m: m.group(1) + c_new.encode() + m.group(2), workbook_xml, count=1)


def _columns_of(ref: str) -> str | None:
    found = re.fullmatch(r"[A-Z]+\d+:([A-Z]+)\d+", ref)
    return found.group(1) if found else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _targets(book: zipfile.ZipFile, rels: str, base: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (member path, relationship type)."""
    try:
        root = ElementTree.fromstring(read_member(book, rels))
    except KeyError:
        return {}
    out = {}
    for rel in root.iter(f"{_RELS}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        out[rel.get("Id", "")] = (posixpath.normpath(path), rel.get("Type", ""))
    return out


def _target(book: zipfile.ZipFile, rels: str, base: str, kind: str) -> str | None:
    return next((p for p, t in _targets(book, rels, base).values() if t.endswith(kind)), None)
