"""The two text comparisons: loose (headers, words) and by name (clients, identities)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.keys import loose_key, name_key
from sheetsync.core.plan import row_identity

COMPOSED = "Kovács Pékség Kft."
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)


@pytest.mark.parametrize(
    "typed", ["Fizetve", "fizetve", "FIZETVE ", "  Fizetve:", "Fizetve :", "Fízetve", "Fizetve::"]
)
def test_headers_match_ignoring_case_accents_spacing_and_a_trailing_colon(typed: str) -> None:
    assert loose_key(typed) == loose_key("Fizetve") == "fizetve"


def test_loose_keys_collapse_inner_spaces_and_fold_words() -> None:
    assert loose_key("Ügyfél   neve") == loose_key("ugyfel neve")
    assert loose_key("KÉSZ") == "kesz"
    assert loose_key("Domain: igénylés") == "domain: igenyles"  # only a trailing ':' goes


def test_names_ignore_case_and_spacing_but_accents_count() -> None:
    assert name_key("  KOVÁCS   Pékség kft. ") == name_key(COMPOSED)
    assert name_key("Kovacs Pekseg Kft.") != name_key(COMPOSED)
    assert name_key("Fizetve:") != name_key("Fizetve")


def test_a_name_typed_decomposed_is_the_same_name_typed_composed() -> None:
    assert DECOMPOSED != COMPOSED
    assert name_key(DECOMPOSED) == name_key(COMPOSED)


def test_row_identities_compare_names_after_nfc() -> None:
    columns = (0, 1, 2)
    assert row_identity([DECOMPOSED, "A@B.HU"], columns) == row_identity(
        [COMPOSED, "a@b.hu", ""], columns
    )
    assert row_identity(["Kovacs"], columns) != row_identity(["Kovács"], columns)


@given(st.text(max_size=30))
def test_both_keys_are_idempotent_and_trimmed(text: str) -> None:
    for key in (loose_key, name_key):
        once = key(text)
        assert key(once) == once
        assert once == once.strip() and "  " not in once


@given(st.text(max_size=30))
def test_canonically_equivalent_texts_have_the_same_keys(text: str) -> None:
    nfd, nfc = unicodedata.normalize("NFD", text), unicodedata.normalize("NFC", text)
    assert name_key(nfd) == name_key(nfc)
    assert loose_key(nfd) == loose_key(nfc)
