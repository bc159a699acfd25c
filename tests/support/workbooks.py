"""Write and read .xlsx workbooks for tests."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from sheetsync.core.values import CellValue


def write_workbook(path: Path, rows: list[list[CellValue]], title: str = "Ügyfelek") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def read_workbook(path: Path, sheet: str | None = None) -> list[list[CellValue]]:
    book = openpyxl.load_workbook(path)
    ws = book[sheet] if sheet else book.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def write_config(folder: Path, workbook: Path, extra: str = "") -> Path:
    path = folder / "sheetsync.toml"
    path.write_text(
        f'[sheet]\npath = "{workbook.name}"\n[domains]\nchecker = "offline"\n{extra}',
        encoding="utf-8",
    )
    return path
