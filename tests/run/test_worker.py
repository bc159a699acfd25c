"""The worker over several syncs against fakes: thresholds, memory across restarts,
credential changes, crashes, quiet runs and failure announcements."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from sheetsync.core.model import Code, Verdict
from sheetsync.errors import NotifierError, SheetAccessError, SheetLayoutError
from sheetsync.run import worker as worker_module
from sheetsync.settings import SlackSettings
from sheetsync.state.sqlite import SqliteStateStore
from sheetsync.testing import FakeClock, InMemoryStateStore
from tests.support.builders import CALENDAR_TIME
from tests.support.worker_fixtures import (
    CANARY,
    MONDAY_9,
    Rig,
    cell,
    client,
    codes,
    domains,
    settings,
    sheet,
)


class Crash(BaseException):
    """The process dying (not an Exception: nothing may catch it)."""


# Wall-clock thresholds, so the restarts below land on exact moments whatever the day.
WALL_CLOCK = settings(thresholds=CALENDAR_TIME)


def sqlite_rig(tmp_path: Path, *rows: list[object], **kwargs: object) -> Rig:
    return Rig(SqliteStateStore(tmp_path / "state.sqlite"), sheet(*rows), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cells", "code", "limit"),
    [
        ({"payment_method": "bankkártya"}, Code.CARD_PAYMENT_PENDING, timedelta(days=1)),
        (
            {"payment_method": "utalás", "invoice_sent": "igen", "paid": "igen"},
            Code.TRANSFER_BOOKING_OVERDUE,
            timedelta(hours=8),
        ),
        (
            {"payment_method": "utalás", "invoice_sent": "igen"},
            Code.INVOICE_OVERDUE,
            timedelta(days=3),
        ),
        (
            {"payment_method": "bankkártya", "paid": "igen", "domain_application": "Sikeres"},
            Code.DOMAIN_NOT_REGISTERED,
            timedelta(hours=48),
        ),
    ],
)
def test_first_seen_findings_appear_exactly_past_their_threshold_across_restarts(
    tmp_path: Path, cells: dict[str, str], code: Code, limit: timedelta
) -> None:
    checker = domains({"kovacs.hu": Verdict.AVAILABLE})
    rig = sqlite_rig(tmp_path, client("Kovacs", **cells), checker=checker, config=WALL_CLOCK)
    assert code not in codes(rig.run(), "Kovacs")

    rig.clock.now = MONDAY_9 + limit / 2
    rig.restart(SqliteStateStore(tmp_path / "state.sqlite"))  # a new process, same file
    assert code not in codes(rig.run(), "Kovacs")

    rig.clock.now = MONDAY_9 + limit
    rig.restart(SqliteStateStore(tmp_path / "state.sqlite"))
    assert code not in codes(rig.run(), "Kovacs"), "exactly at the threshold is not yet late"

    rig.clock.advance(seconds=1)
    rig.restart(SqliteStateStore(tmp_path / "state.sqlite"))
    assert code in codes(rig.run(), "Kovacs")


def test_a_sheet_date_decides_overdue_from_the_end_of_that_day(tmp_path: Path) -> None:
    # 2026-03-01 in Budapest ends at 22:59:59 UTC; three days later the invoice is late.
    row = client("Kovacs", payment_method="utalás", invoice_sent="2026. 03. 01.")
    rig = sqlite_rig(tmp_path, row, config=WALL_CLOCK)
    deadline = MONDAY_9.replace(day=4, hour=22, minute=59, second=59)
    rig.clock.now = deadline
    assert Code.INVOICE_OVERDUE not in codes(rig.run(), "Kovacs")
    rig.clock.advance(seconds=1)
    assert Code.INVOICE_OVERDUE in codes(rig.run(), "Kovacs")


def test_office_time_from_first_seen_survives_restarts_and_skips_the_weekend(
    tmp_path: Path,
) -> None:
    # Seen paid by transfer on Friday 13 March 2026 at 15:00 (Budapest) with no date in
    # the sheet; 1.5 office hours that day, then Monday (16 March) 08:00 + 6.5 hours.
    cells = {"payment_method": "utalás", "invoice_sent": "igen", "paid": "igen"}
    rig = sqlite_rig(tmp_path, client("Kovacs", **cells))
    rig.clock.now = MONDAY_9.replace(day=13, hour=14)
    assert Code.TRANSFER_BOOKING_OVERDUE not in codes(rig.run(), "Kovacs")
    for moment in (MONDAY_9.replace(day=14, hour=23), MONDAY_9.replace(day=16, hour=13, minute=30)):
        rig.clock.now = moment  # Saturday night; Monday 14:30 exactly
        rig.restart(SqliteStateStore(tmp_path / "state.sqlite"))
        assert Code.TRANSFER_BOOKING_OVERDUE not in codes(rig.run(), "Kovacs")
    rig.clock.advance(seconds=1)
    rig.restart(SqliteStateStore(tmp_path / "state.sqlite"))
    outcome = rig.run()
    assert Code.TRANSFER_BOOKING_OVERDUE in codes(outcome, "Kovacs")
    assert "Több mint 8 munkaórája fizetve" in cell(rig.sheet, "Kovacs", "Problémák")


def test_without_a_store_the_first_seen_clock_would_restart_each_time(tmp_path: Path) -> None:
    rig = sqlite_rig(tmp_path, client("Kovacs", payment_method="bankkártya"))
    rig.run()
    (tmp_path / "state.sqlite").unlink()  # memory lost: a new first-seen time
    rig.clock.advance(days=2)
    rig.restart(SqliteStateStore(tmp_path / "state.sqlite"))
    assert Code.CARD_PAYMENT_PENDING not in codes(rig.run(), "Kovacs")
    rig.clock.advance(days=1, seconds=1)
    assert Code.CARD_PAYMENT_PENDING in codes(rig.run(), "Kovacs")


def test_a_fact_no_longer_observed_is_forgotten(tmp_path: Path) -> None:
    rig = sqlite_rig(tmp_path, client("Kovacs", payment_method="bankkártya"))
    rig.run()
    rig.sheet.set(2, rig.sheet.column("Fizetve"), "igen")
    rig.clock.advance(days=3)
    rig.run()
    rig.sheet.set(2, rig.sheet.column("Fizetve"), None)  # payment undone: a new wait starts
    rig.clock.advance(hours=1)
    assert Code.CARD_PAYMENT_PENDING not in codes(rig.run(), "Kovacs")
    stored = rig.store.load().rows["kovacs"].first_seen
    # Back at the payment step: the wait and the stage both start again now.
    assert stored == {"card-unpaid": rig.clock.now, "stage:payment": rig.clock.now}


def test_a_credential_change_is_reported_once_and_shown_for_a_day(tmp_path: Path) -> None:
    rig = sqlite_rig(tmp_path, client("Kovacs"), client("Nagy"))
    rig.run()
    assert len(rig.notifier.sent) == 1  # the first report

    rig.sheet.set(2, rig.sheet.column("Tárhely.eu jelszó"), "a new secret")
    rig.clock.advance(minutes=5)
    outcome = rig.run()
    assert Code.CREDENTIAL_CHANGED in codes(outcome, "Kovacs")
    assert Code.CREDENTIAL_CHANGED not in codes(outcome, "Nagy")
    assert "Tárhely.eu jelszó" in str(cell(rig.sheet, "Kovacs", "Problémák"))
    assert len(rig.notifier.sent) == 2
    change = rig.notifier.sent[1].text
    assert "Kovacs" in change and "Tárhely.eu jelszó" in change
    assert "a new secret" not in change

    for _ in range(3):  # still shown in the cell, never announced again
        rig.clock.advance(hours=6)
        assert Code.CREDENTIAL_CHANGED in codes(rig.run(), "Kovacs")
    assert len(rig.notifier.sent) == 2

    rig.clock.advance(hours=6)  # 24 h after detection it leaves the cell, quietly
    assert Code.CREDENTIAL_CHANGED not in codes(rig.run(), "Kovacs")
    assert "Tárhely.eu jelszó" not in str(cell(rig.sheet, "Kovacs", "Problémák") or "")
    assert len(rig.notifier.sent) == 2


def test_a_password_recorded_for_the_first_time_is_not_a_change(tmp_path: Path) -> None:
    rig = sqlite_rig(tmp_path, client("Kovacs", hosting_password=None))
    rig.run()
    rig.sheet.set(2, rig.sheet.column("Tárhely.eu jelszó"), "first password")
    assert Code.CREDENTIAL_CHANGED not in codes(rig.run(), "Kovacs")


def test_a_crash_between_write_and_save_is_redone_with_one_notification() -> None:
    store = InMemoryStateStore()
    rig = Rig(store, sheet(client("Kovacs")))
    rig.run()
    rig.sheet.set(2, rig.sheet.column("Tárhely.eu jelszó"), "changed")
    rig.sheet.set(2, rig.sheet.column("Fizetési mód"), "bankkártya")
    rig.clock.advance(minutes=5)
    store.fail_save = Crash()
    with pytest.raises(Crash):
        rig.run()
    assert rig.sheet.writes == 2, "the sheet was written before the crash"
    assert len(rig.notifier.sent) == 1, "nothing announced before the state was saved"

    rig.clock.advance(minutes=5)
    outcome = rig.run()  # the rerun
    assert Code.CREDENTIAL_CHANGED in codes(outcome, "Kovacs")
    assert outcome.delivered
    rig.clock.advance(minutes=5)
    rig.run()
    messages = [m.text for m in rig.notifier.sent[1:]]
    assert len(messages) == 1
    assert messages[0].count("Tárhely.eu jelszó") == 1


def test_dry_run_neither_saves_nor_notifies() -> None:
    store = InMemoryStateStore()
    rig = Rig(store, sheet(client("Kovacs")))
    outcome = rig.run(dry_run=True)
    assert outcome.result is not None and outcome.result.dry_run
    assert store.saves == 0 and rig.notifier.sent == [] and rig.sheet.writes == 0


def test_quiet_when_nothing_changed_and_a_digest_once_a_day() -> None:
    config = settings(slack=SlackSettings(digest_time="08:30"))
    rig = Rig(InMemoryStateStore(), sheet(client("Kovacs")), config)
    rig.run()
    for _ in range(10):
        rig.clock.advance(minutes=5)
        rig.run()
    assert len(rig.notifier.sent) == 1
    rig.clock.now = MONDAY_9.replace(day=3, hour=7, minute=29)  # 08:29 Budapest
    rig.run()
    assert len(rig.notifier.sent) == 1
    rig.clock.advance(minutes=1)
    rig.run()
    rig.clock.advance(minutes=5)
    rig.run()
    assert len(rig.notifier.sent) == 2
    assert "Napi összefoglaló" in rig.notifier.sent[1].text


def test_changes_are_reported_as_new_resolved_moved_and_ready() -> None:
    rig = Rig(InMemoryStateStore(), sheet(client("Kovacs", payment_method="bankkártya")))
    rig.run()
    rig.sheet.set(2, rig.sheet.column("Fizetve"), "igen")
    rig.sheet.rows.append(client("Nagy", managing_account=None))
    rig.clock.advance(minutes=5)
    text = rig.run().message.text  # type: ignore[union-attr]
    assert "Fejlesztés indítható\n• Kovacs (2. sor)" in text
    assert "5. Fizetés → 6. Domain igénylés" in text
    assert "Új ügyfelek\n• Nagy (3. sor)" in text


def test_a_notifier_failure_never_fails_the_sync_and_the_news_waits() -> None:
    store = InMemoryStateStore()
    rig = Rig(store, sheet(client("Kovacs")))
    rig.run()
    rig.sheet.rows.append(client("Nagy"))
    rig.notifier.fail = NotifierError("down")
    rig.clock.advance(minutes=5)
    outcome = rig.run()
    assert outcome.error is None and outcome.result is not None and not outcome.delivered
    assert store.runs[-1].outcome == "ok"
    rig.notifier.fail = None
    rig.clock.advance(minutes=5)
    assert rig.run().delivered
    assert "Nagy" in rig.notifier.sent[-1].text


def test_a_summary_that_cannot_be_built_is_recorded_degraded_and_reported_next_time(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The outside attack: a summary that raised after the sheet was written left the
    run recorded `ok` (health green) while every pass failed and Slack stayed silent."""
    store = InMemoryStateStore()
    rig = Rig(store, sheet(client("Kovacs")))
    rig.run()
    rig.sheet.rows.append(client("Nagy"))
    rig.clock.advance(minutes=5)

    def broken(*args: object, **kwargs: object) -> None:
        raise OverflowError(f"date value out of range near {CANARY}")

    monkeypatch.setattr(worker_module, "summary", broken)
    with caplog.at_level(logging.ERROR):
        outcome = rig.run()
    assert isinstance(outcome.error, OverflowError) and outcome.result is not None
    assert cell(rig.sheet, "Nagy", "Állapot"), "the sheet was written all the same"
    assert store.runs[-1].outcome == "degraded"
    assert store.runs[-1].error_message == (
        "the summary could not be built (OverflowError); the next pass tries again"
    )
    assert "the summary could not be built: OverflowError at" in caplog.text
    assert CANARY not in caplog.text and CANARY not in str(store.runs)

    monkeypatch.undo()
    rig.clock.advance(minutes=5)
    later = rig.run()
    assert later.delivered and "Nagy" in rig.notifier.sent[-1].text
    assert store.runs[-1].outcome == "ok"


