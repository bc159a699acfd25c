"""`sheetsync setup` for Google Sheets: one field-limited read, at most one batchUpdate.

The read (`spreadsheets.get`) asks only for the worksheet's frozen rows, conditional
formats, protected ranges, filter, developer metadata, and the header rows' and the last
row's values, formats and validations (validations live per cell: the first data row and
the last row are their samples). Items are sheetsync's by their marker: a conditional
format's formula `N("sheetsync:…")`, a protected range's description and a validation's
help text starting `sheetsync:`; what setup changed that carries no marker (frozen rows,
the filter, the status headers' format) is recorded in developer metadata, so `--remove`
puts back exactly that. Every request goes through the sheet's retry and error mapping.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sheetsync.core.guides import (
    Colour,
    GuideOutcome,
    SheetGuide,
    changes,
    marker_of,
)
from sheetsync.core.layout import HEADER_SEARCH_ROWS, column_letter
from sheetsync.errors import SheetLayoutError
from sheetsync.sheets.a1 import quote_title
from sheetsync.sheets.google import GoogleSheet
from sheetsync.sheets.google_guide_shapes import (
    TAG,
    Found,
    Item,
    colour_format,
    column_range,
    format_key,
    grid_key,
    protect_key,
    record_request,
    rule_key,
    user_format,
    validation,
    whole_column,
)
from sheetsync.sheets.port import GuidePlanner

FIELDS = (
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount,frozenRowCount)),"
    "conditionalFormats,protectedRanges(protectedRangeId,range,description,warningOnly),"
    "basicFilter(range,criteria,filterSpecs,sortSpecs),tables(tableId,range),"
    "developerMetadata(metadataId,metadataKey,metadataValue),"
    "data(startRow,rowData(values(formattedValue,userEnteredFormat,dataValidation))))"
)


class GoogleGuides:
    """The guides of the worksheet `sheet` uses."""

    def __init__(self, sheet: GoogleSheet, header_row: int = 0) -> None:
        self._sheet = sheet
        self._header_row = header_row

    def set_up(
        self, plan: GuidePlanner, *, remove: bool = False, dry_run: bool = False
    ) -> GuideOutcome:
        found = self._read()
        try:
            guide: SheetGuide | None = plan(found.rows)
        except SheetLayoutError:
            if not remove:
                raise
            guide = None
        work = _Work(found, guide, remove)
        labels = {**(guide.labels if guide else {}), "guard": "the status columns' protection"}
        outcome = GuideOutcome(
            changes(work.wanted, work.found, labels, remove=remove),
            len(work.found),
            False,
            tuple(work.notes),
        )
        requests = work.requests()
        if dry_run or not requests:
            return outcome
        body = {"requests": requests}
        self._sheet.request(
            "setup write", lambda: self._sheet.http.batch_update(self._sheet.key, body)
        )
        return GuideOutcome(outcome.changes, outcome.found, True, outcome.notes)

    def _read(self) -> Found:
        grid = self._sheet.current_grid()
        top = max(HEADER_SEARCH_ROWS, self._header_row + 1)
        title = quote_title(grid.title)
        last = max(grid.rows, top + 1)
        params: dict[str, Any] = {
            "includeGridData": "true",
            "ranges": [f"{title}!1:{top}", f"{title}!{last}:{last}"],
            "fields": FIELDS,
        }
        raw = self._sheet.request(
            "setup read", lambda: self._sheet.http.fetch_sheet_metadata(self._sheet.key, params)
        )
        return Found(raw["sheets"][0], last)


class _Work:
    """What is found, what is wanted, and the requests between them."""

    def __init__(self, found: Found, guide: SheetGuide | None, remove: bool) -> None:
        self.f, self.guide, self.remove = found, guide, remove
        self.notes: list[str] = []
        self.found: dict[str, Item] = {}
        self.wanted: dict[str, Item] = {}
        self._rules: dict[str, tuple[int, dict[str, Any] | None]] = {}  # ident → (col, rule)
        self._formats: dict[str, int] = {}  # ident → index in the sheet's list
        self._protected: dict[str, int] = {}  # ident → protectedRangeId
        self._validations()
        self._colours()
        self._guard()
        self._structure()

    # -- items --------------------------------------------------------------------------

    def _validations(self) -> None:
        guide, f = self.guide, self.f
        first = guide.first_data_row if guide else 0
        by_column = {r.column: r for r in guide.values} if guide else {}
        width = max(
            [len(f.last), *(len(r) for r in f.cells), guide.last_column + 1 if guide else 0]
        )
        for col in range(width):
            samples = [
                f.cell(first, col).get("dataValidation"),
                f.last_cell(col).get("dataValidation"),
            ]
            mine = [s for s in samples if s and str(s.get("inputMessage", "")).startswith(TAG)]
            rule = by_column.get(col)
            ident = rule.ident if rule else f"values@{column_letter(col)}"
            if mine:
                self.found[ident] = rule_key(samples[0]) if samples[0] == samples[1] else "partial"
                self._rules[ident] = (col, None)
            elif rule is not None and any(samples):
                self.notes.append(
                    f"{guide.labels[rule.ident]}: left out, the column has a "  # type: ignore[union-attr]
                    "validation of the staff's own"
                )
                by_column.pop(col)
        if self.remove or guide is None:
            return
        for col, rule in by_column.items():
            body = validation(rule)
            self.wanted[rule.ident] = rule_key(body)
            self._rules[rule.ident] = (col, body)

    def _colours(self) -> None:
        """Ours: the marker AND the range setup gives the rule (a marked copy elsewhere is
        the staff's); without an exact match, a marked rule over one whole column."""
        rows, guide = self.f.row_count, self.guide
        colours = guide.colours if guide else ()
        top = guide.header_row if guide else 0
        ranges = {
            c.ident: [grid_key(column_range(self.f.sheet_id, c.column, top), rows)] for c in colours
        }
        marked = []
        for index, entry in enumerate(self.f.formats):
            condition = entry.get("booleanRule", {}).get("condition", {})
            values = condition.get("values", [{}])
            ident = marker_of(str(values[0].get("userEnteredValue", ""))) if values else None
            if ident:
                marked.append((index, ident, [grid_key(r, rows) for r in entry.get("ranges", [])]))
        for exact in (True, False):
            for index, ident, where in marked:
                if ident in self._formats or index in self._formats.values():
                    continue
                if where == ranges.get(ident) if exact else whole_column(where, rows):
                    self.found[ident] = format_key(self.f.formats[index], rows)
                    self._formats[ident] = index
        if self.remove:
            return
        for colour in colours:
            self.wanted[colour.ident] = format_key(self._format(colour), self.f.row_count)

    def _format(self, colour: Colour) -> dict[str, Any]:
        assert self.guide is not None
        return colour_format(self.f.sheet_id, colour, self.guide.header_row)

    def _guard(self) -> None:
        for entry in self.f.protected:
            if str(entry.get("description", "")).startswith(TAG):
                ident = (
                    "guard"
                    if "guard" not in self.found
                    else f"guard#{entry.get('protectedRangeId')}"
                )
                self.found[ident] = protect_key(entry, self.f.row_count)
                self._protected[ident] = int(entry.get("protectedRangeId", 0))
        if self.remove or self.guide is None:
            return
        self.wanted["guard"] = protect_key(self._protection(), self.f.row_count)

    def _protection(self) -> dict[str, Any]:
        guide = self.guide
        assert guide is not None
        rng = {
            "sheetId": self.f.sheet_id,
            "startRowIndex": guide.header_row - 1,
            "startColumnIndex": guide.guarded[0],
            "endColumnIndex": guide.guarded[-1] + 1,
        }
        return {"range": rng, "description": TAG + guide.guard_text, "warningOnly": True}

    def _structure(self) -> None:
        """Frozen rows and the filter are installed only when absent and are the staff's
        afterwards: `--remove` takes them out only as setup left them."""
        guide, f, record = self.guide, self.f, self.f.record
        if "headers" in record:
            self.found["header-style"] = self._header_format_key()
        if self.remove or guide is None:
            self._structure_removed()
            return
        if f.frozen == 0:
            self.wanted["freeze"] = guide.header_row
        elif f.frozen < guide.header_row and "frozen" not in record:
            self.notes.append("the worksheet freezes fewer rows than the header: left as it is")
        if f.filter is None and f.tables:
            self.notes.append("filter: none added, the sheet has a table; its own filter serves")
        elif f.filter is None:
            self.wanted["filter"] = True
        client = self._client_format()
        if "headers" in record or self._header_format_key() != client:
            self.wanted["header-style"] = client

    def _structure_removed(self) -> None:
        f, record = self.f, self.f.record
        if "frozen_before" in record and f.frozen != int(record.get("frozen_before", 0)):
            if f.frozen == int(record.get("frozen", f.frozen)):
                self.found["freeze"] = f.frozen
            else:
                self.notes.append("the frozen rows: changed since setup, so they are the "
                                  "staff's now: left as they are")  # fmt: skip
        if "filter" in record and f.filter is not None:
            if any(f.filter.get(k) for k in ("criteria", "filterSpecs", "sortSpecs")):
                self.notes.append("the filter: criteria or a sort set since setup, so it is "
                                  "the staff's now: left as it is")  # fmt: skip
            else:
                self.found["filter"] = True

    def _client_format(self) -> str:
        guide = self.guide
        assert guide is not None
        return json.dumps(
            user_format(self.f.cell(guide.header_row, guide.client_column)), sort_keys=True
        )

    def _header_format_key(self) -> str:
        guide = self.guide
        if guide is None:
            return ""
        shown = {
            json.dumps(user_format(self.f.cell(guide.header_row, c)), sort_keys=True)
            for c in guide.guarded
        }
        return shown.pop() if len(shown) == 1 else "mixed"

    # -- requests -----------------------------------------------------------------------

    def requests(self) -> list[dict[str, Any]]:
        diff = changes(self.wanted, self.found, {}, remove=self.remove)
        if not diff:
            return []
        todo = {c.ident: c.action for c in diff}
        out: list[dict[str, Any]] = []
        sheet_id = self.f.sheet_id
        first = self.guide.first_data_row if self.guide else 2
        for ident, (col, body) in self._rules.items():
            if ident in todo:
                spec: dict[str, Any] = {"range": column_range(sheet_id, col, first - 1)}
                if todo[ident] != "remove" and body is not None:
                    spec["rule"] = body
                out.append({"setDataValidation": spec})
        formats = [(i, c) for i, c in self._formats.items() if i in todo]
        for ident, index in formats:
            if todo[ident] == "update" and self.guide:
                colour = next(c for c in self.guide.colours if c.ident == ident)
                out.append(
                    {
                        "updateConditionalFormatRule": {
                            "index": index,
                            "sheetId": sheet_id,
                            "rule": self._format(colour),
                        }
                    }
                )
        for ident, index in sorted(formats, key=lambda x: -x[1]):
            if todo[ident] == "remove":
                out.append({"deleteConditionalFormatRule": {"index": index, "sheetId": sheet_id}})
        count = len(self.f.formats) - sum(1 for i, _ in formats if todo[i] == "remove")
        for colour in self.guide.colours if self.guide else ():
            if todo.get(colour.ident) == "add":
                out.append(
                    {"addConditionalFormatRule": {"rule": self._format(colour), "index": count}}
                )
                count += 1
        for ident, action in todo.items():
            if not ident.startswith("guard"):
                continue
            if action == "add":
                out.append({"addProtectedRange": {"protectedRange": self._protection()}})
            elif action == "update":
                spec = {**self._protection(), "protectedRangeId": self._protected[ident]}
                out.append(
                    {
                        "updateProtectedRange": {
                            "protectedRange": spec,
                            "fields": "range,description,warningOnly",
                        }
                    }
                )
            else:
                out.append({"deleteProtectedRange": {"protectedRangeId": self._protected[ident]}})
        out += self._structure_requests(todo)
        return out

    def _structure_requests(self, todo: Mapping[str, str]) -> list[dict[str, Any]]:
        f, guide = self.f, self.guide
        record = dict(f.record)
        out: list[dict[str, Any]] = []
        if "freeze" in todo:
            if todo["freeze"] == "remove":
                frozen = int(record.get("frozen_before", 0))
            else:
                assert guide is not None
                record.setdefault("frozen_before", f.frozen)
                frozen = record["frozen"] = guide.header_row
            out.append(
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": f.sheet_id,
                            "gridProperties": {"frozenRowCount": frozen},
                        },
                        "fields": "gridProperties.frozenRowCount",
                    }
                }
            )
        if "filter" in todo:
            if todo["filter"] == "remove":
                out.append({"clearBasicFilter": {"sheetId": f.sheet_id}})
            else:
                assert guide is not None
                record["filter"] = True
                rng = {
                    "sheetId": f.sheet_id,
                    "startRowIndex": guide.header_row - 1,
                    "startColumnIndex": 0,
                    "endColumnIndex": guide.last_column + 1,
                }
                out.append({"setBasicFilter": {"filter": {"range": rng}}})
        if "header-style" in todo:
            out += self._header_requests(todo["header-style"], record)
        if self.remove:
            record = {}  # what setup left of the filter or frozen rows is the staff's now
        if record != f.record:
            out.append(record_request(self.f.sheet_id, self.f.record_id, record))
        return out

    def _header_requests(self, action: str, record: dict[str, Any]) -> list[dict[str, Any]]:
        f = self.f
        guide = self.guide
        out = []
        if action == "remove":
            before: Mapping[str, Any] = record.pop("headers", {})
            cells = [(int(col), fmt) for col, fmt in before.items()]
            row = int(record.pop("header_row", guide.header_row if guide else 1))
        else:
            assert guide is not None
            row = guide.header_row
            record.setdefault(
                "headers", {str(c): user_format(f.cell(row, c)) for c in guide.guarded}
            )
            record["header_row"] = row
            client = user_format(f.cell(row, guide.client_column))
            cells = [(c, client) for c in guide.guarded]
        for col, fmt in cells:
            rng = {
                "sheetId": f.sheet_id,
                "startRowIndex": row - 1,
                "endRowIndex": row,
                "startColumnIndex": col,
                "endColumnIndex": col + 1,
            }
            out.append(
                {
                    "repeatCell": {
                        "range": rng,
                        "cell": {"userEnteredFormat": fmt},
                        "fields": "userEnteredFormat",
                    }
                }
            )
        return out
