"""sheetsync's guides in a worksheet's XML outside `<sheetData>`, read as text.

Items are recognised by the marker `sheetsync` (a validation's `promptTitle`, a colour
rule's formula) and, for colour rules, by the range setup gives them: a marked copy
elsewhere is the staff's. They are compared by content (`canonical`), so a workbook
another tool re-saved, with attributes reordered and styles renumbered, still holds the
same rules. `xlsx_guide_strip` takes them out, `xlsx_guide_add` puts them in.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
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


_TO_LAST_ROW = re.compile(r"\$?[A-Z]{1,3}\$?\d+:\$?[A-Z]{1,3}\$?" + str(LAST_ROW))


def is_marked(element: Element) -> bool:
    return attributes(element.raw).get("promptTitle") == MARKER


def own_and_pasted(element: Element) -> tuple[list[str], list[str]]:
    """A marked validation's ranges: those setup gives (whole columns down to the last
    row) and the rest — cells a person pasted it into elsewhere, which are theirs."""
    refs = attributes(element.raw).get("sqref", "").split()
    own = [r for r in refs if _TO_LAST_ROW.fullmatch(r)]
    return own, [r for r in refs if not _TO_LAST_ROW.fullmatch(r)]


def is_own_validation(element: Element) -> bool:
    """Setup's: the marker, over whole columns only (a marked validation that also or
    only covers pasted cells is the staff's, or becomes theirs once setup's columns are
    taken out of it)."""
    own, pasted = own_and_pasted(element) if is_marked(element) else ([], [""])
    return bool(own) and not pasted


def x14_sqrefs(tail: bytes) -> list[str]:
    """The ranges of the validations Excel keeps in the worksheet's `extLst`
    (`x14:dataValidation`, e.g. a list from another sheet): always the staff's."""
    block = next((e for e in elements(tail) if e.name == "extLst"), None)
    if block is None:
        return []
    found = re.findall(
        rb"<(?:\w+:)?dataValidation\b.*?<(?:\w+:)?sqref>([^<]*)</(?:\w+:)?sqref>", block.raw, re.S
    )
    return [html.unescape(f.decode()) for f in found]


# Attribute values the schema gives by default: a tool may write them or leave them out.
_DEFAULTS = {
    "allowBlank": "0",
    "showDropDown": "0",
    "showInputMessage": "0",
    "showErrorMessage": "0",
    "errorStyle": "stop",
    "imeMode": "noControl",
    "stopIfTrue": "0",
}
_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?([\w.-]+)(" + IN_TAG + rb")(/?)>")


def canonical(xml: bytes, ignore: frozenset[str] = frozenset()) -> bytes:
    """`xml` compared by content: namespace prefixes, attribute order, default values,
    entity spelling and whitespace between elements make no difference."""
    out: list[bytes] = []
    at = 0
    for tag in _TAG.finditer(xml):
        text = xml[at : tag.start()].strip()
        if text:
            out.append(b"'" + html.unescape(text.decode()).encode())
        at = tag.end()
        closing, name, rest, empty = tag.groups()
        if closing:
            out.append(b"</" + name + b">")
            continue
        attrs = {}
        for m in _ATTR.finditer(rest):
            key = m.group(1).decode()
            value = html.unescape((m.group(2) or m.group(3) or b"").decode())
            value = {"true": "1", "false": "0"}.get(value, value)
            if key in ignore or key.startswith("xmlns") or _DEFAULTS.get(key) == value:
                continue
            attrs[key] = value
        shown = "".join(f" {k}={v!r}" for k, v in sorted(attrs.items()))
        out.append(b"<" + name + shown.encode() + b">")
        if empty:
            out.append(b"</" + name + b">")
    return b"".join(out)


@dataclass(frozen=True)
class CfRule:
    """One `<cfRule>` of a top-level `<conditionalFormatting>` (offsets in the tail)."""

    block: Element
    start: int
    end: int
    raw: bytes
    sqref: str
    ident: str | None  # the identity its formula carries, or None


def cf_rules(tail: bytes) -> list[CfRule]:
    """Every rule of the worksheet's conditional formats (not those kept in `extLst`)."""
    out = []
    for block in elements(tail):
        if block.name != "conditionalFormatting" or block.raw.endswith(b"/>"):
            continue
        sqref = " ".join(attributes(block.raw).get("sqref", "").split())
        first, last = content_span(block)
        for rule in elements(block.raw, first, last):
            if rule.name != "cfRule":
                continue
            formula = re.search(rb"<(?:\w+:)?formula>(.*?)</(?:\w+:)?formula>", rule.raw, re.S)
            ident = marker_of(html.unescape(formula.group(1).decode())) if formula else None
            start = block.start + rule.start
            out.append(CfRule(block, start, start + len(rule.raw), rule.raw, sqref, ident))
    return out


