"""The cell formats sheetsync's status cells need, found or added in an .xlsx styles part.

A status cell keeps the format staff gave it; `Problémák` cells get a variant of it
that wraps, `Állapot változott` cells one that shows a date and time. Variants are
appended to `cellXfs` (and the date format to `numFmts`) as text, so every byte of
the styles part outside those two lists stays as it was; an identical variant made
by an earlier pass is reused, so an unchanged sheet never changes the part again.
"""

from __future__ import annotations

import re

_ATTR = re.compile(rb'([\w:]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
# Excel's built-in number formats that show a date or a time.
_BUILTIN_DATES = {*range(14, 23), 45, 46, 47}
FIRST_CUSTOM_FORMAT = 164


class StyleBook:
    """The `cellXfs` and `numFmts` of one styles part; `changed` once a variant is added."""

    def __init__(self, xml: bytes) -> None:
        self._xml = xml
        root = re.search(rb"<(\w+:)?styleSheet\b", xml)
        self._prefix = (root.group(1) or b"") if root else b""
        p = re.escape(self._prefix)
        self._xfs_re = re.compile(rb"<" + p + rb"cellXfs\b[^>]*?(?:/>|>(.*?)</" + p + rb"cellXfs>)",
                                  re.S)  # fmt: skip
        self._xf_re = re.compile(rb"<" + p + rb"xf\b[^>]*?(?:/>|>.*?</" + p + rb"xf>)", re.S)
        self._fmt_re = re.compile(rb"<" + p + rb"numFmt\b[^>]*/>")
        found = self._xfs_re.search(xml)
        self._xfs = self._xf_re.findall(found.group(1) or b"") if found else []
        self._added: list[bytes] = []
        self._formats = {
            int(_attrs(f).get(b"numFmtId", b"0")): _attrs(f).get(b"formatCode", b"")
            for f in self._fmt_re.findall(xml)
        }
        self._new_formats: dict[int, bytes] = {}
        self._memo: dict[tuple[int, str], int] = {}

    @property
    def changed(self) -> bool:
        return bool(self._added or self._new_formats)

    def wrapped(self, index: int) -> int:
        """`index`, or a variant of it that wraps its text."""
        key = (index, "wrap")
        if key not in self._memo:
            self._memo[key] = self._wrapped(index)
        return self._memo[key]

    def dated(self, index: int, code: str) -> int:
        """`index` if it shows a date already, else a variant showing `code`."""
        key = (index, code)
        if key not in self._memo:
            self._memo[key] = self._dated(index, code)
        return self._memo[key]

    def _wrapped(self, index: int) -> int:
        xf = self._xf(index)
        if xf is None or _alignment(xf).get(b"wrapText") in (b"1", b"true"):
            return index
        alignment = {**_alignment(xf), b"wrapText": b"1", b"vertical": b"top"}
        return self._variant(xf, {b"applyAlignment": b"1"}, alignment)

    def _dated(self, index: int, code: str) -> int:
        xf = self._xf(index)
        if xf is None:
            return index
        current = int(_attrs(xf).get(b"numFmtId", b"0"))
        if current in _BUILTIN_DATES or _is_date_code(self._formats.get(current, b"")):
            return index
        number = self._format(code.encode())
        changes = {b"numFmtId": str(number).encode(), b"applyNumberFormat": b"1"}
        return self._variant(xf, changes, None)

    def to_bytes(self) -> bytes:
        """The styles part with the variants and formats added."""
        xml = self._xml
        if self._new_formats:
            xml = self._with_formats(xml)
        if self._added:
            found = self._xfs_re.search(xml)
            assert found is not None  # a variant is only made of an existing xf
            total = str(len(self._xfs) + len(self._added)).encode()
            start = re.sub(rb'\bcount\s*=\s*("[^"]*"|\'[^\']*\')', b'count="' + total + b'"',
                           xml[found.start() : found.start(1)], count=1)  # fmt: skip
            body = (found.group(1) or b"") + b"".join(self._added)
            end = b"</" + self._prefix + b"cellXfs>"
            xml = xml[: found.start()] + start + body + end + xml[found.end() :]
        return xml

    def _xf(self, index: int) -> bytes | None:
        every = self._xfs + self._added
        return every[index] if 0 <= index < len(every) else None

    def _variant(
        self, xf: bytes, changes: dict[bytes, bytes], alignment: dict[bytes, bytes] | None
    ) -> int:
        attrs = {**_attrs(xf), **changes}
        keep_alignment = alignment if alignment is not None else _alignment(xf)
        p = self._prefix
        children = b""
        if keep_alignment:
            children += b"<" + p + b"alignment" + _render(keep_alignment) + b"/>"
        protection = re.search(rb"<(\w+:)?protection\b[^>]*/>", xf)
        if protection:
            children += protection.group(0)
        built = b"<" + p + b"xf" + _render(attrs)
        built += b">" + children + b"</" + p + b"xf>" if children else b"/>"
        every = self._xfs + self._added
        if built in every:
            return every.index(built)
        self._added.append(built)
        return len(every)

    def _format(self, code: bytes) -> int:
        escaped = _escape(code)
        for number, existing in {**self._formats, **self._new_formats}.items():
            if existing == escaped:
                return number
        number = max([FIRST_CUSTOM_FORMAT - 1, *self._formats, *self._new_formats]) + 1
        self._new_formats[number] = escaped
        return number

    def _with_formats(self, xml: bytes) -> bytes:
        p = self._prefix
        new = b"".join(
            b"<" + p + b'numFmt numFmtId="' + str(n).encode() + b'" formatCode="' + c + b'"/>'
            for n, c in self._new_formats.items()
        )
        total = str(len(self._formats) + len(self._new_formats)).encode()
        block = re.search(
            rb"<" + re.escape(p) + rb"numFmts\b[^>]*?(/?)>", xml
        )  # numFmts comes first in styleSheet
        if block is None:
            root = re.search(rb"<(\w+:)?styleSheet\b[^>]*>", xml)
            assert root is not None
            fmts = b"<" + p + b'numFmts count="' + total + b'">' + new + b"</" + p + b"numFmts>"
            return xml[: root.end()] + fmts + xml[root.end() :]
        start = re.sub(rb'\bcount\s*=\s*("[^"]*"|\'[^\']*\')', b'count="' + total + b'"',
                       block.group(0), count=1)  # fmt: skip
        if block.group(1):  # <numFmts/>: open it
            start = start[:-2].rstrip() + b">"
            return xml[: block.start()] + start + new + b"</" + p + b"numFmts>" + xml[block.end() :]
        close = xml.index(b"</" + p + b"numFmts>", block.end())
        return xml[: block.start()] + start + xml[block.end() : close] + new + xml[close:]


def _attrs(element: bytes) -> dict[bytes, bytes]:
    start = element.split(b">", 1)[0]
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _ATTR.finditer(start)}  # fmt: skip


def _alignment(xf: bytes) -> dict[bytes, bytes]:
    found = re.search(rb"<(\w+:)?alignment\b[^>]*/?>", xf)
    return _attrs(found.group(0)[1:]) if found else {}


def _render(attrs: dict[bytes, bytes]) -> bytes:
    return b"".join(b" " + k + b'="' + v + b'"' for k, v in attrs.items())


def _escape(code: bytes) -> bytes:
    return code.replace(b"&", b"&amp;").replace(b'"', b"&quot;").replace(b"<", b"&lt;")


def _is_date_code(code: bytes) -> bool:
    """A custom format showing a date or time: y, d or h outside quotes and brackets."""
    plain = re.sub(rb'"[^"]*"|\[[^\]]*\]|\\.', b"", code.replace(b"&quot;", b'"')).lower()
    return any(letter in plain for letter in (b"y", b"d", b"h"))
