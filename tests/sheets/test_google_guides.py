"""`sheetsync setup` on Google Sheets against the stateful API fake: the rules it installs,
its request budget (one read, at most one batchUpdate), a second run that writes
nothing, `--remove` that leaves the sheet as it was, and the staff's own rules kept."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

import pytest

from sheetsync.core.guides import SheetGuide, build_guide, guide_layout
from sheetsync.core.values import CellValue
from sheetsync.errors import SheetAccessError, SheetLayoutError
from sheetsync.settings import ColumnHeaders, StatusHeaders
from sheetsync.sheets.google_guides import GoogleGuides
from tests.support.builders import DONE, client, sheet_rows
from tests.support.google_fake import (
    GET_META,
    STRUCTURE_UPDATE,
    FakeSheetsApi,
    api,
    google_sheet,
)

__all__ = ["api"]  # the fixture
STATUS = list(StatusHeaders().model_dump().values())
BOLD = {"textFormat": {"bold": True}, "backgroundColor": {"red": 1, "green": 0.9, "blue": 0.6}}
PAYMENT, STAGE, FINDINGS = 10, 16, 18  # 0-based columns of sheet_rows + STATUS


def plan(rows: Sequence[Sequence[CellValue]]) -> SheetGuide:
    return build_guide(guide_layout(rows, ColumnHeaders(), StatusHeaders()), "hu")


@pytest.fixture
def fake(api: FakeSheetsApi) -> FakeSheetsApi:
    rows = sheet_rows(
        client(DONE), client(DONE, client="Béta Bt.", payment_method="kártya x"), extra=STATUS
    )
    sheet = api.add_worksheet("Ügyfelek", rows)  # type: ignore[arg-type]
    for col in range(16):
        sheet.guides.cell_formats[(0, col)] = copy.deepcopy(BOLD)  # the staff's header style
    return api


def guides(api: FakeSheetsApi) -> GoogleGuides:
    sheet = google_sheet(api)
    sheet.current_grid()  # the worksheet's metadata, as a worker's cache holds it
    api.reset_counts()
    return GoogleGuides(sheet)


def batch(api: FakeSheetsApi) -> list[dict[str, Any]]:
    bodies = [
        json.loads(r.body or b"{}") for r in api.requests if r.url and ":batchUpdate" in r.url
    ]
    return [request for body in bodies for request in body["requests"]]


def test_the_first_run_is_one_read_and_one_batch_update_holding_every_rule(
    fake: FakeSheetsApi,
) -> None:
    outcome = guides(fake).set_up(plan)
    assert fake.counts() == {GET_META: 1, STRUCTURE_UPDATE: 1}
    assert outcome.applied and outcome.state == "not-applied"
    g = fake.sheet.guides
    payment = g.validations[(1, PAYMENT)]
    assert payment["condition"]["type"] == "ONE_OF_LIST"
    assert [v["userEnteredValue"] for v in payment["condition"]["values"]] == [
        "bankkártya",
        "utalás",
    ]
    assert payment["strict"] is True and payment["inputMessage"].startswith("sheetsync: ")
    assert g.validations[(999, PAYMENT)] == payment  # down to the grid's last row
    assert (0, PAYMENT) not in g.validations  # never on the header
    assert g.validations[(1, 12)]["condition"]["type"] == "DATE_IS_VALID"  # Fizetve
    assert g.validations[(1, 12)]["strict"] is False
    formulas = [f["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for f in g.formats]
    assert formulas[0] == '=AND(N("sheetsync:stage-done")=0,$Q2="Kész")'
    assert [f["ranges"][0].get("startColumnIndex", 0) for f in g.formats] == [
        STAGE,
        FINDINGS,
        FINDINGS,
        0,
    ]
    (guard,) = g.protected
    assert guard["warningOnly"] is True and guard["description"].startswith("sheetsync: ")
    assert (guard["range"]["startColumnIndex"], guard["range"]["endColumnIndex"]) == (16, 21)
    assert g.frozen == 1 and g.basic_filter is not None
    assert all(g.cell_formats[(0, c)] == BOLD for c in range(16, 21))  # styled like the header
    assert fake.sheet.cells[2][PAYMENT] == "kártya x"  # an invalid value stays as it is


def test_a_second_run_reads_once_and_writes_nothing(fake: FakeSheetsApi) -> None:
    guides(fake).set_up(plan)
    fake.reset_counts()
    again = guides(fake).set_up(plan)
    assert fake.counts() == {GET_META: 1}
    assert again.changes == () and again.state == "current" and not again.applied


def test_remove_leaves_the_sheet_as_it_was_and_the_staffs_rules_alone(fake: FakeSheetsApi) -> None:
    g = fake.sheet.guides
    staff_format = {
        "ranges": [
            {
                "sheetId": 0,
                "startRowIndex": 1,
                "endRowIndex": 50,
                "startColumnIndex": 9,
                "endColumnIndex": 10,
            }
        ],
        "booleanRule": {
            "condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": "Pro"}]},
            "format": {"backgroundColor": {"red": 1}},
        },
    }
    g.formats.append(staff_format)
    g.validations[(1, 2)] = {
        "condition": {
            "type": "ONE_OF_LIST",
            "values": [{"userEnteredValue": "saját"}, {"userEnteredValue": "ügyfélé"}],
        }
    }
    g.protected.append(
        {
            "protectedRangeId": 7,
            "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1},
            "description": "names",
            "warningOnly": False,
        }
    )
    before, cells = copy.deepcopy(g), copy.deepcopy(fake.sheet.cells)
    outcome = guides(fake).set_up(plan)
    assert any("'E-mail típusa' (C)" in note for note in outcome.notes)
    g = fake.sheet.guides
    assert g.formats[0]["booleanRule"]["condition"]["type"] == "TEXT_EQ"  # still first
    assert g.validations[(1, 2)] == before.validations[(1, 2)]
    assert before.protected[0] in g.protected
    fake.reset_counts()
    dry = guides(fake).set_up(plan, remove=True, dry_run=True)
    assert fake.counts() == {GET_META: 1} and {c.action for c in dry.changes} == {"remove"}
    removed = guides(fake).set_up(plan, remove=True)
    assert removed.applied
    after = fake.sheet.guides
    assert after.validations == before.validations
    assert after.cell_formats == before.cell_formats
    assert after.protected == before.protected and after.metadata == []
    assert after.frozen == before.frozen and after.basic_filter is None
    assert [f["booleanRule"]["condition"]["type"] for f in after.formats] == ["TEXT_EQ"]
    assert fake.sheet.cells == cells


def test_an_outdated_rule_is_updated_in_place_never_copied(fake: FakeSheetsApi) -> None:
    guides(fake).set_up(plan)
    g = fake.sheet.guides
    g.formats[0]["booleanRule"]["format"]["backgroundColor"] = {"red": 0.5}  # edited by hand
    fake.reset_counts()
    check = guides(fake).set_up(plan, dry_run=True)
    assert check.state == "outdated"
    assert [(c.action, c.ident) for c in check.changes] == [("update", "colour:stage-done")]
    guides(fake).set_up(plan)
    assert [next(iter(r)) for r in batch(fake)] == ["updateConditionalFormatRule"]
    assert len(fake.sheet.guides.formats) == 4


def test_a_dry_run_reads_and_writes_nothing(fake: FakeSheetsApi) -> None:
    outcome = guides(fake).set_up(plan, dry_run=True)
    assert fake.counts() == {GET_META: 1}
    assert outcome.state == "not-applied" and len(outcome.changes) == 16
    assert fake.sheet.guides.formats == []


def test_sheet_level_problems_write_nothing(api: FakeSheetsApi) -> None:
    api.add_worksheet("Ügyfelek", sheet_rows(client(DONE)))  # type: ignore[arg-type]
    with pytest.raises(SheetLayoutError, match="sheetsync sync"):
        guides(api).set_up(plan)
    assert api.counts() == {GET_META: 1}
    api.sheet.cells[0] += STATUS
    api.fail(STRUCTURE_UPDATE, 403, message="The caller does not have permission")
    with pytest.raises(SheetAccessError, match="share the sheet"):
        guides(api).set_up(plan)
    assert api.sheet.guides.formats == [] and api.sheet.guides.validations == {}
