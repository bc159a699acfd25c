"""The column shift read off two header rows, and the staff cells it tells to put back."""

from __future__ import annotations

from sheetsync.sheets.restore import Shift, restoration, shift_of

HEADER = ["Ügyfél neve", "E-mail cím", "Domain", "Megjegyzés", "Állapot", "Probléma"]


def test_a_column_inserted_is_found_where_it_was_inserted() -> None:
    after = ["Ügyfél neve", "Kapcsolattartó", *HEADER[1:]]
    assert shift_of(HEADER, after, ()) == Shift(1, 1)


def test_columns_deleted_are_found_with_their_count() -> None:
    after = ["Ügyfél neve", "Megjegyzés", "Állapot", "Probléma"]
    assert shift_of(HEADER, after, ()) == Shift(1, -2)


def test_a_renamed_header_is_no_shift() -> None:
    assert shift_of(HEADER, ["Név", *HEADER[1:]], ()) is None


def test_headers_sheetsync_wrote_are_not_evidence() -> None:
    before = HEADER[:4]  # the status headers are being appended by this very write
    after = ["Ügyfél neve", "Kapcsolattartó", "E-mail cím", "Domain", "Állapot", "Probléma"]
    assert shift_of(before, after, {4, 5}) == Shift(1, 1)  # "Megjegyzés" (E) overwritten


def test_only_displaced_cells_still_holding_what_was_written_are_put_back() -> None:
    before = [HEADER, ["Alfa", "a@alfa.hu", "alfa.hu", "hívd vissza", "régi", "-"]]
    # a column inserted at B, then sheetsync wrote E and F of row 2 as placed before
    after = [
        ["Ügyfél neve", None, "E-mail cím", "Domain", "Megjegyzés", "Állapot", "Probléma"],
        ["Alfa", None, "a@alfa.hu", "alfa.hu", "új", "nincs", "-"],
    ]
    cells = [(2, 4, "új"), (2, 5, "nincs")]
    put_back = restoration(before, after, 1, cells)
    assert put_back.shift == Shift(1, 1)
    # E now is "Megjegyzés": its text comes back; F is under "Állapot": sheetsync's own
    assert put_back.cells == ((2, 4, "hívd vissza"),)

    after[1][4] = "kollégám írta"  # edited since the write: never overwritten
    assert restoration(before, after, 1, cells).cells == ()
