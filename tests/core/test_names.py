"""Domain normalization: table tests of the .hu label rules, property tests of the whole."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sheetsync.core.names import normalize_domain
from sheetsync.errors import InvalidDomain

HU_LETTERS = "abcdefghijklmnopqrstuvwxyzáéíóöőúüű0123456789-"


@pytest.mark.parametrize(
    ("typed", "ascii_name", "unicode_name"),
    [
        ("példa.hu", "xn--plda-bpa.hu", "példa.hu"),
        ("https://www.Példa.hu/path?q=1", "xn--plda-bpa.hu", "példa.hu"),
        ("HTTP://WWW.KOVACSPEKSEG.HU:443/", "kovacspekseg.hu", "kovacspekseg.hu"),
        ("kovacspekseg.hu.", "kovacspekseg.hu", "kovacspekseg.hu"),
        ("  árvíztűrő-tükörfúrógép.hu  ", "xn--rvztr-tkrfrgp-2db6k4b1g3bwe9a73ncu.hu", None),
        ("ab.hu", "ab.hu", "ab.hu"),
        ("a" * 63 + ".hu", "a" * 63 + ".hu", None),
        ("xn--plda-bpa.hu", "xn--plda-bpa.hu", "példa.hu"),
        ("pelda.co.hu", "pelda.co.hu", "pelda.co.hu"),
        ("user@pelda.hu", "pelda.hu", "pelda.hu"),
        ("example.com", "example.com", "example.com"),
        ("példa\u3002hu", "xn--plda-bpa.hu", "példa.hu"),  # ideographic full stop
        ("példa\uff0ehu", "xn--plda-bpa.hu", "példa.hu"),  # full-width full stop
    ],
)
def test_it_normalizes_what_staff_type(
    typed: str, ascii_name: str, unicode_name: str | None
) -> None:
    name = normalize_domain(typed)
    assert name.ascii == ascii_name
    if unicode_name is not None:
        assert name.unicode == unicode_name


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("https://", "empty"),
        ("pelda", "not-a-domain"),
        ("pel da.hu", "space"),
        ("nem domain", "not-a-domain"),
        ("a.hu", "hu-length"),
        ("a" * 64 + ".hu", "idna"),  # IDNA's own 63-octet label limit comes first
        ("-pelda.hu", "hyphen"),
        ("pelda-.hu", "hyphen"),
        ("pe--lda.hu", "hyphen"),
        ("ab--cd.hu", "hyphen"),
        ("pelda_kft.hu", "idna"),
        ("pelda!.hu", "idna"),
        ("čaj.hu", "hu-characters"),  # Czech letter: IDNA-valid, not allowed by the .hu registry
        ("straße.hu", "hu-characters"),
        ("ñandú.hu", "hu-characters"),
        ("pelda.invalidtld", "unknown-tld"),
        ("co.hu", "public-suffix"),
        ("www.pelda.hu.example", "unknown-tld"),
        ("shop.pelda.hu", "subdomain"),
    ],
)
def test_it_rejects_names_the_registry_would_refuse(typed: str, reason: str) -> None:
    with pytest.raises(InvalidDomain) as caught:
        normalize_domain(typed)
    assert caught.value.reason == reason


def test_a_subdomain_comes_with_the_registrable_name_as_suggestion() -> None:
    with pytest.raises(InvalidDomain) as caught:
        normalize_domain("bolt.példa.hu")
    assert caught.value.suggestion == "példa.hu"


def test_xn_prefix_is_the_only_allowed_hyphen_pair_in_positions_3_and_4() -> None:
    assert normalize_domain("xn--kcspksg-hwa9e.hu").ascii.startswith("xn--")


@given(st.text())
@example("\x00.hu")
@example("xn--.hu")
@example("xn--a.hu")
@example("ß.hu")
@example("a\u200d.hu")
@example("[::1]")
@example("http://:80/")
@example("١.hu")
def test_it_never_raises_anything_but_invalid_domain(text: str) -> None:
    with contextlib.suppress(InvalidDomain):
        normalize_domain(text)


domain_like = st.builds(
    lambda scheme, www, label, suffix, tail: f"{scheme}{www}{label}.{suffix}{tail}",
    st.sampled_from(["", "http://", "https://", "HTTPS://"]),
    st.sampled_from(["", "www.", "WWW."]),
    st.text(alphabet=HU_LETTERS + HU_LETTERS.upper() + "ßçñ_.", min_size=1, max_size=70),
    st.sampled_from(["hu", "HU", "co.hu", "eu", "com", "de", "cz"]),
    st.sampled_from(["", "/", ".", "/path?q=1", ":8080"]),
)


@given(st.one_of(domain_like, st.text()))
def test_normalizing_a_normalized_name_gives_the_same_name(text: str) -> None:
    try:
        name = normalize_domain(text)
    except InvalidDomain:
        return
    for again in (normalize_domain(name.unicode), normalize_domain(name.ascii)):
        assert (again.ascii, again.unicode) == (name.ascii, name.unicode)
    assert name.ascii == name.ascii.lower()
    assert name.ascii.isascii()


@given(st.text(alphabet=HU_LETTERS, min_size=2, max_size=20))
def test_every_hu_label_from_allowed_letters_is_valid_unless_a_hyphen_rule_bites(
    label: str,
) -> None:
    hyphen_rule = label[0] == "-" or label[-1] == "-" or label[2:4] == "--"
    try:
        name = normalize_domain(f"{label}.hu")
    except InvalidDomain as exc:
        # hu second-level suffixes (info.hu, co.hu …) are public suffixes, not names
        assert hyphen_rule or exc.reason == "public-suffix", (label, exc.reason)
        return
    assert not hyphen_rule
    assert name.unicode == f"{label}.hu"
