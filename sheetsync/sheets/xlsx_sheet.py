"""Set sheetsync's cells in a worksheet part of an .xlsx package, byte for byte elsewhere.

The worksheet XML is edited as text, not rebuilt: only the `<row>` elements holding
a status cell are rewritten (every other cell of such a row is copied as it was:
value, formula with its cached result, style), rows with none are copied untouched,
and outside `<sheetData>` only three things may change: `<dimension>` grows over the
status columns, `<cols>` gets a width for each appended column, and an `<autoFilter>`
that starts at the header row is extended over the status columns. A whole sheet is
never parsed into a tree, so 20,000 rows cost little more than a copy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

Role = Literal["plain", "header", "wrap", "date"]
EXCEL_CELL_LIMIT = 32_767  # characters; Excel refuses to open a longer cell

_ATTR = re.compile(rb'([\w:]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_REF = re.compile(rb"\$?([A-Z]{1,3})\$?(\d+)")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")  # Excel reads _x0041_ as "A"


@dataclass(frozen=True)
class CellEdit:
    """What one owned cell becomes: text, a number (a date-time serial), or empty."""

    text: str | None = None
    number: float | None = None
    role: Role = "plain"


@dataclass(frozen=True)
class SheetEdit:
    """The cells to set (1-based row → 0-based column → edit) and how the sheet fits them."""

    cells: Mapping[int, Mapping[int, CellEdit]]
    header_row: int
    widths: Mapping[int, float]  # appended column → width, where no <col> says one


@dataclass(frozen=True)
class Styles:
    """How a cell's format index becomes the one its role needs (`xlsx_styles`)."""

    wrapped: Callable[[int], int]
    dated: Callable[[int], int]


@dataclass(frozen=True)
class EditedSheet:
    xml: bytes
    autofilter: tuple[str, str] | None  # (old ref, new ref) when the filter was extended


def column_index(letters: bytes | str) -> int:
    """A1 column letters → 0-based index."""
    index = 0
    for char in letters if isinstance(letters, str) else letters.decode():
        index = index * 26 + ord(char) - 64
    return index - 1


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def edit_sheet(xml: bytes, edit: SheetEdit, styles: Styles) -> EditedSheet:
    """The worksheet `xml` with `edit` applied (see the module docstring)."""
    root = re.search(rb"<(\w+:)?worksheet\b", xml)
    prefix = (root.group(1) or b"") if root else b""
    tags = _Tags(prefix)
    data = tags.sheet_data.search(xml)
    if data is None:
        raise ValueError("the worksheet has no <sheetData>")
    head, tail = xml[: data.start()], xml[data.end() :]
    last_col = max((c for cells in edit.cells.values() for c in cells), default=0)
    columns = _Columns(head, tags)
    body: list[bytes | memoryview]
    if data.group(1):  # <sheetData/>: an empty sheet
        body = [_new_row(r, edit.cells[r], columns, styles, tags) for r in sorted(edit.cells)]
    else:
        body = _edit_rows(data.group(2), edit.cells, columns, styles, tags)
    open_tag = b"<" + prefix + b"sheetData>"
    close_tag = b"</" + prefix + b"sheetData>"
    head = _grow_dimension(head, last_col, max(edit.cells, default=1))
    head = columns.with_widths(head, edit.widths)
    tail, autofilter = _extend_filter(tail, edit.header_row, last_col, tags)
    return EditedSheet(b"".join((head, open_tag, *body, close_tag, tail)), autofilter)


class _Tags:
    def __init__(self, prefix: bytes) -> None:
        p = re.escape(prefix)
        self.prefix = prefix
        self.sheet_data = re.compile(
            rb"<" + p + rb"sheetData\b[^>]*?(?:(/)>|>(.*?)</" + p + rb"sheetData>)", re.S
        )
        self.row = re.compile(rb"<" + p + rb"row\b([^>]*?)(/?)>")
        self.row_end = b"</" + prefix + b"row>"
        self.cell = re.compile(rb"<" + p + rb"c\b([^>]*?)(?:/>|>(.*?)</" + p + rb"c>)", re.S)
        self.cols = re.compile(rb"<" + p + rb"cols\b[^>]*>(.*?)</" + p + rb"cols>", re.S)
        self.col = re.compile(rb"<" + p + rb"col\b([^>]*?)/?>")
        self.autofilter = re.compile(rb"<" + p + rb"autoFilter\b[^>]*?ref\s*=\s*\"([^\"]*)\"")


