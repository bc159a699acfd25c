"""The SheetBackend contract, run against the workbook backend and the in-memory fake."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from sheetsync.core.values import CellValue
from sheetsync.sheets.port import SheetBackend
from sheetsync.sheets.workbook import WorkbookSheet
from sheetsync.testing import InMemorySheet
from tests.support.sheet_contract import SheetBackendContract


class TestInMemorySheet(SheetBackendContract):
    def make(self, rows: list[list[CellValue]]) -> SheetBackend:
        return InMemorySheet(rows)

    def cells(self, backend: SheetBackend) -> list[list[CellValue]]:
        assert isinstance(backend, InMemorySheet)
        return backend.rows

    def insert_row(self, backend: SheetBackend, at: int, values: list[CellValue]) -> None:
        assert isinstance(backend, InMemorySheet)
        backend.rows.insert(at - 1, list(values))


class TestWorkbookSheet(SheetBackendContract):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = tmp_path

    def make(self, rows: list[list[CellValue]]) -> SheetBackend:
        path = self.folder / "ugyfelek.xlsx"
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        for number, row in enumerate(rows, start=1):
            for col, value in enumerate(row, start=1):
                cell = sheet.cell(row=number, column=col, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"
        book.save(path)
        return WorkbookSheet(path)

    def cells(self, backend: SheetBackend) -> list[list[CellValue]]:
        assert isinstance(backend, WorkbookSheet)
        sheet = openpyxl.load_workbook(backend.path).worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]

    def insert_row(self, backend: SheetBackend, at: int, values: list[CellValue]) -> None:
        assert isinstance(backend, WorkbookSheet)
        book = openpyxl.load_workbook(backend.path)
        sheet = book.worksheets[0]
        sheet.insert_rows(at)
        for col, value in enumerate(values, start=1):
            sheet.cell(row=at, column=col, value=value)
        book.save(backend.path)
