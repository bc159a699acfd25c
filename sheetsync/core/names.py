"""Normalize what staff type as a domain into a registrable name, or say why not.

Pure: IDNA 2008 with UTS-46 mapping (the `idna` package, not Python's IDNA 2003
codec), the ICANN section of the Public Suffix List shipped with
`publicsuffixlist`, and the .hu registry's label rules.
"""

from __future__ import annotations

import re
from functools import lru_cache

import idna
from publicsuffixlist import PublicSuffixList

from sheetsync.core.model import DomainName
from sheetsync.errors import InvalidDomain

_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
# Dots UTS-46 maps to '.', typed from CJK or full-width keyboards.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_HU_LABEL = re.compile(r"[a-z0-9áéíóöőúüű-]+")
# A label IDNA leaves as it is: lower-case ASCII letters, digits and hyphens, at most 63.
_LDH_LABEL = re.compile(r"[a-z0-9-]{1,63}")
MAX_NAME = 253  # octets, without the trailing dot (RFC 1035)


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


def strip_to_host(text: str) -> str:
    """`https://www.Példa.hu:443/path?q` → `Példa.hu` (case kept; IDNA folds it)."""
    host = text.strip().translate(_DOTS)
    host = _SCHEME.sub("", host)
    host = re.split(r"[/?#\\]", host, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]  # user@ in a URL
    host = re.sub(r":\d*$", "", host)
    host = host.strip().rstrip(".")
    if host.lower().startswith("www."):
        host = host[4:]
    return host


@lru_cache(maxsize=65536)  # pure; a sheet's domains repeat from one pass to the next
def normalize_domain(text: str) -> DomainName:
    """Raise InvalidDomain unless `text` names exactly one label under a public suffix."""
    return _normalize(text, ldh_fast_path=True)


def _normalize(text: str, *, ldh_fast_path: bool) -> DomainName:
    host = strip_to_host(text)
    if not host:
        raise InvalidDomain("empty")
    if "." not in host:
        raise InvalidDomain("not-a-domain")
    if any(c.isspace() for c in host):  # `gal optika.hu`: say so, and what was meant
        raise InvalidDomain("space", suggestion=_without_spaces(host))
    labels = host.lower().split(".")
    for label in labels:
        if label.startswith("-") or label.endswith("-"):
            raise InvalidDomain("hyphen")
        if label[2:4] == "--" and not label.startswith("xn--"):
            raise InvalidDomain("hyphen")
    if ldh_fast_path and _is_plain_ldh(host, labels):
        # What IDNA 2008 + UTS-46 would return for such a name, without its cost (most
        # of a sync's CPU time on a big sheet); a property test proves the two agree.
        ascii_name = unicode_name = host.lower()
    else:
        ascii_name, unicode_name = _idna_forms(host)
    ascii_name = ascii_name.lower()
    psl = _psl()
    suffix = psl.publicsuffix(ascii_name, accept_unknown=False)
    if suffix is None:
        raise InvalidDomain("unknown-tld")
    registrable = psl.privatesuffix(ascii_name, accept_unknown=False)
    if registrable is None:
        raise InvalidDomain("public-suffix")
    if registrable != ascii_name:
        raise InvalidDomain("subdomain", suggestion=idna.decode(registrable))
    if suffix == "hu" or suffix.endswith(".hu"):
        _check_hu_label(unicode_name.split(".", 1)[0], ascii_name.split(".", 1)[0])
    return DomainName(input=text.strip(), unicode=unicode_name, ascii=ascii_name)


def _without_spaces(host: str) -> str | None:
    """The name with its spaces taken out, when that is a registrable name."""
    try:
        return normalize_domain("".join(host.split())).unicode
    except InvalidDomain:
        return None


def _is_plain_ldh(host: str, lowered_labels: list[str]) -> bool:
    """ASCII letters, digits and hyphens only (the hyphen rules already checked), no
    A-label to decode, within DNS lengths: UTS-46 only lower-cases such a name."""
    return (
        host.isascii()
        and len(host) <= MAX_NAME
        and all(
            _LDH_LABEL.fullmatch(label) and not label.startswith("xn--") for label in lowered_labels
        )
    )


def _idna_forms(host: str) -> tuple[str, str]:
    """(ASCII, Unicode) forms by IDNA 2008 with UTS-46 mapping."""
    try:
        ascii_name = idna.encode(host, uts46=True, transitional=False).decode("ascii")
        return ascii_name, idna.decode(ascii_name)
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise InvalidDomain("idna") from exc


def _check_hu_label(label: str, ascii_label: str) -> None:
    """The .hu registry's rules for the label that is registered."""
    if not _HU_LABEL.fullmatch(label):
        raise InvalidDomain("hu-characters")
    if not 2 <= len(ascii_label) <= 63:
        raise InvalidDomain("hu-length")
    if label.startswith("-") or label.endswith("-"):
        raise InvalidDomain("hyphen")
    if ascii_label[2:4] == "--" and not ascii_label.startswith("xn--"):
        raise InvalidDomain("hyphen")
