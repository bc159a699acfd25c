"""The Sheets API's rules, formats and protections, for the fakes (`tests/support/google_fake`,
`benchmarks/sheets_server`): what `sheetsync setup` reads with `spreadsheets.get` (grid data,
formats and validations) and changes with `spreadsheets.batchUpdate`. Like the real
API, a batch is applied in order and all or nothing, open ranges are echoed bounded,
colours come back as floats with zero channels left out."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Guides:
    """One worksheet's rules and formats."""

    formats: list[dict[str, Any]] = field(default_factory=list)  # conditional formats
    protected: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    tables: list[dict[str, Any]] = field(default_factory=list)  # Sheets tables (their ranges)
    frozen: int = 0
    metadata: list[dict[str, Any]] = field(default_factory=list)
    validations: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)  # 0-based
    cell_formats: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    next_id: int = 100


def _bounded(rng: dict[str, Any], rows: int, cols: int) -> dict[str, Any]:
    out = {
        "sheetId": rng.get("sheetId", 0),
        "startRowIndex": rng.get("startRowIndex", 0),
        "endRowIndex": rng.get("endRowIndex", rows),
        "startColumnIndex": rng.get("startColumnIndex", 0),
        "endColumnIndex": rng.get("endColumnIndex", cols),
    }
    return {k: v for k, v in out.items() if v != 0 or k == "sheetId"}


def _echo_colours(value: Any) -> Any:
    """As the API echoes them: zero channels left out, and a colour style beside it."""
    if isinstance(value, dict):
        out = {k: _echo_colours(v) for k, v in value.items()}
        for key in ("backgroundColor", "foregroundColor"):
            if key in out:
                out[key] = {k: v for k, v in out[key].items() if v}
                out[key + "Style"] = {"rgbColor": out[key]}
        return out
    if isinstance(value, list):
        return [_echo_colours(v) for v in value]
    return value


def sheet_entry(sheet: Any, guides: Guides, ranges: list[tuple[int, int]]) -> dict[str, Any]:
    """The `sheets[]` entry of a `spreadsheets.get` with grid data of `ranges` (1-based
    first and last rows, every column)."""
    data = []
    for first, last in ranges:
        rows = []
        for r in range(first - 1, min(last, sheet.row_count)):
            values = []
            width = sheet.col_count
            for c in range(width):
                cell: dict[str, Any] = {}
                value = sheet.get(r + 1, c)
                if value not in (None, ""):
                    cell["formattedValue"] = str(value)
                if (r, c) in guides.cell_formats:
                    cell["userEnteredFormat"] = copy.deepcopy(guides.cell_formats[(r, c)])
                if (r, c) in guides.validations:
                    cell["dataValidation"] = copy.deepcopy(guides.validations[(r, c)])
                values.append(cell)
            while values and not values[-1]:
                values.pop()
            rows.append({"values": values} if values else {})
        data.append({"startRow": first - 1, "rowData": rows})
    entry: dict[str, Any] = {
        "properties": {
            "sheetId": sheet.gid,
            "title": sheet.title,
            "gridProperties": {
                "rowCount": sheet.row_count,
                "columnCount": sheet.col_count,
                **({"frozenRowCount": guides.frozen} if guides.frozen else {}),
            },
        },
        "data": data,
    }
    if guides.formats:
        entry["conditionalFormats"] = _echo_colours(copy.deepcopy(guides.formats))
    if guides.protected:
        entry["protectedRanges"] = copy.deepcopy(guides.protected)
    if guides.basic_filter is not None:
        entry["basicFilter"] = copy.deepcopy(guides.basic_filter)
    if guides.tables:
        entry["tables"] = copy.deepcopy(guides.tables)
    if guides.metadata:
        entry["developerMetadata"] = copy.deepcopy(guides.metadata)
    return entry


def apply(sheet: Any, guides: Guides, request: dict[str, Any]) -> dict[str, Any]:
    """One batchUpdate request; ValueError for one the real API would refuse."""
    ((kind, spec),) = request.items()
    rows, cols = sheet.row_count, sheet.col_count
    if kind == "setDataValidation":
        rng = _bounded(spec["range"], rows, cols)
        for r in range(rng.get("startRowIndex", 0), rng["endRowIndex"]):
            for c in range(rng.get("startColumnIndex", 0), rng["endColumnIndex"]):
                if "rule" in spec:
                    guides.validations[(r, c)] = copy.deepcopy(spec["rule"])
                else:
                    guides.validations.pop((r, c), None)
    elif kind == "addConditionalFormatRule":
        rule = copy.deepcopy(spec["rule"])
        rule["ranges"] = [_bounded(x, rows, cols) for x in rule["ranges"]]
        if spec["index"] > len(guides.formats):
            raise ValueError("index out of range")
        guides.formats.insert(spec["index"], rule)
    elif kind == "updateConditionalFormatRule":
        rule = copy.deepcopy(spec["rule"])
        rule["ranges"] = [_bounded(x, rows, cols) for x in rule["ranges"]]
        guides.formats[spec["index"]] = rule
    elif kind == "deleteConditionalFormatRule":
        del guides.formats[spec["index"]]
    elif kind == "addProtectedRange":
        entry = copy.deepcopy(spec["protectedRange"])
        entry["range"] = _bounded(entry["range"], rows, cols)
        entry["protectedRangeId"] = guides.next_id
        guides.next_id += 1
        guides.protected.append(entry)
        return {"addProtectedRange": {"protectedRange": entry}}
    elif kind == "updateProtectedRange":
        entry = copy.deepcopy(spec["protectedRange"])
        entry["range"] = _bounded(entry["range"], rows, cols)
        found = next(
            p for p in guides.protected if p["protectedRangeId"] == entry["protectedRangeId"]
        )
        found.update(entry)
    elif kind == "deleteProtectedRange":
        guides.protected = [
            p for p in guides.protected if p["protectedRangeId"] != spec["protectedRangeId"]
        ]
    elif kind == "updateSheetProperties":
        guides.frozen = int(spec["properties"]["gridProperties"].get("frozenRowCount", 0))
    elif kind == "setBasicFilter":
        guides.basic_filter = {"range": _bounded(spec["filter"]["range"], rows, cols)}
    elif kind == "clearBasicFilter":
        guides.basic_filter = None
    elif kind == "repeatCell":
        rng = _bounded(spec["range"], rows, cols)
        for r in range(rng.get("startRowIndex", 0), rng["endRowIndex"]):
            for c in range(rng.get("startColumnIndex", 0), rng["endColumnIndex"]):
                fmt = spec["cell"].get("userEnteredFormat")
                if fmt:
                    guides.cell_formats[(r, c)] = copy.deepcopy(fmt)
                else:
                    guides.cell_formats.pop((r, c), None)
    elif kind == "createDeveloperMetadata":
        entry = copy.deepcopy(spec["developerMetadata"])
        entry["metadataId"] = guides.next_id
        guides.next_id += 1
        guides.metadata.append(entry)
    elif kind == "updateDeveloperMetadata":
        wanted = spec["dataFilters"][0]["developerMetadataLookup"]["metadataId"]
        for entry in guides.metadata:
            if entry["metadataId"] == wanted:
                entry["metadataValue"] = spec["developerMetadata"]["metadataValue"]
    elif kind == "deleteDeveloperMetadata":
        wanted = spec["dataFilter"]["developerMetadataLookup"]["metadataId"]
        guides.metadata = [m for m in guides.metadata if m["metadataId"] != wanted]
    else:
        raise ValueError(f"the fake does not implement {kind}")
    return {}
