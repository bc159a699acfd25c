"""The office calendar (pure): which days the office works, its hours, and office time.

Thresholds that count office time stop the clock outside working hours, at weekends,
on public holidays and bridge days, and run on transferred working days. The shell
builds the calendar (public holidays from the `holidays` package, closures and extra
working days from `[office]`) and hands it to the core as a value, like `now`.

One working day of office time is one whole office day (`day_length`), so "3 working
days" from a Friday 10:00 ends on Wednesday 10:00, and a threshold never trips while
the office is closed: it trips when the office reopens.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

# A duration longer than this many calendar days is never reached (a calendar with no
# working day at all, or an absurd threshold): the search stops rather than loops.
MAX_SEARCH_DAYS = 3660
NEVER = datetime.max.replace(tzinfo=UTC)  # a moment past any `now`


_FIRST = datetime.min.replace(tzinfo=UTC)


def later(moment: datetime, span: timedelta) -> datetime:
    """`moment` + `span` (not negative) in UTC; NEVER where that lies past year 9999 (a
    sheet date of 9999-12-31 plus a threshold) instead of an OverflowError failing every
    pass, and from the first moment UTC knows for a local time before it (0001-01-01)."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = _FIRST if moment.year == datetime.min.year else NEVER
    try:
        return utc + span
    except OverflowError:
        return NEVER


def on_the_wall(naive: datetime, zone: tzinfo) -> tuple[datetime, bool]:
    """`naive` read as a wall-clock time in `zone`: the moment, and whether the wall
    showed it twice (the clocks went back over it; the first is taken). ValueError when
    the wall never showed it (the clocks went forward over it)."""
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise ValueError(f"{naive:%Y-%m-%d %H:%M} does not exist in {zone}")
    return first, first.utcoffset() != second.utcoffset()


@dataclass(frozen=True)
class OfficeCalendar:
    """Working hours (`opens`–`closes`, local) on working days in `zone`.

    A day works when it is not in `holidays` (public holidays, bridge days, closures)
    and either its weekday is in `weekdays` or it is in `working_days` (transferred
    working Saturdays, extra working days). `holidays` wins over `working_days`."""

    zone: tzinfo = field(default_factory=lambda: ZoneInfo("Europe/Budapest"))
    opens: time = time(8, 0)
    closes: time = time(16, 30)
    weekdays: frozenset[int] = frozenset(range(5))  # Monday 0
    holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    _holidays: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _extra: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError("the office must close after it opens")
        if not self.weekdays and not self.working_days:
            raise ValueError("the office calendar has no working day")
        # Sorted once, so counting a long stretch of days costs two binary searches.
        object.__setattr__(self, "_holidays", tuple(sorted(self.holidays)))
        object.__setattr__(self, "_extra", tuple(sorted(self.working_days - self.holidays)))

    @property
    def day_length(self) -> timedelta:
        """One working day of office time."""
        return datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day.weekday() in self.weekdays or day in self.working_days

    def office_time(self, start: datetime, end: datetime) -> timedelta:
        """Office time elapsed from `start` to `end` (aware); zero when `end` is not later."""
        if end <= start:
            return timedelta(0)
        first, last = self._local_day(start), self._local_day(end)
        if first == last:
            return self._overlap(first, start, end)
        middle = self.working_days_in(first + timedelta(days=1), last - timedelta(days=1))
        return (
            self._overlap(first, start, end)
            + middle * self.day_length
            + self._overlap(last, start, end)
        )

    def working_days_elapsed(self, start: datetime, end: datetime) -> float:
        """Office time from `start` to `end` in whole office days (fractions kept)."""
        return self.office_time(start, end) / self.day_length

    def reached(self, start: datetime, duration: timedelta) -> datetime:
        """The first moment at which `duration` of office time has elapsed since `start`
        (the inverse of `office_time`), in UTC. A zero duration is reached at `start`;
        one not reached within `MAX_SEARCH_DAYS`, or only past year 9999, never (NEVER)."""
        if duration <= timedelta(0):
            return later(start, timedelta(0))
        try:
            return self._reached(start, duration)
        except OverflowError:  # the search walked off the calendar (a date near 9999)
            return NEVER

    def _reached(self, start: datetime, duration: timedelta) -> datetime:
        left = duration
        day = self._local_day(start)
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working_day(day):
                opens, closes = self._hours(day)
                begin = max(opens, start)
                if begin < closes:
                    if left <= closes - begin:  # not `begin + left`: that can overflow
                        return (begin + left).astimezone(UTC)
                    left -= closes - begin
            day += timedelta(days=1)
        return NEVER

    def working_days_in(self, first: date, last: date) -> int:
        """How many working days lie in `first`…`last`, both included."""
        if last < first:
            return 0
        days = (last - first).days + 1
        weeks, rest = divmod(days, 7)
        count = weeks * len(self.weekdays)
        count += sum(
            1 for i in range(rest) if (first + timedelta(days=i)).weekday() in self.weekdays
        )
        count -= sum(1 for d in self._between(self._holidays, first, last) if self._usual(d))
        count += sum(1 for d in self._between(self._extra, first, last) if not self._usual(d))
        return count

    def _usual(self, day: date) -> bool:
        return day.weekday() in self.weekdays

    @staticmethod
    def _between(days: tuple[date, ...], first: date, last: date) -> tuple[date, ...]:
        return days[bisect.bisect_left(days, first) : bisect.bisect_right(days, last)]

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def _hours(self, day: date) -> tuple[datetime, datetime]:
        """The day's office hours as aware moments. The office is open `day_length` from
        its local opening time, so a day that loses or gains an hour to a clock change
        inside the window keeps its length (the usual 08:00-16:30 never meets one)."""
        opens = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
        return opens, opens + self.day_length

    def _overlap(self, day: date, start: datetime, end: datetime) -> timedelta:
        if not self.is_working_day(day):
            return timedelta(0)
        opens, closes = self._hours(day)
        return max(timedelta(0), min(closes, end) - max(opens, start))
