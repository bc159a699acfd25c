"""Time thresholds in office time and in calendar time, over May 2025 in Budapest: a
public holiday (Thursday 1 May), a bridge day (Friday 2 May), the Saturday worked for it
(17 May) and Friday payments."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.calendar import OfficeCalendar
from sheetsync.core.columns import Thresholds
from sheetsync.core.model import RowEvaluation, Verdict
from sheetsync.core.texts import Texts
from sheetsync.core.values import CellValue
from tests.support.builders import BUD, CALENDAR_TIME, DONE, client, codes, evaluate_clients

MAY = OfficeCalendar(
    BUD,
    holidays=frozenset({date(2025, 5, 1), date(2025, 5, 2)}),
    working_days=frozenset({date(2025, 5, 17)}),
)
OFFICE = Thresholds()  # the defaults count office time (rules.md)
TICK = timedelta(microseconds=1)
KEY = "kovács pékség kft."
TRANSFER = client(DONE, payment_method="utalás", paid=None, domain_application=None)
CARD = client(DONE, paid=None, domain_application=None)


def at(day: str, clock: str = "00:00") -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=BUD)


def evaluate(
    row: dict[str, CellValue],
    now: datetime,
    thresholds: Thresholds = OFFICE,
    first_seen: dict[tuple[str, str], datetime] | None = None,
) -> RowEvaluation:
    return evaluate_clients(
        row, now=now, thresholds=thresholds, first_seen=first_seen, calendar=MAY
    )[0]


BEFORE_THE_LONG_WEEKEND = client(TRANSFER, paid="2025.04.30 15:00")
BEFORE_THE_WORKED_SATURDAY = client(TRANSFER, paid="2025.05.16 15:00")  # a Friday


@pytest.mark.parametrize(
    ("row", "thresholds", "trips"),
    [
        # 1.5 office hours on Wednesday; Thursday's holiday, Friday's bridge day and the
        # weekend do not count; Monday 08:00 + 6.5 hours.
        (BEFORE_THE_LONG_WEEKEND, OFFICE, at("2025-05-05", "14:30")),
        (BEFORE_THE_LONG_WEEKEND, CALENDAR_TIME, at("2025-04-30", "23:00")),
        # Friday 15:00: 1.5 hours, then the worked Saturday from 08:00.
        (BEFORE_THE_WORKED_SATURDAY, OFFICE, at("2025-05-17", "14:30")),
        (BEFORE_THE_WORKED_SATURDAY, CALENDAR_TIME, at("2025-05-16", "23:00")),
        # A transfer paid on Friday evening waits for Monday's office hours.
        (client(TRANSFER, paid="2025.05.09 17:00"), OFFICE, at("2025-05-12", "16:00")),
    ],
)
def test_transfer_booking_is_overdue_after_eight_hours_of_the_unit_it_counts(
    row: dict[str, CellValue], thresholds: Thresholds, trips: datetime
) -> None:
    before = evaluate(row, trips, thresholds)
    assert "transfer-booking-overdue" not in codes(before)
    assert before.next_step == "await-booking"
    assert before.valid_until == trips + TICK
    after = evaluate(row, trips + TICK, thresholds)
    assert "transfer-booking-overdue" in codes(after)
    assert after.next_step == "escalate-booking"


def test_office_time_keeps_the_long_weekend_quiet_where_calendar_time_alarms() -> None:
    friday_bridge_day = at("2025-05-02", "12:00")
    assert "transfer-booking-overdue" in codes(
        evaluate(BEFORE_THE_LONG_WEEKEND, friday_bridge_day, CALENDAR_TIME)
    )
    assert "transfer-booking-overdue" not in codes(
        evaluate(BEFORE_THE_LONG_WEEKEND, friday_bridge_day)
    )


def test_invoice_sent_before_the_long_weekend_is_overdue_after_three_working_days() -> None:
    # Sent on Wednesday 30 April (a bare date counts from the end of the day): Monday,
    # Tuesday and Wednesday of the next week are the three working days.
    sent = client(TRANSFER, invoice_sent="2025.04.30")
    office = evaluate(sent, at("2025-05-07", "16:30"))
    assert "invoice-overdue" not in codes(office)
    assert office.valid_until == at("2025-05-08", "08:00") + TICK
    assert "invoice-overdue" in codes(evaluate(sent, at("2025-05-08", "08:01")))
    # In calendar days it fired on Sunday.
    calendar = evaluate(sent, at("2025-05-04", "00:00"), CALENDAR_TIME)
    assert "invoice-overdue" in codes(calendar)


def test_card_payment_pending_after_one_working_day_counts_the_worked_saturday() -> None:
    seen = {(KEY, "card-unpaid"): at("2025-05-16", "10:00")}  # Friday
    assert "card-payment-pending" not in codes(
        evaluate(CARD, at("2025-05-17", "10:00"), first_seen=seen)
    )
    assert "card-payment-pending" in codes(
        evaluate(CARD, at("2025-05-17", "10:01"), first_seen=seen)
    )
    # Without the worked Saturday the day would end on Monday at 10:00.
    no_saturday = OfficeCalendar(BUD, holidays=MAY.holidays)
    late = evaluate_clients(
        CARD, now=at("2025-05-17", "12:00"), first_seen=seen, calendar=no_saturday
    )[0]
    assert "card-payment-pending" not in codes(late)
    assert late.valid_until == at("2025-05-19", "10:00") + TICK


def test_registration_grace_counts_calendar_hours_by_default_and_office_hours_if_asked() -> None:
    row = client(DONE)
    seen = {(KEY, "application-successful"): at("2025-04-30", "12:00")}
    free = {"kovacspekseg.hu": Verdict.AVAILABLE}
    now = at("2025-05-02", "12:01")  # 48 calendar hours and a minute; 4.5 office hours
    calendar = evaluate_clients(row, now=now, first_seen=seen, verdicts=free, calendar=MAY)[0]
    assert "domain-not-registered" in codes(calendar)
    office = evaluate_clients(
        row,
        now=now,
        first_seen=seen,
        verdicts=free,
        calendar=MAY,
        thresholds=Thresholds(registration_grace_unit="office"),
    )[0]
    assert "domain-not-registered" not in codes(office)


@pytest.mark.parametrize(
    ("thresholds", "hu", "en"),
    [
        (
            OFFICE,
            "Több mint 8 munkaórája fizetve (utalás, 2025. 04. 30.), de a rendelés nem élő",
            "Paid by transfer (2025-04-30) more than 8 office hours ago, but the order",
        ),
        (
            CALENDAR_TIME,
            "Több mint 8 órája fizetve (utalás, 2025. 04. 30.)",
            "more than 8 hours ago",
        ),
        (
            Thresholds(booking_overdue_hours=1.5),
            "Több mint 1,5 munkaórája fizetve",
            "more than 1.5 office hours ago",
        ),
    ],
)
def test_the_message_says_the_time_elapsed_in_the_unit_it_counts(
    thresholds: Thresholds, hu: str, en: str
) -> None:
    evaluation = evaluate(BEFORE_THE_LONG_WEEKEND, at("2025-05-06", "12:00"), thresholds)
    (finding,) = [f for f in evaluation.findings if f.code == "transfer-booking-overdue"]
    assert hu in Texts("hu").finding(finding, {})
    assert en in Texts("en").finding(finding, {})


def test_working_days_are_said_in_working_days() -> None:
    sent = client(TRANSFER, invoice_sent="2025.04.30")
    (finding,) = evaluate(sent, at("2025-05-09", "12:00")).findings
    assert "több mint 3 munkanapja nincs kifizetve" in Texts("hu").finding(finding, {})
    assert "unpaid for more than 3 working days" in Texts("en").finding(finding, {})
    one = evaluate(
        CARD,
        at("2025-05-20", "12:00"),
        first_seen={(KEY, "card-unpaid"): at("2025-05-16", "10:00")},
    )
    assert "more than 1 working day" in Texts("en").finding(one.findings[0], {})


# --- valid_until: the exact first moment a finding appears ----------------------------

_STARTS = st.builds(
    lambda day, minute: datetime.combine(day, time(minute // 60, minute % 60), tzinfo=BUD),
    st.dates(min_value=date(2025, 4, 25), max_value=date(2025, 5, 20)),
    st.integers(min_value=0, max_value=24 * 60 - 1),
)
_CASES = st.sampled_from(
    [
        (client(TRANSFER, paid="igen"), "transfer-paid-not-live", "booking_overdue", "hours"),
        (client(TRANSFER, invoice_sent="x"), "invoice-unpaid", "invoice_overdue", "days"),
        (CARD, "card-unpaid", "card_pending", "days"),
    ]
)


@given(
    _STARTS,
    _CASES,
    st.sampled_from(["office", "calendar"]),
    st.floats(min_value=0.25, max_value=30, allow_nan=False).map(lambda x: round(x * 4) / 4),
)
def test_valid_until_is_exactly_the_first_moment_the_finding_appears(
    start: datetime, case: tuple[dict[str, CellValue], str, str, str], unit: str, amount: float
) -> None:
    row, fact, name, per = case
    limit = {"hours": amount, "days": amount / 8}[per]  # days: up to about 4
    thresholds = Thresholds(**{f"{name}_{per}": limit, f"{name}_unit": unit})  # type: ignore[arg-type]
    seen = {(KEY, fact): start}
    first = evaluate(row, start, thresholds, seen)
    code = {"booking_overdue": "transfer-booking-overdue", "invoice_overdue": "invoice-overdue"}
    finding = code.get(name, "card-payment-pending")
    assert finding not in codes(first)
    trips = first.valid_until
    assert trips is not None
    just_before = evaluate(row, trips - TICK, thresholds, seen)
    assert finding not in codes(just_before)
    assert just_before.valid_until == trips
    assert finding in codes(evaluate(row, trips, thresholds, seen))
    # …and it is where the elapsed time first exceeds the limit, in that unit.
    span = timedelta(hours=limit) if per == "hours" else timedelta(days=limit)
    if unit == "office":
        span = span if per == "hours" else limit * MAY.day_length
        assert MAY.office_time(start, trips - TICK) <= span < MAY.office_time(start, trips)
        assert MAY.is_working_day(trips.astimezone(BUD).date())
    else:
        assert trips - TICK - start <= span < trips - start