_ROW_NUMBER = re.compile(rb'\sr\s*=\s*["\'](\d+)["\']')
_CELL_REF = re.compile(rb'\sr\s*=\s*["\']\$?([A-Z]{1,3})\$?(\d+)["\']')
_CELL_STYLE = re.compile(rb'\ss\s*=\s*["\'](\d+)["\']')


def _attrs(start: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _ATTR.finditer(start)}  # fmt: skip


class _Columns:
    """The `<cols>` of a sheet: each column's default format, and widths to add."""

    def __init__(self, head: bytes, tags: _Tags) -> None:
        self._tags = tags
        self.spans: list[tuple[int, int, int]] = []  # (first, last, style), 0-based
        found = tags.cols.search(head)
        for col in tags.col.finditer(found.group(1) if found else b""):
            a = _attrs(col.group(1))
            first, last = int(a.get(b"min", b"1")) - 1, int(a.get(b"max", b"1")) - 1
            self.spans.append((first, last, int(a.get(b"style", b"0"))))

    def style(self, col: int) -> int:
        return next((s for first, last, s in self.spans if first <= col <= last), 0)

    def with_widths(self, head: bytes, widths: Mapping[int, float]) -> bytes:
        free = {c: w for c, w in widths.items() if not any(f <= c <= t for f, t, _ in self.spans)}
        if not free:
            return head
        p = self._tags.prefix
        added = b"".join(
            b"<" + p + b'col min="%d" max="%d" width="%g" customWidth="1"/>' % (c + 1, c + 1, w)
            for c, w in sorted(free.items())
        )
        found = self._tags.cols.search(head)
        if found is not None:  # sorted by min: appended columns come after every other
            return head[: found.end(1)] + added + head[found.end(1) :]
        return head + b"<" + p + b"cols>" + added + b"</" + p + b"cols>"  # just before sheetData


def _edit_rows(
    body: bytes,
    edits: Mapping[int, Mapping[int, CellEdit]],
    columns: _Columns,
    styles: Styles,
    tags: _Tags,
) -> list[bytes | memoryview]:
    pending = sorted(edits)
    view = memoryview(body)  # slices of the rows copied as they are, without copying
    out: list[bytes | memoryview] = []
    pos = 0
    previous = 0
    for found in tags.row.finditer(body):
        if found.start() < pos:
            continue  # a match inside a row already rewritten (cannot happen in valid XML)
        given = _ROW_NUMBER.search(found.group(1))
        number = int(given.group(1)) if given else previous + 1
        previous = number
        if given and not (pending and pending[0] <= number):
            continue  # the common case: a row sheetsync does not touch, copied as it is
        attrs = _attrs(found.group(1))
        while pending and pending[0] < number:
            row = pending.pop(0)
            out.append(view[pos : found.start()])
            pos = found.start()
            out.append(_new_row(row, edits[row], columns, styles, tags))
        needs_number = b"r" not in attrs
        if not (pending and pending[0] == number) and not needs_number:
            continue
        end = found.end()
        if not found.group(2):  # not <row/>: the row ends at its </row>
            close = body.index(tags.row_end, found.end())
            inner, end = body[found.end() : close], close + len(tags.row_end)
        else:
            inner = b""
        out.append(view[pos : found.start()])
        pos = end
        if pending and pending[0] == number:
            row = pending.pop(0)
            out.append(_rewrite_row(number, attrs, inner, edits[row], columns, styles, tags))
        else:  # rows without r: number them, so a row inserted above cannot shift them
            out.append(_row_tag(number, attrs, tags, None) + inner + tags.row_end)
    out.append(view[pos:])
    out.extend(_new_row(row, edits[row], columns, styles, tags) for row in pending)
    return out


def _row_tag(number: int, attrs: dict[bytes, bytes], tags: _Tags, last_col: int | None) -> bytes:
    attrs = {b"r": str(number).encode(), **{k: v for k, v in attrs.items() if k != b"r"}}
    spans = attrs.get(b"spans")
    if last_col is not None and spans and b":" in spans:
        first, last = spans.split(b":", 1)
        if last.isdigit() and int(last) < last_col + 1:
            attrs[b"spans"] = first + b":" + str(last_col + 1).encode()
    rendered = b"".join(b" " + k + b'="' + v + b'"' for k, v in attrs.items())
    return b"<" + tags.prefix + b"row" + rendered + b">"


def _new_row(
    number: int, edits: Mapping[int, CellEdit], columns: _Columns, styles: Styles, tags: _Tags
) -> bytes:
    return _rewrite_row(number, {}, b"", edits, columns, styles, tags)


