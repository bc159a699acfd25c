"""Parsers for the messy values staff type: yes/no, dates, methods, types, e-mails.

Each parser takes one cell value and returns the normalized value, None for an
empty cell, or raises `Unparseable` (which the row parser turns into a finding).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import TypeAlias, TypeVar

from email_validator import EmailNotValidError, validate_email

from sheetsync.core.keys import loose_key
from sheetsync.core.model import (
    Application,
    EmailType,
    Flag,
    ManagingAccount,
    PaymentMethod,
    SheetDate,
)
from sheetsync.errors import Unparseable

T = TypeVar("T")
CellValue: TypeAlias = str | int | float | bool | datetime | date | time | None

MANAGING_ACCOUNT_ADDRESS = "penzugy@sparrow.hu"


def text_of(value: CellValue) -> str | None:
    """The cell as trimmed text; None when it is empty or only whitespace."""
    if type(value) is str:  # the common case first: called for every cell of every row
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


_YES = {"igen", "i", "yes", "y", "x", "✓", "✔", "☑", "true", "1", "ok", "kesz", "megvan", "van"}
_NO = {"nem", "n", "no", "false", "0", "-", "–", "✗", "✘", "☐", "nincs"}


def parse_yes_no(value: CellValue) -> bool | None:
    if isinstance(value, bool):
        return value
    text = text_of(value)
    if text is None:
        return None
    word = loose_key(text)
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise Unparseable("yes-no")


# --- dates -----------------------------------------------------------------------------

_SERIAL_EPOCH = datetime(1899, 12, 30)  # Sheets and Excel serial day 0
_SERIAL_MIN, _SERIAL_MAX = 36526, 73051  # 2000-01-01 .. 2099-12-31: beyond is a typo

_HU_MONTHS = {
    "januar": 1, "jan": 1, "februar": 2, "febr": 2, "feb": 2, "marcius": 3, "marc": 3,
    "mar": 3, "aprilis": 4, "apr": 4, "majus": 5, "maj": 5, "junius": 6, "jun": 6,
    "julius": 7, "jul": 7, "augusztus": 8, "aug": 8, "szeptember": 9, "szept": 9,
    "szep": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}  # fmt: skip

_TIME = r"(?:[ T]+(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2})(?:\.\d+)?)?)?"
_TZ = r"(?P<tz>Z|[+-]\d{2}:?\d{2})?"
_DATE_FORMS = [
    # ISO: 2026-11-24, 2026-11-24T14:30, 2026-11-24 14:30:00+01:00
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME + _TZ),
    # Hungarian: 2026. 11. 24.  2026.11.24  2026.11.24 14:30  2026/11/24
    re.compile(r"(?P<y>\d{4})\s*[./]\s*(?P<m>\d{1,2})\s*[./]\s*(?P<d>\d{1,2})\.?" + _TIME),
    # Slash dates are month/day/year (as Sheets writes them in the US locale)
    re.compile(r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})" + _TIME),
    # Hungarian month names: 2026. november 24.  2026. nov. 24. 14:30
    re.compile(r"(?P<y>\d{4})\.?\s*(?P<mon>[^\W\d_]+)\.?\s*(?P<d>\d{1,2})\.?" + _TIME),
]


def parse_date(value: CellValue, tz: tzinfo) -> SheetDate | None:
    """A date or date-time cell, in the sheet's local time zone `tz`."""
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise Unparseable("date")
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=tz)
        has_time = value.time() != time(0, 0)
        return SheetDate(aware, has_time)
    if isinstance(value, date):
        return SheetDate(datetime.combine(value, time(0, 0), tz), False)
    if isinstance(value, time):
        raise Unparseable("date")
    if isinstance(value, int | float):
        return _from_serial(float(value), tz)
    text = text_of(value)
    if text is None:
        return None
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text) and len(text) >= 5:
        return _from_serial(float(text.replace(",", ".")), tz)
    for pattern in _DATE_FORMS:
        match = pattern.fullmatch(text)
        if match:
            return _from_match(match, tz)
    raise Unparseable("date")


def _from_serial(serial: float, tz: tzinfo) -> SheetDate:
    if not _SERIAL_MIN <= serial <= _SERIAL_MAX:
        raise Unparseable("date")
    moment = _SERIAL_EPOCH + timedelta(days=serial)
    moment = moment.replace(microsecond=0)
    return SheetDate(moment.replace(tzinfo=tz), not float(serial).is_integer())


