"""sheetsync's guides taken out of a worksheet's XML and styles.xml, as text.

`strip` is the inverse of `xlsx_guide_add.add`: our validations, our colour rules and
the record go; a colour style (`<dxf>`) setup appended goes only while it is the last
of the list and nothing else in the package refers to it, so no reference is ever left
dangling or renumbered. The filter and the frozen pane are the staff's once installed:
only `--remove` takes them out, and only as setup left them (the record says how).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sheetsync.core.guides import SheetGuide
from sheetsync.sheets.xlsx_guide_xml import (
    IN_TAG,
    PANE,
    RECORD_URI,
    CfRule,
    Element,
    Parts,
    attributes,
    content_span,
    dxf_refs,
    elements,
    frozen_pane,
    is_marked,
    own_and_pasted,
    own_rules,
    record,
    recorded_dxfs,
    root_inner,
    validations,
)


@dataclass(frozen=True)
class Stripped:
    parts: Parts
    kept: dict[str, str]  # the record's entries that still hold (for `add` to carry on)
    removed: tuple[str, ...] = ()  # "filter", "freeze": taken out (`--remove` only)
    notes: tuple[str, ...] = ()


def strip(
    parts: Parts, guide: SheetGuide | None, *, remove: bool, referenced: frozenset[int]
) -> Stripped:
    """`parts` without sheetsync's rules (and, with `remove`, without the filter and
    pane setup added, where the staff left them as they were). `referenced`: the
    colour styles the package's other members refer to."""
    entry = record(parts.tail) or {}
    tail, head = parts.tail, parts.head
    marked = [e for e in validations(tail) if is_marked(e) and own_and_pasted(e)[0]]
    for element in reversed(marked):
        tail = tail[: element.start] + _pasted_part(element) + tail[element.end :]
    if marked:
        tail = _recount_validations(tail)
    tail = _without_rules(tail, own_rules(tail, guide).values())
    tail = _without_record(tail, entry.get("extLst") == "created")
    kept: dict[str, str] = {}
    removed: list[str] = []
    notes: list[str] = []
    flt = next((e for e in elements(tail) if e.name == "autoFilter"), None)
    if "filter" in entry and flt is not None:
        if not remove:
            kept["filter"] = entry["filter"]
        elif _as_left(flt.raw, tail, entry["filter"]):
            tail = tail[: flt.start] + tail[flt.end :]
            removed.append("filter")
        else:
            notes.append("the filter: criteria, a sort or its range set since setup, so it is "
                         "the staff's now: left as it is")  # fmt: skip
    pane = re.search(PANE, head)
    if "pane" in entry and pane is not None:
        if not remove:
            kept |= {k: entry[k] for k in ("pane", "frozen") if k in entry}
        else:
            unfrozen = _without_pane(head, entry["pane"], entry.get("frozen", ""))
            if unfrozen is None:
                notes.append("the frozen pane: moved since setup, so it is the staff's now: "
                             "left as it is")  # fmt: skip
            else:
                head = unfrozen
                removed.append("freeze")
    styles, ours = _without_dxfs(parts.styles, entry, referenced | dxf_refs(head) | dxf_refs(tail))
    if ours:
        kept["dxfIds"] = " ".join(str(i) for i in ours)
        kept["dxfsTag"] = entry.get("dxfsTag", "")
    return Stripped(Parts(head, tail, styles, parts.prefix), kept, tuple(removed), tuple(notes))


def _pasted_part(element: Element) -> bytes:
    """What stays of a marked validation once setup's columns are taken out of it: the
    cells a person pasted it into, as theirs (nothing when there are none)."""
    _, pasted = own_and_pasted(element)
    if not pasted:
        return b""
    sqref = " ".join(pasted).encode()
    return re.sub(rb'\bsqref="[^"]*"', b'sqref="' + sqref + b'"', element.raw, count=1)


def _recount_validations(tail: bytes) -> bytes:
    block = next((e for e in elements(tail) if e.name == "dataValidations"), None)
    if block is None:
        return tail
    count = len(validations(tail))
    if count == 0:
        return tail[: block.start] + tail[block.end :]
    start = re.sub(rb'\bcount="\d+"', b'count="%d"' % count, block.raw, count=1)
    return tail[: block.start] + start + tail[block.end :]