def _rewrite_row(
    number: int,
    attrs: dict[bytes, bytes],
    inner: bytes,
    edits: Mapping[int, CellEdit],
    columns: _Columns,
    styles: Styles,
    tags: _Tags,
) -> bytes:
    cells: dict[int, tuple[bytes, int | None]] = {}  # column → (raw cell, its format index)
    col = -1
    rest = inner
    for found in tags.cell.finditer(inner):
        start = b" " + found.group(1)
        ref = _CELL_REF.search(start)
        col = column_index(ref.group(1)) if ref else col + 1
        raw = found.group(0)
        if ref is None:  # number the cell, so one inserted before it cannot shift it
            raw = raw.replace(b"<" + tags.prefix + b"c", b"<%sc r=\"%s%d\"" % (
                tags.prefix, column_letters(col).encode(), number), 1)  # fmt: skip
        style = _CELL_STYLE.search(start)
        cells[col] = (raw, int(style.group(1)) if style else None)
        rest = inner[found.end() :]
    row_style = int(attrs[b"s"]) if attrs.get(b"customFormat") in (b"1", b"true") else None
    for col, cell in edits.items():
        existing = cells.get(col)
        base = existing[1] if existing and existing[1] is not None else None
        if base is None:
            base = row_style if row_style is not None else columns.style(col)
        if cell.role == "header":
            left = sorted((c, s) for c, (_, s) in cells.items() if c < col and s is not None)
            base = left[-1][1] if left else base
        cells[col] = (_cell_xml(number, col, cell, _styled(base, cell.role, styles), tags), None)
    body = b"".join(cells[c][0] for c in sorted(cells))
    return _row_tag(number, attrs, tags, max(edits)) + body + rest + tags.row_end


def _styled(base: int, role: Role, styles: Styles) -> int:
    if role == "wrap":
        return styles.wrapped(base)
    if role == "date":
        return styles.dated(base)
    return base


def _cell_xml(row: int, col: int, cell: CellEdit, style: int, tags: _Tags) -> bytes:
    p = tags.prefix
    start = b'<%sc r="%s%d"' % (p, column_letters(col).encode(), row)
    if style:
        start += b' s="%d"' % style
    if cell.number is not None:
        return start + b"><%sv>%r</%sv></%sc>" % (p, cell.number, p, p)
    if not cell.text:
        return start + b"/>"
    text = _ILLEGAL.sub("", cell.text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _EXCEL_ESCAPE.sub(r"_x005F_\1", text[:EXCEL_CELL_LIMIT])
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        start
        + b' t="inlineStr"><%sis><%st xml:space="preserve">' % (p, p)
        + escaped.encode("utf-8")
        + b"</%st></%sis></%sc>" % (p, p, p)
    )


def _bounds(ref: bytes) -> tuple[int, int, int, int] | None:
    """An A1 range (or one cell) → (first col, first row, last col, last row), 0/1-based."""
    parts = [_REF.fullmatch(part) for part in ref.split(b":")]
    if not parts or len(parts) > 2 or any(p is None for p in parts):
        return None
    first, last = parts[0], parts[-1]
    assert first is not None and last is not None
    return (column_index(first.group(1)), int(first.group(2)),
            column_index(last.group(1)), int(last.group(2)))  # fmt: skip


def _ref(bounds: tuple[int, int, int, int]) -> bytes:
    c0, r0, c1, r1 = bounds
    return f"{column_letters(c0)}{r0}:{column_letters(c1)}{r1}".encode()


def _grow_dimension(head: bytes, last_col: int, last_row: int) -> bytes:
    found = re.search(rb"<(\w+:)?dimension\b[^>]*?ref\s*=\s*\"([^\"]*)\"", head)
    bounds = _bounds(found.group(2)) if found else None
    if found is None or bounds is None:
        return head
    c0, r0, c1, r1 = bounds
    grown = (c0, r0, max(c1, last_col), max(r1, last_row))
    if grown == bounds:
        return head
    return head[: found.start(2)] + _ref(grown) + head[found.end(2) :]


def _extend_filter(
    tail: bytes, header_row: int, last_col: int, tags: _Tags
) -> tuple[bytes, tuple[str, str] | None]:
    found = tags.autofilter.search(tail)
    bounds = _bounds(found.group(1)) if found else None
    if found is None or bounds is None:
        return tail, None
    c0, r0, c1, r1 = bounds
    if r0 != header_row or c1 >= last_col:
        return tail, None
    new = _ref((c0, r0, last_col, r1))
    return (
        tail[: found.start(1)] + new + tail[found.end(1) :],
        (found.group(1).decode(), new.decode()),
    )
