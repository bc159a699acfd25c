"""Finding the columns: forgiving header matching and sheet-level errors."""

from __future__ import annotations

import pytest
from gspread.utils import rowcol_to_a1
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.layout import column_letter, locate
from sheetsync.errors import SheetLayoutError
from sheetsync.settings import ColumnHeaders, StatusHeaders

COLUMNS, STATUS = ColumnHeaders(), StatusHeaders()


@pytest.mark.parametrize(
    "typed",
    [
        "Ügyfél neve",
        "ügyfél neve",
        "  ÜGYFÉL   NEVE ",
        "Ugyfel neve",
        "Ügyfél neve:",
        "ügyfél neve :",
    ],
)
def test_headers_match_whatever_the_case_accents_spaces_or_colon(typed: str) -> None:
    layout = locate([[typed, "E-mail  cím:"]], COLUMNS, STATUS)
    assert layout.columns == {"client": 0, "email": 1}
    assert layout.labels["client"] == typed.strip() or layout.labels["client"] == typed


def test_header_row_is_found_below_a_title_row() -> None:
    rows = [["Sparrow Exerceo – ügyféladatok"], [], ["Domain", "Ügyfél neve"], ["x.hu", "X"]]
    layout = locate(rows, COLUMNS, STATUS)
    assert layout.header_row == 3
    assert layout.columns == {"domain": 0, "client": 1}


def test_explicit_header_row_wins() -> None:
    rows = [["Ügyfél neve"], ["Ügyfél neve", "Domain"]]
    assert locate(rows, COLUMNS, STATUS, header_row=2).columns == {"client": 0, "domain": 1}


def test_missing_client_column_is_a_sheet_level_error_with_a_hint() -> None:
    with pytest.raises(SheetLayoutError, match=r"did you mean 'Ügyfél név'\?"):
        locate([["Ügyfél név", "Domain"]], COLUMNS, STATUS)


@pytest.mark.parametrize("rows", [[], [[]], [[None, "  "], [""]]])
def test_an_empty_sheet_is_called_empty_not_a_missing_column(rows: list[list[object]]) -> None:
    with pytest.raises(SheetLayoutError, match=r"^the sheet is empty: sheetsync expects a header"):
        locate(rows, COLUMNS, STATUS)  # type: ignore[arg-type]


def test_a_suggestion_is_only_ever_a_header_never_a_cell_below_it() -> None:
    """A password that looks like the missing header must not be quoted back."""
    rows = [
        ["Partner", "E-mail cím", "Domain", "E-mail jelszó"],
        ["Alfa Kft.", "a@alfa.hu", "alfa.hu", "Ügyfél neve-CANARY7"],
    ]
    with pytest.raises(SheetLayoutError) as caught:
        locate(rows, COLUMNS, STATUS)
    assert "CANARY7" not in str(caught.value) and "did you mean" not in str(caught.value)
    with pytest.raises(SheetLayoutError) as caught:
        locate(rows, COLUMNS, STATUS, header_row=2)  # wrongly told the header is there
    assert "CANARY7" not in str(caught.value)
    assert str(caught.value) == (
        "no 'Ügyfél neve' column in the header row (2): the client-name column is required; "
        "row 2 holds none of the configured headers"
    )


def test_without_a_row_that_looks_like_headers_nothing_is_suggested() -> None:
    rows = [["Ügyfél neve-CANARY7", "jelszó123"], ["x", "y"]]
    with pytest.raises(SheetLayoutError, match="no row looks like a header row") as caught:
        locate(rows, COLUMNS, STATUS)
    assert "CANARY7" not in str(caught.value)


def test_duplicate_mapped_header_is_a_sheet_level_error() -> None:
    with pytest.raises(SheetLayoutError, match=r"'domain' appears twice \(columns B and D"):
        locate([["Ügyfél neve", "Domain", "x", "domain"]], COLUMNS, STATUS)


def test_duplicate_status_header_is_a_sheet_level_error() -> None:
    with pytest.raises(SheetLayoutError, match="appears twice"):
        locate([["Ügyfél neve", "Állapot", "állapot"]], COLUMNS, STATUS)


def test_unmapped_duplicate_headers_are_fine() -> None:
    layout = locate([["Ügyfél neve", "Telefon", "Telefon"]], COLUMNS, STATUS)
    assert layout.columns == {"client": 0}


def test_missing_status_columns_are_appended_after_the_last_used_column() -> None:
    rows = [["Ügyfél neve", "Domain", None], ["A", "a.hu", None, None, "jegyzet a semmiben"]]
    layout = locate(rows, COLUMNS, STATUS)
    assert layout.appended == ("stage", "next_step", "findings", "domain", "changed_at")
    assert [layout.status[k] for k in layout.appended] == [5, 6, 7, 8, 9]


def test_existing_status_columns_are_reused_and_only_missing_ones_appended() -> None:
    rows = [["Ügyfél neve", "állapot", "Domain", "PROBLÉMÁK"]]
    layout = locate(rows, COLUMNS, STATUS)
    assert layout.status["stage"] == 1 and layout.status["findings"] == 3
    assert layout.appended == ("next_step", "domain", "changed_at")
    assert [layout.status[k] for k in layout.appended] == [4, 5, 6]


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ")])
def test_column_letters(index: int, letters: str) -> None:
    assert column_letter(index) == letters


@given(st.integers(min_value=0, max_value=20_000))
def test_the_cores_column_letters_are_gspreads(index: int) -> None:
    assert column_letter(index) == rowcol_to_a1(1, index + 1).removesuffix("1")