_WHOLE_COLUMN = re.compile(r"\$?([A-Z]{1,3})\$?\d+:\$?\1\$?" + str(LAST_ROW))


def column_span(column: int, first_row: int) -> str:
    letter = column_letter(column)
    return f"{letter}{first_row}:{letter}{LAST_ROW}"


def own_rules(tail: bytes, guide: SheetGuide | None) -> dict[str, CfRule]:
    """sheetsync's colour rules by identity: the marker AND the range setup gives it (a
    copy of one elsewhere, e.g. Excel's "Duplicate rule", is the staff's). Without an
    exact match, a marked rule over a whole column (a layout since changed) is ours."""
    wanted = (
        {c.ident: column_span(c.column, guide.first_data_row) for c in guide.colours}
        if guide
        else {}
    )
    marked = [r for r in cf_rules(tail) if r.ident]
    out: dict[str, CfRule] = {}
    for rule in marked:
        if rule.ident and rule.ident not in out and wanted.get(rule.ident) == rule.sqref:
            out[rule.ident] = rule
    for rule in marked:
        if rule.ident and rule.ident not in out and _WHOLE_COLUMN.fullmatch(rule.sqref):
            out[rule.ident] = rule
    return out


def record(tail: bytes) -> dict[str, str] | None:
    """What setup created or replaced, as its record in the worksheet says."""
    found = re.search(
        rb"<(?:\w+:)?ext\b[^>]*uri=\"" + RECORD_URI.encode() + rb"\".*?</(?:\w+:)?ext>", tail, re.S
    )
    if found is None:
        return None
    inner = re.search(rb"<\w+:record\b" + IN_TAG + rb"/>", found.group(0))
    return attributes(inner.group(0)) if inner else {}


def recorded_dxfs(entry: Mapping[str, str] | None) -> set[int]:
    """The colour styles (`<dxf>` indices) a record says setup appended."""
    return {int(i) for i in (entry or {}).get("dxfIds", "").split() if i.isdigit()}


_IGNORED = frozenset({"priority", "dxfId"})  # renumbered by any tool that re-saves


def find(parts: Parts, guide: SheetGuide | None) -> dict[str, bytes]:
    """sheetsync's own rules by identity (validations by the column they sit on), each
    by its content: equal after a re-save by another tool."""
    items: dict[str, bytes] = {}
    for element in validations(parts.tail):
        if is_own_validation(element):
            items[_validation_ident(element, guide)] = canonical(element.raw)
    dxfs = dxf_list(parts.styles)
    for ident, rule in own_rules(parts.tail, guide).items():
        index = int(attributes(rule.raw).get("dxfId", "-1") or -1)
        dxf = dxfs[index] if 0 <= index < len(dxfs) else b""
        content = (rule.sqref.encode(), canonical(rule.raw, _IGNORED), canonical(dxf))
        items[ident] = b"|".join(content)
    return items


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


def dxf_list(styles: bytes) -> list[bytes]:
    block = next((e for e in elements(styles, *root_inner(styles)) if e.name == "dxfs"), None)
    if block is None or block.raw.endswith(b"/>"):
        return []
    first, last = content_span(block)
    return [e.raw for e in elements(block.raw, first, last)]


DXF_REF = re.compile(rb"""(?i:dxfid)\s*=\s*["'](\d+)["']""")


def dxf_refs(xml: bytes) -> set[int]:
    """The colour styles `xml` refers to: a rule's `dxfId`, a table's `headerRowDxfId`…"""
    return {int(i) for i in DXF_REF.findall(xml)}


def root_inner(xml: bytes) -> tuple[int, int]:
    root = re.search(rb"<(?:\w+:)?(?:styleSheet|worksheet)\b" + IN_TAG + rb">", xml)
    assert root is not None
    return root.end(), xml.rfind(b"</")


PANE = rb"<(?:\w+:)?pane\b" + IN_TAG + rb"/>"


def frozen_pane(header_row: int) -> dict[str, str]:
    """The attributes of the pane setup freezes the header row with."""
    return {
        "ySplit": str(header_row),
        "topLeftCell": f"A{header_row + 1}",
        "activePane": "bottomLeft",
        "state": "frozen",
    }


def has_table(tail: bytes) -> bool:
    """Whether an Excel table sits on the worksheet (it brings its own filter)."""
    parts = next((e for e in elements(tail) if e.name == "tableParts"), None)
    return parts is not None and b"tablePart" in parts.raw[len(b"<tableParts") :]
