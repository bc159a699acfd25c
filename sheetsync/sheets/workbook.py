"""The local workbook backend (.xlsx): the embedded default, which loses nothing staff put in.

Reads the values staff see, formula results included, with python-calamine (the cached
values Excel or LibreOffice saved). Writes only the owned status cells, inside the
worksheet part of the package, and carries every other member over unchanged: formulas
and their results, images, charts, pivot tables, comments, validations, conditional
formats, defined names and other sheets all survive (`xlsx_sheet`, `xlsx_package`).
The file is replaced only while it is ours to replace (`workbook_file`); otherwise the
write waits for the next pass and the outcome says why.
"""

from __future__ import annotations

import io
import time
import zipfile
import zlib
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from xml.etree.ElementTree import ParseError

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook, SheetTypeEnum

from sheetsync.core.keys import loose_key
from sheetsync.core.layout import HEADER_SEARCH_ROWS, column_letter
from sheetsync.core.plan import WriteOutcome, WritePlan
from sheetsync.core.values import CellValue, text_of
from sheetsync.errors import SheetAccessError, SheetLayoutError, TransientSheetError
from sheetsync.sheets import workbook_file
from sheetsync.sheets.guard import Resolution, resolve, view_of_rows
from sheetsync.sheets.port import SheetSnapshot
from sheetsync.sheets.xlsx_package import (
    Parts,
    SheetPart,
    Spool,
    calculated_cells,
    duplicate_member,
    member_chunks,
    parts_of,
    read_member,
    rebuild,
    with_filter_name,
)
from sheetsync.sheets.xlsx_sheet import (
    EXCEL_LAST_COLUMN,
    CellEdit,
    SheetEdit,
    Styles,
    edit_sheet,
)
from sheetsync.sheets.xlsx_styles import StyleBook

Merge = tuple[tuple[int, int], tuple[int, int]]  # ((row, col), (row, col)), 0-based

# A file saved this recently that cannot be read is taken for one being saved.
BEING_SAVED_SECONDS = 60
READ_ATTEMPTS = 3
READ_PAUSE_SECONDS = 0.5
DATE_FORMATS = {"hu": r"yyyy\.\ mm\.\ dd\.\ hh:mm", "en": r"yyyy\-mm\-dd\ hh:mm"}
WIDTHS = {"stage": 22.0, "next_step": 40.0, "findings": 60.0, "domain": 30.0, "changed_at": 18.0}
_BROKEN = (CalamineError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error,
           KeyError, ParseError, ValueError)  # fmt: skip


