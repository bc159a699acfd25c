"""The column shift read off two header rows, and the staff cells it tells to put back."""

from __future__ import annotations

from sheetsync.sheets.restore import Moved, Shift, moved_of, restoration, shift_of

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


def test_a_column_dragged_elsewhere_is_a_move_told_by_its_unique_header() -> None:
    after = ["Ügyfél neve", "Domain", "Megjegyzés", "Állapot", "Probléma", "E-mail cím"]
    assert shift_of(HEADER, after, ()) is None, "no run of inserts or deletes explains it"
    assert moved_of(HEADER, after, ()) == Moved((0, 2, 3, 4, 5, 1))


def test_no_move_is_guessed_from_blank_repeated_renamed_or_unmoved_headers() -> None:
    assert moved_of(HEADER, HEADER, ()) is None
    assert moved_of(HEADER, ["Név", *HEADER[1:]], ()) is None
    repeated = ["Domain", *HEADER[1:]]
    assert moved_of(repeated, [*HEADER[1:], "Domain"], ()) is None
    blank = [None, *HEADER[1:]]
    assert moved_of(blank, [*HEADER[1:], None], ()) is None


def test_a_status_write_that_landed_on_a_dragged_staff_column_is_put_back() -> None:
    before = [HEADER, ["Alfa", "a@alfa.hu", "alfa.hu", "hívd vissza", "régi", "-"]]
    # "Megjegyzés" (D) dragged past the status columns; sheetsync then wrote E and F
    after = [
        ["Ügyfél neve", "E-mail cím", "Domain", "Állapot", "Probléma", "Megjegyzés"],
        ["Alfa", "a@alfa.hu", "alfa.hu", "régi", "új", "nincs"],
    ]
    put_back = restoration(before, after, 1, [(2, 4, "új"), (2, 5, "nincs")])
    assert isinstance(put_back.shift, Moved)
    assert put_back.cells == ((2, 5, "hívd vissza"),)
