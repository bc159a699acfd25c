"""An outage is one notice, not a flood: rows whose registry could not be asked get no
`domain-unverified`; the pass says it once, in the sheet's language."""

from __future__ import annotations

import re

import pytest

from sheetsync.core.model import Code, DomainVerdict, Doubt, Notice, NoticeCode, Verdict
from sheetsync.core.names import normalize_domain
from sheetsync.core.notices import notices_of
from sheetsync.core.plan import render_status
from sheetsync.core.texts import DOUBTS, Texts
from sheetsync.settings import StatusHeaders
from tests.support.builders import DONE, HEADERS, client, evaluate_client, evaluate_clients

NOT_ASKED = dict(domain_application=None)  # the status depends on the verdict


def unknown(doubt: Doubt, server: str = "whois.nic.hu") -> DomainVerdict:
    return DomainVerdict(Verdict.UNKNOWN, "whois", None, "reason", {"server": server}, doubt)


@pytest.mark.parametrize("doubt", [Doubt.UNREACHABLE, Doubt.CHECKS_OFF])
def test_an_outage_gives_the_row_no_domain_warning(doubt: Doubt) -> None:
    evaluation = evaluate_client(**NOT_ASKED, verdicts={"kovacspekseg.hu": unknown(doubt)})
    assert Code.DOMAIN_UNVERIFIED not in {f.code for f in evaluation.findings}
    assert evaluation.domain_verdict is not None and evaluation.domain_verdict.outage


@pytest.mark.parametrize("doubt", sorted(set(Doubt) - {Doubt.UNREACHABLE, Doubt.CHECKS_OFF}))
def test_a_registry_that_answered_but_could_not_tell_is_a_row_warning(doubt: Doubt) -> None:
    evaluation = evaluate_client(**NOT_ASKED, verdicts={"kovacspekseg.hu": unknown(doubt)})
    [finding] = [f for f in evaluation.findings if f.code == Code.DOMAIN_UNVERIFIED]
    assert finding.params == {"doubt": doubt.value, "tld": "hu"}


def test_one_notice_names_the_servers_and_tlds_that_could_not_be_reached() -> None:
    verdicts = {
        "alfa.hu": unknown(Doubt.UNREACHABLE),
        "beta.hu": unknown(Doubt.UNREACHABLE),
        "gamma.eu": unknown(Doubt.UNREACHABLE, "whois.eu"),
        "delta.cz": unknown(Doubt.THROTTLED, "rdap.nic.cz"),  # answered: the row's own
        "epsilon.cz": DomainVerdict(Verdict.AVAILABLE, "rdap"),
    }
    assert notices_of(verdicts) == (
        Notice(
            NoticeCode.DOMAIN_CHECKS_UNAVAILABLE,
            servers=("whois.eu", "whois.nic.hu"),
            tlds=("eu", "hu"),
            domains=3,
        ),
    )
    assert notices_of({"delta.cz": verdicts["delta.cz"]}) == ()
    assert notices_of({}) == ()


def test_checks_off_is_one_notice_without_servers() -> None:
    off = DomainVerdict(
        Verdict.UNKNOWN, "offline", None, "domain checks are off", {}, Doubt.CHECKS_OFF
    )
    [notice] = notices_of({"alfa.hu": off, "beta.eu": off})
    assert notice.checks_off and notice.servers == () and notice.domains == 2