def _without_rules(tail: bytes, rules: Iterable[CfRule]) -> bytes:
    """`tail` without `rules`; a `<conditionalFormatting>` left with no rule goes too."""
    for rule in sorted(rules, key=lambda r: -r.start):
        tail = tail[: rule.start] + tail[rule.end :]
        block = next(e for e in elements(tail) if e.start == rule.block.start)
        first, last = content_span(block)
        if not any(e.name == "cfRule" for e in elements(block.raw, first, last)):
            tail = tail[: block.start] + tail[block.end :]
    return tail


def _without_record(tail: bytes, created: bool) -> bytes:
    pattern = rb"<(?:\w+:)?ext\b[^>]*uri=\"" + RECORD_URI.encode() + rb"\".*?</(?:\w+:)?ext>"
    tail = re.sub(pattern, b"", tail, count=1, flags=re.S)
    if created:  # the extLst setup made, unless something else is in it by now
        tail = re.sub(rb"<((?:\w+:)?)extLst>\s*</\1extLst>", b"", tail, count=1)
    return tail


def _as_left(element: bytes, tail: bytes, top: str) -> bool:
    """An `<autoFilter>` as setup added it: from its header cell, no criteria, no sort
    (a sync may have widened it over new status columns, rows may have been added)."""
    ref = attributes(element).get("ref", "")
    plain = element.endswith(b"/>") and not re.search(rb"<(?:\w+:)?sortState\b", tail)
    return plain and (top == "added" or ref.startswith(top + ":"))


def _without_pane(head: bytes, how: str, row: str) -> bytes | None:
    """`head` without the pane setup froze, as it was before; None if it was moved or
    its view changed since (then it is the staff's)."""
    found = re.search(PANE, head)
    if found is None or not row.isdigit() or attributes(found.group(0)) != frozen_pane(int(row)):
        return None
    pane = re.escape(found.group(0))
    if how == "views":
        views = re.search(
            rb"<(?:\w+:)?sheetViews><(?:\w+:)?sheetView\b" + IN_TAG + rb">" + pane
            + rb"</(?:\w+:)?sheetView></(?:\w+:)?sheetViews>",
            head,
        )  # fmt: skip
        return head[: views.start()] + head[views.end() :] if views else None
    if how.startswith("<"):  # a self-closed sheetView, opened for the pane
        view = re.search(
            rb"<(?:\w+:)?sheetView\b" + IN_TAG + rb">" + pane + rb"</(?:\w+:)?sheetView>", head
        )
        return head[: view.start()] + how.encode() + head[view.end() :] if view else None
    return head[: found.start()] + head[found.end() :]


def _without_dxfs(
    styles: bytes, entry: dict[str, str], referenced: set[int] | frozenset[int]
) -> tuple[bytes, list[int]]:
    """styles.xml without the colour styles setup appended that end the list and nothing
    refers to; and those of setup's that stay."""
    ours = recorded_dxfs(entry)
    block = next((e for e in elements(styles, *root_inner(styles)) if e.name == "dxfs"), None)
    if not ours or block is None:
        return styles, []
    if block.raw.endswith(b"/>"):
        return styles, []
    first, last = content_span(block)
    entries = elements(block.raw, first, last)
    kept = len(entries)
    while kept and kept - 1 in ours and kept - 1 not in referenced:
        kept -= 1
    stays = sorted(i for i in ours if i < kept)
    if kept == len(entries):
        return styles, stays
    tag = entry.get("dxfsTag", "")
    if kept == 0 and tag == "absent":
        return styles[: block.start] + styles[block.end :], stays
    if kept == 0 and tag.startswith("<"):
        return styles[: block.start] + tag.encode() + styles[block.end :], stays
    cut = entries[kept].start
    opened = re.sub(rb'\bcount="\d+"', b'count="%d"' % kept, block.raw[:first], count=1)
    rebuilt = opened + block.raw[first:cut] + block.raw[last:]
    return styles[: block.start] + rebuilt + styles[block.end :], stays
