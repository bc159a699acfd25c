"""The office calendar: office time between two moments and its inverse, by hand and
against a minute-by-minute count."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.calendar import NEVER, OfficeCalendar, later
from sheetsync.core.columns import MAX_DAYS, MAX_HOURS

BUD = ZoneInfo("Europe/Budapest")
# 2025: Friday 2 May is a bridge day, Saturday 17 May is worked instead; 1 May a holiday.
MAY_2025 = OfficeCalendar(
    BUD,
    holidays=frozenset({date(2025, 5, 1), date(2025, 5, 2)}),
    working_days=frozenset({date(2025, 5, 17)}),
)


def at(day: str, clock: str = "00:00") -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=BUD)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (at("2025-05-05", "09:00"), at("2025-05-05", "10:30"), 1.5),  # inside one day
        (at("2025-05-05", "06:00"), at("2025-05-05", "20:00"), 8.5),  # the whole day
        (at("2025-05-09", "15:00"), at("2025-05-12", "09:00"), 2.5),  # over a weekend
        (at("2025-04-30", "16:00"), at("2025-05-05", "08:30"), 1.0),  # holiday + bridge day
        (at("2025-05-16", "16:00"), at("2025-05-19", "09:00"), 10.0),  # the worked Saturday
        (at("2025-05-05", "12:00"), at("2025-05-05", "11:00"), 0.0),  # backwards
    ],
)
def test_office_time_counts_working_hours_on_working_days(
    start: datetime, end: datetime, hours: float
) -> None:
    assert MAY_2025.office_time(start, end) == timedelta(hours=hours)


def test_reached_is_the_inverse_and_waits_for_the_office_to_open() -> None:
    friday_evening = at("2025-04-30", "17:00")  # Wednesday; then a holiday and a bridge day
    assert MAY_2025.reached(friday_evening, timedelta(hours=1)) == at("2025-05-05", "09:00")
    # Exactly the day's hours are reached at closing, not the next morning.
    assert MAY_2025.reached(at("2025-05-05", "08:00"), timedelta(hours=8.5)) == at(
        "2025-05-05", "16:30"
    )
    # One more microsecond is the next opening.
    assert MAY_2025.reached(at("2025-05-05", "08:00"), timedelta(hours=8.5, microseconds=1)) == at(
        "2025-05-06", "08:00"
    ) + timedelta(microseconds=1)


def test_working_days_elapsed_are_whole_office_days() -> None:
    start = at("2025-05-16", "10:00")  # Friday; Saturday 17 is worked
    assert MAY_2025.working_days_elapsed(start, at("2025-05-19", "10:00")) == 2
    assert MAY_2025.working_days_elapsed(at("2025-04-30", "10:00"), at("2025-05-05", "10:00")) == 1


def test_daylight_saving_does_not_change_an_office_day() -> None:
    calendar = OfficeCalendar(BUD, weekdays=frozenset(range(7)))
    # 2026-03-29: clocks go forward at 02:00; the office day keeps its 8.5 hours.
    assert calendar.office_time(at("2026-03-28"), at("2026-03-30")) == timedelta(hours=17)
    assert calendar.reached(at("2026-03-29"), timedelta(hours=1)) == at("2026-03-29", "09:00")


def test_a_calendar_without_working_days_or_with_closing_before_opening_is_refused() -> None:
    with pytest.raises(ValueError, match="no working day"):
        OfficeCalendar(BUD, weekdays=frozenset())
    with pytest.raises(ValueError, match="close after it opens"):
        OfficeCalendar(BUD, opens=time(17), closes=time(9))


def test_an_unreachable_duration_ends_the_search() -> None:
    only_one_day = OfficeCalendar(
        BUD, weekdays=frozenset(), working_days=frozenset({date(2025, 5, 5)})
    )
    assert only_one_day.reached(at("2025-05-06"), timedelta(hours=1)).year == 9999


@pytest.mark.parametrize(
    "zone", [BUD, ZoneInfo("America/Anchorage"), ZoneInfo("Pacific/Kiritimati")]
)
@pytest.mark.parametrize(
    "duration", [timedelta(0), timedelta(hours=8), MAX_DAYS * OfficeCalendar().day_length]
)
@pytest.mark.parametrize("start", ["9999-12-31T23:00:00", "0001-01-01T00:30:00", "2026-12-04"])
def test_reached_never_overflows_for_any_threshold_the_settings_allow(
    zone: ZoneInfo, duration: timedelta, start: str
) -> None:
    # M1: the longest threshold allowed, and sheet dates at either end of the calendar.
    moment = datetime.fromisoformat(start).replace(tzinfo=zone)
    trips = OfficeCalendar(zone).reached(moment, duration)
    assert trips.tzinfo is UTC
    assert trips == NEVER or trips >= later(moment, timedelta(0))
    assert later(moment, timedelta(hours=MAX_HOURS)) >= later(moment, timedelta(0))


_DAYS = st.dates(min_value=date(2025, 4, 20), max_value=date(2025, 5, 25))
_MINUTES = st.integers(min_value=0, max_value=24 * 60 - 1)


def _moment(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=BUD)


def _by_minute(calendar: OfficeCalendar, start: datetime, end: datetime) -> timedelta:
    """Office minutes counted one by one: slow, obviously right."""
    count, moment = 0, start
    while moment < end:
        local = moment.astimezone(BUD)
        opens = datetime.combine(local.date(), calendar.opens, tzinfo=BUD)
        closes = datetime.combine(local.date(), calendar.closes, tzinfo=BUD)
        count += calendar.is_working_day(local.date()) and opens <= local < closes
        moment += timedelta(minutes=1)
    return timedelta(minutes=count)


@given(_DAYS, _MINUTES, _DAYS, _MINUTES)
def test_office_time_agrees_with_counting_minutes(d1: date, m1: int, d2: date, m2: int) -> None:
    start, end = _moment(d1, m1), _moment(d2, m2)
    assert MAY_2025.office_time(start, end) == _by_minute(MAY_2025, start, end)


@given(_DAYS, _MINUTES, st.integers(min_value=1, max_value=60 * 40))
def test_reached_is_the_first_moment_with_that_much_office_time(
    day: date, minute: int, minutes: int
) -> None:
    start, wanted = _moment(day, minute), timedelta(minutes=minutes)
    moment = MAY_2025.reached(start, wanted)
    assert moment.tzinfo is UTC
    assert MAY_2025.office_time(start, moment) == wanted
    assert MAY_2025.office_time(start, moment - timedelta(microseconds=1)) < wanted


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)), st.integers(0, 800))
def test_counting_working_days_agrees_with_looking_at_each_day(first: date, span: int) -> None:
    calendar = OfficeCalendar(
        BUD,
        weekdays=frozenset({0, 1, 2, 3, 4}),
        holidays=frozenset({date(2025, 5, 2), date(2025, 5, 3), date(2026, 1, 2)}),
        working_days=frozenset({date(2025, 5, 17), date(2026, 1, 10), date(2025, 5, 3)}),
    )
    last = first + timedelta(days=span)
    by_day = sum(calendar.is_working_day(first + timedelta(days=i)) for i in range(span + 1))
    assert calendar.working_days_in(first, last) == by_day