def test_a_run_level_failure_is_announced_once_and_its_recovery_once() -> None:
    store = InMemoryStateStore()
    rig = Rig(store, sheet(client("Kovacs")))
    rig.run()
    rig.sheet.fail_read = SheetAccessError("the sheet cannot be reached")
    for _ in range(5):
        rig.clock.advance(minutes=5)
        outcome = rig.run()
        assert isinstance(outcome.error, SheetAccessError)
    assert [m.text.count("the sheet cannot be reached") for m in rig.notifier.sent[1:]] == [1]
    assert [r.outcome for r in store.runs] == ["ok"] + ["failed"] * 5

    rig.sheet.fail_read = SheetLayoutError("headers broken")  # another kind: announced
    rig.clock.advance(minutes=5)
    rig.run()
    assert "headers broken" in rig.notifier.sent[-1].text

    rig.sheet.fail_read = None
    for _ in range(3):
        rig.clock.advance(minutes=5)
        rig.run()
    recovered = [m for m in rig.notifier.sent if "A szinkronizálás újra működik" in m.text]
    assert len(recovered) == 1
    assert len(rig.notifier.sent) == 4


def test_an_unexpected_error_is_recorded_by_class_only(caplog: pytest.LogCaptureFixture) -> None:
    store = InMemoryStateStore()
    rig = Rig(store, sheet(client("Kovacs")))
    rig.sheet.fail_read = ValueError(f"could not parse {CANARY}")
    with caplog.at_level(logging.DEBUG):
        outcome = rig.run()
    assert isinstance(outcome.error, ValueError)
    assert store.runs[-1].error_class == "ValueError"
    assert CANARY not in json.dumps([str(r) for r in store.runs])
    assert CANARY not in caplog.text
    assert all(CANARY not in m.text for m in rig.notifier.sent)


