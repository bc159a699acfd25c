"""The local workbook backend (.xlsx via openpyxl): the embedded default.

Reads cached cell values (what Excel or Sheets last showed). Writes by loading
the file afresh, guard-checking rows, setting only owned cells as text, and
replacing the file atomically, so staff formatting, formulas, comments and other
sheets survive. (openpyxl cannot keep images and charts: keep those elsewhere.)
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sheetsync.core.plan import WriteOutcome, WritePlan
from sheetsync.core.values import CellValue
from sheetsync.errors import SheetAccessError
from sheetsync.sheets.guard import resolve, view_of_rows
from sheetsync.sheets.port import SheetSnapshot


class WorkbookSheet:
    def __init__(self, path: Path, worksheet: str | None = None) -> None:
        self.path = Path(path)
        self.worksheet = worksheet

    @property
    def name(self) -> str:
        return f"{self.path.name} / {self.worksheet}" if self.worksheet else self.path.name

    def row_url(self, row: int) -> str | None:
        return None

    def read(self) -> SheetSnapshot:
        book = self._open(read_only=True, data_only=True)
        try:
            sheet = self._sheet(book)
            rows = [[plain(v) for v in r] for r in sheet.iter_rows(values_only=True)]
            title = f"{self.path.name} / {sheet.title}"
            return SheetSnapshot(title=title, rows=rows)
        finally:
            book.close()

    def write(self, plan: WritePlan) -> WriteOutcome:
        if plan.is_empty:
            return WriteOutcome()
        resolution = resolve(plan, view_of_rows(self.read().rows, plan))
        if resolution.cells:
            # Load with formulas (not cached values) so the saved file keeps them.
            book = self._open(read_only=False, data_only=False)
            sheet = self._sheet(book)
            for row, col, text in resolution.cells:
                cell = sheet.cell(row=row, column=col + 1)
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
                cell.data_type = "s"  # text, even when it starts with '='
            self._save(book)
        return WriteOutcome(
            cells_written=len(resolution.cells),
            rows_written=resolution.rows_written,
            rows_skipped=resolution.rows_skipped,
            note=resolution.note,
        )

    def _open(self, *, read_only: bool, data_only: bool) -> Workbook:
        try:
            return load_workbook(
                self.path,
                read_only=read_only,
                data_only=data_only,
                keep_vba=self.path.suffix.lower() == ".xlsm",
            )
        except FileNotFoundError as exc:
            raise SheetAccessError(f"workbook {self.path} not found (check sheet.path)") from exc
        except PermissionError as exc:
            raise SheetAccessError(f"no permission to open {self.path}") from exc
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise SheetAccessError(_unreadable(self.path, exc)) from exc

    def _sheet(self, book: Workbook) -> Worksheet:
        if self.worksheet is None:
            sheet = book.worksheets[0]
        elif self.worksheet in book.sheetnames:
            sheet = book[self.worksheet]
        else:
            names = ", ".join(repr(n) for n in book.sheetnames)
            raise SheetAccessError(
                f"no worksheet {self.worksheet!r} in {self.path.name} (it has {names})"
            )
        if not isinstance(sheet, Worksheet) and not hasattr(sheet, "iter_rows"):
            raise SheetAccessError(f"{sheet.title!r} is not a worksheet")
        return sheet

    def _save(self, book: Workbook) -> None:
        """Write next to the original and rename over it: never a half-written workbook."""
        folder = self.path.parent
        handle, temp = tempfile.mkstemp(prefix=".sheetsync-", suffix=self.path.suffix, dir=folder)
        os.close(handle)
        try:
            book.save(temp)
            if self.path.exists():
                os.chmod(temp, self.path.stat().st_mode & 0o777)
            os.replace(temp, self.path)
        except OSError as exc:
            Path(temp).unlink(missing_ok=True)
            raise SheetAccessError(f"could not save {self.path}: {exc.strerror or exc}") from exc


def _unreadable(path: Path, error: Exception) -> str:
    """Why openpyxl could not open the file, in words rather than an exception's name."""
    try:
        empty = path.stat().st_size == 0
    except OSError:
        empty = False
    if empty:
        return (
            f"{path} is empty (0 bytes), not an .xlsx workbook: restore it from a backup "
            "or save the sheet again as Excel Workbook (.xlsx)"
        )
    if isinstance(error, zipfile.BadZipFile):
        return (
            f"{path} is not a readable .xlsx workbook: it is not a zip file (an .xls, .csv "
            "or .ods under the wrong name, or cut short?); save it as Excel Workbook (.xlsx)"
        )
    return f"{path} is not a readable .xlsx workbook ({type(error).__name__})"


def plain(value: object) -> CellValue:
    """openpyxl's cell types as the plain values the core parses."""
    if value is None or isinstance(value, str | bool | int | float | datetime | date | time):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, timedelta):
        return str(value)
    text = str(value)  # rich text, array formulas and the like
    return text if text.strip() else None
