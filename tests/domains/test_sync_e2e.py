"""End to end: a sync pass with the live checker against loopback RDAP and WHOIS servers."""

from __future__ import annotations

from pathlib import Path

from sheetsync.core.model import Code, Notice, NoticeCode, Verdict
from sheetsync.domains.cache import MemoryVerdictCache
from sheetsync.domains.checker import LiveDomainChecker
from sheetsync.run.sync import run_sync
from sheetsync.settings import Settings
from sheetsync.testing import FakeClock, InMemorySheet
from tests.support.domain_servers import (
    START,
    LoopbackRdap,
    LoopbackWhois,
    live_settings,
    whois_text,
)

CANARY = "CANARY-jelszo-9f3a"
HEADERS = [
    "Ügyfél neve",
    "E-mail típusa",
    "E-mail cím",
    "E-mail jelszó",
    "Tárhely.eu felhasználó",
    "Tárhely.eu jelszó",
    "Kezelő fiók",
    "Csomag",
    "Domain",
    "Fizetési mód",
    "Domain igénylés",
]


def client(name: str, domain: str, application: str = "") -> list[str | None]:
    return [
        name,
        "saját",
        "info@pelda.hu",
        None,
        "info@pelda.hu",
        CANARY,
        "igen",
        "Start",
        domain,
        "kártya",
        application,
    ]


def test_a_sync_pass_marks_a_taken_domain_and_writes_the_domain_cell(tmp_path: Path) -> None:
    sheet = InMemorySheet(
        [
            HEADERS,
            client("Kovács Pékség Kft.", "https://www.kovacspekseg.hu/"),
            client("Lakatos Építő Bt.", "lakatosepito.cz"),
            client("Szabó és Társa", "szaboestarsa.hu", "beküldve"),  # no check needed
        ]
    )
    whois_answers = {"kovacspekseg.hu": whois_text("hu_registered.txt")}
    with (
        LoopbackWhois(whois_answers, default=whois_text("hu_free_new.txt")) as whois_server,
        LoopbackRdap({}) as rdap_server,
    ):
        domains = live_settings(
            tmp_path,
            whois_servers={"hu": whois_server.address},
            rdap_servers={"cz": rdap_server.base_url},
        )
        settings = Settings(domains=domains)
        clock = FakeClock(START)
        checker = LiveDomainChecker(domains, clock, MemoryVerdictCache())
        result = run_sync(sheet, checker, settings, clock)

    by_row = {e.row.row: e for e in result.evaluations}
    taken = by_row[2]
    assert Code.DOMAIN_TAKEN in {f.code for f in taken.findings}
    assert taken.domain_verdict is not None and taken.domain_verdict.source == "whois"
    assert Code.DOMAIN_TAKEN not in {f.code for f in by_row[3].findings}

    domain_col = sheet.column("Domain ellenőrzés")
    assert sheet.get(2, domain_col) == "kovacspekseg.hu: foglalt (a regisztrátor szerint)"
    assert sheet.get(3, domain_col) == "lakatosepito.cz: szabad (a regisztrátor szerint)"
    assert sheet.get(4, domain_col) == "szaboestarsa.hu: nem kell ellenőrizni"
    problems = str(sheet.get(2, sheet.column("Problémák")))
    assert "FOGLALT" in problems

    # only rows whose status depends on the verdict were asked about
    assert whois_server.queries == ["kovacspekseg.hu\r\n"]
    assert rdap_server.paths == ["/domain/lakatosepito.cz"]
    # the registries never see a secret, nor does the sheet's status
    assert all(CANARY not in q for q in whois_server.queries + rdap_server.paths)
    assert all(CANARY not in text for _, _, text in sheet.written)


def test_an_unreachable_registry_is_one_notice_and_never_free(tmp_path: Path) -> None:
    from tests.support.domain_servers import refused_port

    sheet = InMemorySheet(
        [
            HEADERS,
            client("Kovács Pékség Kft.", "kovacspekseg.hu"),
            client("Szabó és Társa", "szaboestarsa.hu"),
        ]
    )
    port = refused_port()
    domains = live_settings(tmp_path, whois_servers={"hu": f"127.0.0.1:{port}"})
    clock = FakeClock(START)
    result = run_sync(sheet, LiveDomainChecker(domains, clock), Settings(domains=domains), clock)
    for evaluation in result.evaluations:
        assert evaluation.domain_verdict is not None
        assert evaluation.domain_verdict.verdict == Verdict.UNKNOWN
        codes = {f.code for f in evaluation.findings}
        assert Code.DOMAIN_UNVERIFIED not in codes and Code.DOMAIN_TAKEN not in codes
    assert result.notices == (
        Notice(
            NoticeCode.DOMAIN_CHECKS_UNAVAILABLE,
            servers=(f"127.0.0.1:{port}",),
            tlds=("hu",),
            domains=2,
        ),
    )
    assert sheet.get(2, sheet.column("Domain ellenőrzés")) == (
        "kovacspekseg.hu: ismeretlen – a .hu regisztrátor most nem elérhető"
    )
    assert sheet.get(2, sheet.column("Problémák")) in (None, "")
