"""A status never stays in the wrong row, whenever a colleague edits: whole passes over
the Sheets fake with rows inserted, deleted, sorted or dragged before the read, between
the read and the guard read, between the guard read and the write, and between the
write and the read that verifies it; the request budget; a re-created tab."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from sheetsync.cli.render import render_terminal
from sheetsync.core.report import to_json
from sheetsync.core.result import SyncResult
from sheetsync.ops.metrics import Metrics
from sheetsync.ops.observe import record_pass
from sheetsync.run.sync import run_sync
from sheetsync.settings import Settings, load_settings
from sheetsync.sheets.google import MetadataCache
from sheetsync.testing import FakeClock, InMemoryDomainChecker
from tests.support.google_fake import (
    BATCH_GET,
    GET_META,
    KEY,
    STRUCTURE_UPDATE,
    VALUES_UPDATE,
    FakeSheetsApi,
    FakeWorksheet,
    api,
    google_sheet,
)

__all__ = ["api"]

HEADERS = [
    "Ügyfél neve", "E-mail típusa", "E-mail cím", "E-mail jelszó", "Tárhely.eu felhasználó",
    "Tárhely.eu jelszó", "Kezelő fiók", "Csomag", "Domain", "Fizetési mód", "Fizetve",
    "Rendelés élő", "Domain igénylés", "Telefon",
]  # fmt: skip
STATUS = ["Állapot", "Következő lépés", "Problémák", "Domain ellenőrzés", "Állapot változott"]
PHONE, METHOD, HOSTING_PASSWORD = 13, 9, 5
FIRST_STATUS = len(HEADERS)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def client(name: str, slug: str) -> list[Any]:
    """A client up to payment: the method is not chosen yet."""
    return [name, "saját", f"info@{slug}.hu", None, f"{slug}.marketing@gmail.com", "pw-1",
            True, "Start", f"{slug}.hu", None, None, None, None, None]  # fmt: skip


NAMELESS = [None, None, None, None, "valaki.login", None, None, None, None, None, None, None,
            None, "+36 1 234 5678"]  # fmt: skip  # no name, e-mail or domain: no identity
TEAM = [
    HEADERS,
    client("Cézár Kft.", "cezar"),
    client("Alfa Kft.", "alfa"),
    client("Hajnal Bt.", "hajnal"),
    NAMELESS,
    client("Béta Bt.", "beta"),
    client("Gamma Zrt.", "gamma"),
    client("Delta Kft.", "delta"),
    client("Eta Bt.", "eta"),
    client("Zéta Kft.", "zeta"),
]
EDITED = ("Cézár Kft.", "Hajnal Bt.", "Gamma Zrt.", "Eta Bt.", "Zéta Kft.")  # and NAMELESS

Edit = Callable[[FakeWorksheet], None]
EDITS: dict[str, Edit] = {
    "insert a client above": lambda s: s.insert_row(3, [
        "Új Ügyfél Kft.", "saját", "info@uj.hu", None, None, None, None, None, "uj.hu"]),
    "insert an empty row above": lambda s: s.insert_row(3, []),
    "delete a row": lambda s: s.delete_row(4),
    "sort A to Z": lambda s: s.sort_by_column(0),
    "sort Z to A": lambda s: s.sort_by_column(0, descending=True),
    "drag a row": lambda s: s.move_row(9, 2),
}  # fmt: skip
# Where the edit lands: just before the n-th request of a kind within the pass.
MOMENTS = {
    "before the read": (BATCH_GET, 1),
    "between read and guard read": (BATCH_GET, 2),
    "between guard read and write": (VALUES_UPDATE, 1),
    "between write and verify read": (BATCH_GET, 3),
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    config = tmp_path / "sheetsync.toml"
    config.write_text(f'[sheet]\nbackend = "google"\nspreadsheet = "{KEY}"\n', encoding="utf-8")
    return load_settings(config, env={})


class Office:
    """The sheet synced once, then six rows edited by staff, ready for the next pass."""

    def __init__(self, api: FakeSheetsApi, settings: Settings) -> None:
        self.api = api
        self.settings = settings
        api.add_worksheet("Ügyfelek", TEAM)
        self.cache = MetadataCache()
        self.clock = FakeClock(NOW)
        self.checker = InMemoryDomainChecker()
        self.sync()
        for row in api.sheet.cells[1:]:
            if row[0] in EDITED:
                row[METHOD] = "bankkártya"
            elif row[PHONE]:
                row[HOSTING_PASSWORD] = "pw-2"
        self.clock.advance(minutes=5)
        self.before = [list(r) for r in api.sheet.cells]  # as staff left it
        api.reset_counts()

    def sync(self, **kw: Any) -> SyncResult:
        sheet = google_sheet(self.api, metadata=self.cache, **kw)
        return run_sync(sheet, self.checker, self.settings, self.clock)


def key_of(row: list[Any]) -> str:
    """Who a row is about, for the test's eyes: the client, else the phone number."""
    cells = [*row, *[None] * len(HEADERS)]
    return str(cells[0] or cells[PHONE] or "")


