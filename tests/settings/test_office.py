"""`[office]`: the Hungarian calendar the holidays package serves, checked against the
published dates, and the agency's own closures and working days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sheetsync.core.calendar import OfficeCalendar
from sheetsync.errors import ConfigError
from sheetsync.settings import Settings, load_settings
from sheetsync.settings.office import OfficeSettings, office_calendar
from tests.support.builders import settings

D = date.fromisoformat


def calendar_of(year: int, **office: object) -> OfficeCalendar:
    return office_calendar(OfficeSettings(**office), "Europe/Budapest", year)  # type: ignore[arg-type]


# The yearly decrees on the working order around public holidays ("a … évi munkaszüneti
# napok körüli munkarendről"): a bridge day off, and the Saturday worked for it.
PUBLISHED = {
    # 15/2023. (VII. 13.) GFM rendelet
    2024: [
        ("2024-08-19", "2024-08-03"),
        ("2024-12-24", "2024-12-07"),
        ("2024-12-27", "2024-12-14"),
    ],
    # 11/2024. (IV. 8.) NGM rendelet
    2025: [
        ("2025-05-02", "2025-05-17"),
        ("2025-10-24", "2025-10-18"),
        ("2025-12-24", "2025-12-13"),
    ],
    # 10/2025. (IV. 30.) NGM rendelet (its third swap, 24 December for Saturday 12
    # December, lapsed when Act LXXII of 2026 made 24 December a public holiday)
    2026: [("2026-01-02", "2026-01-10"), ("2026-08-21", "2026-08-08")],
}


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_bridge_days_are_off_and_the_saturdays_worked_for_them_count(year: int) -> None:
    calendar = calendar_of(year)
    for bridge, saturday in PUBLISHED[year]:
        assert not calendar.is_working_day(D(bridge)), bridge
        assert calendar.is_working_day(D(saturday)), saturday
        assert D(saturday).weekday() == 5
    transferred = {d for d in calendar.working_days if d.year == year}
    assert transferred == {D(saturday) for _, saturday in PUBLISHED[year]}


@pytest.mark.parametrize(
    "holiday",
    [
        "2024-03-15", "2024-03-29", "2024-04-01", "2024-05-01", "2024-05-20", "2024-08-20",
        "2024-10-23", "2024-11-01", "2024-12-25", "2024-12-26",
        "2025-01-01", "2025-04-18", "2025-04-21", "2025-06-09", "2025-08-20", "2025-10-23",
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-25", "2026-08-20",
        "2026-10-23", "2026-12-24", "2026-12-25",
    ],
)  # fmt: skip
def test_public_holidays_on_weekdays_are_days_off(holiday: str) -> None:
    day = D(holiday)
    assert day.weekday() < 5
    assert not calendar_of(day.year).is_working_day(day)


def test_ordinary_weekdays_work_and_weekends_do_not() -> None:
    calendar = calendar_of(2026)
    assert calendar.is_working_day(D("2026-12-07"))
    assert not calendar.is_working_day(D("2026-12-05"))


def test_closures_and_extra_working_days_win_over_the_public_calendar() -> None:
    calendar = calendar_of(
        2026,
        closures=["2026-12-28..2026-12-31", D("2026-08-08")],
        working_days=["2026-12-12", "2026-05-01"],
    )
    for closed in ("2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2026-08-08"):
        assert not calendar.is_working_day(D(closed))
    assert calendar.is_working_day(D("2026-12-12"))
    assert calendar.is_working_day(D("2026-05-01"))


def test_without_public_holidays_only_the_weekdays_and_the_lists_count() -> None:
    calendar = calendar_of(2026, public_holidays="", days="mon-sat", hours="09:00 - 17:00")
    assert calendar.is_working_day(D("2026-12-25"))
    assert calendar.is_working_day(D("2026-12-05"))
    assert calendar.day_length.total_seconds() == 8 * 3600


def test_the_office_zone_defaults_to_the_top_level_one() -> None:
    moment = datetime(2026, 12, 7, 12, tzinfo=UTC)
    assert str(settings(timezone="Europe/London").office_calendar(moment).zone) == "Europe/London"
    own = settings(timezone="Europe/London", office={"timezone": "Europe/Budapest"})
    assert str(own.office_calendar(moment).zone) == "Europe/Budapest"


@pytest.mark.parametrize(
    ("office", "problem"),
    [
        ({"hours": "16:30-08:00"}, "end after it starts"),
        ({"hours": "8-16"}, "HH:MM-HH:MM"),
        ({"days": "weekdays"}, "mon-fri"),
        ({"public_holidays": "XX"}, "knows no country"),
        ({"closures": ["2026-13-01"]}, "neither a date"),
        ({"closures": ["2026-12-31..2026-12-01"]}, "runs forwards"),
        ({"closures": ["2026-12-24"], "working_days": ["2026-12-24"]}, "both a closure"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ],
)
def test_a_bad_office_setting_is_an_error_naming_it(
    office: dict[str, object], problem: str
) -> None:
    with pytest.raises(Exception, match=problem) as caught:
        Settings(sheet={"path": "x.xlsx"}, office=office)  # type: ignore[arg-type]
    assert "office" in str(caught.value)


def test_closures_are_read_from_toml_dates_and_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "sheetsync.toml"
    path.write_text(
        '[sheet]\npath = "x.xlsx"\n[office]\nclosures = [2026-12-28, "2026-12-30..2026-12-31"]\n',
        encoding="utf-8",
    )
    loaded = load_settings(path, env={})
    assert loaded.office.closures == (D("2026-12-28"), D("2026-12-30"), D("2026-12-31"))
    env = {"SHEETSYNC_OFFICE__WORKING_DAYS": '["2026-12-12"]'}
    assert load_settings(path, env=env).office.working_days == (D("2026-12-12"),)
    with pytest.raises(ConfigError, match="SHEETSYNC_OFFICE__HOURS"):
        load_settings(path, env={"SHEETSYNC_OFFICE__HOURS": "late"})
