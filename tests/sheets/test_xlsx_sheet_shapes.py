"""The worksheet edit on sheets of odd but valid shape: row attributes holding `>`, `/>` and
quotes, existing `<col>`s around the status columns. For any edit the output parses
whenever the input did, and every cell outside the status columns is byte for byte kept."""

from __future__ import annotations

import itertools
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.layout import column_letter
from sheetsync.sheets.xlsx_sheet import (
    CellEdit,
    SheetEdit,
    Styles,
    column_index,
    edit_sheet,
)

PLAIN = Styles(wrapped=lambda index: index, dated=lambda index: index)
NS = "urn:m"
STATUS = (4, 5)  # 0-based: E and F are sheetsync's


def quoted(value: str, quote: str) -> str:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;")
    return quote + escaped.replace(quote, "&quot;" if quote == '"' else "&apos;") + quote


values = st.text(alphabet="ab />\"'=r9", max_size=8)
quotes = st.sampled_from(['"', "'"])
cell_text = st.text(alphabet="xy<>&\"' /", max_size=6)


@st.composite
def sheets(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    """A worksheet and the raw bytes of each of its cells outside the status columns."""
    numbers = sorted(draw(st.sets(st.integers(1, 12), max_size=8)))
    kept: list[bytes] = []
    rows = []
    for number in numbers:
        attrs = f' r="{number}"'
        for name in draw(st.lists(st.sampled_from(["q:n", "q:r", "ht", "q:s"]), unique=True)):
            value = quoted(draw(values), draw(quotes))
            attrs += f" {name}={value}"
        cells = ""
        for col in sorted(draw(st.sets(st.integers(0, 6), max_size=4))):
            text = draw(cell_text).replace("&", "&amp;").replace("<", "&lt;")
            ref = f"{column_letter(col)}{number}"
            cell = f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
            if draw(st.booleans()):
                value = quoted(draw(values), draw(quotes))
                cell = f'<c r="{ref}" q:x={value}><v>{col}</v></c>'
            if col not in STATUS:
                kept.append(cell.encode())
            cells += cell
        rows.append(f"<row{attrs}>{cells}</row>")
    cols = '<cols><col min="4" max="4" width="9"/><col min="7" max="8" width="9"/></cols>'
    xml = f'<worksheet xmlns="{NS}" xmlns:q="urn:q">{cols}<sheetData>{"".join(rows)}'
    return (xml + "</sheetData></worksheet>").encode(), kept


edits = st.dictionaries(
    st.integers(1, 14),
    st.dictionaries(st.sampled_from(STATUS), st.builds(CellEdit, text=cell_text | st.none())),
)


@given(sheet=sheets(), cells=edits, cuts=st.lists(st.integers(0, 2_000)))
def test_any_edit_keeps_the_sheet_well_formed_and_every_other_cell_as_it_was(
    sheet: tuple[bytes, list[bytes]], cells: dict[int, dict[int, CellEdit]], cuts: list[int]
) -> None:
    xml, kept = sheet
    ElementTree.fromstring(xml)  # the input is well-formed
    points = [0, *sorted({c for c in cuts if c < len(xml)}), len(xml)]
    out: list[bytes] = []
    edit = SheetEdit({r: c for r, c in cells.items() if c}, 1, {4: 22.0, 5: 40.0})
    edit_sheet([xml[a:b] for a, b in itertools.pairwise(points)], edit, PLAIN, out.append)
    result = b"".join(out)
    root = ElementTree.fromstring(result)
    for cell in kept:
        assert cell in result
    numbers = [int(row.get("r", "0")) for row in root.iter(f"{{{NS}}}row")]
    assert numbers == sorted(set(numbers))  # never two rows of one number
    for row in root.iter(f"{{{NS}}}row"):
        wanted = edit.cells.get(int(row.get("r", "0")), {})
        for cell in row.iter(f"{{{NS}}}c"):
            col = column_index(cell.get("r", "A1").rstrip("0123456789"))
            if col in wanted:
                assert "".join(cell.itertext()) == (wanted[col].text or "")
    mins = [int(c.get("min", "0")) for c in root.iter(f"{{{NS}}}col")]
    spans = [(int(c.get("min", "0")), int(c.get("max", "0"))) for c in root.iter(f"{{{NS}}}col")]
    assert mins == sorted(mins)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))  # none overlaps another