def status_of(row: list[Any]) -> tuple[Any, ...]:
    cells = [*row, *[None] * (FIRST_STATUS + len(STATUS) - len(row))]
    return tuple(v or None for v in cells[FIRST_STATUS : FIRST_STATUS + len(STATUS)])


def misplaced(
    read: list[list[Any]], after: list[list[Any]], result: SyncResult
) -> tuple[list[str], list[str]]:
    """Rows of `after` holding a status that is not theirs (neither the one computed for
    them this pass nor the one they had when read), and rows still holding the one they
    had instead of their new one. `read`: the sheet as the pass read it."""
    stamp = result.texts.moment(result.started_at)
    mine: dict[str, tuple[Any, ...]] = {}
    for number, status in result.status.items():
        old = status_of(read[number - 1])
        new = tuple(v or None for v in status.texts())
        mine[key_of(read[number - 1])] = (*new, stamp if new != old[:4] else old[4])
    had = {key_of(r): status_of(r) for r in read[1:] if key_of(r)}
    wrong, stale = [], []
    for row in after[1:]:
        key, there = key_of(row), status_of(row)
        if key in mine and there == mine[key]:
            continue
        if key in had and there == had[key]:
            stale.append(key)
        elif key not in mine and there == (None,) * len(STATUS):
            continue  # a row inserted after the read: its status comes with the next sync
        else:
            wrong.append(key)
    return wrong, stale


def outside_status(rows: list[list[Any]]) -> list[list[Any]]:
    out = [[v or None for v in [*r, *[None] * FIRST_STATUS][:FIRST_STATUS]] for r in rows]
    while out and not any(out[-1]):
        out.pop()
    return out


