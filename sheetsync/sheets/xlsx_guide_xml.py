"""sheetsync's guides in a worksheet's XML outside `<sheetData>`: found and stripped as text.

`strip` is the exact inverse of `add`: what `add` inserts sits in one place each (our
`<dataValidation>`s last in `<dataValidations>`, our `<conditionalFormatting>`s after
the staff's, a frozen `<pane>`, an `<autoFilter>`, our `<dxf>`s last in styles.xml),
and a record of what it created or replaced (an `<ext>` in the worksheet's `<extLst>`,
which Excel ignores) lets `strip` put back the very bytes that were there. Items are
recognised by the marker `sheetsync`: a validation's `promptTitle`, a rule's formula.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

from sheetsync.core.guides import (
    MARKER,
    SheetGuide,
    marker_of,
)
from sheetsync.core.layout import column_letter
from sheetsync.sheets.xlsx_sheet import column_index

LAST_ROW = 1_048_576  # Excel's last row: a rule covers rows added later
RECORD_URI = "urn:sheetsync:setup"
IN_TAG = rb"""(?:[^>"'/]++|/(?!>)|"[^"]*+"|'[^']*+')*+"""
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
# CT_Worksheet's children after <sheetData>, in schema order (ECMA-376 Part 1, 18.3.1.99).
TAIL_ORDER = (
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
STYLE_ORDER = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)


@dataclass(frozen=True)
class Parts:
    """The worksheet outside `<sheetData>` (`head` before it, `tail` after it) and the
    styles part: what setup edits."""

    head: bytes
    tail: bytes
    styles: bytes
    prefix: bytes = b""  # the worksheet's namespace prefix (`x:`), usually none


@dataclass(frozen=True)
class Found:
    """sheetsync's own items in the parts: identity → the element as it is."""

    items: dict[str, bytes]
    notes: tuple[str, ...] = ()


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    name: str
    start: int
    end: int
    raw: bytes


def elements(xml: bytes, start: int = 0, end: int | None = None) -> list[Element]:
    """The top-level elements of `xml[start:end]` (a run of sibling elements)."""
    end = len(xml) if end is None else end
    tag = re.compile(rb"<(/?)(?:\w+:)?(\w+)\b(" + IN_TAG + rb")(/?)>")
    out, depth, opened = [], 0, (0, "")
    for found in tag.finditer(xml, start, end):
        closing, name, empty = found.group(1), found.group(2).decode(), found.group(4)
        if closing:
            if depth == 0:
                continue  # the parent's end
            depth -= 1
            if depth == 0:
                out.append(Element(opened[1], opened[0], found.end(), xml[opened[0] : found.end()]))
        elif empty:
            if depth == 0:
                out.append(Element(name, found.start(), found.end(), found.group(0)))
        else:
            if depth == 0:
                opened = (found.start(), name)
            depth += 1
    return out


def attributes(element: bytes) -> dict[str, str]:
    start = re.match(rb"<" + IN_TAG, element)
    text = start.group(0) if start else element
    return {
        m.group(1).decode(): html.unescape((m.group(2) or m.group(3) or b"").decode())
        for m in _ATTR.finditer(text)
    }


def content_span(element: Element) -> tuple[int, int]:
    """Offsets (in the element's own bytes) of its content."""
    open_end = re.match(rb"<" + IN_TAG + rb">", element.raw)
    assert open_end is not None
    return open_end.end(), element.raw.rfind(b"</")


def validations(tail: bytes) -> list[Element]:
    block = next((e for e in elements(tail) if e.name == "dataValidations"), None)
    if block is None or block.raw.endswith(b"/>"):
        return []
    first, last = content_span(block)
    rules = elements(block.raw, first, last)
    return [replace(r, start=r.start + block.start, end=r.end + block.start) for r in rules]


def is_own_validation(element: Element) -> bool:
    return attributes(element.raw).get("promptTitle") == MARKER


def _own_formatting(element: Element) -> str | None:
    if element.name != "conditionalFormatting":
        return None
    formula = re.search(rb"<(?:\w+:)?formula>(.*?)</(?:\w+:)?formula>", element.raw, re.S)
    return marker_of(html.unescape(formula.group(1).decode())) if formula else None


def _record(tail: bytes) -> dict[str, str] | None:
    found = re.search(
        rb"<(?:\w+:)?ext\b[^>]*uri=\"" + RECORD_URI.encode() + rb"\".*?</(?:\w+:)?ext>", tail, re.S
    )
    if found is None:
        return None
    inner = re.search(rb"<\w+:record\b" + IN_TAG + rb"/>", found.group(0))
    return attributes(inner.group(0)) if inner else {}


def find(parts: Parts, guide: SheetGuide | None) -> Found:
    """sheetsync's own items, by identity (validations by the column they sit on)."""
    items: dict[str, bytes] = {}
    for element in validations(parts.tail):
        if is_own_validation(element):
            items[_validation_ident(element, guide)] = element.raw
    for element in elements(parts.tail):
        ident = _own_formatting(element)
        if ident:
            dxf = _dxf_of(element.raw, parts.styles)
            items[ident] = element.raw + b"|" + dxf
    record = _record(parts.tail)
    if record is not None:
        if "pane" in record:
            pane = re.search(rb"<(?:\w+:)?pane\b" + IN_TAG + rb"/>", parts.head)
            items["freeze"] = pane.group(0) if pane else b""
        if "filter" in record:
            flt = next((e for e in elements(parts.tail) if e.name == "autoFilter"), None)
            items["filter"] = flt.raw if flt else b""
    return Found(items)


def _validation_ident(element: Element, guide: SheetGuide | None) -> str:
    sqref = attributes(element.raw).get("sqref", "")
    first = sqref.split(" ")[0].split(":")[0]
    col = column_index(re.sub(r"[\d$]", "", first)) if first else -1
    if "type=" not in element.raw.split(b">", 1)[0].decode():
        return "guard"
    if guide is not None:
        for rule in guide.values:
            if rule.column == col:
                return rule.ident
    return f"values@{column_letter(col) if col >= 0 else '?'}"


def _dxf_of(formatting: bytes, styles: bytes) -> bytes:
    found = re.search(rb'dxfId="(\d+)"', formatting)
    dxfs = dxf_list(styles)
    index = int(found.group(1)) if found else -1
    return dxfs[index] if 0 <= index < len(dxfs) else b""


def dxf_list(styles: bytes) -> list[bytes]:
    block = next((e for e in elements(styles, *root_inner(styles)) if e.name == "dxfs"), None)
    if block is None or block.raw.endswith(b"/>"):
        return []
    first, last = content_span(block)
    return [e.raw for e in elements(block.raw, first, last)]


def root_inner(xml: bytes) -> tuple[int, int]:
    root = re.search(rb"<(?:\w+:)?(?:styleSheet|worksheet)\b" + IN_TAG + rb">", xml)
    assert root is not None
    return root.end(), xml.rfind(b"</")


# -- stripping ----------------------------------------------------------------------------


def strip(parts: Parts) -> Parts:
    """`parts` without sheetsync's items: the very bytes `add` started from."""
    record = _record(parts.tail)
    tail, styles, head = parts.tail, parts.styles, parts.head
    own = [e for e in validations(tail) if is_own_validation(e)]
    for element in reversed(own):
        tail = tail[: element.start] + tail[element.end :]
    if own:
        tail = _recount_validations(tail)
    for element in reversed(elements(tail)):
        if _own_formatting(element):
            tail = tail[: element.start] + tail[element.end :]
    if record is not None:
        tail = _strip_record(tail, record.get("extLst") == "created")
        if "filter" in record:
            flt = next((e for e in elements(tail) if e.name == "autoFilter"), None)
            if flt is not None:
                tail = tail[: flt.start] + tail[flt.end :]
        if "pane" in record:
            head = _strip_pane(head, record["pane"])
        if "dxfs" in record:
            styles = _strip_dxfs(styles, int(record["dxfs"]), record.get("dxfsTag", ""))
    return Parts(head, tail, styles, parts.prefix)


def _recount_validations(tail: bytes) -> bytes:
    block = next((e for e in elements(tail) if e.name == "dataValidations"), None)
    if block is None:
        return tail
    count = len(validations(tail))
    if count == 0:
        return tail[: block.start] + tail[block.end :]
    start = re.sub(rb'\bcount="\d+"', b'count="%d"' % count, block.raw, count=1)
    return tail[: block.start] + start + tail[block.end :]


def _strip_record(tail: bytes, created: bool) -> bytes:
    pattern = rb"<(?:\w+:)?ext\b[^>]*uri=\"" + RECORD_URI.encode() + rb"\".*?</(?:\w+:)?ext>"
    if created:
        pattern = rb"<(?:\w+:)?extLst>" + pattern + rb"</(?:\w+:)?extLst>"
    return re.sub(pattern, b"", tail, count=1, flags=re.S)


def _strip_pane(head: bytes, how: str) -> bytes:
    pane = rb"<(?:\w+:)?pane\b" + IN_TAG + rb"/>"
    if how == "views":
        return re.sub(
            rb"<(?:\w+:)?sheetViews><(?:\w+:)?sheetView\b[^>]*>"
            + pane
            + rb"</(?:\w+:)?sheetView></(?:\w+:)?sheetViews>",
            b"",
            head,
            count=1,
        )
    if how.startswith("<"):  # a self-closed sheetView, opened for the pane
        view = rb"<(?:\w+:)?sheetView\b[^>]*>" + pane + rb"</(?:\w+:)?sheetView>"
        return re.sub(view, lambda _: how.encode(), head, count=1)
    return re.sub(pane, b"", head, count=1)


def _strip_dxfs(styles: bytes, kept: int, tag: str) -> bytes:
    block = next((e for e in elements(styles, *root_inner(styles)) if e.name == "dxfs"), None)
    if block is None:
        return styles
    if kept == 0 and tag in ("", "absent"):
        return styles[: block.start] + styles[block.end :]
    if kept == 0:
        return styles[: block.start] + tag.encode() + styles[block.end :]
    first, last = content_span(block)
    entries = elements(block.raw, first, last)
    cut = entries[kept].start if kept < len(entries) else last
    opened = re.sub(rb'\bcount="\d+"', b'count="%d"' % kept, block.raw[:first], count=1)
    rebuilt = opened + block.raw[first:cut] + block.raw[last:]
    return styles[: block.start] + rebuilt + styles[block.end :]