class WorkbookSheet:
    """One worksheet of a local .xlsx file. With `worksheet` unset, the worksheet whose
    header row holds the client column (`client_header`)."""

    def __init__(
        self,
        path: Path,
        worksheet: str | None = None,
        *,
        client_header: str = "Ügyfél neve",
        header_row: int = 0,
        locale: str = "hu",
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self.path = Path(path)
        self.worksheet = worksheet
        self.client_header = client_header
        self.header_row = header_row
        self.locale = locale
        self._pause = pause
        self._chosen: str | None = None  # the worksheet the last read used
        self._seen: tuple[workbook_file.Version, list[list[CellValue]], list[Merge]] | None = None

    @property
    def name(self) -> str:
        return f"{self.path.name} / {self.worksheet}" if self.worksheet else self.path.name

    def row_url(self, row: int) -> str | None:
        return None

    def read(self) -> SheetSnapshot:
        loaded = self._load()
        name, rows, merges = self._sheet_of(loaded.data)
        self._chosen = name
        # The guard read of a file still as read needs no second parse.
        self._seen = (loaded.version, rows, merges)
        return SheetSnapshot(title=f"{self.path.name} / {name}", rows=rows)

    def write(self, plan: WritePlan) -> WriteOutcome:
        if plan.is_empty:
            return WriteOutcome()
        path = workbook_file.target(self.path)
        why = workbook_file.refusal(path)
        if why is not None:
            return _deferred(plan, why)
        loaded = self._load()
        seen, self._seen = self._seen, None
        try:
            if seen is not None and seen[0] == loaded.version and self._chosen is not None:
                name, rows, merges = self._chosen, seen[1], seen[2]
            else:
                name, rows, merges = self._sheet_of(loaded.data, self._chosen)
        except TransientSheetError as exc:
            return _deferred(plan, str(exc))
        resolution = resolve(plan, view_of_rows(rows, plan))
        if not resolution.cells:
            return _outcome(resolution)
        _refuse_merged(resolution, merges, plan, rows)
        _refuse_past_last_column(resolution, rows)
        try:
            replaced = self._rewritten(loaded.data, name, plan, resolution)
        except _BROKEN as exc:
            raise SheetAccessError(
                f"cannot update {self.path.name}: its worksheet {name!r} is not in a form "
                f"sheetsync can edit ({type(exc).__name__}); nothing written"
            ) from None
        why = workbook_file.replace(
            path, lambda out: rebuild(loaded.data, replaced, out), loaded.version
        )
        if why is not None:
            return _deferred(plan, why)
        return _outcome(resolution)

    def opened(self) -> tuple[workbook_file.Loaded, str, list[list[CellValue]]]:
        """The file as it is now, the worksheet sheetsync uses and its rows (`setup`)."""
        loaded = self._load()
        name, rows, _ = self._sheet_of(loaded.data, self._chosen)
        return loaded, name, rows

    # -- reading ----------------------------------------------------------------------

    def _load(self) -> workbook_file.Loaded:
        path = workbook_file.target(self.path)
        try:
            return workbook_file.load(path)
        except FileNotFoundError:
            raise SheetAccessError(f"workbook {self.path} not found (check sheet.path)") from None
        except PermissionError:
            raise SheetAccessError(f"no permission to read {self.path}") from None
        except IsADirectoryError:
            raise SheetAccessError(f"{self.path} is a folder, not a workbook") from None
        except OSError as exc:
            raise SheetAccessError(f"cannot read {self.path}: {exc.strerror or exc}") from None

    def _sheet_of(
        self, data: bytes, chosen: str | None = None
    ) -> tuple[str, list[list[CellValue]], list[Merge]]:
        """The worksheet's name, rows and merged ranges. A package that cannot be read
        is retried while it looks like a save in progress (TransientSheetError), else a
        SheetAccessError."""
        for attempt in range(READ_ATTEMPTS):
            try:
                if not data.startswith(b"PK"):
                    raise zipfile.BadZipFile("not a zip package")
                with CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
                    name = chosen or self._choose(book)
                    sheet = book.get_sheet_by_name(name)
                    rows = _rows_of(sheet)
                    return name, rows, list(sheet.merged_cell_ranges or [])
            except (SheetAccessError, SheetLayoutError):
                raise
            except (*_BROKEN, OSError) as exc:
                # A save in progress leaves an empty file or a zip without its end.
                if not (data[:2] in (b"", b"PK") and self._being_saved()):
                    raise SheetAccessError(_unreadable(self.path, data, exc)) from None
                if attempt + 1 < READ_ATTEMPTS:
                    self._pause(READ_PAUSE_SECONDS)
                    data = self._load().data
        if not data:
            raise TransientSheetError(
                f"{self.path} is empty (0 bytes), not an .xlsx workbook: if someone is saving "
                "it right now, the next sync retries; otherwise restore it from a backup"
            )
        raise TransientSheetError(
            f"{self.path.name} is being saved right now (the file is incomplete): "
            "try again in a moment; the next sync retries"
        )

    def _being_saved(self) -> bool:
        age = workbook_file.modified_seconds_ago(self.path, datetime.now())
        return age is not None and age < BEING_SAVED_SECONDS

    def _choose(self, book: CalamineWorkbook) -> str:
        names = book.sheet_names
        if self.worksheet is not None:
            if self.worksheet not in names:
                listed = ", ".join(repr(n) for n in names)
                raise SheetAccessError(
                    f"no worksheet {self.worksheet!r} in {self.path.name} (it has {listed})"
                )
            return self.worksheet
        sheets = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        if len(sheets) <= 1:
            return sheets[0] if sheets else names[0]
        search = self.header_row or HEADER_SEARCH_ROWS
        wanted = loose_key(self.client_header)
        having = [
            name
            for name in sheets
            if _has_header(book.get_sheet_by_name(name).to_python(False, search), wanted, self)
        ]
        if len(having) > 1:
            listed = ", ".join(repr(n) for n in having)
            raise SheetLayoutError(
                f"several worksheets of {self.path.name} have a {self.client_header!r} column "
                f"({listed}): set sheet.worksheet to the one sheetsync should keep"
            )
        return having[0] if having else sheets[0]

    # -- writing ----------------------------------------------------------------------

    def _rewritten(
        self, data: bytes, name: str, plan: WritePlan, resolution: Resolution
    ) -> dict[str, bytes | Spool]:
        """The members to replace: the worksheet, and its formats and workbook if needed."""
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            twice = duplicate_member(package)
            if twice is not None:
                raise SheetLayoutError(
                    f"{self.path.name} is a damaged package: it holds two copies of {twice}, "
                    "and Excel and sheetsync may read different ones; open and save it in "
                    "Excel or LibreOffice, then sync again; nothing was written"
                )
            parts = parts_of(package)
            part = next((s for s in parts.sheets if s.name == name), None)
            if part is None or not part.path.endswith(".xml"):
                raise KeyError(name)
            _refuse_calculated(resolution, calculated_cells(package, part))
            styles_xml = read_member(package, parts.styles) if parts.styles else None
            workbook_xml = read_member(package, parts.workbook)
            styles = StyleBook(styles_xml) if styles_xml is not None else None
            edit = self._edit(plan, resolution, parts, dated=styles is not None)
            code = DATE_FORMATS.get(self.locale, DATE_FORMATS["en"])
            sheet = Spool()
            autofilter = edit_sheet(
                member_chunks(package, part.path),
                edit,
                Styles(
                    wrapped=styles.wrapped if styles else _same,
                    dated=(lambda s: styles.dated(s, code)) if styles else _same,
                ),
                sheet.write,
            )
        replaced: dict[str, bytes | Spool] = {part.path: sheet}
        if styles is not None and styles.changed and parts.styles:
            replaced[parts.styles] = styles.to_bytes()
        if autofilter is not None:
            renamed = _filter_renamed(workbook_xml, part, autofilter)
            if renamed != workbook_xml:
                replaced[parts.workbook] = renamed
        return replaced

    def _edit(
        self, plan: WritePlan, resolution: Resolution, parts: Parts, dated: bool
    ) -> SheetEdit:
        keys = {col: key for key, col in plan.status_columns}
        epoch = datetime(1904, 1, 1) if parts.date1904 else datetime(1899, 12, 30)
        serial = None
        if plan.stamp is not None and dated:
            local = plan.stamp.replace(tzinfo=None, microsecond=0)
            serial = (local - epoch).total_seconds() / 86400
        cells: dict[int, dict[int, CellEdit]] = {}
        for row, col, text in resolution.cells:
            key = keys.get(col)
            if row == plan.header_row:
                cell = CellEdit(text=text, role="header")
            elif key == "findings":
                cell = CellEdit(text=text, role="wrap")
            elif key == "changed_at" and text and serial is not None:
                cell = CellEdit(number=serial, role="date")
            else:
                cell = CellEdit(text=text)
            cells.setdefault(row, {})[col] = cell
        widths = {col: WIDTHS[keys[col]] for col, _ in plan.new_headers if col in keys}
        return SheetEdit(cells, plan.header_row, widths)


def _same(index: int) -> int:
    return index


def _filter_renamed(workbook_xml: bytes, part: SheetPart, change: tuple[str, str]) -> bytes:
    return with_filter_name(workbook_xml, part, *change)


def _has_header(rows: Sequence[Sequence[object]], wanted: str, sheet: WorkbookSheet) -> bool:
    if sheet.header_row:
        rows = rows[sheet.header_row - 1 : sheet.header_row]
    return any(isinstance(v, str) and loose_key(v) == wanted for row in rows for v in row)


def _rows_of(sheet: CalamineSheet) -> list[list[CellValue]]:
    """The sheet's rows from A1, calamine's values as the core's: empty cells None, whole
    numbers int, and equal texts one object, as in the file's shared strings (a column
    repeats a few values, "igen", "Start", a stage, on thousands of rows)."""
    before = sheet.start[1] if sheet.start else 0  # rows come without the empty columns
    texts: dict[str, str] = {}
    rows = []
    for row in sheet.iter_rows():  # not to_python: a list of every row at once, twice
        out: list[CellValue] = [None] * before
        for value in row:
            if value == "":
                out.append(None)
            elif type(value) is str:
                out.append(texts.setdefault(value, value))
            elif type(value) is float and value.is_integer() and abs(value) < 2**53:
                out.append(int(value))
            else:
                out.append(value)  # type: ignore[arg-type]
        rows.append(out)
    return rows


def _refuse_merged(
    resolution: Resolution,
    merges: Sequence[Merge],
    plan: WritePlan,
    rows: Sequence[Sequence[CellValue]],
) -> None:
    """Merged cells over a cell sheetsync must write: a sheet-level problem, never unmerged."""
    headers = dict(plan.new_headers)
    header = rows[plan.header_row - 1] if len(rows) >= plan.header_row else []
    for row, col, _ in resolution.cells:
        for (r0, c0), (r1, c1) in merges:
            if r0 <= row - 1 <= r1 and c0 <= col <= c1:
                label = headers.get(col) or (text_of(header[col]) if col < len(header) else None)
                span = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
                raise SheetLayoutError(
                    f"cells {span} are merged over the status column {label or '?'!r} (column "
                    f"{column_letter(col)}): sheetsync never unmerges staff's cells; unmerge "
                    "them (Excel: Home → Merge & Center) or move them out of the status "
                    "columns; nothing was written"
                )


def _refuse_past_last_column(resolution: Resolution, rows: Sequence[Sequence[CellValue]]) -> None:
    """Status columns beyond XFD, Excel's last column: a stray cell far right pushed them there."""
    if all(col <= EXCEL_LAST_COLUMN for _, col, _ in resolution.cells):
        return
    stray = max(
        ((len(row) - 1 - i, r) for r, row in enumerate(rows)
         for i, v in enumerate(reversed(row)) if v is not None and v != ""),
        default=(EXCEL_LAST_COLUMN, 0),
    )  # fmt: skip
    cell = f"{column_letter(stray[0])}{stray[1] + 1}"
    raise SheetLayoutError(
        f"the status columns would go past Excel's last column (XFD): cell {cell} sits at "
        "the far right of the sheet; clear or move that cell (or add the status column "
        "headers yourself, left of it); nothing was written"
    )


def _refuse_calculated(resolution: Resolution, calculated: set[str]) -> None:
    """Status cells that calcChain.xml lists as formulas: overwritten, Excel would call the
    file damaged."""
    cells = [f"{column_letter(c)}{r}" for r, c, _ in resolution.cells]
    listed = [cell for cell in cells if cell in calculated]
    if listed:
        raise SheetLayoutError(
            f"the status cells {', '.join(listed[:10])} hold formulas: clear the formulas in "
            "the status columns (sheetsync writes plain values there); nothing was written"
        )


def _outcome(resolution: Resolution) -> WriteOutcome:
    return WriteOutcome(
        cells_written=len(resolution.cells),
        rows_written=resolution.rows_written,
        rows_skipped=resolution.rows_skipped,
        note=resolution.note,
    )


def _deferred(plan: WritePlan, why: str) -> WriteOutcome:
    """Nothing written this pass, every planned row left for the next one."""
    return WriteOutcome(rows_skipped=tuple(w.row for w in plan.rows), note=why, deferred=True)


def _unreadable(path: Path, data: bytes, error: Exception) -> str:
    """Why the file cannot be read, in words rather than an exception's name."""
    if not data:
        return (
            f"{path} is empty (0 bytes), not an .xlsx workbook: restore it from a backup "
            "or save the sheet again as Excel Workbook (.xlsx)"
        )
    if not data.startswith(b"PK"):
        return (
            f"{path} is not a readable .xlsx workbook: it is not a zip file (an .xls, .csv "
            "or .ods under the wrong name, or cut short?); save it as Excel Workbook (.xlsx)"
        )
    return (
        f"{path} is not a readable .xlsx workbook ({type(error).__name__}); "
        "open it in Excel or LibreOffice and save it as .xlsx"
    )