@pytest.mark.parametrize(
    ("notice", "hu", "en"),
    [
        (
            Notice(NoticeCode.DOMAIN_CHECKS_UNAVAILABLE, ("whois.nic.hu",), ("hu",), False, 12),
            "A domainek foglaltságát most nem lehetett ellenőrizni: a .hu regisztrátor most "
            "nem elérhető (whois.nic.hu). 12 domain állapota „ismeretlen”. A következő "
            "körben újra megpróbáljuk.",
            "Domains could not be checked now: the .hu registry cannot be reached "
            "(whois.nic.hu). 12 domain(s) are “unknown”. The next pass tries again.",
        ),
        (
            Notice(
                NoticeCode.DOMAIN_CHECKS_UNAVAILABLE, ("whois.eu", "whois.nic.hu"), ("eu", "hu"),
                False, 3,
            ),
            "A domainek foglaltságát most nem lehetett ellenőrizni: a .eu, .hu regisztrátorok "
            "most nem elérhetők (whois.eu, whois.nic.hu). 3 domain állapota „ismeretlen”. A "
            "következő körben újra megpróbáljuk.",
            "Domains could not be checked now: the .eu, .hu registries cannot be reached "
            "(whois.eu, whois.nic.hu). 3 domain(s) are “unknown”. The next pass tries again.",
        ),
        (
            Notice(NoticeCode.DOMAIN_CHECKS_UNAVAILABLE, (), ("hu",), True, 2),
            "A domain ellenőrzés ki van kapcsolva. 2 domain állapota „ismeretlen”.",
            "Domain checks are off. 2 domain(s) are “unknown”.",
        ),
    ],
)  # fmt: skip
def test_a_notice_in_words(notice: Notice, hu: str, en: str) -> None:
    assert Texts("hu").notice(notice) == hu
    assert Texts("en").notice(notice) == en


# -- Hungarian in Hungarian cells -----------------------------------------------------------

# Words of the checker's own (English, technical) reasons: none may reach a Hungarian cell.
ENGLISH = re.compile(
    r"\b(server|servers|timed?|timeout|unreachable|error|errors|HTTP|RDAP|WHOIS|JSON|"
    r"registry|rate|limit|limited|answer|answered|found|match|checker|failed|throttled|"
    r"redirected|refused|technical|reason|unknown|offline|file|live|not|the|of)\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("locale", ["hu", "en"])
def test_every_doubt_has_words_in_both_languages(locale: str) -> None:
    assert set(DOUBTS[locale]) == set(Doubt)


@pytest.mark.parametrize("doubt", list(Doubt))
def test_no_reason_the_checker_can_give_puts_english_into_a_hungarian_cell(doubt: Doubt) -> None:
    """Every doubt, with the checker's English reason beside it: the Hungarian finding and
    domain cell say it in Hungarian only (the TLD, an IDN one too, is the only word kept)."""
    verdict = DomainVerdict(
        Verdict.UNKNOWN, "whois", None, "WHOIS server unreachable (gaierror)", {}, doubt
    )
    rows = [
        client(DONE, **NOT_ASKED),
        client(DONE, **NOT_ASKED, client="Példa Bt.", domain="példa.hu"),
        client(DONE, **NOT_ASKED, client="Magyar", domain="bolt.xn--p1ai"),
    ]
    names = [normalize_domain(str(r["domain"])).ascii for r in rows]
    texts = Texts("hu")
    for evaluation in evaluate_clients(*rows, verdicts=dict.fromkeys(names, verdict)):
        assert evaluation.domain_verdict == verdict
        for finding in evaluation.findings:
            text = texts.finding(finding, {"domain": HEADERS.domain})
            assert not ENGLISH.search(text), text
        domain = evaluation.row.domain
        assert domain is not None
        cell = texts.verdict(evaluation.domain_verdict, domain.unicode)
        assert not ENGLISH.search(cell.removeprefix(domain.unicode)), cell


def test_the_domain_cell_of_an_unreachable_registry_says_so_in_hungarian() -> None:
    evaluation = evaluate_client(
        **NOT_ASKED, verdicts={"kovacspekseg.hu": unknown(Doubt.UNREACHABLE)}
    )
    from sheetsync.core.layout import locate
    from tests.support.builders import sheet_rows

    layout = locate(sheet_rows(DONE), HEADERS, StatusHeaders())
    cells = render_status(evaluation, Texts("hu"), layout)
    assert cells.domain == "kovacspekseg.hu: ismeretlen – a .hu regisztrátor most nem elérhető"
    assert cells.findings == ""
    english = render_status(evaluation, Texts("en"), layout)
    assert english.domain == "kovacspekseg.hu: unknown – the .hu registry cannot be reached now"
