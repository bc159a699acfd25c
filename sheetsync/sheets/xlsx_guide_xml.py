"""sheetsync's guides in a worksheet's XML outside `<sheetData>`, added and stripped as text.

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
    FIRST_DATE,
    LAST_DATE,
    MARKER,
    Colour,
    SheetGuide,
    ValueRule,
    marker_of,
)
from sheetsync.core.layout import column_letter
from sheetsync.sheets.xlsx_sheet import column_index

LAST_ROW = 1_048_576  # Excel's last row: a rule covers rows added later
RECORD_URI = "urn:sheetsync:setup"
_IN_TAG = rb"""(?:[^>"'/]++|/(?!>)|"[^"]*+"|'[^']*+')*+"""
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
class _Element:
    name: str
    start: int
    end: int
    raw: bytes


def _children(xml: bytes, start: int = 0, end: int | None = None) -> list[_Element]:
    """The top-level elements of `xml[start:end]` (a run of sibling elements)."""
    end = len(xml) if end is None else end
    tag = re.compile(rb"<(/?)(?:\w+:)?(\w+)\b(" + _IN_TAG + rb")(/?)>")
    out, depth, opened = [], 0, (0, "")
    for found in tag.finditer(xml, start, end):
        closing, name, empty = found.group(1), found.group(2).decode(), found.group(4)
        if closing:
            if depth == 0:
                continue  # the parent's end
            depth -= 1
            if depth == 0:
                out.append(
                    _Element(opened[1], opened[0], found.end(), xml[opened[0] : found.end()])
                )
        elif empty:
            if depth == 0:
                out.append(_Element(name, found.start(), found.end(), found.group(0)))
        else:
            if depth == 0:
                opened = (found.start(), name)
            depth += 1
    return out


def _attrs(element: bytes) -> dict[str, str]:
    start = re.match(rb"<" + _IN_TAG, element)
    text = start.group(0) if start else element
    return {
        m.group(1).decode(): html.unescape((m.group(2) or m.group(3) or b"").decode())
        for m in _ATTR.finditer(text)
    }


def _inner(element: _Element) -> tuple[int, int]:
    """Offsets (in the element's own bytes) of its content."""
    open_end = re.match(rb"<" + _IN_TAG + rb">", element.raw)
    assert open_end is not None
    return open_end.end(), element.raw.rfind(b"</")


def _validations(tail: bytes) -> list[_Element]:
    block = next((e for e in _children(tail) if e.name == "dataValidations"), None)
    if block is None or block.raw.endswith(b"/>"):
        return []
    first, last = _inner(block)
    rules = _children(block.raw, first, last)
    return [replace(r, start=r.start + block.start, end=r.end + block.start) for r in rules]


def _is_own_validation(element: _Element) -> bool:
    return _attrs(element.raw).get("promptTitle") == MARKER


def _own_formatting(element: _Element) -> str | None:
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
    inner = re.search(rb"<\w+:record\b" + _IN_TAG + rb"/>", found.group(0))
    return _attrs(inner.group(0)) if inner else {}


def find(parts: Parts, guide: SheetGuide | None) -> Found:
    """sheetsync's own items, by identity (validations by the column they sit on)."""
    items: dict[str, bytes] = {}
    for element in _validations(parts.tail):
        if _is_own_validation(element):
            items[_validation_ident(element, guide)] = element.raw
    for element in _children(parts.tail):
        ident = _own_formatting(element)
        if ident:
            dxf = _dxf_of(element.raw, parts.styles)
            items[ident] = element.raw + b"|" + dxf
    record = _record(parts.tail)
    if record is not None:
        if "pane" in record:
            pane = re.search(rb"<(?:\w+:)?pane\b" + _IN_TAG + rb"/>", parts.head)
            items["freeze"] = pane.group(0) if pane else b""
        if "filter" in record:
            flt = next((e for e in _children(parts.tail) if e.name == "autoFilter"), None)
            items["filter"] = flt.raw if flt else b""
    return Found(items)


def _validation_ident(element: _Element, guide: SheetGuide | None) -> str:
    sqref = _attrs(element.raw).get("sqref", "")
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
    dxfs = _dxfs(styles)
    index = int(found.group(1)) if found else -1
    return dxfs[index] if 0 <= index < len(dxfs) else b""


def _dxfs(styles: bytes) -> list[bytes]:
    block = next((e for e in _children(styles, *_root_inner(styles)) if e.name == "dxfs"), None)
    if block is None or block.raw.endswith(b"/>"):
        return []
    first, last = _inner(block)
    return [e.raw for e in _children(block.raw, first, last)]


def _root_inner(xml: bytes) -> tuple[int, int]:
    root = re.search(rb"<(?:\w+:)?(?:styleSheet|worksheet)\b" + _IN_TAG + rb">", xml)
    assert root is not None
    return root.end(), xml.rfind(b"</")


# -- stripping ----------------------------------------------------------------------------


def strip(parts: Parts) -> Parts:
    """`parts` without sheetsync's items: the very bytes `add` started from."""
    record = _record(parts.tail)
    tail, styles, head = parts.tail, parts.styles, parts.head
    own = [e for e in _validations(tail) if _is_own_validation(e)]
    for element in reversed(own):
        tail = tail[: element.start] + tail[element.end :]
    if own:
        tail = _recount_validations(tail)
    for element in reversed(_children(tail)):
        if _own_formatting(element):
            tail = tail[: element.start] + tail[element.end :]
    if record is not None:
        tail = _strip_record(tail, record.get("extLst") == "created")
        if "filter" in record:
            flt = next((e for e in _children(tail) if e.name == "autoFilter"), None)
            if flt is not None:
                tail = tail[: flt.start] + tail[flt.end :]
        if "pane" in record:
            head = _strip_pane(head, record["pane"])
        if "dxfs" in record:
            styles = _strip_dxfs(styles, int(record["dxfs"]), record.get("dxfsTag", ""))
    return Parts(head, tail, styles, parts.prefix)


def _recount_validations(tail: bytes) -> bytes:
    block = next((e for e in _children(tail) if e.name == "dataValidations"), None)
    if block is None:
        return tail
    count = len(_validations(tail))
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
    pane = rb"<(?:\w+:)?pane\b" + _IN_TAG + rb"/>"
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
    block = next((e for e in _children(styles, *_root_inner(styles)) if e.name == "dxfs"), None)
    if block is None:
        return styles
    if kept == 0 and tag in ("", "absent"):
        return styles[: block.start] + styles[block.end :]
    if kept == 0:
        return styles[: block.start] + tag.encode() + styles[block.end :]
    first, last = _inner(block)
    entries = _children(block.raw, first, last)
    cut = entries[kept].start if kept < len(entries) else last
    opened = re.sub(rb'\bcount="\d+"', b'count="%d"' % kept, block.raw[:first], count=1)
    rebuilt = opened + block.raw[first:cut] + block.raw[last:]
    return styles[: block.start] + rebuilt + styles[block.end :]


# -- adding -------------------------------------------------------------------------------


def add(parts: Parts, guide: SheetGuide, last_row: int) -> tuple[Parts, tuple[str, ...]]:
    """`parts` (stripped of sheetsync's items) with the guide's; notes on what was left."""
    notes: list[str] = []
    p = parts.prefix
    record: dict[str, str] = {}
    tail, head, styles = parts.tail, parts.head, parts.styles
    taken = _columns_validated(tail)

    rules = []
    for rule in guide.values:
        if rule.column in taken:
            notes.append(
                f"{guide.labels[rule.ident]}: left out, the column has a validation "
                "of the staff's own"
            )
        else:
            rules.append(_validation(rule, guide, p))
    guarded = [c for c in guide.guarded if c not in taken]
    if guarded:
        rules.append(_guard(guarded, guide, p))
    tail = _with_validations(tail, rules, p)

    dxfs = _dxfs(styles)
    base = len(dxfs)
    priority = max((int(x) for x in re.findall(rb'priority="(\d+)"', tail)), default=0)
    blocks = [
        _formatting(c, guide, base + i, priority + 1 + i, p) for i, c in enumerate(guide.colours)
    ]
    tail = _insert(tail, "conditionalFormatting", b"".join(blocks), after_same=True)
    styles, tag = _with_dxfs(styles, [_dxf(c, p) for c in guide.colours])
    record |= {"dxfs": str(base), "dxfsTag": tag}

    if not any(e.name == "autoFilter" for e in _children(tail)):
        bottom = max(last_row, guide.header_row)
        ref = f"A{guide.header_row}:{column_letter(guide.last_column)}{bottom}"
        tail = _insert(tail, "autoFilter", b'<%sautoFilter ref="%s"/>' % (p, ref.encode()))
        record["filter"] = "added"
    head, how, note = _with_pane(head, guide.header_row, p)
    if how:
        record["pane"] = how
    if note:
        notes.append(note)
    return Parts(head, _with_record(tail, record, p), styles, p), tuple(notes)


def _columns_validated(tail: bytes) -> set[int]:
    """Columns a validation of the staff's covers below the header (any part of them)."""
    out: set[int] = set()
    for element in _validations(tail):
        if _is_own_validation(element):
            continue
        for ref in _attrs(element.raw).get("sqref", "").split():
            ends = [re.sub(r"[\d$]", "", e) for e in ref.split(":")]
            if all(ends):
                out.update(range(column_index(ends[0]), column_index(ends[-1]) + 1))
    return out


def _esc(text: str) -> bytes:
    return html.escape(text, quote=True).encode()


def _validation(rule: ValueRule, guide: SheetGuide, p: bytes) -> bytes:
    letter = column_letter(rule.column)
    sqref = f"{letter}{guide.first_data_row}:{letter}{LAST_ROW}"
    style = b"stop" if rule.strict else b"warning"
    if rule.kind == "date":
        kind, formulas = (
            b'type="date" operator="between"',
            b"<%sformula1>%d</%sformula1><%sformula2>%d</%sformula2>"
            % (p, FIRST_DATE, p, p, LAST_DATE, p),
        )
    else:
        listed = '"' + ",".join(rule.values) + '"'
        kind, formulas = (
            b'type="list"',
            b"<%sformula1>%s</%sformula1>" % (p, html.escape(listed, quote=False).encode(), p),
        )
    return (
        b'<%sdataValidation %s errorStyle="%s" allowBlank="1" showInputMessage="1" '
        b'showErrorMessage="1" promptTitle="%s" prompt="%s" sqref="%s">%s</%sdataValidation>'
        % (p, kind, style, MARKER.encode(), _esc(rule.prompt[:255]), sqref.encode(), formulas, p)
    )


def _guard(columns: list[int], guide: SheetGuide, p: bytes) -> bytes:
    runs: list[list[int]] = []
    for col in columns:
        if runs and runs[-1][-1] + 1 == col:
            runs[-1].append(col)
        else:
            runs.append([col])
    sqref = " ".join(
        f"{column_letter(r[0])}{guide.header_row}:{column_letter(r[-1])}{LAST_ROW}" for r in runs
    )
    return (
        b'<%sdataValidation allowBlank="1" showInputMessage="1" promptTitle="%s" '
        b'prompt="%s" sqref="%s"/>'
        % (p, MARKER.encode(), _esc(guide.guard_text[:255]), sqref.encode())
    )


def _with_validations(tail: bytes, rules: list[bytes], p: bytes) -> bytes:
    if not rules:
        return tail
    block = next((e for e in _children(tail) if e.name == "dataValidations"), None)
    if block is None:
        inner = b"".join(rules)
        return _insert(
            tail,
            "dataValidations",
            b'<%sdataValidations count="%d">%s</%sdataValidations>' % (p, len(rules), inner, p),
        )
    _, last = _inner(block)
    count = len(_validations(tail)) + len(rules)
    grown = block.raw[:last] + b"".join(rules) + block.raw[last:]
    grown = re.sub(rb'\bcount="\d+"', b'count="%d"' % count, grown, count=1)
    return tail[: block.start] + grown + tail[block.end :]


def _formatting(colour: Colour, guide: SheetGuide, dxf: int, priority: int, p: bytes) -> bytes:
    letter = column_letter(colour.column)
    sqref = f"{letter}{guide.first_data_row}:{letter}{LAST_ROW}"
    formula = html.escape(colour.formula, quote=False).encode()
    return (
        b'<%sconditionalFormatting sqref="%s"><%scfRule type="expression" dxfId="%d" '
        b'priority="%d"><%sformula>%s</%sformula></%scfRule></%sconditionalFormatting>'
        % (p, sqref.encode(), p, dxf, priority, p, formula, p, p, p)
    )


def _argb(hex_colour: str) -> bytes:
    return b"FF" + hex_colour.lstrip("#").upper().encode()


def _dxf(colour: Colour, p: bytes) -> bytes:
    return (
        b'<%sdxf><%sfont><%scolor rgb="%s"/></%sfont><%sfill><%spatternFill>'
        b'<%sbgColor rgb="%s"/></%spatternFill></%sfill></%sdxf>'
        % (p, p, p, _argb(colour.text), p, p, p, p, _argb(colour.fill), p, p, p)
    )


def _with_dxfs(styles: bytes, added: list[bytes]) -> tuple[bytes, str]:
    """styles.xml with `added` last in `<dxfs>`; and how `<dxfs>` was before (its empty
    tag, or 'absent'), for `strip`."""
    start, end = _root_inner(styles)
    children = _children(styles, start, end)
    block = next((e for e in children if e.name == "dxfs"), None)
    root = re.search(rb"<(\w+:)?styleSheet\b", styles)
    prefix = (root.group(1) or b"") if root else b""
    if block is None:
        total = b'<%sdxfs count="%d">%s</%sdxfs>' % (prefix, len(added), b"".join(added), prefix)
        later = [e for e in children if e.name in STYLE_ORDER[STYLE_ORDER.index("dxfs") + 1 :]]
        at = later[0].start if later else end
        return styles[:at] + total + styles[at:], "absent"
    if block.raw.endswith(b"/>"):
        opened = re.sub(rb"\s*/>$", b">", block.raw)
        opened = re.sub(rb'\bcount="\d+"', b'count="%d"' % len(added), opened, count=1)
        grown = opened + b"".join(added) + b"</%sdxfs>" % prefix
        return styles[: block.start] + grown + styles[block.end :], block.raw.decode()
    first, last = _inner(block)
    count = len(_children(block.raw, first, last)) + len(added)
    grown = block.raw[:last] + b"".join(added) + block.raw[last:]
    grown = re.sub(rb'\bcount="\d+"', b'count="%d"' % count, grown, count=1)
    return styles[: block.start] + grown + styles[block.end :], ""


def _with_pane(head: bytes, header_row: int, p: bytes) -> tuple[bytes, str, str | None]:
    """The head with the header row frozen; how (for `strip`), or a note on a pane of the
    staff's own that is left as it is."""
    pane = b'<%spane ySplit="%d" topLeftCell="A%d" activePane="bottomLeft" state="frozen"/>' % (
        p,
        header_row,
        header_row + 1,
    )
    found = re.search(rb"<(?:\w+:)?pane\b" + _IN_TAG + rb"/>", head)
    if found is not None:
        attrs = _attrs(found.group(0))
        if (
            attrs.get("state") in ("frozen", "frozenSplit")
            and int(float(attrs.get("ySplit", "0"))) >= header_row
        ):
            return head, "", None
        return head, "", "the worksheet has a split or frozen pane of its own: left as it is"
    view = re.search(rb"<(?:\w+:)?sheetView\b(" + _IN_TAG + rb")(/?)>", head)
    if view is None:
        views = b'<%ssheetViews><%ssheetView workbookViewId="0">%s</%ssheetView></%ssheetViews>' % (
            p,
            p,
            pane,
            p,
            p,
        )
        anchor = re.search(rb"<(?:\w+:)?(?:sheetFormatPr|cols)\b|$", head)
        at = anchor.start() if anchor else len(head)
        return head[:at] + views + head[at:], "views", None
    if view.group(2):  # <sheetView …/>: opened
        opened = re.sub(rb"\s*/>$", b">", view.group(0))
        built = opened + pane + b"</%ssheetView>" % p
        return head[: view.start()] + built + head[view.end() :], view.group(0).decode(), None
    return head[: view.end()] + pane + head[view.end() :], "pane", None


def _with_record(tail: bytes, record: dict[str, str], p: bytes) -> bytes:
    """The record of what `add` created or replaced, in an `<ext>` Excel ignores."""
    block = next((e for e in _children(tail) if e.name == "extLst"), None)
    if block is None:
        record = {**record, "extLst": "created"}
    attrs = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in record.items())
    ext = (
        f'<{p.decode()}ext uri="{RECORD_URI}"><sheetsync:record xmlns:sheetsync="{RECORD_URI}"'
        f"{attrs}/></{p.decode()}ext>"
    ).encode()
    if block is None:
        return _insert(tail, "extLst", b"<%sextLst>%s</%sextLst>" % (p, ext, p))
    _, last = _inner(block)
    grown = block.raw[:last] + ext + block.raw[last:]
    return tail[: block.start] + grown + tail[block.end :]


def _insert(tail: bytes, name: str, xml: bytes, *, after_same: bool = False) -> bytes:
    """`xml` where CT_Worksheet's order puts element `name` (after its own kind when
    `after_same`: our conditional formats follow the staff's)."""
    if not xml:
        return tail
    order = TAIL_ORDER.index(name)
    children = [e for e in _children(tail) if e.name in TAIL_ORDER]
    same = [e for e in children if e.name == name]
    if after_same and same:
        at = same[-1].end
    else:
        later = [e for e in children if TAIL_ORDER.index(e.name) > order]
        at = later[0].start if later else tail.rfind(b"</")
    return tail[:at] + xml + tail[at:]
