"""One sync pass against the in-memory sheet: what is written, where, and when not."""

from __future__ import annotations

import unicodedata

import pytest

from sheetsync.core.model import DomainName, DomainVerdict, Verdict
from sheetsync.errors import SheetAccessError, SheetLayoutError
from sheetsync.run.sync import run_sync
from sheetsync.settings import StatusHeaders
from sheetsync.testing import FakeClock, InMemoryDomainChecker, InMemorySheet
from tests.support.builders import DONE, KEYS, NOW, client, settings, sheet_rows

STATUS = list(StatusHeaders().model_dump().values())
CARD_UNPAID = client(DONE, paid=None, domain_application=None)


def sync(sheet: InMemorySheet, checker: InMemoryDomainChecker | None = None, **kw: object):  # type: ignore[no-untyped-def]
    return run_sync(
        sheet,
        checker or InMemoryDomainChecker(),
        settings(),
        FakeClock(NOW),
        **kw,  # type: ignore[arg-type]
    )


def status_of(sheet: InMemorySheet, row: int) -> dict[str, object]:
    return {h: sheet.get(row, sheet.column(h)) for h in STATUS}


def non_owned(sheet: InMemorySheet) -> list[list[object]]:
    """Every cell outside the status columns, trailing empty cells dropped."""
    header = next(r for r in sheet.rows if "Ügyfél neve" in r)
    owned = {i for i, h in enumerate(header) if h in STATUS}
    out = []
    for row in sheet.rows:
        kept = [v for i, v in enumerate(row) if i not in owned]
        while kept and kept[-1] is None:
            kept.pop()
        out.append(kept)
    return out


def test_first_sync_appends_status_columns_and_fills_them() -> None:
    beta = CARD_UNPAID | {"client": "Szabó Bt.", "domain": "szabo.hu"}
    sheet = InMemorySheet(sheet_rows(DONE, beta))
    result = sync(sheet)
    assert sheet.rows[0][len(KEYS) :] == STATUS
    assert status_of(sheet, 2)["Állapot"] == "Kész"
    assert status_of(sheet, 3)["Állapot"] == "5. Fizetés"
    assert status_of(sheet, 3)["Következő lépés"] == (
        "Az ügyfél indítsa el a bankkártyás fizetést az ügyfélfiókban"
    )
    assert status_of(sheet, 2)["Állapot változott"] == "2026. 11. 25. 12:00"
    assert status_of(sheet, 2)["Problémák"] is None  # nothing to say: the cell stays empty
    assert status_of(sheet, 3)["Problémák"] == (
        "FIGYELEM: A domain foglaltságát most nem sikerült ellenőrizni: "
        "nem szerepel a domainlistában"
    )
    assert result.outcome.cells_written == 5 + 4 + 5  # headers, row 2, row 3


def test_unchanged_sheet_writes_nothing_the_second_time() -> None:
    sheet = InMemorySheet(sheet_rows(DONE, CARD_UNPAID | {"client": "Szabó Bt."}))
    sync(sheet)
    sheet.written.clear()
    result = sync(sheet)
    assert result.outcome.cells_written == 0
    assert sheet.written == []
    assert result.plan.is_empty


def test_edits_between_syncs_rewrite_exactly_the_cells_that_must_change() -> None:
    alfa = client(CARD_UNPAID, client="Alfa Kft.", domain="alfa.hu")
    beta = client(DONE, client="Béta Bt.", domain="beta.hu", domain_application="beküldve")
    gamma = client(DONE, client="Gamma Zrt.", domain="gamma.hu", domain_application="beküldve")
    sheet = InMemorySheet(sheet_rows(alfa, beta, gamma))
    sync(sheet)
    sheet.written.clear()
    col = {k: i for i, k in enumerate(KEYS)}

    sheet.set(2, col["paid"], "2026.11.25 10:00")  # Alfa pays by card
    sheet.rows.insert(2, ["Delta Kft."])  # a new client typed in the middle (row 3)
    sheet.set(5, col["hosting_password"], "   ")  # Gamma's password cleared (now row 5)
    result = sync(sheet)

    stage, step, problems, changed = (
        sheet.column(h) for h in ("Állapot", "Következő lépés", "Problémák", "Állapot változott")
    )
    written = sorted((r, c) for r, c, _ in sheet.written)
    assert written == sorted(
        [
            (2, stage), (2, step), (2, changed),  # Alfa moved to the application step
            (3, stage), (3, step), (3, changed),  # Delta: new, nothing wrong yet
            (5, stage), (5, step), (5, problems), (5, changed),  # Gamma: password missing
        ]
    )  # fmt: skip
    assert sheet.get(4, stage) == "6. Domain igénylés"  # Béta untouched, moved down a row
    assert sheet.get(5, problems) == "HIBA: A tárhely fiók jelszava nincs rögzítve"
    assert result.outcome.rows_skipped == ()


