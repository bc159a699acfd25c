"""`[office]`: the office calendar that office-time thresholds count, and its building.

Public holidays and the officially transferred working days come from the `holidays`
package (Hungary's by default: public holidays, bridge days and the working Saturdays
that make up for them); `closures` and `working_days` add the agency's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sheetsync.core.calendar import OfficeCalendar
from sheetsync.settings.sections import clock_window, known_zone, parse_days

_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")
MAX_RANGE_DAYS = 366  # one entry spans at most a year: a typo must not make millions of days


class OfficeSettings(BaseModel):
    """The office calendar: when office time runs (see docs/contract.md#time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hours: str = Field(
        "08:00-16:30",
        description="Working hours, local 'HH:MM-HH:MM': 8 working hours and the lunch break.",
    )
    days: str = Field("mon-fri", description="Working weekdays (cron style: mon-fri, mon,wed).")
    timezone: str | None = Field(None, description="Default: the top-level timezone.")
    public_holidays: str = Field(
        "HU",
        description="Country whose public holidays and transferred working days count "
        "(the holidays package's code); '' for none.",
    )
    closures: tuple[date, ...] = Field(
        (),
        description="Extra days off: dates or 'YYYY-MM-DD..YYYY-MM-DD' ranges.",
    )
    working_days: tuple[date, ...] = Field(
        (),
        description="Extra working days (e.g. a Saturday worked): dates or ranges.",
    )

    @field_validator("closures", "working_days", mode="before")
    @classmethod
    def _dates(cls, value: object) -> object:
        if isinstance(value, str | date):
            value = [value]
        if not isinstance(value, list | tuple):
            return value
        return tuple(sorted(set(_expand(value))))

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        return clock_window(value)

    @field_validator("days")
    @classmethod
    def _days(cls, value: str) -> str:
        parse_days(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else known_zone(value)

    @field_validator("public_holidays")
    @classmethod
    def _country(cls, value: str) -> str:
        code = value.strip().upper()
        if code in ("", "HU"):
            return code
        import holidays  # only for a country other than the default

        if code not in holidays.list_supported_countries():
            raise ValueError(f"the holidays package knows no country {value!r}")
        return code

    @model_validator(mode="after")
    def _distinct(self) -> OfficeSettings:
        both = sorted(set(self.closures) & set(self.working_days))
        if both:
            days = ", ".join(d.isoformat() for d in both[:5])
            raise ValueError(f"a day cannot be both a closure and a working day: {days}")
        return self


def _expand(values: Iterable[object]) -> Iterable[date]:
    for value in values:
        if isinstance(value, date):
            yield value
            continue
        text = str(value).strip()
        found = _RANGE.match(text)
        try:
            if not found:
                yield date.fromisoformat(text)
                continue
            first, last = (date.fromisoformat(part) for part in found.groups())
        except ValueError:
            raise ValueError(
                f"{text!r} is neither a date (2026-12-28) nor a range (2026-12-28..2026-12-31)"
            ) from None
        if not 0 <= (last - first).days < MAX_RANGE_DAYS:
            raise ValueError(f"{text!r}: a range runs forwards, at most a year")
        yield from (first + timedelta(days=i) for i in range((last - first).days + 1))


@lru_cache(maxsize=8)
def office_calendar(office: OfficeSettings, zone: str, year: int) -> OfficeCalendar:
    """The calendar for a pass in `year` (public holidays of the years around it: a
    threshold counted from last December reaches into January). `zone` is the
    top-level time zone, used unless `[office] timezone` is set."""
    holidays, transferred = _public_days(office.public_holidays, range(year - 1, year + 2))
    closures, extra = set(office.closures), set(office.working_days)
    opens, closes = (time.fromisoformat(part) for part in office.hours.split("-"))
    return OfficeCalendar(
        zone=ZoneInfo(office.timezone or zone),
        opens=opens,
        closes=closes,
        weekdays=parse_days(office.days),
        holidays=frozenset((holidays - extra) | closures),
        working_days=frozenset((transferred | extra) - closures),
    )


def _public_days(country: str, years: range) -> tuple[set[date], set[date]]:
    """Public holidays (bridge days included) and transferred working days."""
    if not country:
        return set(), set()
    import holidays  # ~0.2 s: only for commands that evaluate rows

    known = holidays.country_holidays(country, years=years)
    return set(known), set(getattr(known, "weekend_workdays", ()))
