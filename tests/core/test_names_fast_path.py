"""The ASCII fast path of domain normalization gives exactly what IDNA gives.

`normalize_domain` skips the `idna` package for plain lower-case ASCII names (most
of a sync's CPU time on a big sheet otherwise). These properties compare it with
the slow path on names built to sit on the fast path's borders: upper case, digits,
hyphens in every position, `xn--`, 63/64-character labels, 253/254-character names,
empty labels, underscores, non-ASCII look-alikes.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from sheetsync.core import names
from sheetsync.core.names import normalize_domain
from sheetsync.errors import InvalidDomain

ASCII_LDH = "abcxyzABCXYZ0189-"
BORDER = ASCII_LDH + "._" + "éßİ\u0131\u212a\uff21"  # Kelvin sign, full-width A, dotless i


def outcome(text: str, *, fast: bool) -> tuple[str, ...]:
    try:
        name = names._normalize(text, ldh_fast_path=fast)
    except InvalidDomain as exc:
        return ("invalid", exc.reason, exc.suggestion or "")
    return ("ok", name.input, name.unicode, name.ascii)


labels = st.one_of(
    st.text(alphabet=ASCII_LDH, min_size=0, max_size=8),
    st.text(alphabet=BORDER, min_size=0, max_size=8),
    st.builds(lambda n, c: c * n, st.integers(60, 66), st.sampled_from("aZ9-")),
    st.sampled_from(["xn--", "XN--plda-bpa", "xn--plda-bpa", "ab--c", "a-b", "-a", "a-"]),
)
hosts = st.builds(
    lambda parts, suffix: ".".join([*parts, suffix]),
    st.lists(labels, min_size=1, max_size=4),
    st.sampled_from(["hu", "HU", "com", "co.hu", "eu", "xn--p1ai", "nosuchtld", ""]),
)


@given(hosts)
@example("a" * 63 + ".hu")
@example("a" * 64 + ".hu")
@example(".".join(["a" * 63] * 4))  # 255 characters
@example(".".join(["a" * 63] * 3 + ["a" * 60]) + ".hu")
@example("Kovacs-Pekseg.HU")
@example("xn--plda-bpa.hu")
@example("a..hu")
@example("a_b.hu")
@example("\u212aft.hu")  # Kelvin sign: UTS-46 maps it to 'k'
def test_the_fast_path_agrees_with_idna_on_every_name(host: str) -> None:
    assert outcome(host, fast=True) == outcome(host, fast=False)


@given(st.text(max_size=30))
def test_the_fast_path_agrees_with_idna_on_any_text(text: str) -> None:
    assert outcome(text, fast=True) == outcome(text, fast=False)


def test_the_fast_path_takes_only_plain_ascii_names() -> None:
    assert names._is_plain_ldh("kovacs-pekseg.hu", ["kovacs-pekseg", "hu"])
    assert not names._is_plain_ldh("xn--plda-bpa.hu", ["xn--plda-bpa", "hu"])
    assert not names._is_plain_ldh("példa.hu", ["példa", "hu"])
    assert not names._is_plain_ldh("a_b.hu", ["a_b", "hu"])
    assert not names._is_plain_ldh("a..hu", ["a", "", "hu"])
    long = "a" * 64
    assert not names._is_plain_ldh(long + ".hu", [long, "hu"])


def test_normalizing_is_memoized_and_the_answer_is_the_same_object() -> None:
    first = normalize_domain("Memo-Pekseg.hu")
    assert normalize_domain("Memo-Pekseg.hu") is first
    assert first.ascii == "memo-pekseg.hu"