def test_rows_moving_during_the_sync_keep_their_own_status() -> None:
    names = ["Alfa", "Béta", "Gamma", "Delta"]
    rows = sheet_rows(*(client(CARD_UNPAID, client=n, domain=f"{n.lower()}.hu") for n in names))
    rows[3] = sheet_rows(client(DONE, client="Gamma", domain="gamma.hu"))[1]
    sheet = InMemorySheet(rows)

    def colleague(s: InMemorySheet) -> None:
        s.rows.insert(1, ["Új ügyfél"])  # insert above
        del s.rows[3]  # delete Béta
        header, *data = s.rows
        s.rows = [header, *sorted(data, key=lambda r: str(r[0]), reverse=True)]  # sort

    sheet.before_write = colleague
    result = sync(sheet)
    stage = sheet.column("Állapot")
    by_name = {r[0]: (r[stage] if len(r) > stage else None) for r in sheet.rows[1:]}
    assert by_name == {
        "Új ügyfél": None,
        "Gamma": "Kész",
        "Delta": "5. Fizetés",
        "Alfa": "5. Fizetés",
    }
    assert result.outcome.rows_skipped == (3,)  # Béta vanished: nothing written for it


def test_a_name_retyped_in_another_unicode_form_during_the_sync_keeps_its_status() -> None:
    composed = "Kovács Pékség Kft."
    sheet = InMemorySheet(sheet_rows(client(CARD_UNPAID, client=composed)))

    def colleague(s: InMemorySheet) -> None:  # pasted back from a Mac: decomposed accents
        s.rows[1][0] = unicodedata.normalize("NFD", composed)

    sheet.before_write = colleague
    result = sync(sheet)
    assert result.outcome.rows_skipped == ()
    assert status_of(sheet, 2)["Állapot"] == "5. Fizetés"


def test_staff_edits_to_other_cells_during_the_sync_survive() -> None:
    sheet = InMemorySheet(sheet_rows(CARD_UNPAID))
    notes = KEYS.index("notes")
    sheet.before_write = lambda s: s.set(2, notes, "közben beírt megjegyzés")
    sync(sheet)
    assert sheet.get(2, notes) == "közben beírt megjegyzés"


def test_ambiguous_identical_rows_are_told_apart_by_order_until_their_count_changes() -> None:
    twin = client(CARD_UNPAID, client="Iker")
    sheet = InMemorySheet(sheet_rows(twin, twin))
    sync(sheet)
    stage = sheet.column("Állapot")
    assert [sheet.get(2, stage), sheet.get(3, stage)] == ["5. Fizetés", "5. Fizetés"]

    sheet.set(2, KEYS.index("paid"), "igen")
    sheet.before_write = lambda s: s.rows.append(list(s.rows[2]))  # a third twin appears
    result = sync(sheet)
    assert result.outcome.rows_skipped == (2,)
    assert sheet.get(2, stage) == "5. Fizetés"  # not overwritten: left for the next sync
    sheet.before_write = None
    sync(sheet)
    assert sheet.get(2, stage) == "6. Domain igénylés"


def test_header_change_during_the_sync_writes_nothing() -> None:
    sheet = InMemorySheet(sheet_rows(CARD_UNPAID))
    sync(sheet)
    sheet.set(2, KEYS.index("paid"), "igen")
    sheet.before_write = lambda s: s.rows[0].insert(0, "Sorszám")
    before = [list(r) for r in sheet.rows]
    result = sync(sheet)
    assert result.outcome.cells_written == 0
    assert result.outcome.note and "header row changed" in result.outcome.note
    assert sheet.rows[1:] == before[1:]  # nothing touched


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["Név", "Domain"], "no 'Ügyfél neve' column"),
        (["Ügyfél neve", "Domain", "DOMAIN"], "appears twice"),
    ],
)
def test_sheet_level_problems_write_nothing(header: list[str], message: str) -> None:
    sheet = InMemorySheet([header, ["Alfa", "alfa.hu"]])
    with pytest.raises(SheetLayoutError, match=message):
        sync(sheet)
    assert sheet.written == [] and sheet.writes == 0


