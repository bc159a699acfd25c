"""`sheetsync setup` on Google Sheets against the flaws the outside attack on the workbook
found (session 4) where Google shares them: a sheet with a table, the staff's filter and
frozen rows after setup, and a copy of setup's colour rule on another range."""

from __future__ import annotations

import copy

from sheetsync.sheets.google_guides import FIELDS
from tests.sheets.test_google_guides import BOLD, STAGE, batch, fake, guides, plan
from tests.support.google_fake import GET_META, FakeSheetsApi, api

__all__ = ["api", "fake"]  # the fixtures


def test_a_sheet_with_a_table_gets_no_basic_filter(fake: FakeSheetsApi) -> None:
    fake.sheet.guides.tables.append(
        {"tableId": "1", "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 3,
                                   "startColumnIndex": 0, "endColumnIndex": 21}}
    )  # fmt: skip
    outcome = guides(fake).set_up(plan)
    assert "tables(" in FIELDS  # the read asks for them
    assert fake.sheet.guides.basic_filter is None
    assert "setBasicFilter" not in {next(iter(r)) for r in batch(fake)}
    assert "filter" not in {c.ident for c in outcome.changes}
    assert any("table" in n and "own filter" in n for n in outcome.notes)
    assert guides(fake).set_up(plan, dry_run=True).state == "current"


def test_the_staffs_filter_criteria_sort_and_frozen_rows_are_theirs_after_setup(
    fake: FakeSheetsApi,
) -> None:
    guides(fake).set_up(plan)
    g = fake.sheet.guides
    assert g.basic_filter is not None and g.frozen == 1
    g.basic_filter["filterSpecs"] = [
        {"columnIndex": 10, "filterCriteria": {"hiddenValues": ["bankkártya"]}}
    ]
    g.basic_filter["sortSpecs"] = [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]
    g.frozen = 3  # a person froze more rows
    staff_filter = copy.deepcopy(g.basic_filter)
    fake.reset_counts()
    check = guides(fake).set_up(plan, dry_run=True)
    assert check.state == "current" and fake.counts() == {GET_META: 1}
    removed = guides(fake).set_up(plan, remove=True)
    assert {"filter", "freeze"}.isdisjoint(c.ident for c in removed.changes)
    assert any(n.startswith("the filter") for n in removed.notes)
    assert any(n.startswith("the frozen rows") for n in removed.notes)
    g = fake.sheet.guides
    assert g.basic_filter == staff_filter and g.frozen == 3
    assert g.metadata == [] and g.formats == []  # setup's own is all gone, its record too
    kinds = [next(iter(r)) for r in batch(fake)]
    assert "clearBasicFilter" not in kinds and "updateSheetProperties" not in kinds


def test_fewer_frozen_rows_of_the_staffs_are_left_and_said(fake: FakeSheetsApi) -> None:
    header_two = [["Sparrow Exerceo"], *fake.sheet.cells]
    fake.sheet.cells = header_two
    fake.sheet.guides.frozen = 1  # the title row only, frozen by a person
    outcome = guides(fake).set_up(plan)
    assert fake.sheet.guides.frozen == 1
    assert "freeze" not in {c.ident for c in outcome.changes}
    assert any("freezes fewer rows than the header" in n for n in outcome.notes)


def test_a_copied_colour_rule_on_another_range_is_the_staffs(fake: FakeSheetsApi) -> None:
    guides(fake).set_up(plan)
    g = fake.sheet.guides
    ours = g.formats[0]
    assert ours["ranges"][0]["startColumnIndex"] == STAGE
    copied = copy.deepcopy(ours)
    copied["ranges"] = [{"sheetId": 0, "startRowIndex": 1, "endRowIndex": 50,
                         "startColumnIndex": 1, "endColumnIndex": 2}]  # fmt: skip
    g.formats.append(copied)
    check = guides(fake).set_up(plan, dry_run=True)
    assert check.state == "current" and check.changes == ()
    ours["booleanRule"]["format"]["backgroundColor"] = {"red": 0.5}  # edited by hand
    fake.reset_counts()
    guides(fake).set_up(plan)
    (update,) = batch(fake)
    assert update["updateConditionalFormatRule"]["index"] == 0  # ours, not the copy
    removed = guides(fake).set_up(plan, remove=True)
    assert [c.ident for c in removed.changes].count("colour:stage-done") == 1
    assert fake.sheet.guides.formats == [copied]
    assert fake.sheet.guides.cell_formats[(0, 0)] == BOLD
