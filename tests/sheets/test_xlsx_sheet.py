"""The worksheet edit, streamed: status cells set in the XML text a run of rows at a time,
the same whatever the chunks it is read in, and never holding the sheet whole."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.sheets.xlsx_package import CHUNK, Spool
from sheetsync.sheets.xlsx_sheet import CellEdit, SheetEdit, Styles, edit_sheet

PLAIN = Styles(wrapped=lambda index: index, dated=lambda index: index)
WRAPPING = Styles(wrapped=lambda index: index + 100, dated=lambda index: index + 200)

SMALL = (
    b'<?xml version="1.0"?><worksheet xmlns="m"><dimension ref="A1:A3"/><sheetData>'
    b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    b'<row r="3"><c r="A3"><v>7</v></c></row>'
    b'</sheetData><autoFilter ref="A1:A3"/></worksheet>'
)
SMALL_EDIT = SheetEdit(
    cells={
        1: {1: CellEdit(text="Állapot", role="header")},
        2: {1: CellEdit(text="új")},
        3: {1: CellEdit(text="kész")},
        4: {1: CellEdit(number=46000.5, role="date")},
    },
    header_row=1,
    widths={1: 22.0},
)
# Rows without numbers, self-closing rows, a namespace prefix, styles, spans, a gap.
PREFIXED = (
    '<x:worksheet xmlns:x="m"><x:dimension ref="A1:C9"/><x:cols><x:col min="1" max="3" '
    'width="9" style="4"/></x:cols><x:sheetData>\n'
    '<x:row r="1" spans="1:3"><x:c r="A1" s="2" t="inlineStr"><x:is><x:t>Ügyfél neve</x:t>'
    '</x:is></x:c><x:c r="C1" s="3"><x:v>1</x:v></x:c></x:row>\n'
    "<x:row><x:c><x:v>2</x:v></x:c><x:c><x:f>A2*2</x:f><x:v>4</x:v></x:c></x:row>\n"
    '<x:row r="4"/>\n<x:row r="5" s="6" customFormat="1"><x:c r="A5"><x:v>5</x:v></x:c>'
    '</x:row>\n<x:row r="9"><x:c r="B9"/></x:row>\n'
    '</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A9:B9"/></x:mergeCells>'
    '<x:autoFilter ref="A1:C9"/></x:worksheet>'
).encode()
PREFIXED_EDIT = SheetEdit(
    cells={
        1: {3: CellEdit(text="Állapot", role="header"), 4: CellEdit(text="Problémák")},
        2: {3: CellEdit(text="a < b & c", role="wrap")},
        3: {4: CellEdit(text="új sor")},
        4: {3: CellEdit(number=46000.25, role="date")},
        5: {3: CellEdit(text=None), 4: CellEdit(text="x", role="wrap")},
        7: {3: CellEdit(text="hét")},
        12: {3: CellEdit(text="utolsó")},
    },
    header_row=1,
    widths={3: 22.0, 4: 60.0},
)
EMPTY = b'<worksheet xmlns="m"><sheetData/><pageMargins left="0.7"/></worksheet>'
EMPTY_EDIT = SheetEdit({2: {0: CellEdit(text="b")}, 1: {0: CellEdit(text="a")}}, 1, {})
CASES = [
    (SMALL, SMALL_EDIT, PLAIN),
    (PREFIXED, PREFIXED_EDIT, WRAPPING),
    (EMPTY, EMPTY_EDIT, PLAIN),
]


def edited(chunks: list[bytes], edit: SheetEdit, styles: Styles) -> tuple[bytes, object]:
    out: list[bytes] = []
    autofilter = edit_sheet(chunks, edit, styles, out.append)
    return b"".join(out), autofilter


def test_status_cells_are_set_rows_added_and_the_sheet_fitted_to_them() -> None:
    xml, autofilter = edited([SMALL], SMALL_EDIT, PLAIN)
    assert xml == (
        b'<?xml version="1.0"?><worksheet xmlns="m"><dimension ref="A1:B4"/>'
        b'<cols><col min="2" max="2" width="22" customWidth="1"/></cols><sheetData>'
        b'<row r="1"><c r="A1" t="s"><v>0</v></c>'
        b'<c r="B1" t="inlineStr"><is><t xml:space="preserve">\xc3\x81llapot</t></is></c></row>'
        b'<row r="2"><c r="B2" t="inlineStr"><is><t xml:space="preserve">\xc3\xbaj</t></is></c>'
        b'</row><row r="3"><c r="A3"><v>7</v></c>'
        b'<c r="B3" t="inlineStr"><is><t xml:space="preserve">k\xc3\xa9sz</t></is></c></row>'
        b'<row r="4"><c r="B4"><v>46000.5</v></c></row>'
        b'</sheetData><autoFilter ref="A1:B3"/></worksheet>'
    )
    assert autofilter == ("A1:A3", "A1:B3")


def test_a_prefixed_sheet_keeps_staff_cells_numbers_rows_and_takes_their_formats() -> None:
    xml, autofilter = edited([PREFIXED], PREFIXED_EDIT, WRAPPING)
    assert '<x:c r="A1" s="2" t="inlineStr"><x:is><x:t>Ügyfél neve</x:t>'.encode() in xml
    assert '<x:c r="D1" s="3" t="inlineStr"><x:is><x:t xml:space="preserve">Állapot'.encode() in xml
    assert b'<x:row r="2"><x:c r="A2"><x:v>2</x:v></x:c><x:c r="B2"><x:f>A2*2</x:f>' in xml
    assert b'<x:c r="D2" s="100" t="inlineStr"><x:is><x:t xml:space="preserve">a &lt; b' in xml
    assert b">a &lt; b &amp; c</x:t>" in xml
    assert b'</x:row>\n<x:row r="3"><x:c r="E3" t="inlineStr">' in xml  # between 2 and 4
    assert b'<x:row r="4"><x:c r="D4" s="200"><x:v>46000.25</x:v></x:c></x:row>' in xml
    assert b'<x:c r="D5" s="6"/><x:c r="E5" s="106" t="inlineStr">' in xml  # the row's format
    assert xml.index(b'<x:row r="7">') < xml.index(b'<x:row r="9">') < xml.index(b'r="12"')
    assert b'<x:row r="1" spans="1:5">' in xml and b'<x:dimension ref="A1:E12"/>' in xml
    assert b'style="4"/><x:col min="4" max="4" width="22" customWidth="1"/><x:col min="5"' in xml
    assert b'<x:mergeCells count="1"><x:mergeCell ref="A9:B9"/></x:mergeCells>' in xml
    assert autofilter == ("A1:C9", "A1:E9")


def test_an_empty_sheet_gets_its_rows_in_order() -> None:
    xml, autofilter = edited([EMPTY], EMPTY_EDIT, PLAIN)
    assert xml == (
        b'<worksheet xmlns="m"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
        b'<t xml:space="preserve">a</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is>'
        b'<t xml:space="preserve">b</t></is></c></row></sheetData><pageMargins left="0.7"/>'
        b"</worksheet>"
    )
    assert autofilter is None


@given(case=st.sampled_from(CASES), cuts=st.lists(st.integers(min_value=0, max_value=600)))
def test_the_edit_is_the_same_whatever_chunks_the_sheet_is_read_in(
    case: tuple[bytes, SheetEdit, Styles], cuts: list[int]
) -> None:
    xml, edit, styles = case
    points = [0, *sorted({c for c in cuts if c < len(xml)}), len(xml)]
    chunks = [xml[a:b] for a, b in itertools.pairwise(points)]
    assert edited(chunks, edit, styles) == edited([xml], edit, styles)


def test_rows_are_passed_on_before_the_whole_sheet_is_read_and_in_chunk_sized_writes() -> None:
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Kov\xc3\xa1cs %d</t></is></c></row>'
        % (n, n, n)
        for n in range(1, 20_001)
    )
    xml = b'<worksheet xmlns="m"><sheetData>' + rows + b"</sheetData></worksheet>"
    size = 64 * 1024
    read = 0

    def source() -> Iterator[bytes]:
        nonlocal read
        for start in range(0, len(xml), size):
            read += 1
            yield xml[start : start + size]

    writes: list[tuple[int, int]] = []  # (chunks read so far, bytes written)
    edit = SheetEdit({n: {1: CellEdit(text="kész")} for n in range(2, 20_001, 3)}, 1, {})
    edit_sheet(source(), edit, PLAIN, lambda data: writes.append((read, len(data))))

    total = -(-len(xml) // size)
    assert total > 20
    assert writes[1][0] < total  # rows went out while most of the sheet was unread
    assert max(length for _, length in writes) < 2 * size  # no write holds the sheet


@pytest.mark.parametrize(
    "xml",
    [b"<worksheet><cols/></worksheet>", b'<worksheet><sheetData><row r="1"></row>'],
)
def test_a_sheet_without_its_rows_or_their_end_is_refused(xml: bytes) -> None:
    with pytest.raises(ValueError, match="sheetData"):
        edited([xml[:10], xml[10:]], SMALL_EDIT, PLAIN)


@given(st.lists(st.binary(max_size=3000) | st.just(b"<row/>" * 40_000), max_size=8))
def test_a_spool_gives_back_what_was_written_in_bounded_chunks(parts: list[bytes]) -> None:
    spool = Spool()
    for part in parts:
        spool.write(part)
    back = list(spool.chunks())
    assert b"".join(back) == b"".join(parts)
    assert spool.size == sum(map(len, parts))
    assert all(len(chunk) <= CHUNK for chunk in back)
