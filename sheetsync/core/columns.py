"""The columns the rules read and the status columns sheetsync owns; the time thresholds.

Configured in `[columns]`, `[status_columns]` and `[thresholds]`; the core takes them as
values, so these models live here and the settings module uses them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Headers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnHeaders(_Headers):
    """Header text of each input column. Matching ignores case, accents, spacing and a
    trailing ':'."""

    client: str = "Ügyfél neve"
    contact: str = "Kapcsolattartó"
    email_type: str = "E-mail típusa"
    email: str = "E-mail cím"
    email_password: str = "E-mail jelszó"
    hosting_login: str = "Tárhely.eu felhasználó"
    hosting_password: str = "Tárhely.eu jelszó"
    managing_account: str = "Kezelő fiók"
    package: str = "Csomag"
    domain: str = "Domain"
    payment_method: str = "Fizetési mód"
    invoice_sent: str = "Számla elküldve"
    paid: str = "Fizetve"
    order_live: str = "Rendelés élő"
    domain_application: str = "Domain igénylés"
    notes: str = "Megjegyzés"


SECRET_COLUMNS = ("email_password", "hosting_password")


class StatusHeaders(_Headers):
    """Header text of the status columns sheetsync owns (appended when missing)."""

    stage: str = "Állapot"
    next_step: str = "Következő lépés"
    findings: str = "Problémák"
    domain: str = "Domain ellenőrzés"
    changed_at: str = "Állapot változott"


Unit = Literal["calendar", "office"]
_UNIT = (
    "calendar: wall-clock time; office: office time ([office]: working hours on working "
    "days; a day of it is one whole office day)."
)


# The longest threshold taken: ten years, "never" for any practical purpose. A longer one
# would overflow the date arithmetic of every pass; it is refused as configuration.
MAX_DAYS = 3650
MAX_HOURS = 24 * MAX_DAYS


class Thresholds(_Headers):
    """When a waiting step becomes a finding (see docs/contract.md). Each counts calendar
    time or office time (`*_unit`); the defaults follow rules.md: 3 working days, 8 office
    hours, 1 working day, 48 calendar hours. Each is at most ten years (3650 days, 87600
    hours): a longer one is refused as configuration."""

    invoice_overdue_days: float = Field(
        3,
        gt=0,
        le=MAX_DAYS,
        description="A transfer invoice still unpaid after this long is overdue.",
    )
    invoice_overdue_unit: Unit = Field("office", description=_UNIT)
    booking_overdue_hours: float = Field(
        8,
        gt=0,
        le=MAX_HOURS,
        description="Transfer paid, order still not live after this long: overdue.",
    )
    booking_overdue_unit: Unit = Field("office", description=_UNIT)
    card_pending_days: float = Field(
        1,
        gt=0,
        le=MAX_DAYS,
        description="Card payment chosen and still unpaid after this long.",
    )
    card_pending_unit: Unit = Field("office", description=_UNIT)
    registration_grace_hours: float = Field(
        48,
        gt=0,
        le=MAX_HOURS,
        description="'Sikeres' but the domain still shows free after this long.",
    )
    registration_grace_unit: Unit = Field("calendar", description=_UNIT)
    # How long a detected credential change stays in the status cell (so it does not flap).
    credential_changed_hours: float = Field(
        24,
        gt=0,
        le=MAX_HOURS,
        description="How long a detected credential change stays in the status.",
    )
