"""Set sheetsync's cells in a worksheet part of an .xlsx package, byte for byte elsewhere.

The worksheet XML is edited as text, not rebuilt: only the `<row>` elements holding
a status cell are rewritten (every other cell of such a row is copied as it was:
value, formula with its cached result, style), rows with none are copied untouched,
and outside `<sheetData>` only three things may change: `<dimension>` grows over the
status columns, `<cols>` gets a width for each appended column, and an `<autoFilter>`
that starts at the header row is extended over the status columns. A whole sheet is
never parsed into a tree, so 20,000 rows cost little more than a copy; it is edited a
chunk of whole rows at a time, so neither it nor its edited copy is ever held whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from sheetsync.core.layout import column_letter
from sheetsync.errors import SheetLayoutError

Role = Literal["plain", "header", "wrap", "date"]
EXCEL_CELL_LIMIT = 32_767  # characters; Excel refuses to open a longer cell

EXCEL_LAST_COLUMN = 16_383  # 0-based: XFD, the 16,384th column
# A start tag's attributes, quoted values honoured: `>` and `/>` may sit inside a value.
_IN_TAG = rb"""((?:[^>"'/]++|/(?!>)|"[^"]*+"|'[^']*+')*+)"""
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_REF = re.compile(rb"\$?([A-Z]{1,3})\$?(\d+)")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")  # Excel reads _x0041_ as "A"


@dataclass(frozen=True, slots=True)
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


def column_index(letters: bytes | str) -> int:
    """A1 column letters → 0-based index."""
    index = 0
    for char in letters if isinstance(letters, str) else letters.decode():
        index = index * 26 + ord(char) - 64
    return index - 1


def edit_sheet(
    source: Iterable[bytes], edit: SheetEdit, styles: Styles, write: Callable[[bytes], object]
) -> tuple[str, str] | None:
    """Pass to `write`, a run of whole rows at a time, the worksheet XML read from
    `source` (in chunks of any size) with `edit` applied (see the module docstring).
    Returns (old ref, new ref) when the autofilter was extended."""
    chunks = _scanned(source)
    head, searched = b"", 0
    root, tags, opened = None, _Tags(b""), None
    for chunk in chunks:
        head += chunk
        root = root or _ROOT.search(head, searched)
        tags = _Tags((root.group(1) or b"") if root else b"")
        opened = tags.sheet_data.search(head, searched)
        if opened is not None:
            break
        searched = max(0, head.rfind(b"<"))  # a tag cut at the chunk's end starts there
    if opened is None:
        raise ValueError("the worksheet has no <sheetData>")
    rest, head = head[opened.end() :], head[: opened.start()]
    last_col = max((c for cells in edit.cells.values() for c in cells), default=0)
    columns = _Columns(head, tags)
    head = _grow_dimension(head, last_col, max(edit.cells, default=1))
    write(columns.with_widths(head, edit.widths) + b"<" + tags.prefix + b"sheetData>")
    rows = _RowEditor(edit.cells, columns, styles, tags)
    empty = opened.group(2)  # <sheetData/>
    tail = rest + b"".join(chunks) if empty else _edit_body(rest, chunks, rows, write)
    write(b"".join(rows.remaining()) + tags.sheet_data_end)
    if rows.formulas:
        raise SheetLayoutError(
            f"the status cells {', '.join(rows.formulas)} hold shared or array formulas, "
            "which sheetsync cannot overwrite without breaking the cells that share them: "
            "clear the formulas in the status columns; nothing was written"
        )
    tail, autofilter = _extend_filter(tail, edit.header_row, last_col, tags)
    write(tail)
    return autofilter


_UNSAFE = (
    (b"<![CDATA[", "CDATA"),
    (b"<!--", "an XML comment"),
    (b"<?", "a processing instruction"),
)


def _scanned(source: Iterable[bytes]) -> Iterator[bytes]:
    """`source`, refused (SheetLayoutError) if it holds a construct the text editor could
    misread: CDATA (`</row>` inside it is text), a comment, a DTD, a processing
    instruction (the XML declaration at the start excepted). Excel never writes these."""
    held, offset = b"", 0  # the last bytes seen, judged with the next chunk: a token cut there
    for chunk in source:
        text = held + chunk
        _judge(text, offset, len(text) - _HELD)
        offset += max(0, len(text) - _HELD)
        held = text[max(0, len(text) - _HELD) :]
        yield chunk
    _judge(held, offset, len(held))


_HELD = 8  # bytes: the longest token, <![CDATA[, less one
_OPENER = re.compile(rb"<[!?]")


def _judge(text: bytes, offset: int, before: int) -> None:
    """Refuse an unsafe construct starting in `text` before `before` (`text` starts at
    byte `offset` of the worksheet)."""
    for found in _OPENER.finditer(text):
        if found.start() >= before:
            return
        if offset + found.start() <= 3 and text.startswith(b"<?xml", found.start()):
            continue  # the declaration
        kind = next(
            (k for token, k in _UNSAFE if text.startswith(token, found.start())),
            "a DTD declaration",
        )
        raise SheetLayoutError(
            f"this workbook's worksheet XML holds {kind}, which sheetsync cannot edit "
            "with certainty: open and save it in Excel or LibreOffice (which writes it "
            "plainly), then sync again; nothing was written"
        )


def _edit_body(
    body: bytes, chunks: Iterator[bytes], rows: _RowEditor, write: Callable[[bytes], object]
) -> bytes:
    """Edit the rows of `<sheetData>` (`body`, then `chunks`) a run of whole rows at a
    time, up to `</sheetData>`; returns what follows it."""
    close, row_end = rows.tags.sheet_data_end, rows.tags.row_end
    searched = 0
    while (end := body.find(close, searched)) < 0:
        # Rows do not nest: everything up to the last </row> is whole rows; the rest
        # waits for the next chunk.
        cut = body.rfind(row_end)
        if cut >= 0:
            cut += len(row_end)
            write(b"".join(rows.edited(body[:cut])))
            body = body[cut:]
        chunk = next(chunks, None)
        if chunk is None:
            raise ValueError("the worksheet's <sheetData> has no end")
        searched = max(0, len(body) - len(close))
        body += chunk
    write(b"".join(rows.edited(body[:end])))
    return body[end + len(close) :] + b"".join(chunks)


class _Tags:
    def __init__(self, prefix: bytes) -> None:
        p = re.escape(prefix)
        self.prefix = prefix
        self.sheet_data = re.compile(rb"<" + p + rb"sheetData\b" + _IN_TAG + rb"(/?)>")
        self.sheet_data_end = b"</" + prefix + b"sheetData>"
        self.row = re.compile(rb"<" + p + rb"row\b" + _IN_TAG + rb"(/?)>")
        self.row_end = b"</" + prefix + b"row>"
        self.cell = re.compile(
            rb"<" + p + rb"c\b" + _IN_TAG + rb"(?:/>|>(.*?)</" + p + rb"c>)", re.S
        )
        self.cols = re.compile(rb"<" + p + rb"cols\b[^>]*>(.*?)</" + p + rb"cols>", re.S)
        self.col = re.compile(rb"<" + p + rb"col\b" + _IN_TAG + rb"/?>")
        self.formula = re.compile(rb"<" + p + rb"f\b" + _IN_TAG + rb"/?>")
        self.autofilter = re.compile(rb"<" + p + rb"autoFilter\b[^>]*?ref\s*=\s*\"([^\"]*)\"")


_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
# An attribute of a start tag, found from the tag's start so a quoted value cannot fake it.
_BEFORE = rb"""\A(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*?\s+"""
_ROW_NUMBER = re.compile(_BEFORE + rb'r\s*=\s*["\'](\d+)["\']')
_CELL_REF = re.compile(_BEFORE + rb'r\s*=\s*["\']\$?([A-Z]{1,3})\$?(\d+)["\']')
_CELL_STYLE = re.compile(_BEFORE + rb's\s*=\s*["\'](\d+)["\']')


def _attrs(start: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _ATTR.finditer(start)}  # fmt: skip


class _Columns:
    """The `<cols>` of a sheet: each column's default format, and widths to add."""

    def __init__(self, head: bytes, tags: _Tags) -> None:
        self._tags = tags
        self.spans: list[tuple[int, int, int]] = []  # (first, last, style), 0-based
        self._starts: list[tuple[int, int]] = []  # (first, offset in <cols> of its <col>)
        found = tags.cols.search(head)
        for col in tags.col.finditer(found.group(1) if found else b""):
            a = _attrs(col.group(1))
            first, last = int(a.get(b"min", b"1")) - 1, int(a.get(b"max", b"1")) - 1
            self.spans.append((first, last, int(a.get(b"style", b"0"))))
            self._starts.append((first, col.start()))

    def style(self, col: int) -> int:
        return next((s for first, last, s in self.spans if first <= col <= last), 0)

    def with_widths(self, head: bytes, widths: Mapping[int, float]) -> bytes:
        free = {c: w for c, w in widths.items() if not any(f <= c <= t for f, t, _ in self.spans)}
        if not free:
            return head
        p = self._tags.prefix
        found = self._tags.cols.search(head)
        if found is None:  # <cols> goes just before <sheetData>
            added = b"".join(self._col(c, w) for c, w in sorted(free.items()))
            return head + b"<" + p + b"cols>" + added + b"</" + p + b"cols>"
        # Excel wants <col>s sorted by min: each new one goes before the first that follows it.
        inner, base = found.group(1), found.start(1)
        at: dict[int, list[bytes]] = {}
        for c, w in sorted(free.items()):
            offset = next((o for first, o in self._starts if first > c), len(inner))
            at.setdefault(offset, []).append(self._col(c, w))
        out, pos = [head[:base]], 0
        for offset in sorted(at):
            out += [inner[pos:offset], *at[offset]]
            pos = offset
        return b"".join([*out, inner[pos:], head[found.end(1) :]])

    def _col(self, col: int, width: float) -> bytes:
        p = self._tags.prefix
        return b"<" + p + b'col min="%d" max="%d" width="%g" customWidth="1"/>' % (
            col + 1, col + 1, width)  # fmt: skip


class _RowEditor:
    """The rows of `<sheetData>`, fed in runs of whole rows: those holding a status cell
    rewritten, rows sheetsync writes into that the sheet lacks added in order, every
    other row copied as it is."""

    def __init__(
        self,
        edits: Mapping[int, Mapping[int, CellEdit]],
        columns: _Columns,
        styles: Styles,
        tags: _Tags,
    ) -> None:
        self._edits = edits
        self._pending = sorted(edits)
        self._previous = 0  # the number of the last row seen
        self.formulas: list[str] = []  # status cells holding a shared or array formula
        self._columns, self._styles, self.tags = columns, styles, tags

    def edited(self, body: bytes) -> list[bytes | memoryview]:
        """`body` (whole rows) with the edits that fall in it."""
        tags, pending = self.tags, self._pending
        view = memoryview(body)  # slices of the rows copied as they are, without copying
        out: list[bytes | memoryview] = []
        pos = 0
        for found in tags.row.finditer(body):
            if found.start() < pos:
                continue  # a match inside a row already rewritten (cannot happen in valid XML)
            given = _ROW_NUMBER.search(found.group(1))
            number = int(given.group(1)) if given else self._previous + 1
            if number <= self._previous:
                raise SheetLayoutError(
                    f"the worksheet's rows are out of order in the file (row {number} comes "
                    f"after row {self._previous}), which sheetsync cannot edit with certainty: "
                    "open and save it in Excel or LibreOffice, then sync again; nothing was "
                    "written"
                )
            self._previous = number
            if given and not (pending and pending[0] <= number):
                continue  # the common case: a row sheetsync does not touch, copied as it is
            attrs = _attrs(found.group(1))
            while pending and pending[0] < number:
                out.append(view[pos : found.start()])
                pos = found.start()
                out.append(self._new_row(pending.pop(0)))
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
                out.append(self._rewrite(number, attrs, inner, self._edits[row]))
            else:  # rows without r: number them, so a row inserted above cannot shift them
                out.append(_row_tag(number, attrs, tags, None) + inner + tags.row_end)
        out.append(view[pos:])
        return out

    def remaining(self) -> list[bytes]:
        """The rows to add after the sheet's last row."""
        rows = [self._new_row(row) for row in self._pending]
        self._pending.clear()
        return rows

    def _new_row(self, number: int) -> bytes:
        return self._rewrite(number, {}, b"", self._edits[number])

    def _rewrite(
        self, number: int, attrs: dict[bytes, bytes], inner: bytes, edits: Mapping[int, CellEdit]
    ) -> bytes:
        row = _rewrite_row(number, attrs, inner, edits, self._columns, self._styles, self.tags)
        self.formulas.extend(_shared_formulas(number, inner, edits, self.tags))
        return row


def _row_tag(number: int, attrs: dict[bytes, bytes], tags: _Tags, last_col: int | None) -> bytes:
    attrs = {b"r": str(number).encode(), **{k: v for k, v in attrs.items() if k != b"r"}}
    spans = attrs.get(b"spans")
    if last_col is not None and spans and b":" in spans:
        first, last = spans.split(b":", 1)
        if last.isdigit() and int(last) < last_col + 1:
            attrs[b"spans"] = first + b":" + str(last_col + 1).encode()
    rendered = b"".join(b" " + k + b'="' + v.replace(b'"', b"&quot;") + b'"'
                        for k, v in attrs.items())  # fmt: skip
    return b"<" + tags.prefix + b"row" + rendered + b">"


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
                tags.prefix, column_letter(col).encode(), number), 1)  # fmt: skip
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


def _shared_formulas(
    number: int, inner: bytes, edits: Mapping[int, CellEdit], tags: _Tags
) -> list[str]:
    """The cells of `edits` that hold a shared (master or member), array or data-table
    formula: overwriting one would break the cells computed with it."""
    if b"<" + tags.prefix + b"f" not in inner:
        return []  # the common case: no formula in the row
    found = []
    col = -1
    for cell in tags.cell.finditer(inner):
        ref = _CELL_REF.search(b" " + cell.group(1))
        col = column_index(ref.group(1)) if ref else col + 1
        formula = tags.formula.search(cell.group(2) or b"")
        kind = _attrs(formula.group(1)).get(b"t", b"normal") if formula else b"normal"
        if col in edits and kind != b"normal":
            found.append(f"{column_letter(col)}{number}")
    return found


def _styled(base: int, role: Role, styles: Styles) -> int:
    if role == "wrap":
        return styles.wrapped(base)
    if role == "date":
        return styles.dated(base)
    return base


def _cell_xml(row: int, col: int, cell: CellEdit, style: int, tags: _Tags) -> bytes:
    p = tags.prefix
    start = b'<%sc r="%s%d"' % (p, column_letter(col).encode(), row)
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
    return f"{column_letter(c0)}{r0}:{column_letter(c1)}{r1}".encode()


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
