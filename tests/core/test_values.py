"""Every value form of rules.md, as tables of (cell, expected)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given
from hypothesis import strategies as st

from sheetsync.core.model import Application, EmailType, Flag, ManagingAccount, PaymentMethod
from sheetsync.core.values import (
    CellValue,
    is_start_package,
    parse_application,
    parse_date,
    parse_email,
    parse_email_type,
    parse_flag,
    parse_managing_account,
    parse_payment_method,
    parse_yes_no,
    text_of,
)
from sheetsync.errors import Unparseable

BUD = ZoneInfo("Europe/Budapest")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("igen", True), ("Igen ", True), ("x", True), ("X", True), ("✓", True), ("✔", True),
        ("TRUE", True), (True, True), ("1", True), (1, True), ("yes", True), ("kész", True),
        ("nem", False), ("NEM", False), ("FALSE", False), (False, False), ("0", False),
        (0, False), ("no", False), ("-", False),
        (None, None), ("", None), ("   ", None), ("\t\n", None),
    ],
)  # fmt: skip
def test_yes_no_forms(cell: CellValue, expected: bool | None) -> None:
    assert parse_yes_no(cell) is expected


@pytest.mark.parametrize("cell", ["talán", "2", "igennem", "?"])
def test_yes_no_rejects_other_words(cell: CellValue) -> None:
    with pytest.raises(Unparseable):
        parse_yes_no(cell)


@pytest.mark.parametrize(
    ("cell", "expected", "has_time"),
    [
        ("2026. 11. 24.", datetime(2026, 11, 24), False),
        ("2026.11.24", datetime(2026, 11, 24), False),
        ("2026.11.24.", datetime(2026, 11, 24), False),
        ("2026.11.24 14:30", datetime(2026, 11, 24, 14, 30), True),
        ("2026. 11. 24. 14:30:15", datetime(2026, 11, 24, 14, 30, 15), True),
        ("2026/11/24", datetime(2026, 11, 24), False),
        ("2026-11-24", datetime(2026, 11, 24), False),
        ("2026-11-24T14:30", datetime(2026, 11, 24, 14, 30), True),
        ("2026-11-24 14:30:00", datetime(2026, 11, 24, 14, 30), True),
        ("11/24/2026", datetime(2026, 11, 24), False),
        ("1/2/2026", datetime(2026, 1, 2), False),  # slash dates are month/day/year
        ("11/24/2026 9:05", datetime(2026, 11, 24, 9, 5), True),
        ("2026. november 24.", datetime(2026, 11, 24), False),
        ("2026. nov. 24. 8:00", datetime(2026, 11, 24, 8, 0), True),
        ("2026. Március 3.", datetime(2026, 3, 3), False),
        (46350, datetime(2026, 11, 24), False),  # Sheets/Excel serial day
        (46350.6041666667, datetime(2026, 11, 24, 14, 30), True),
        ("46350", datetime(2026, 11, 24), False),
        (datetime(2026, 11, 24, 14, 30), datetime(2026, 11, 24, 14, 30), True),
        (datetime(2026, 11, 24), datetime(2026, 11, 24), False),
        (date(2026, 11, 24), datetime(2026, 11, 24), False),
    ],
)
def test_date_forms(cell: CellValue, expected: datetime, has_time: bool) -> None:
    parsed = parse_date(cell, BUD)
    assert parsed is not None
    assert parsed.at == expected.replace(tzinfo=BUD)
    assert parsed.has_time is has_time


def test_date_with_offset_is_converted_to_the_sheet_zone() -> None:
    parsed = parse_date("2026-11-24T13:30Z", BUD)
    assert parsed is not None
    assert parsed.at == datetime(2026, 11, 24, 14, 30, tzinfo=BUD)


@pytest.mark.parametrize(
    "cell",
    ["tegnap", "2026.13.01", "2026.02.30", "31/12/2026", "24.11.2026x", 12, 99999999, True,
     time(14, 30), "2026. foo 3."],
)  # fmt: skip
def test_unparseable_dates(cell: CellValue) -> None:
    with pytest.raises(Unparseable):
        parse_date(cell, BUD)


def test_empty_date_is_missing_not_invalid() -> None:
    assert parse_date("  ", BUD) is None
    assert parse_date(None, BUD) is None


def test_bare_date_counts_until_the_end_of_that_day() -> None:
    parsed = parse_date("2026.11.24", BUD)
    assert parsed is not None
    assert parsed.latest() == datetime(2026, 11, 24, 23, 59, 59, tzinfo=BUD)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("igen", Flag(True)), ("nem", Flag(False)), (False, Flag(False)), ("0", Flag(False)),
        (None, None),
    ],
)  # fmt: skip
def test_flag_yes_no(cell: CellValue, expected: Flag | None) -> None:
    assert parse_flag(cell, BUD) == expected


def test_flag_holding_a_date_is_done_on_that_date() -> None:
    flag = parse_flag("2026.11.24 10:00", BUD)
    assert flag is not None and flag.done and flag.on is not None
    assert flag.on.at == datetime(2026, 11, 24, 10, 0, tzinfo=BUD)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("bankkártya", PaymentMethod.CARD), ("Kártya", PaymentMethod.CARD),
        ("card", PaymentMethod.CARD), ("BANKKARTYA", PaymentMethod.CARD),
        ("utalás", PaymentMethod.TRANSFER), ("Átutalás", PaymentMethod.TRANSFER),
        ("transfer", PaymentMethod.TRANSFER), (" utalas ", PaymentMethod.TRANSFER),
        (None, None),
    ],
)  # fmt: skip
def test_payment_methods(cell: CellValue, expected: PaymentMethod | None) -> None:
    assert parse_payment_method(cell) == expected


def test_unknown_payment_method_is_unparseable() -> None:
    with pytest.raises(Unparseable):
        parse_payment_method("csekk")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("saját", EmailType.OWN), ("Sajat", EmailType.OWN), ("own", EmailType.OWN),
        ("létrehozott", EmailType.CREATED), ("created", EmailType.CREATED), (None, None),
    ],
)  # fmt: skip
def test_email_types(cell: CellValue, expected: EmailType | None) -> None:
    assert parse_email_type(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("beküldve", Application.SUBMITTED), ("Bekuldve", Application.SUBMITTED),
        ("Sikeres", Application.SUCCESSFUL), ("sikeres!", Application.SUCCESSFUL),
        ("SIKERTELEN", Application.FAILED), (None, None), ("", None),
    ],
)  # fmt: skip
def test_application_answers(cell: CellValue, expected: Application | None) -> None:
    assert parse_application(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("info@pelda.hu", "info@pelda.hu"),
        ("  Info@Pelda.HU ", "info@pelda.hu"),
        ("mailto:bolt@dudashangszer.hu", "bolt@dudashangszer.hu"),
        ("kovacs.marketing@gmail.com", "kovacs.marketing@gmail.com"),
        (None, None),
    ],
)
def test_emails(cell: CellValue, expected: str | None) -> None:
    assert parse_email(cell) == expected


@pytest.mark.parametrize("cell", ["toth@gmail", "nincs", "a@@b.hu", "a b@c.hu", "@pelda.hu"])
def test_invalid_emails(cell: CellValue) -> None:
    with pytest.raises(Unparseable):
        parse_email(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("igen", ManagingAccount(True)), ("x", ManagingAccount(True)),
        ("nem", ManagingAccount(False)),
        ("penzugy@sparrow.hu", ManagingAccount(True, "penzugy@sparrow.hu")),
        ("Igen: PENZUGY@sparrow.hu", ManagingAccount(True, "penzugy@sparrow.hu")),
        ("info@masik.hu", ManagingAccount(True, "info@masik.hu")),
        (None, None),
    ],
)  # fmt: skip
def test_managing_account(cell: CellValue, expected: ManagingAccount | None) -> None:
    assert parse_managing_account(cell) == expected


@pytest.mark.parametrize(
    ("package", "is_start"),
    [("Start", True), ("START", True), ("start csomag", True), ("Start-csomag", True),
     ("Csomag: Start", True), ("Prémium", False), ("Start Plusz", False)],
)  # fmt: skip
def test_start_package(package: str, is_start: bool) -> None:
    assert is_start_package(package) is is_start


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(None, None), ("  ", None), (" a ", "a"), (36301234567, "36301234567"), (1.0, "1"),
     ("0036301234567", "0036301234567"), (True, "TRUE")],
)  # fmt: skip
def test_text_of_keeps_phone_numbers_as_typed(cell: CellValue, expected: str | None) -> None:
    assert text_of(cell) == expected


@example("0@00--0.aa")  # hyphens in a label's 3rd and 4th place: IDNA reserves them
@given(st.emails() | st.from_regex(r"[a-zA-Z0-9.+_-]{1,70}@[a-zA-Z0-9.-]{1,70}", fullmatch=True))
def test_fast_email_path_agrees_with_email_validator(address: str) -> None:
    try:
        expected: str | None = str(validate_email(address, check_deliverability=False).normalized)
    except EmailNotValidError:
        expected = None
    try:
        got: str | None = parse_email(address)
    except Unparseable:
        got = None
    assert got == (expected.lower() if expected else None)