def test_the_state_file_never_holds_a_password(tmp_path: Path) -> None:
    created = {"email_type": "létrehozott", "email": "kovacs.marketing@gmail.com"}
    rig = sqlite_rig(tmp_path, client("Kovacs", email_password=CANARY, **created))
    rig.run()
    rig.sheet.set(2, rig.sheet.column("E-mail jelszó"), CANARY + "2")
    rig.clock.advance(minutes=5)
    rig.run()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for needle in (CANARY, CANARY + "2"):
        assert needle.encode() not in raw
        assert needle.encode("utf-16-le") not in raw
    assert all(CANARY not in json.dumps(m.payload()) for m in rig.notifier.sent)


def test_a_new_fingerprint_key_reports_no_false_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rig = sqlite_rig(tmp_path, client("Kovacs"))
    rig.run()
    (tmp_path / "state.sqlite.key").unlink()
    rig.restart(SqliteStateStore(tmp_path / "state.sqlite"))
    rig.clock.advance(minutes=5)
    with caplog.at_level(logging.WARNING):
        assert Code.CREDENTIAL_CHANGED not in codes(rig.run(), "Kovacs")
    assert "discarded" in caplog.text
    rig.sheet.set(2, rig.sheet.column("Tárhely.eu jelszó"), "after the new key")
    rig.clock.advance(minutes=5)
    assert Code.CREDENTIAL_CHANGED in codes(rig.run(), "Kovacs")


def test_fake_clock_is_the_only_time_source() -> None:
    clock = FakeClock(MONDAY_9)
    rig = Rig(InMemoryStateStore(), sheet(client("Kovacs")), clock=clock)
    outcome = rig.run()
    assert outcome.result is not None
    assert outcome.result.started_at == MONDAY_9
    assert rig.store.runs[-1].started_at == MONDAY_9  # type: ignore[attr-defined]
