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
    with pytest.raises(SheetLayoutError, match="client-name column is required"):
        locate([], COLUMNS, STATUS)


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
