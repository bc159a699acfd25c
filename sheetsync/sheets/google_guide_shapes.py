"""The Sheets API shapes of `sheetsync setup`'s rules, and the read as its diff needs it
(pure: dictionaries in, dictionaries out; `google_guides` sends them)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sheetsync.core.guides import MARKER, Colour, ValueRule
from sheetsync.core.values import CellValue

RECORD_KEY = "sheetsync-setup"
TAG = f"{MARKER}: "
Item = object


class Found:
    """The read, as the diff needs it."""

    def __init__(self, sheet: Mapping[str, Any], last_row: int) -> None:
        props = sheet.get("properties", {})
        self.sheet_id = int(props.get("sheetId", 0))
        grid = props.get("gridProperties", {})
        self.row_count = int(grid.get("rowCount", last_row))
        self.frozen = int(grid.get("frozenRowCount", 0))
        data = sheet.get("data", [])
        top = data[0].get("rowData", []) if data else []
        self.cells: list[list[Mapping[str, Any]]] = [r.get("values", []) for r in top]
        bottom = data[1].get("rowData", []) if len(data) > 1 else []
        self.last: list[Mapping[str, Any]] = bottom[0].get("values", []) if bottom else []
        self.rows: list[list[CellValue]] = [
            [c.get("formattedValue") for c in row] for row in self.cells
        ]
        self.formats: list[Mapping[str, Any]] = list(sheet.get("conditionalFormats", []))
        self.protected = list(sheet.get("protectedRanges", []))
        self.filter: Mapping[str, Any] | None = sheet.get("basicFilter")
        self.tables = list(sheet.get("tables", []))
        records = [
            m for m in sheet.get("developerMetadata", []) if m.get("metadataKey") == RECORD_KEY
        ]
        self.record_id = records[0].get("metadataId") if records else None
        try:
            self.record: dict[str, Any] = json.loads(records[0]["metadataValue"]) if records else {}
        except (ValueError, KeyError, TypeError):
            self.record = {}

    def cell(self, row: int, col: int) -> Mapping[str, Any]:
        cells = self.cells[row - 1] if 0 < row <= len(self.cells) else []
        return cells[col] if col < len(cells) else {}

    def last_cell(self, col: int) -> Mapping[str, Any]:
        return self.last[col] if col < len(self.last) else {}


def user_format(cell: Mapping[str, Any]) -> dict[str, Any]:
    return dict(cell.get("userEnteredFormat", {}))


def validation(rule: ValueRule) -> dict[str, Any]:
    if rule.kind == "date":
        condition: dict[str, Any] = {"type": "DATE_IS_VALID"}
    else:
        condition = {
            "type": "ONE_OF_LIST",
            "values": [{"userEnteredValue": v} for v in rule.values],
        }
    return {
        "condition": condition,
        "inputMessage": TAG + rule.prompt,
        "strict": rule.strict,
        "showCustomUi": rule.kind == "list",
    }


def rule_key(rule: Mapping[str, Any] | None) -> Item:
    if not rule:
        return None
    condition = rule.get("condition", {})
    values = tuple(str(v.get("userEnteredValue", "")) for v in condition.get("values", []))
    return (
        condition.get("type"),
        values,
        rule.get("inputMessage", ""),
        bool(rule.get("strict", False)),
        bool(rule.get("showCustomUi", False)),
    )


def column_range(sheet_id: int, col: int, start_row: int) -> dict[str, int]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": start_row,
        "startColumnIndex": col,
        "endColumnIndex": col + 1,
    }


def grid_key(rng: Mapping[str, Any], rows: int) -> tuple[int, ...]:
    """A GridRange compared: an open end is the grid's edge, however the API spells it."""
    return (
        int(rng.get("startRowIndex", 0)),
        int(rng.get("endRowIndex", rows)),
        int(rng.get("startColumnIndex", 0)),
        int(rng.get("endColumnIndex", -1)),
    )


def rgb(hex_colour: str) -> dict[str, float]:
    h = hex_colour.lstrip("#")
    return {k: int(h[i : i + 2], 16) / 255 for k, i in (("red", 0), ("green", 2), ("blue", 4))}


def hex_of(colour: Mapping[str, Any] | None) -> str:
    colour = colour or {}
    return "#" + "".join(
        f"{round(float(colour.get(k, 0)) * 255):02X}" for k in ("red", "green", "blue")
    )


def format_key(entry: Mapping[str, Any], rows: int) -> Item:
    rule = entry.get("booleanRule", {})
    condition = rule.get("condition", {})
    fmt = rule.get("format", {})
    fill = fmt.get("backgroundColor") or fmt.get("backgroundColorStyle", {}).get("rgbColor")
    text = fmt.get("textFormat", {})
    fg = text.get("foregroundColor") or text.get("foregroundColorStyle", {}).get("rgbColor")
    values = tuple(str(v.get("userEnteredValue", "")) for v in condition.get("values", []))
    ranges = tuple(grid_key(r, rows) for r in entry.get("ranges", []))
    return (ranges, condition.get("type"), values, hex_of(fill), hex_of(fg))


def protect_key(entry: Mapping[str, Any], rows: int) -> Item:
    return (
        grid_key(entry.get("range", {}), rows),
        entry.get("description", ""),
        bool(entry.get("warningOnly", False)),
    )


def colour_format(sheet_id: int, colour: Colour, header_row: int) -> dict[str, Any]:
    """A colour rule as a ConditionalFormatRule, over its column below the header."""
    return {
        "ranges": [column_range(sheet_id, colour.column, header_row)],
        "booleanRule": {
            "condition": {
                "type": "CUSTOM_FORMULA",
                "values": [{"userEnteredValue": "=" + colour.formula}],
            },
            "format": {
                "backgroundColor": rgb(colour.fill),
                "textFormat": {"foregroundColor": rgb(colour.text)},
            },
        },
    }


def whole_column(ranges: list[tuple[int, ...]], rows: int) -> bool:
    """One range (as `grid_key` gives it) over one column, to the grid's end."""
    return len(ranges) == 1 and ranges[0][1] == rows and ranges[0][3] == ranges[0][2] + 1


def record_request(sheet_id: int, record_id: Any, record: Mapping[str, Any]) -> dict[str, Any]:
    """The request that leaves setup's record as `record` (none: deleted)."""
    lookup = {"developerMetadataLookup": {"metadataId": record_id}}
    if not record:
        return {"deleteDeveloperMetadata": {"dataFilter": lookup}}
    value = json.dumps(record, sort_keys=True)
    if record_id is None:
        return {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": RECORD_KEY,
                    "metadataValue": value,
                    "visibility": "DOCUMENT",
                    "location": {"sheetId": sheet_id},
                }
            }
        }
    return {
        "updateDeveloperMetadata": {
            "dataFilters": [lookup],
            "developerMetadata": {"metadataValue": value},
            "fields": "metadataValue",
        }
    }
