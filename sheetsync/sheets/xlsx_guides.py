"""`sheetsync setup` for the local workbook: the guides in the worksheet part and styles.

Reads the package once, finds sheetsync's own rules (`xlsx_guide_xml`), and writes a new
package only when they differ from the guide by content: the worksheet's XML outside
`<sheetData>` and styles.xml's `<dxfs>` change, the rows are copied byte for byte, every
other member is carried over (`xlsx_package.rebuild`), and the file is replaced only
while it is ours (`workbook_file`): a locked, read-only or meanwhile saved workbook is a
SheetAccessError. Every other XML member is scanned for the colour styles it refers to,
so none that anything uses is removed.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator

from sheetsync.core.guides import GuideChange, GuideOutcome, SheetGuide, changes
from sheetsync.core.layout import HEADER_SEARCH_ROWS
from sheetsync.errors import SheetAccessError, SheetLayoutError
from sheetsync.sheets import workbook_file
from sheetsync.sheets.port import GuidePlanner
from sheetsync.sheets.workbook import WorkbookSheet
from sheetsync.sheets.xlsx_guide_add import add
from sheetsync.sheets.xlsx_guide_strip import strip
from sheetsync.sheets.xlsx_guide_xml import DXF_REF, RECORD_URI, Parts, attributes, find
from sheetsync.sheets.xlsx_package import Spool, member_chunks, parts_of, read_member, rebuild
from sheetsync.sheets.xlsx_sheet import _scanned

_IN_TAG = rb"""(?:[^>"'/]++|/(?!>)|"[^"]*+"|'[^']*+')*+"""
_OPENED = re.compile(rb"<(\w+:)?sheetData\b" + _IN_TAG + rb"(/?)>")
_LABELS = {"guard": "the status columns' input message"}
_RECORDED = re.compile(rb'<\w+:record\b[^>]*"' + RECORD_URI.encode() + rb'"[^>]*/>')


def _again(remove: bool) -> str:
    return f"run `sheetsync setup{' --remove' if remove else ''}` again"


class WorkbookGuides:
    """The guides of the worksheet `sheet` uses."""

    def __init__(self, sheet: WorkbookSheet) -> None:
        self._sheet = sheet

    def set_up(
        self, plan: GuidePlanner, *, remove: bool = False, dry_run: bool = False
    ) -> GuideOutcome:
        loaded, name, rows = self._sheet.opened()
        first = rows[: max(HEADER_SEARCH_ROWS, self._sheet.header_row)]
        guide: SheetGuide | None
        try:
            guide = plan(first)
        except SheetLayoutError:
            if not remove:
                raise
            guide = None  # removing needs no layout
        with zipfile.ZipFile(io.BytesIO(loaded.data)) as package:
            books = parts_of(package)
            part = next((s for s in books.sheets if s.name == name), None)
            if part is None or books.styles is None:
                raise SheetAccessError(
                    f"{self._sheet.path.name} has no worksheet part or styles part sheetsync "
                    "can edit: open and save it in Excel or LibreOffice; nothing was changed"
                )
            head, tail, size = _split(_scanned(member_chunks(package, part.path)))
            styles = read_member(package, books.styles)
            referenced, others = _colour_styles_used(package, {part.path, books.styles})
        current = Parts(head, tail, styles, _prefix(head))
        labels = {**(guide.labels if guide else {}), **_LABELS}
        if remove or guide is None:
            stripped = strip(current, guide, remove=True, referenced=referenced)
            target, notes = stripped.parts, stripped.notes
            structure = [GuideChange("remove", i, labels.get(i, i)) for i in stripped.removed]
        else:
            stripped = strip(current, guide, remove=False, referenced=referenced)
            added = add(
                stripped.parts,
                guide,
                max(len(rows), guide.header_row),
                stripped.kept,
                date1904=books.date1904,
                others=others,
            )
            target, notes = added.parts, stripped.notes + added.notes
            structure = [GuideChange("add", i, labels.get(i, i)) for i in added.added]
        found = find(current, guide)
        diff = changes(find(target, guide), found, labels, remove=remove) + tuple(structure)
        outcome = GuideOutcome(diff, len(found), False, notes)
        if not diff or dry_run:
            return outcome
        path = workbook_file.target(self._sheet.path)
        why = workbook_file.refusal(path, then=_again(remove))
        if why is not None:
            raise SheetAccessError(f"setup changed nothing: {why}")
        sheet = Spool()
        sheet.write(target.head)
        with zipfile.ZipFile(io.BytesIO(loaded.data)) as package:
            for chunk in _between(member_chunks(package, part.path), len(head), size - len(tail)):
                sheet.write(chunk)
        sheet.write(target.tail)
        replaced: dict[str, bytes | Spool] = {part.path: sheet}
        if target.styles != styles:
            replaced[books.styles] = target.styles
        why = workbook_file.replace(
            path,
            lambda out: rebuild(loaded.data, replaced, out),
            loaded.version,
            then=_again(remove),
        )
        if why is not None:
            raise SheetAccessError(f"setup changed nothing: {why}")
        return GuideOutcome(outcome.changes, outcome.found, True, notes)


def _colour_styles_used(
    package: zipfile.ZipFile, skipped: set[str]
) -> tuple[frozenset[int], dict[str, str]]:
    """The colour styles (`<dxf>` indices) the package's other XML members refer to
    (rules of other worksheets, x14 extensions, tables' `…DxfId`, pivot tables); and
    what other worksheets' setup records say setup appended (`dxfIds`, `dxfsTag`)."""
    referenced: set[int] = set()
    recorded: dict[str, str] = {}
    for info in package.infolist():
        if info.filename in skipped or not info.filename.endswith(".xml"):
            continue
        carry = b""
        for chunk in member_chunks(package, info.filename):
            text = carry + chunk
            referenced.update(int(i) for i in DXF_REF.findall(text))
            for found in _RECORDED.finditer(text):
                entry = attributes(found.group(0))
                ids = {*recorded.get("dxfIds", "").split(), *entry.get("dxfIds", "").split()}
                recorded["dxfIds"] = " ".join(sorted(ids, key=int))
                recorded["dxfsTag"] = recorded.get("dxfsTag") or entry.get("dxfsTag", "")
            carry = text[-512:]
    return frozenset(referenced), recorded


def _prefix(head: bytes) -> bytes:
    root = re.search(rb"<(\w+:)?worksheet\b", head)
    return (root.group(1) or b"") if root else b""


def _split(chunks: Iterable[bytes]) -> tuple[bytes, bytes, int]:
    """The worksheet XML before `<sheetData>` and after it, and its size; the rows in
    between are only scanned, never held."""
    buffer, head, tail = b"", None, None
    close = b""
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if tail is not None:
            tail.append(chunk)
            continue
        buffer += chunk
        if head is None:
            opened = _OPENED.search(buffer)
            if opened is None:
                continue
            head = buffer[: opened.start()]
            if opened.group(2):  # <sheetData/>
                tail, buffer = [buffer[opened.end() :]], b""
                continue
            close = b"</" + (opened.group(1) or b"") + b"sheetData>"
            buffer = buffer[opened.end() :]
        at = buffer.find(close)
        if at >= 0:
            tail, buffer = [buffer[at + len(close) :]], b""
        else:
            buffer = buffer[-len(close) :]
    if head is None or tail is None:
        raise SheetAccessError("the worksheet has no whole <sheetData>: nothing was changed")
    return head, b"".join(tail), size


def _between(chunks: Iterable[bytes], start: int, end: int) -> Iterator[bytes]:
    """Bytes `start`..`end` of the stream `chunks`."""
    offset = 0
    for chunk in chunks:
        lo, hi = max(start - offset, 0), min(end - offset, len(chunk))
        if lo < hi:
            yield chunk[lo:hi]
        offset += len(chunk)