def test_unreachable_sheet_is_a_run_level_error() -> None:
    sheet = InMemorySheet([])
    sheet.fail_read = SheetAccessError("the API did not answer")
    with pytest.raises(SheetAccessError):
        sync(sheet)


def test_dry_run_computes_everything_and_writes_nothing() -> None:
    sheet = InMemorySheet(sheet_rows(DONE))
    result = sync(sheet, dry_run=True)
    assert sheet.written == [] and result.outcome.cells_written == 0
    assert result.cells_planned == 5 + 4
    assert result.evaluations[0].stage == "done"


def test_stale_status_of_a_row_staff_emptied_is_cleared() -> None:
    sheet = InMemorySheet(sheet_rows(DONE, CARD_UNPAID | {"client": "Béta"}))
    sync(sheet)
    sheet.rows[2] = [None] * len(KEYS) + sheet.rows[2][len(KEYS) :]
    sync(sheet)
    assert [sheet.get(3, sheet.column(h)) for h in STATUS] == ["", "", "", "", ""]


def test_nothing_outside_the_owned_status_cells_changes() -> None:
    messy = [
        ["Sparrow ügyfelek"],
        [*sheet_rows()[0], "Telefon"],
        ["Alfa", None, "x", '=HYPERLINK("x")', None, None, None, "igen", None, None, "alfa.hu"],
        [],
        ["Béta", *([None] * 5), 1234, True, 3.5, None, "nem domain", None, 46350, "?", "igen"],
        [None, "Kapcsolat", None, None, "nincs@név.hu", *([None] * 11), "jegyzet", "0630"],
    ]
    sheet = InMemorySheet(messy)
    before = non_owned(sheet)
    sync(sheet)
    assert non_owned(sheet) == before
    assert len(sheet.rows) == len(messy)


def test_only_rows_whose_status_depends_on_it_ask_for_a_domain_verdict() -> None:
    checker = InMemoryDomainChecker({"alfa.hu": Verdict.REGISTERED})
    sheet = InMemorySheet(
        sheet_rows(
            client(CARD_UNPAID, client="Alfa", domain="https://alfa.hu/"),
            client(DONE, client="Béta", domain="beta.hu", domain_application="beküldve"),
            client(DONE, client="Gamma", domain="gamma.hu"),
            client(DONE, client="Delta", domain="Alfa.hu"),
        )
    )
    result = sync(sheet, checker)
    assert checker.asked == [["alfa.hu", "gamma.hu"]]  # once each, Béta (submitted) skipped
    assert result.evaluations[0].stage == "package-domain"
    assert sheet.get(2, sheet.column("Domain ellenőrzés")) == "alfa.hu: foglalt (fake)"
    assert sheet.get(3, sheet.column("Domain ellenőrzés")) == "beta.hu: nem kell ellenőrizni"


def test_a_failing_domain_checker_leaves_verdicts_unknown_and_the_sync_running() -> None:
    class Broken:
        def check(self, domains: list[DomainName]) -> dict[str, DomainVerdict]:
            raise RuntimeError("bug")

    sheet = InMemorySheet(sheet_rows(CARD_UNPAID))
    result = run_sync(sheet, Broken(), settings(), FakeClock(NOW))
    assert result.evaluations[0].domain_verdict is not None
    assert result.evaluations[0].domain_verdict.verdict == Verdict.UNKNOWN
    assert "domain-unverified" in {f.code for f in result.evaluations[0].findings}


def test_english_locale_writes_english_status() -> None:
    sheet = InMemorySheet(sheet_rows(CARD_UNPAID))
    run_sync(sheet, InMemoryDomainChecker(), settings(locale="en"), FakeClock(NOW))
    assert sheet.get(2, sheet.column("Állapot")) == "5. Payment"
    assert sheet.get(2, sheet.column("Állapot változott")) == "2026-11-25 12:00"