@pytest.mark.parametrize("moment", list(MOMENTS))
@pytest.mark.parametrize("edit", list(EDITS))
def test_no_row_holds_another_rows_status_after_a_pass_whenever_a_colleague_edits(
    api: FakeSheetsApi,
    settings: Settings,
    edit: str,
    moment: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    office = Office(api, settings)
    edited = FakeWorksheet("copy", 0, [list(r) for r in office.before])
    EDITS[edit](edited)  # the colleague's edit alone: every cell outside the status columns
    read = edited.cells if moment == "before the read" else office.before
    api.before(*MOMENTS[moment], lambda fake: EDITS[edit](fake.sheet))
    caplog.set_level(logging.INFO)

    result = office.sync()

    wrong, stale = misplaced(read, api.sheet.cells, result)
    assert wrong == []
    outcome = result.outcome
    assert len(stale) <= len(outcome.rows_skipped) + outcome.rows_left
    assert outside_status(api.sheet.cells) == outside_status(edited.cells)
    requests = [c for c in api.calls if c != GET_META]
    if moment == "between guard read and write":  # the window the guard read leaves open
        assert outcome.rows_repaired > 0
        assert f"{outcome.rows_repaired} row(s) a colleague's edit" in caplog.text
        console = Console(record=True, width=200)
        render_terminal(result, console)
        assert f"{outcome.rows_repaired} sor kapta vissza a saját állapotát" in (
            console.export_text()
        )
        assert requests == [BATCH_GET, BATCH_GET, VALUES_UPDATE, BATCH_GET, VALUES_UPDATE,
                            BATCH_GET]  # fmt: skip
    else:
        assert outcome.rows_repaired == 0
        assert requests == [BATCH_GET, BATCH_GET, VALUES_UPDATE, BATCH_GET]
    report = to_json(result)
    assert (report["rows_repaired"], report["rows_left"]) == (
        outcome.rows_repaired,
        outcome.rows_left,
    )
    # The grid changed size before the read (a row added or deleted): one metadata look.
    resized = moment == "before the read" and edit.startswith(("insert", "delete"))
    assert api.count(GET_META) == (1 if resized else 0)

    # The next pass, planning afresh, finds every row it read in its place.
    office.clock.advance(minutes=5)
    read = [list(r) for r in api.sheet.cells]
    again = office.sync()
    assert misplaced(read, api.sheet.cells, again) == ([], [])


def test_a_sync_with_changes_costs_four_requests_when_nothing_moved(
    api: FakeSheetsApi, settings: Settings
) -> None:
    office = Office(api, settings)
    result = office.sync()
    assert result.outcome.cells_written > 0
    assert api.calls == [BATCH_GET, BATCH_GET, VALUES_UPDATE, BATCH_GET]
    assert (result.outcome.rows_repaired, result.outcome.rows_left) == (0, 0)
    assert result.outcome.note is None

    api.reset_counts()
    office.clock.advance(minutes=5)
    assert office.sync().outcome.cells_written == 0
    assert api.calls == [BATCH_GET]  # an unchanged sheet: one request


def test_one_repair_round_then_the_rest_is_left_to_the_next_sync_and_said(
    api: FakeSheetsApi, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    office = Office(api, settings)
    api.before(VALUES_UPDATE, 1, lambda fake: fake.sheet.sort_by_column(0))
    api.before(VALUES_UPDATE, 2, lambda fake: fake.sheet.sort_by_column(0, descending=True))
    caplog.set_level(logging.WARNING)

    result = office.sync()

    outcome = result.outcome
    assert api.calls == [BATCH_GET, BATCH_GET, VALUES_UPDATE, BATCH_GET, VALUES_UPDATE,
                         BATCH_GET]  # fmt: skip  # no third write
    assert outcome.rows_left > 0
    assert outcome.note and "the next sync" in outcome.note
    assert f"{outcome.rows_left} row(s) not confirmed" in caplog.text
    report = to_json(result)
    assert (report["rows_repaired"], report["rows_left"]) == (
        outcome.rows_repaired,
        outcome.rows_left,
    )
    event = record_pass(result, None, 1.0)  # the pass's one log event counts them too
    assert (event["rows_repaired"], event["rows_left"]) == (
        outcome.rows_repaired,
        outcome.rows_left,
    )
    console = Console(record=True, width=200)
    render_terminal(result, console)  # and the summary staff read
    assert f"{outcome.rows_left} sor a következő körre maradt" in console.export_text()

    office.clock.advance(minutes=5)
    read = [list(r) for r in api.sheet.cells]
    healed = office.sync()  # plans afresh against the sheet as it is now
    assert misplaced(read, api.sheet.cells, healed) == ([], [])
    assert healed.outcome.rows_left == 0


def test_the_verify_read_and_the_repair_are_counted_in_the_metrics(
    api: FakeSheetsApi, settings: Settings
) -> None:
    office = Office(api, settings)
    api.before(VALUES_UPDATE, 1, lambda fake: fake.sheet.move_row(9, 2))
    metrics = Metrics()
    office.sync(observer=metrics)

    def requests(action: str) -> float | None:
        labels = {"service": "google_sheets", "action": action, "outcome": "ok"}
        return metrics.registry.get_sample_value("sheetsync_api_requests_total", labels)

    counted = {
        a: requests(a) for a in ("read", "guard_read", "write", "verify_read", "repair_write")
    }
    assert counted == {"read": 1, "guard_read": 1, "write": 1, "verify_read": 2, "repair_write": 1}


@pytest.mark.parametrize(
    ("failing", "nth", "cells_written"),
    [(BATCH_GET, 3, 12), (VALUES_UPDATE, 2, 12)],  # the verify read; the repair write
    ids=["verify read", "repair write"],
)
def test_a_verification_that_fails_leaves_the_rows_written_unconfirmed_not_the_pass_failed(
    api: FakeSheetsApi,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    failing: str,
    nth: int,
    cells_written: int,
) -> None:
    office = Office(api, settings)
    api.before(VALUES_UPDATE, 1, lambda fake: fake.sheet.sort_by_column(0))
    api.before(failing, nth, lambda fake: fake.fail(failing, 503, times=99))

    result = office.sync()  # retried, then given up: the pass itself stands

    outcome = result.outcome
    assert outcome.cells_written == cells_written  # a refused repair wrote nothing
    assert outcome.rows_left == len(outcome.rows_written) == 6
    assert outcome.note and "could not be verified" in outcome.note
    assert "could not verify the status cells just written" in caplog.text
    api.failures.clear()
    office.clock.advance(minutes=5)
    read = [list(r) for r in api.sheet.cells]
    assert misplaced(read, api.sheet.cells, office.sync()) == ([], [])


def insert_column(fake: FakeSheetsApi) -> None:
    """A colleague inserts a "Kapcsolattartó" column at B."""
    for row in fake.sheet.cells:
        row.insert(1, None)
    fake.sheet.cells[0][1] = "Kapcsolattartó"


def delete_column(fake: FakeSheetsApi) -> None:
    """A colleague deletes the "E-mail típusa" column (B)."""
    for row in fake.sheet.cells:
        if len(row) > 1:
            del row[1]


def move_column(fake: FakeSheetsApi, header: str, to: int | None) -> None:
    """A colleague drags the column under `header` to column `to` (None: the end)."""
    width = max(len(row) for row in fake.sheet.cells)
    source = fake.sheet.cells[0].index(header)
    for row in fake.sheet.cells:
        row.extend([None] * (width - len(row)))
        cell = row.pop(source)
        row.insert(len(row) if to is None else to, cell)


def phone_to_the_end(fake: FakeSheetsApi) -> None:
    """ "Telefon" dragged past the status columns: they each move one to the left."""
    move_column(fake, "Telefon", None)


def stage_to_b(fake: FakeSheetsApi) -> None:
    """The stage column dragged to B: every staff column from B on moves one right."""
    move_column(fake, STATUS[0], 1)


def staff_cells(rows: list[list[Any]]) -> dict[tuple[int, str], Any]:
    """Every cell outside the status columns, by row and the header above it."""
    header = rows[0]
    out = {}
    for number, cells in enumerate(rows[1:], start=2):
        for col, value in enumerate(cells):
            name = header[col] if col < len(header) else None
            if name not in STATUS and (value or None) is not None:
                out[(number, str(name))] = value
    return out


@pytest.mark.parametrize("edit", [insert_column, delete_column], ids=["insert", "delete"])
def test_a_column_moved_just_before_the_write_leaves_no_staff_cell_changed(
    api: FakeSheetsApi,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    edit: Callable[[FakeSheetsApi], None],
) -> None:
    office = Office(api, settings)
    api.before(VALUES_UPDATE, 1, edit)
    caplog.set_level(logging.WARNING)

    outcome = office.sync().outcome

    staff = FakeSheetsApi()  # the sheet as staff left it, with their column edit
    staff.add_worksheet("Ügyfelek", [list(r) for r in office.before])
    edit(staff)
    assert staff_cells(api.sheet.cells) == staff_cells(staff.sheet.cells)
    # read, guard read, write, verify read, the write putting staff cells back
    assert api.calls == [BATCH_GET, BATCH_GET, VALUES_UPDATE, BATCH_GET, VALUES_UPDATE]
    assert outcome.rows_left == len(outcome.rows_written) == 6
    assert outcome.note and "header row changed while sheetsync was writing" in outcome.note
    assert "put back; the status columns are left to the next sync" in outcome.note
    assert "overwritten cell(s) put back" in caplog.text

    office.clock.advance(minutes=5)
    assert office.sync().outcome.rows_left == 0  # plans the status columns afresh
    assert office.sync().outcome.cells_written == 0  # every status cell is right now
    assert staff_cells(api.sheet.cells) == staff_cells(staff.sheet.cells)


@pytest.mark.parametrize(
    ("edit", "put_back"),
    [(phone_to_the_end, True), (stage_to_b, False)],
    ids=["a staff column past the status columns", "a status column to B"],
)
def test_a_column_dragged_just_before_the_write_leaves_no_staff_cell_changed(
    api: FakeSheetsApi,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    edit: Callable[[FakeSheetsApi], None],
    put_back: bool,
) -> None:
    """A drag is neither an insert nor a delete: the headers are the same, in another
    order. Dragging "Telefon" past the status columns moves each of them one to the
    left, so the last status write lands on "Telefon": it is put back."""
    office = Office(api, settings)
    api.before(VALUES_UPDATE, 1, edit)
    caplog.set_level(logging.WARNING)

    outcome = office.sync().outcome

    staff = FakeSheetsApi()
    staff.add_worksheet("Ügyfelek", [list(r) for r in office.before])
    edit(staff)
    assert staff_cells(api.sheet.cells) == staff_cells(staff.sheet.cells)
    assert (api.calls.count(VALUES_UPDATE) == 2) is put_back
    assert ("columns moved while writing" in caplog.text) is put_back
    assert outcome.note and "header row changed while sheetsync was writing" in outcome.note

    office.clock.advance(minutes=5)
    office.sync()  # plans the status columns afresh, where they are now
    assert office.sync().outcome.cells_written == 0
    assert staff_cells(api.sheet.cells) == staff_cells(staff.sheet.cells)


def test_a_column_inserted_before_the_repair_write_leaves_no_staff_cell_changed(
    api: FakeSheetsApi, settings: Settings
) -> None:
    office = Office(api, settings)
    api.before(VALUES_UPDATE, 1, lambda fake: fake.sheet.sort_by_column(0))
    api.before(VALUES_UPDATE, 2, insert_column)

    outcome = office.sync().outcome

    staff = FakeSheetsApi()
    staff.add_worksheet("Ügyfelek", [list(r) for r in office.before])
    staff.sheet.sort_by_column(0)
    insert_column(staff)
    assert staff_cells(api.sheet.cells) == staff_cells(staff.sheet.cells)
    assert api.calls == [BATCH_GET, BATCH_GET, VALUES_UPDATE, BATCH_GET, VALUES_UPDATE,
                         BATCH_GET, VALUES_UPDATE]  # fmt: skip  # the last puts cells back
    assert outcome.rows_repaired == 0  # nothing is claimed put right
    assert outcome.rows_left == 6
    assert outcome.note and "header row changed while sheetsync was writing" in outcome.note


def test_a_staff_edit_after_the_write_is_never_overwritten_by_putting_cells_back(
    api: FakeSheetsApi, settings: Settings
) -> None:
    office = Office(api, settings)
    api.before(VALUES_UPDATE, 1, insert_column)
    phone = FIRST_STATUS  # "Telefon" (N), one column right of where it was: status A then

    def retype(fake: FakeSheetsApi) -> None:  # a colleague types over a written cell
        fake.sheet.cells[1][phone] = "+36 30 111 2222"

    api.before(BATCH_GET, 3, retype)

    office.sync()

    assert api.sheet.cells[0][phone] == "Telefon"
    assert api.sheet.cells[1][phone] == "+36 30 111 2222"


def type_over_alfa(fake: FakeSheetsApi) -> None:
    """A colleague types a new client over Alfa Kft. (not edited: not written this pass)."""
    row = next(r for r in fake.sheet.cells if r[0] == "Alfa Kft.")
    row[0], row[2], row[8] = "Zöld Fogászat Kft.", "info@zold.hu", "zold.hu"


def clear_alfa(fake: FakeSheetsApi) -> None:
    row = next(r for r in fake.sheet.cells if r[0] == "Alfa Kft.")
    row[:FIRST_STATUS] = [None] * FIRST_STATUS


def type_over_cezar(fake: FakeSheetsApi) -> None:
    """The same over Cézár Kft., whose status this pass has just written."""
    row = next(r for r in fake.sheet.cells if r[0] == "Cézár Kft.")
    row[0], row[2], row[8] = "Zöld Fogászat Kft.", "info@zold.hu", "zold.hu"


@pytest.mark.parametrize(
    ("edit", "moment"),
    [
        (type_over_alfa, (BATCH_GET, 2)),  # between the read and the guard read
        (clear_alfa, (BATCH_GET, 2)),
        (type_over_cezar, (BATCH_GET, 3)),  # between the write and the verify read
    ],
    ids=["typed over before the guard read", "cleared", "typed over after the write"],
)
def test_a_row_typed_over_or_cleared_during_the_sync_is_counted_as_left_and_said(
    api: FakeSheetsApi,
    settings: Settings,
    edit: Callable[[FakeSheetsApi], None],
    moment: tuple[str, int],
) -> None:
    office = Office(api, settings)
    api.before(*moment, edit)

    result = office.sync()

    outcome = result.outcome
    assert outcome.rows_left == 1  # the former client's status is still in that row
    assert outcome.note and "the next sync" in outcome.note
    assert to_json(result)["rows_left"] == 1
    office.clock.advance(minutes=5)
    assert office.sync().outcome.rows_left == 0  # which sees to it


# -- a re-created tab ---------------------------------------------------------------------


def test_a_tab_re_created_under_its_title_is_found_by_its_new_id(api: FakeSheetsApi) -> None:
    api.add_worksheet("Ügyfelek", [HEADERS, client("Alfa Kft.", "alfa")], gid=11)
    api.sheet.row_count = 1200  # the old tab had grown
    cache = MetadataCache()
    google_sheet(api, metadata=cache, worksheet="Ügyfelek").read()
    live = api.recreate_worksheet("Ügyfelek", gid=22)  # the new one has the default grid
    api.reset_counts()

    sheet = google_sheet(api, metadata=cache, worksheet="Ügyfelek")
    sheet.read()

    assert api.calls == [BATCH_GET, GET_META]  # its grid did not match: metadata, once
    url = sheet.row_url(2)
    assert url is not None and url.endswith("#gid=22&range=A2")
    book = cache.get(KEY)
    assert book is not None and [g.gid for g in book.grids] == [live.gid]


def test_an_unchanged_grid_does_not_cost_a_metadata_request(api: FakeSheetsApi) -> None:
    api.add_worksheet("Ügyfelek", [HEADERS, client("Alfa Kft.", "alfa")], gid=11)
    cache = MetadataCache()
    google_sheet(api, metadata=cache).read()
    api.reset_counts()
    google_sheet(api, metadata=cache).read()
    assert api.calls == [BATCH_GET]


def test_a_column_append_to_a_re_created_tab_goes_to_the_live_tab(
    api: FakeSheetsApi, settings: Settings
) -> None:
    # Same title, same grid size: the read cannot tell, so the append by sheetId is
    # refused ("No grid with id") and the metadata is asked then, once.
    api.add_worksheet("Ügyfelek", [HEADERS, client("Alfa Kft.", "alfa")], gid=11, cols=14)
    cache = MetadataCache()
    google_sheet(api, metadata=cache).read()
    api.recreate_worksheet("Ügyfelek", gid=22).col_count = 14
    api.reset_counts()

    sheet = google_sheet(api, metadata=cache)
    result = run_sync(sheet, InMemoryDomainChecker(), settings, FakeClock(NOW))

    assert api.sheet.gid == 22 and api.sheet.col_count == 19
    assert api.sheet.cells[0][FIRST_STATUS:] == STATUS
    assert api.calls == [BATCH_GET, BATCH_GET, STRUCTURE_UPDATE, GET_META, STRUCTURE_UPDATE,
                         VALUES_UPDATE, BATCH_GET]  # fmt: skip
    assert result.row_urls[2].endswith("#gid=22&range=A2")
