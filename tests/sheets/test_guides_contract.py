"""One scenario through every SheetGuides: the in-memory fake, the workbook and Google.
They agree on what a first run, a second run and --remove report, so the fake is honest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from sheetsync.core.guides import SheetGuide, build_guide, guide_layout
from sheetsync.core.values import CellValue
from sheetsync.errors import SheetLayoutError
from sheetsync.settings import ColumnHeaders, StatusHeaders
from sheetsync.sheets.google_guides import GoogleGuides
from sheetsync.sheets.port import SheetGuides
from sheetsync.sheets.workbook import WorkbookSheet
from sheetsync.sheets.xlsx_guides import WorkbookGuides
from sheetsync.testing import InMemoryGuides, InMemorySheet
from tests.support.builders import DONE, client, sheet_rows
from tests.support.google_fake import FakeSheetsApi, api, google_sheet
from tests.support.workbooks import write_workbook

__all__ = ["api"]  # the fixture
STATUS = list(StatusHeaders().model_dump().values())
ROWS = sheet_rows(client(DONE), extra=STATUS)
Make = Callable[[list[list[CellValue]]], SheetGuides]


def plan(rows: Sequence[Sequence[CellValue]]) -> SheetGuide:
    return build_guide(guide_layout(rows, ColumnHeaders(), StatusHeaders()), "hu")


@pytest.fixture(params=["memory", "workbook", "google"])
def make(request: pytest.FixtureRequest, tmp_path: Path, api: FakeSheetsApi) -> Make:
    def build(rows: list[list[CellValue]]) -> SheetGuides:
        if request.param == "memory":
            return InMemoryGuides(InMemorySheet(rows))
        if request.param == "workbook":
            return WorkbookGuides(WorkbookSheet(write_workbook(tmp_path / "u.xlsx", rows)))
        api.add_worksheet("Ügyfelek", rows)
        return GoogleGuides(google_sheet(api))

    return build


@pytest.mark.filterwarnings("ignore:Unknown extension")
def test_install_again_and_remove_report_alike(make: Make) -> None:
    guides = make(ROWS)  # type: ignore[arg-type]
    dry = guides.set_up(plan, dry_run=True)
    assert dry.state == "not-applied" and not dry.applied
    values = {c.ident for c in dry.changes if c.ident.startswith(("values:", "colour:"))}
    assert len(values) == 12  # 8 value rules, 4 colours
    first = guides.set_up(plan)
    assert first.applied and first.changes == dry.changes
    again = guides.set_up(plan)
    assert again.changes == () and again.state == "current" and not again.applied
    removed = guides.set_up(plan, remove=True)
    assert removed.applied and {c.action for c in removed.changes} == {"remove"}
    assert {c.ident for c in removed.changes} >= values
    assert guides.set_up(plan, remove=True).changes == ()


def test_a_sheet_without_status_columns_is_refused(make: Make) -> None:
    guides = make(sheet_rows(client(DONE)))  # type: ignore[arg-type]
    with pytest.raises(SheetLayoutError):
        guides.set_up(plan)