def _from_match(match: re.Match[str], tz: tzinfo) -> SheetDate:
    parts = match.groupdict()
    if parts.get("mon") is not None:
        month = _HU_MONTHS.get(loose_key(parts["mon"]))
        if month is None:
            raise Unparseable("date")
    else:
        month = int(parts["m"])
    has_time = parts.get("h") is not None
    try:
        moment = datetime(
            int(parts["y"]),
            month,
            int(parts["d"]),
            int(parts["h"] or 0),
            int(parts["mi"] or 0),
            int(parts["s"] or 0),
        )
    except ValueError as exc:
        raise Unparseable("date") from exc
    offset = parts.get("tz")
    if offset:
        aware = datetime.fromisoformat(moment.isoformat() + ("+00:00" if offset == "Z" else offset))
        return SheetDate(aware.astimezone(tz), has_time)
    return SheetDate(moment.replace(tzinfo=tz), has_time)


def parse_flag(value: CellValue, tz: tzinfo) -> Flag | None:
    """A cell that is either yes/no or the date the thing happened (`Fizetve`)."""
    try:
        answer = parse_yes_no(value)
    except Unparseable:
        return Flag(True, parse_date(value, tz))
    return None if answer is None else Flag(answer)


# --- words -----------------------------------------------------------------------------

_METHODS = {
    PaymentMethod.CARD: {"bankkartya", "kartya", "card", "bank card", "credit card",
                         "bankkartyas", "kartyas", "bankkartyaval", "kartyaval"},
    PaymentMethod.TRANSFER: {"utalas", "atutalas", "transfer", "bank transfer",
                             "utalasos", "banki atutalas", "wire", "wire transfer"},
}  # fmt: skip


def parse_payment_method(value: CellValue) -> PaymentMethod | None:
    return _one_of(value, _METHODS, "payment-method")


def _one_of(value: CellValue, words: Mapping[T, set[str]], kind: str) -> T | None:
    """The key of `words` whose set holds the cell text compared loosely."""
    text = text_of(value)
    if text is None:
        return None
    word = loose_key(text).rstrip("!.")
    for key, accepted in words.items():
        if word in accepted:
            return key
    raise Unparseable(kind)


_EMAIL_TYPES = {
    EmailType.OWN: {"sajat", "own", "ugyfele", "ugyfel sajat"},
    EmailType.CREATED: {"letrehozott", "created", "uj", "new", "altalunk letrehozott"},
}


def parse_email_type(value: CellValue) -> EmailType | None:
    return _one_of(value, _EMAIL_TYPES, "email-type")


_APPLICATION = {
    Application.SUBMITTED: {"bekuldve", "submitted", "elkuldve", "sent", "folyamatban"},
    Application.SUCCESSFUL: {"sikeres", "successful", "success", "siker"},
    Application.FAILED: {"sikertelen", "failed", "unsuccessful", "hiba", "elutasitva"},
}


def parse_application(value: CellValue) -> Application | None:
    return _one_of(value, _APPLICATION, "application")


# The common case, plain ASCII dot-atom addresses, is decided here; anything unusual
# (non-ASCII, quoting, special-use names) goes to email-validator, which is ~50x slower.
_SIMPLE_ADDRESS = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
_SPECIAL_USE = {"arpa", "invalid", "local", "localhost", "onion", "test"}


def parse_email(value: CellValue) -> str | None:
    """A valid address, normalized (lower-cased, `mailto:` dropped)."""
    text = text_of(value)
    if text is None:
        return None
    return _valid_address(re.sub(r"^mailto:", "", text, flags=re.IGNORECASE).strip())


@lru_cache(maxsize=65536)
def _valid_address(text: str) -> str:
    lowered = text.lower()
    local, _, domain = lowered.rpartition("@")
    if (
        _SIMPLE_ADDRESS.fullmatch(lowered)
        and len(local) <= 64
        and len(lowered) <= 254
        and domain.rsplit(".", 1)[-1] not in _SPECIAL_USE
        and "--" not in domain  # "ab--c", "xn--…": IDNA rules, email-validator decides
    ):
        return lowered
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise Unparseable("email") from exc
    return str(checked.normalized).lower()


_ADDRESS_IN_TEXT = re.compile(r"[^\s,;<>()]+@[^\s,;<>()]+")


def parse_managing_account(value: CellValue) -> ManagingAccount | None:
    """Yes/no, or the address added as managing account (possibly among other words)."""
    try:
        answer = parse_yes_no(value)
    except Unparseable:
        text = text_of(value) or ""
        found = _ADDRESS_IN_TEXT.search(text)
        if not found:
            raise
        address = parse_email(found.group(0))
        return ManagingAccount(True, address)
    if answer is None:
        return None
    return ManagingAccount(answer)


@lru_cache(maxsize=4096)
def is_start_package(package: str) -> bool:
    """`Start`, in any case, alone or with `csomag`/`package` around it."""
    words = re.sub(r"[-:,.;]", " ", loose_key(package)).split()
    return [w for w in words if w not in {"csomag", "package", "tarhely"}] == ["start"]
