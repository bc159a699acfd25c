"""sheetsync's guides added to a worksheet's XML and styles.xml, as text
(`xlsx_guide_strip.strip` takes them out again: `strip(add(parts))` gives back `parts`)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sheetsync.core.guides import FIRST_DATE, LAST_DATE, MARKER, Colour, SheetGuide, ValueRule
from sheetsync.core.layout import column_letter
from sheetsync.sheets.xlsx_guide_xml import (
    IN_TAG,
    LAST_ROW,
    PANE,
    RECORD_URI,
    STYLE_ORDER,
    TAIL_ORDER,
    Parts,
    attributes,
    canonical,
    column_span,
    content_span,
    dxf_list,
    elements,
    frozen_pane,
    has_table,
    is_own_validation,
    recorded_dxfs,
    root_inner,
    validations,
    x14_sqrefs,
)
from sheetsync.sheets.xlsx_sheet import column_index

EPOCH_1904 = 1462  # days from 1900-01-00 (Excel's day 0) to 1904-01-01 (a 1904 workbook's day 0)


@dataclass(frozen=True)
class Added:
    parts: Parts
    notes: tuple[str, ...]
    added: tuple[str, ...]  # "filter", "freeze": installed now (they are the staff's after)


def add(
    parts: Parts,
    guide: SheetGuide,
    last_row: int,
    kept: Mapping[str, str],
    *,
    date1904: bool = False,
    others: Mapping[str, str] | None = None,
) -> Added:
    """`parts` (stripped of sheetsync's rules) with the guide's; notes on what was left.
    `kept`: the record's entries `strip` carried on; `others`: what other worksheets'
    records say setup appended to `<dxfs>` (reused here, so recorded here too)."""
    notes: list[str] = []
    p = parts.prefix
    record = {k: v for k, v in kept.items() if k not in ("dxfIds", "dxfsTag")}
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
            rules.append(_validation(rule, guide, p, EPOCH_1904 if date1904 else 0))
    guarded = [c for c in guide.guarded if c not in taken]
    for col in guide.guarded:
        if col in taken:
            notes.append(
                f"status column {guide.where.get(col, column_letter(col))}: no warning on it, "
                "the column has a validation of the staff's own"
            )
    if guarded:
        rules.append(_guard(guarded, guide, p))
    tail = _with_validations(tail, rules, p)

    styles, indices, tag = _with_dxfs(styles, guide.colours)
    before = len(dxf_list(parts.styles))
    theirs = recorded_dxfs(others) & set(indices)
    ours = recorded_dxfs(kept) | theirs | {i for i in indices if i >= before}
    if ours:
        their_tag = (others or {}).get("dxfsTag", "") if theirs else ""
        record["dxfIds"] = " ".join(str(i) for i in sorted(ours))
        record["dxfsTag"] = kept.get("dxfsTag") or their_tag or tag
    priority = max((int(x) for x in re.findall(rb'priority="(\d+)"', tail)), default=0)
    blocks = [
        _formatting(c, guide, dxf, priority + 1 + i, p)
        for i, (c, dxf) in enumerate(zip(guide.colours, indices, strict=True))
    ]
    tail = _insert(tail, "conditionalFormatting", b"".join(blocks), after_same=True)

    added: list[str] = []
    if has_table(tail):
        notes.append("filter: none added, the sheet has a table; its own filter serves")
    elif not any(e.name == "autoFilter" for e in elements(tail)):
        bottom = max(last_row, guide.header_row)
        ref = f"A{guide.header_row}:{column_letter(guide.last_column)}{bottom}"
        tail = _insert(tail, "autoFilter", b'<%sautoFilter ref="%s"/>' % (p, ref.encode()))
        record["filter"] = f"A{guide.header_row}"
        added.append("filter")
    if re.search(PANE, head) is None:
        head, how = _with_pane(head, guide.header_row, p)
        record |= {"pane": how, "frozen": str(guide.header_row)}
        added.append("freeze")
    elif "pane" not in record:
        note = _pane_note(head, guide.header_row)
        if note:
            notes.append(note)
    if record:
        tail = _with_record(tail, record, p)
    return Added(Parts(head, tail, styles, p), tuple(notes), tuple(added))


def _columns_validated(tail: bytes) -> set[int]:
    """Columns a validation of the staff's covers (any part of them), those Excel keeps
    in `extLst` included."""
    refs = [
        ref
        for element in validations(tail)
        if not is_own_validation(element)
        for ref in attributes(element.raw).get("sqref", "").split()
    ]
    refs += [ref for sqref in x14_sqrefs(tail) for ref in sqref.split()]
    out: set[int] = set()
    for ref in refs:
        ends = [re.sub(r"[\d$]", "", e.split("!")[-1]) for e in ref.split(":")]
        if all(ends):
            out.update(range(column_index(ends[0]), column_index(ends[-1]) + 1))
    return out


def _esc(text: str) -> bytes:
    return html.escape(text, quote=True).encode()


def _validation(rule: ValueRule, guide: SheetGuide, p: bytes, epoch: int) -> bytes:
    sqref = column_span(rule.column, guide.first_data_row)
    style = b"stop" if rule.strict else b"warning"
    if rule.kind == "date":
        kind, formulas = (
            b'type="date" operator="between"',
            b"<%sformula1>%d</%sformula1><%sformula2>%d</%sformula2>"
            % (p, FIRST_DATE - epoch, p, p, LAST_DATE - epoch, p),
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
    block = next((e for e in elements(tail) if e.name == "dataValidations"), None)
    if block is None:
        inner = b"".join(rules)
        return _insert(
            tail,
            "dataValidations",
            b'<%sdataValidations count="%d">%s</%sdataValidations>' % (p, len(rules), inner, p),
        )
    _, last = content_span(block)
    count = len(validations(tail)) + len(rules)
    grown = block.raw[:last] + b"".join(rules) + block.raw[last:]
    grown = re.sub(rb'\bcount="\d+"', b'count="%d"' % count, grown, count=1)
    return tail[: block.start] + grown + tail[block.end :]


def _formatting(colour: Colour, guide: SheetGuide, dxf: int, priority: int, p: bytes) -> bytes:
    sqref = column_span(colour.column, guide.first_data_row)
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


def _with_dxfs(styles: bytes, colours: tuple[Colour, ...]) -> tuple[bytes, list[int], str]:
    """styles.xml with a colour style (`<dxf>`) for each colour: an identical one already
    there is reused (by content, wherever it is), a missing one appended last. The index
    of each colour's style, and how `<dxfs>` was before (its empty tag, or 'absent')."""
    root = re.search(rb"<(\w+:)?styleSheet\b", styles)
    prefix = (root.group(1) or b"") if root else b""
    known = [canonical(d) for d in dxf_list(styles)]
    added: list[bytes] = []
    indices = []
    for colour in colours:
        dxf = _dxf(colour, prefix)
        if canonical(dxf) not in known:
            known.append(canonical(dxf))
            added.append(dxf)
        indices.append(known.index(canonical(dxf)))
    if not added:
        return styles, indices, ""
    start, end = root_inner(styles)
    children = elements(styles, start, end)
    block = next((e for e in children if e.name == "dxfs"), None)
    if block is None:
        total = b'<%sdxfs count="%d">%s</%sdxfs>' % (prefix, len(added), b"".join(added), prefix)
        later = [e for e in children if e.name in STYLE_ORDER[STYLE_ORDER.index("dxfs") + 1 :]]
        at = later[0].start if later else end
        return styles[:at] + total + styles[at:], indices, "absent"
    if block.raw.endswith(b"/>"):
        opened = re.sub(rb"\s*/>$", b">", block.raw)
        opened = re.sub(rb'\bcount="\d+"', b'count="%d"' % len(added), opened, count=1)
        grown = opened + b"".join(added) + b"</%sdxfs>" % prefix
        return styles[: block.start] + grown + styles[block.end :], indices, block.raw.decode()
    first, last = content_span(block)
    count = len(elements(block.raw, first, last)) + len(added)
    grown = block.raw[:last] + b"".join(added) + block.raw[last:]
    grown = re.sub(rb'\bcount="\d+"', b'count="%d"' % count, grown, count=1)
    return styles[: block.start] + grown + styles[block.end :], indices, ""


def _pane_note(head: bytes, header_row: int) -> str | None:
    """A note on a pane of the staff's that does not keep the header row in sight."""
    found = re.search(PANE, head)
    attrs = attributes(found.group(0)) if found else {}
    if (
        attrs.get("state") in ("frozen", "frozenSplit")
        and int(float(attrs.get("ySplit", "0"))) >= header_row
    ):
        return None
    return "the worksheet has a split or frozen pane of its own: left as it is"


def _with_pane(head: bytes, header_row: int, p: bytes) -> tuple[bytes, str]:
    """The head (which has no pane) with the header row frozen, and how, for `strip`."""
    attrs = "".join(f' {k}="{v}"' for k, v in frozen_pane(header_row).items())
    pane = b"<%spane%s/>" % (p, attrs.encode())
    view = re.search(rb"<(?:\w+:)?sheetView\b(" + IN_TAG + rb")(/?)>", head)
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
        return head[:at] + views + head[at:], "views"
    if view.group(2):  # <sheetView …/>: opened
        opened = re.sub(rb"\s*/>$", b">", view.group(0))
        built = opened + pane + b"</%ssheetView>" % p
        return head[: view.start()] + built + head[view.end() :], view.group(0).decode()
    return head[: view.end()] + pane + head[view.end() :], "pane"


def _with_record(tail: bytes, record: dict[str, str], p: bytes) -> bytes:
    """The record of what `add` created or replaced, in an `<ext>` Excel ignores."""
    block = next((e for e in elements(tail) if e.name == "extLst"), None)
    if block is None:
        record = {**record, "extLst": "created"}
    attrs = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in record.items())
    ext = (
        f'<{p.decode()}ext uri="{RECORD_URI}"><sheetsync:record xmlns:sheetsync="{RECORD_URI}"'
        f"{attrs}/></{p.decode()}ext>"
    ).encode()
    if block is None:
        return _insert(tail, "extLst", b"<%sextLst>%s</%sextLst>" % (p, ext, p))
    _, last = content_span(block)
    grown = block.raw[:last] + ext + block.raw[last:]
    return tail[: block.start] + grown + tail[block.end :]


def _insert(tail: bytes, name: str, xml: bytes, *, after_same: bool = False) -> bytes:
    """`xml` where CT_Worksheet's order puts element `name` (after its own kind when
    `after_same`: our conditional formats follow the staff's)."""
    if not xml:
        return tail
    order = TAIL_ORDER.index(name)
    children = [e for e in elements(tail) if e.name in TAIL_ORDER]
    same = [e for e in children if e.name == name]
    if after_same and same:
        at = same[-1].end
    else:
        later = [e for e in children if TAIL_ORDER.index(e.name) > order]
        at = later[0].start if later else tail.rfind(b"</")
    return tail[:at] + xml + tail[at:]
