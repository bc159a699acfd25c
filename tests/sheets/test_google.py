"""The Google Sheets backend against the stateful Sheets API fake: the shared contract,
the request budget, row identity under concurrent edits, and values as staff see them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from google.auth.transport.requests import AuthorizedSession

from sheetsync.core.values import CellValue, parse_date, parse_yes_no, text_of
from sheetsync.sheets.a1 import cell_runs, grid_size, range_bounds
from sheetsync.sheets.google import GoogleSheet, MetadataCache
from sheetsync.sheets.port import SheetBackend
from tests.support.google_fake import (
    ACCOUNT,
    BATCH_GET,
    GET_META,
    KEY,
    STRUCTURE_UPDATE,
    VALUES_UPDATE,
    DateCell,
    FakeSheetsApi,
    api,
    credentials,
    google_sheet,
)
from tests.support.sheet_contract import HEADER, ROWS, SheetBackendContract, plan_for

__all__ = ["api"]  # the fixture


class TestGoogleSheet(SheetBackendContract):
    @pytest.fixture(autouse=True)
    def _api(self, api: FakeSheetsApi) -> None:
        self.api = api

    def make(self, rows: list[list[CellValue]]) -> SheetBackend:
        self.api.add_worksheet("Ügyfelek", rows)
        return google_sheet(self.api)

    def cells(self, backend: SheetBackend) -> list[list[CellValue]]:
        return self.api.sheet.cells

    def insert_row(self, backend: SheetBackend, at: int, values: list[CellValue]) -> None:
        self.api.sheet.insert_row(at, values)


def _values_written(api: FakeSheetsApi) -> list[dict[str, Any]]:
    bodies = [
        json.loads(r.body or b"{}") for r in api.requests if r.url and "values:batchUpdate" in r.url
    ]
    return [d for body in bodies for d in body["data"]]


class CountingSession(AuthorizedSession):
    def __init__(self) -> None:
        super().__init__(credentials())  # type: ignore[no-untyped-call]
        self.calls = 0

    def request(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return super().request(*args, **kwargs)


def test_a_sheet_sends_every_request_through_the_session_it_is_given(
    api: FakeSheetsApi,
) -> None:
    api.add_worksheet("Ügyfelek", ROWS)
    session = CountingSession()
    sheet = GoogleSheet(KEY, session, MetadataCache(), account=ACCOUNT)
    assert sheet.read().rows[1][0] == "Alfa Kft."
    assert session.calls == api.count() == 2  # metadata and values


# -- budget -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [10, 10_000])
def test_an_unchanged_sheet_costs_one_request_once_metadata_is_cached(
    api: FakeSheetsApi, size: int
) -> None:
    rows: list[list[CellValue]] = [list(HEADER)] + [
        [f"Ügyfél {n}", f"u{n}@pelda.hu", f"ugyfel{n}.hu", None, "Kész"] for n in range(size)
    ]
    api.add_worksheet("Ügyfelek", rows)
    cache = MetadataCache()
    first = google_sheet(api, metadata=cache)
    snapshot = first.read()
    assert len(snapshot.rows) == size + 1
    assert api.counts() == {GET_META: 1, BATCH_GET: 1}

    api.reset_counts()
    again = google_sheet(api, metadata=cache)  # a later sync in the same process
    again.read()
    outcome = again.write(plan_for(snapshot.rows, {}))
    assert outcome.cells_written == 0
    assert api.counts() == {BATCH_GET: 1}


@pytest.mark.parametrize("size", [10, 10_000])
def test_a_sync_with_changes_costs_four_requests_and_five_when_it_widens_the_grid(
    api: FakeSheetsApi, size: int
) -> None:
    rows: list[list[CellValue]] = [list(HEADER)] + [
        [f"Ügyfél {n}", f"u{n}@pelda.hu", f"ugyfel{n}.hu"] for n in range(size)
    ]
    api.add_worksheet("Ügyfelek", rows, cols=5)  # no room for a new column yet
    cache = MetadataCache()
    google_sheet(api, metadata=cache).read()
    api.reset_counts()

    sheet = google_sheet(api, metadata=cache)
    snapshot = sheet.read()
    writes = {n: [(4, f"állapot {n}"), (5, "lépés")] for n in range(2, size + 2)}
    outcome = sheet.write(plan_for(snapshot.rows, writes, new_headers=((5, "Következő lépés"),)))

    assert outcome.cells_written == 2 * size + 1
    assert (outcome.rows_repaired, outcome.rows_left) == (0, 0)
    # read, guard read, the column append (once per sheet), write, verify read
    assert api.calls == [BATCH_GET, BATCH_GET, STRUCTURE_UPDATE, VALUES_UPDATE, BATCH_GET]
    assert api.sheet.col_count == 6
    assert api.sheet.get(size + 1, 4) == f"állapot {size + 1}"
    assert api.sheet.cells[0][5] == "Következő lépés"

    api.reset_counts()  # the grid is wide enough now: no structural request again
    snapshot = sheet.read()
    sheet.write(plan_for(snapshot.rows, {2: [(4, "új")]}))
    assert api.calls == [BATCH_GET, BATCH_GET, VALUES_UPDATE, BATCH_GET]


def test_the_write_sends_changed_cells_only_as_row_ranges(api: FakeSheetsApi) -> None:
    api.add_worksheet("Ügyfelek", ROWS)
    sheet = google_sheet(api)
    sheet.write(plan_for(ROWS, {2: [(4, "a"), (5, "b")], 5: [(4, "c")]}))
    data = _values_written(api)
    assert data == [
        {"range": "'Ügyfelek'!E2:F2", "values": [["a", "b"]]},
        {"range": "'Ügyfelek'!E5", "values": [["c"]]},
    ]
    written = [r for r in api.requests if r.url and "values:batchUpdate" in r.url]
    assert json.loads(written[0].body or b"{}")["valueInputOption"] == "RAW"


def test_metadata_is_refreshed_when_the_worksheet_was_renamed(api: FakeSheetsApi) -> None:
    api.add_worksheet("Ügyfelek", ROWS, gid=77)
    cache = MetadataCache()
    google_sheet(api, metadata=cache, gid=77).read()
    api.sheet.title = "Ügyfelek 2026"
    api.reset_counts()

    snapshot = google_sheet(api, metadata=cache, gid=77).read()
    assert snapshot.title.endswith("/ Ügyfelek 2026")
    assert api.calls == [BATCH_GET, GET_META, BATCH_GET]


def test_the_worksheet_is_chosen_by_title_gid_or_else_the_first(api: FakeSheetsApi) -> None:
    api.add_worksheet("Archív", [["régi"]], gid=0)
    api.add_worksheet("Ügyfelek", ROWS, gid=123)
    assert google_sheet(api).read().rows == [["régi"]]
    assert google_sheet(api, worksheet="ügyfelek ").read().rows[1][0] == "Alfa Kft."
    by_gid = google_sheet(api, gid=123)
    assert by_gid.read().rows[1][0] == "Alfa Kft."
    assert (
        by_gid.row_url(5) == f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=123&range=A5"
    )


# -- row identity under concurrent edits -------------------------------------------------


def _status(api: FakeSheetsApi) -> dict[str, CellValue]:
    return {str(r[0]): (r[4] if len(r) > 4 else None) for r in api.sheet.cells[1:] if r}


def _plan_each_row_named(sheet: GoogleSheet) -> tuple[Any, dict[int, str]]:
    rows = sheet.read().rows
    names = {n: str(r[0]) for n, r in enumerate(rows[1:], start=2) if r}
    return plan_for(rows, {n: [(4, f"{name} státusza")] for n, name in names.items()}), names


TEAM: list[list[CellValue]] = [
    list(HEADER),
    ["Cézár Kft.", "c@cezar.hu", "cezar.hu"],
    ["Alfa Kft.", "a@alfa.hu", "alfa.hu"],
    ["Béta Bt.", "b@beta.hu", "beta.hu"],
    ["Delta Zrt.", "d@delta.hu", "delta.hu"],
]


@pytest.mark.parametrize(
    "colleague",
    [
        pytest.param(lambda s: s.insert_row(2, ["Új ügyfél", "u@uj.hu", "uj.hu"]), id="insert"),
        pytest.param(lambda s: s.delete_row(3), id="delete"),
        pytest.param(lambda s: s.sort_rows(key=lambda r: str(r[0])), id="sort"),
    ],
)
def test_every_status_lands_in_its_own_row_when_rows_move_mid_sync(
    api: FakeSheetsApi, colleague: Any
) -> None:
    api.add_worksheet("Ügyfelek", TEAM)
    sheet = google_sheet(api)
    plan, _names = _plan_each_row_named(sheet)
    api.before(BATCH_GET, 2, lambda fake: colleague(fake.sheet))  # between read and guard read

    outcome = sheet.write(plan)

    for name, status in _status(api).items():
        assert status in (None, f"{name} státusza"), name
    assert "Új ügyfél" not in {k for k, v in _status(api).items() if v}
    deleted = TEAM[2][0] if len(api.sheet.cells) < len(TEAM) else None
    written = {k for k, v in _status(api).items() if v}
    expected = {str(r[0]) for r in TEAM[1:]} - {str(deleted)}
    assert written == expected
    assert outcome.rows_skipped == ((3,) if deleted else ())


def test_a_row_without_identity_is_skipped_when_another_appears_below_the_named_rows(
    api: FakeSheetsApi,
) -> None:
    # Only full rows tell the guard that a second identity-less row now exists: the
    # identity columns alone end at the last named row (trailing empties are omitted).
    api.add_worksheet(
        "Ügyfelek", [list(HEADER), ["Alfa Kft.", "a@alfa.hu"], [None, None, None, "+36 1"]]
    )
    sheet = google_sheet(api)
    rows = sheet.read().rows
    api.before(BATCH_GET, 2, lambda fake: fake.sheet.insert_row(3, [None, None, None, "+36 2"]))

    outcome = sheet.write(plan_for(rows, {2: [(4, "Alfa")], 3: [(4, "nincs ügyfélnév")]}))

    assert outcome.rows_written == (2,) and outcome.rows_skipped == (3,)
    assert api.sheet.cells[2] == [None, None, None, "+36 2"]
    assert api.sheet.cells[3] == [None, None, None, "+36 1"]


def test_staff_edits_to_other_cells_between_read_and_write_are_kept(api: FakeSheetsApi) -> None:
    api.add_worksheet("Ügyfelek", ROWS)
    sheet = google_sheet(api)
    rows = sheet.read().rows

    def colleague(fake: FakeSheetsApi) -> None:
        fake.sheet.set(2, 3, "+36 30 999 9999")  # Telefon
        fake.sheet.set(3, 1, "uj@beta.hu")  # an identity cell of another row
        fake.sheet.set(5, 6, "megjegyzés")  # beyond the status column

    api.before(VALUES_UPDATE, 1, colleague)
    sheet.write(plan_for(rows, {2: [(4, "Alfa státusz")]}))

    assert api.sheet.cells[1] == [
        "Alfa Kft.",
        "a@alfa.hu",
        "alfa.hu",
        "+36 30 999 9999",
        "Alfa státusz",
    ]
    assert api.sheet.get(3, 1) == "uj@beta.hu"
    assert api.sheet.get(5, 6) == "megjegyzés"


def test_a_header_change_mid_sync_writes_nothing(api: FakeSheetsApi) -> None:
    api.add_worksheet("Ügyfelek", ROWS)
    sheet = google_sheet(api)
    rows = sheet.read().rows
    api.before(BATCH_GET, 2, lambda fake: fake.sheet.cells[0].insert(0, "Sorszám"))
    outcome = sheet.write(plan_for(rows, {2: [(4, "x")]}))
    assert outcome.cells_written == 0 and outcome.note
    assert api.count(VALUES_UPDATE) == 0


# -- values as staff see them -----------------------------------------------------------


def test_a_status_starting_with_equals_is_stored_as_text_not_a_formula(api: FakeSheetsApi) -> None:
    api.add_worksheet("Ügyfelek", ROWS)
    sheet = google_sheet(api)
    sheet.write(plan_for(ROWS, {2: [(4, '=HYPERLINK("x")')]}))
    assert api.sheet.get(2, 4) == '=HYPERLINK("x")'  # a plain string, not a Formula


def test_text_checkboxes_and_dates_arrive_as_the_core_expects(api: FakeSheetsApi) -> None:
    tz = UTC
    api.add_worksheet(
        "Ügyfelek",
        [
            ["Ügyfél neve", "Telefon", "Fizetve", "Kezelő fiók", "Számla elküldve", "Sor"],
            [
                "Alfa",
                "0036301234567",
                DateCell(46350.5, "2026. 11. 24. 12:00"),
                True,
                "2026. 11. 20.",
                7,
            ],
            ["Béta", "", "", False],
        ],
    )
    rows = google_sheet(api).read().rows
    alfa, beta = rows[1], rows[2]
    assert alfa[1] == "0036301234567"
    assert alfa[3] is True and beta[3] is False
    assert parse_yes_no(beta[3]) is False
    paid = parse_date(alfa[2], tz)
    assert paid is not None and paid.at == datetime(2026, 11, 24, 12, 0, tzinfo=tz)
    assert paid.has_time
    assert parse_date(alfa[4], tz) is not None
    assert alfa[5] == 7
    # Empty cells in the middle arrive as "" and read as empty everywhere.
    assert beta == ["Béta", "", "", False]
    assert text_of(beta[1]) is None and parse_date(beta[2], tz) is None


# -- pure helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ([(2, 4, "a")], [("E2", ("a",))]),
        ([(2, 5, "b"), (2, 4, "a"), (3, 4, "c")], [("E2:F2", ("a", "b")), ("E3", ("c",))]),
        ([(2, 4, "a"), (2, 6, "c")], [("E2", ("a",)), ("G2", ("c",))]),
        ([(1, 26, "AA")], [("AA1", ("AA",))]),
    ],
)
def test_cells_are_grouped_into_horizontal_runs(
    cells: list[tuple[int, int, str]], expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    assert cell_runs(cells) == expected


@pytest.mark.parametrize(
    ("echoed", "size"),
    [("'Ügyfelek'!A1:Z1000", (1000, 26)), ("Sheet1!A1:AB7", (7, 28)), ("Sheet1!B2:C3", None)],
)
def test_the_grid_size_is_read_from_the_echoed_range(
    echoed: str, size: tuple[int, int] | None
) -> None:
    assert grid_size(echoed) == size


@pytest.mark.parametrize(
    ("cells", "bounds"),
    [
        ("", (1, 0, 100, 9)),
        ("B2:D5", (2, 1, 5, 3)),
        ("B2:D", (2, 1, 100, 3)),
        ("A:A", (1, 0, 100, 0)),
        ("$C$5", (5, 2, 5, 2)),
        ("AA10:AB", (10, 26, 100, 27)),
    ],
)
def test_range_bounds_reach_the_grid_edge_for_open_ends(
    cells: str, bounds: tuple[int, int, int, int]
) -> None:
    assert range_bounds(cells, rows=100, cols=10) == bounds


@pytest.mark.parametrize("cells", ["1A", "A0", "A1:B2:C3", "Ä1"])
def test_range_bounds_refuse_what_is_not_a1(cells: str) -> None:
    with pytest.raises(ValueError, match="not an A1 range"):
        range_bounds(cells, rows=100, cols=10)
