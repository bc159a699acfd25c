"""WHOIS answers, read as the registry meant them: a corpus of real-shaped answers per
registry (free, taken, throttled, disclaimer-heavy, mixed), and properties that no
answer holding a registration record is ever read as free."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.model import DomainName, Doubt, Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.domains import whois
from tests.support.domain_servers import FIXTURES, whois_answer

# (fixture, TLD, verdict, doubt when unknown). The fixtures' shapes are the registries'
# own (tests/fixtures/README.md); `{name}` is the name asked.
CORPUS = [
    ("hu_free_old.txt", "hu", Verdict.AVAILABLE, None),
    ("hu_free_new.txt", "hu", Verdict.AVAILABLE, None),
    ("hu_free_latin2.txt", "hu", Verdict.AVAILABLE, None),
    ("hu_disclaimer_free.txt", "hu", Verdict.AVAILABLE, None),
    ("hu_registered.txt", "hu", Verdict.REGISTERED, None),
    ("hu_registered_v4.txt", "hu", Verdict.REGISTERED, None),
    ("hu_registered_old.txt", "hu", Verdict.REGISTERED, None),
    ("hu_in_progress.txt", "hu", Verdict.REGISTERED, None),
    ("hu_mixed.txt", "hu", Verdict.REGISTERED, None),
    ("hu_disclaimer_record.txt", "hu", Verdict.REGISTERED, None),
    ("eu_available.txt", "eu", Verdict.AVAILABLE, None),
    ("eu_available_script.txt", "eu", Verdict.AVAILABLE, None),
    ("eu_registered.txt", "eu", Verdict.REGISTERED, None),
    ("eu_registered_current.txt", "eu", Verdict.REGISTERED, None),
    ("eu_mixed.txt", "eu", Verdict.REGISTERED, None),
    ("eu_throttled.txt", "eu", Verdict.UNKNOWN, Doubt.THROTTLED),
    ("eu_throttled_briefly.txt", "eu", Verdict.UNKNOWN, Doubt.THROTTLED),
    ("at_free.txt", "at", Verdict.AVAILABLE, None),
    ("at_registered.txt", "at", Verdict.REGISTERED, None),
    ("at_mixed.txt", "at", Verdict.REGISTERED, None),
    ("de_free.txt", "de", Verdict.AVAILABLE, None),
    ("de_registered.txt", "de", Verdict.REGISTERED, None),
    ("de_mixed.txt", "de", Verdict.REGISTERED, None),
    ("de_throttled.txt", "de", Verdict.UNKNOWN, Doubt.THROTTLED),
    ("de_invalid.txt", "de", Verdict.UNKNOWN, Doubt.UNREADABLE),
    ("it_free.txt", "it", Verdict.AVAILABLE, None),
    ("it_registered.txt", "it", Verdict.REGISTERED, None),
    ("it_mixed.txt", "it", Verdict.REGISTERED, None),
    ("it_reserved.txt", "it", Verdict.UNKNOWN, Doubt.UNREADABLE),
    ("be_free.txt", "be", Verdict.AVAILABLE, None),
    ("be_registered.txt", "be", Verdict.REGISTERED, None),
    ("be_mixed.txt", "be", Verdict.REGISTERED, None),
    ("be_throttled.txt", "be", Verdict.UNKNOWN, Doubt.THROTTLED),
    ("be_quarantine.txt", "be", Verdict.UNKNOWN, Doubt.UNREADABLE),
    ("com_free.txt", "com", Verdict.AVAILABLE, None),  # an override: the generic patterns
    ("com_registered.txt", "com", Verdict.REGISTERED, None),
    ("com_mixed.txt", "com", Verdict.REGISTERED, None),
    ("garbage.txt", "hu", Verdict.UNKNOWN, Doubt.THROTTLED),  # "query limit exceeded"
    ("empty.txt", "hu", Verdict.UNKNOWN, Doubt.INCOMPLETE),
]
REGISTRIES = ["hu", "eu", "at", "de", "it", "be", "com"]


def domain(tld: str) -> DomainName:
    return normalize_domain(f"pelda.{tld}")


def read(fixture: str, tld: str, name: str | None = None) -> tuple[Verdict, Doubt | None]:
    answer = whois.interpret(
        whois_answer(fixture, name or domain(tld).ascii),
        whois.registry_for(tld),
        domain(tld),
        {},
    )
    return answer.verdict, answer.doubt


@pytest.mark.parametrize(("fixture", "tld", "verdict", "doubt"), CORPUS)
def test_each_answer_in_the_corpus_means_what_the_registry_says(
    fixture: str, tld: str, verdict: Verdict, doubt: Doubt | None
) -> None:
    assert read(fixture, tld) == (verdict, doubt)


def test_the_corpus_has_free_taken_and_mixed_answers_of_every_registry() -> None:
    for tld in REGISTRIES:
        kinds = {v for f, t, v, _ in CORPUS if t == tld}
        assert {Verdict.AVAILABLE, Verdict.REGISTERED} <= kinds, tld
        assert any(t == tld and "mixed" in f for f, t, _, _ in CORPUS), tld
    listed = {f for f, *_ in CORPUS}
    assert listed == {p.name for p in (FIXTURES / "whois").glob("*.txt")}


NAMING = [
    (f, t)
    for f, t, v, _ in CORPUS
    if v != Verdict.UNKNOWN and b"{name" in (FIXTURES / "whois" / f).read_bytes().lower()
]


@pytest.mark.parametrize(("fixture", "tld"), NAMING)
def test_an_answer_about_another_name_is_never_free_nor_taken(fixture: str, tld: str) -> None:
    assert read(fixture, tld, name=f"masik.{tld}")[0] == Verdict.UNKNOWN


@pytest.mark.parametrize(
    ("tld", "text"),
    [
        ("hu", "% Nincs talalat / No match\n"),  # only in a comment
        ("hu", "% Whois server 4.0\nNincs talalat / No match\nNincs talalat / No match\n"),
        ("hu", "Nincs talalat / No match, but see below\n"),
        ("eu", "% Status: AVAILABLE\nDomain: pelda.eu\n"),
        ("eu", "Domain: pelda.eu\nStatus: AVAILABLE\nRegistrant:\n"),  # something after it
        ("at", "nothing found\n"),  # the no-match is '% nothing found', nothing else
        ("de", "Domain: pelda.de\nStatus: free\nNserver: ns1.example.net\n"),
        ("it", "* Status: AVAILABLE\n"),
        ("com", "% No match for PELDA.COM\n"),
        ("com", "No entries found means the name may be registered elsewhere.\n"),
    ],
)
def test_a_no_match_phrase_out_of_its_shape_is_never_free(tld: str, text: str) -> None:
    answer = whois.interpret(text, whois.registry_for(tld), domain(tld), {})
    assert answer.verdict == Verdict.UNKNOWN, answer.reason


# -- properties -------------------------------------------------------------------------


def no_match_lines(tld: str) -> list[str]:
    """Every no-match phrase any registry uses, for the name asked, as whole lines."""
    name = domain(tld).ascii
    lines = []
    for free in ("hu_free_old.txt", *(f"{t}_free.txt" for t in REGISTRIES if t != "hu")):
        text = whois_answer("eu_available.txt" if free == "eu_free.txt" else free, name)
        lines += [line for line in text.splitlines() if line.strip() and line[:1] not in "%*"]
    lines += ["% nothing found", "No match", "NOT FOUND", "No entries found", "Domain not found."]
    return lines


RECORDS = {
    tld: [f for f, t, v, _ in CORPUS if t == tld and v == Verdict.REGISTERED] for tld in REGISTRIES
}


@st.composite
def record_with_no_match(draw: st.DrawFn) -> tuple[str, str]:
    """A registry's registration record with no-match lines put in anywhere: as lines,
    inside comments, glued to the end, several times."""
    tld = draw(st.sampled_from(REGISTRIES))
    lines = whois_answer(draw(st.sampled_from(RECORDS[tld])), domain(tld).ascii).splitlines()
    phrases = no_match_lines(tld)
    for _ in range(draw(st.integers(1, 4))):
        phrase = draw(st.sampled_from(phrases))
        wrap = draw(st.sampled_from(["{}", "% {}", "{}   ", "   {}", "* {}"]))
        lines.insert(draw(st.integers(0, len(lines))), wrap.format(phrase))
    return tld, "\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n"]))


@given(record_with_no_match())
def test_a_record_is_never_free_wherever_a_no_match_phrase_is_put(case: tuple[str, str]) -> None:
    tld, text = case
    answer = whois.interpret(text, whois.registry_for(tld), domain(tld), {})
    assert answer.verdict != Verdict.AVAILABLE, text
    assert answer.verdict == Verdict.REGISTERED, answer.reason  # the record still wins


@given(
    st.sampled_from(REGISTRIES),
    st.data(),
)
def test_a_record_cut_short_is_never_free(tld: str, data: st.DataObject) -> None:
    text = whois_answer(data.draw(st.sampled_from(RECORDS[tld])), domain(tld).ascii)
    cut = text[: data.draw(st.integers(0, len(text)))]
    answer = whois.interpret(cut, whois.registry_for(tld), domain(tld), {})
    assert answer.verdict != Verdict.AVAILABLE, cut


FREE = {
    tld: [f for f, t, v, _ in CORPUS if t == tld and v == Verdict.AVAILABLE] for tld in REGISTRIES
}
RECORD_LINES = st.sampled_from(
    ["domain: pelda.{t}", "Domain: pelda.{t}", "Registrar: Example", "Status: connect",
     "record created: 2020-01-01", "Created: 2020-01-01", "nserver: ns1.example.net",
     "Name servers:", "Status: NOT AVAILABLE", "registrar: Example GmbH",
     "Creation Date: 2020-01-01T00:00:00Z", "Domain Name: PELDA.{T}"]
)  # fmt: skip


@given(st.sampled_from(REGISTRIES), st.data())
def test_a_free_answer_with_a_record_line_added_is_never_free(
    tld: str, data: st.DataObject
) -> None:
    lines = whois_answer(data.draw(st.sampled_from(FREE[tld])), domain(tld).ascii).splitlines()
    extra = data.draw(RECORD_LINES).format(t=tld, T=tld.upper())
    lines.insert(data.draw(st.integers(0, len(lines))), extra)
    answer = whois.interpret("\n".join(lines), whois.registry_for(tld), domain(tld), {})
    assert answer.verdict != Verdict.AVAILABLE, (extra, lines)


@given(st.sampled_from(REGISTRIES), st.data())
def test_comments_and_blank_lines_added_to_a_free_answer_keep_it_free(
    tld: str, data: st.DataObject
) -> None:
    prefix = "*" if tld == "it" else "%"
    # The generic reading (com) sets any prose aside, but not a line like a record field.
    alphabet = r"[ a-zA-Z0-9.,'/-]" if tld == "com" else r"[ a-zA-Z0-9.,:'/-]"
    comment = st.from_regex(re.compile(alphabet + "{0,60}"), fullmatch=True)
    lines = whois_answer(data.draw(st.sampled_from(FREE[tld])), domain(tld).ascii).splitlines()
    for _ in range(data.draw(st.integers(1, 5))):
        text = data.draw(comment)
        if tld == "at" and "nothing found" in text.lower():
            continue
        line = data.draw(st.sampled_from(["", f"{prefix} {text}", f"{prefix}{text}"]))
        lines.insert(data.draw(st.integers(0, len(lines))), line)
    if tld == "com":
        lines = [line.lstrip("%") for line in lines]
    answer = whois.interpret("\n".join(lines), whois.registry_for(tld), domain(tld), {})
    if answer.verdict != Verdict.AVAILABLE:  # only a phrase a throttle is read from
        assert answer.doubt == Doubt.THROTTLED, (lines, answer.reason)
