"""Alerts and the summary window over many passes of a worker on fakes: an event alerts
once, at the first pass that sees it; changes wait at most the window, whatever the
sync interval."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from sheetsync.core.model import Verdict
from sheetsync.errors import NotifierError
from sheetsync.notify.slack import SlackWebhookNotifier
from sheetsync.settings import SlackSettings
from sheetsync.state.sqlite import SqliteStateStore
from sheetsync.testing import InMemoryDomainChecker
from tests.support.pacing import FakeTime
from tests.support.slack_server import LoopbackWebhook
from tests.support.worker_fixtures import CANARY, Rig, client, settings, sheet

PAID = {"payment_method": "bankkártya", "paid": "igen"}


def store(tmp_path: Path) -> SqliteStateStore:
    return SqliteStateStore(tmp_path / "state.sqlite")


def alert_text(rig: Rig) -> str:
    outcome = rig.run()
    assert outcome.alert is not None and outcome.alert_delivered
    return outcome.alert.text


def test_a_client_ready_for_development_alerts_once_at_the_first_pass_that_sees_it(
    tmp_path: Path,
) -> None:
    rig = Rig(store(tmp_path), sheet(client("Alfa"), client("Beta", **PAID)))
    first = rig.run()
    assert first.alert is None, "what the first pass finds is the first report's, not news"
    rig.sheet.rows[1] = client("Alfa", **PAID)
    rig.clock.advance(minutes=1)
    text = alert_text(rig)
    assert "Fejlesztés indítható" in text and "Alfa" in text and "Beta" not in text
    for _ in range(3):  # later passes, a restart among them: no second alert
        rig.clock.advance(minutes=1)
        rig.restart(store(tmp_path))
        assert rig.run().alert is None
    # Unmarked and marked again: new news, alerted again (docs/worker.md).
    rig.sheet.rows[1] = client("Alfa")
    rig.run()
    rig.sheet.rows[1] = client("Alfa", **PAID)
    assert "Alfa" in alert_text(rig)


def test_a_taken_domain_alerts_once_even_when_the_registry_hiccups(tmp_path: Path) -> None:
    checker = InMemoryDomainChecker({})
    rig = Rig(store(tmp_path), sheet(client("Alfa")), checker=checker)
    rig.run()
    rig.sheet.rows.append(client("Gamma", domain="gamma.hu"))
    checker.verdicts["gamma.hu"] = Verdict.REGISTERED
    text = alert_text(rig)
    assert "foglalt" in text and "gamma.hu" in text and "Gamma" in text
    del checker.verdicts["gamma.hu"]  # unknown for a pass
    assert rig.run().alert is None
    checker.verdicts["gamma.hu"] = Verdict.REGISTERED
    assert rig.run().alert is None
    # Another domain, taken as well: a new event.
    rig.sheet.rows[2] = client("Gamma", domain="gamma2.hu")
    checker.verdicts["gamma2.hu"] = Verdict.REGISTERED
    assert "gamma2.hu" in alert_text(rig)


def test_failed_and_unregistered_applications_alert(tmp_path: Path) -> None:
    checker = InMemoryDomainChecker({"delta.hu": Verdict.AVAILABLE})
    rig = Rig(store(tmp_path), sheet(client("Delta", **PAID)), checker=checker)
    rig.run()
    rig.sheet.rows[1] = client("Delta", domain_application="Sikertelen", **PAID)
    assert "Sikertelen domain igénylés" in alert_text(rig)
    rig.sheet.rows[1] = client("Delta", domain_application="Sikeres", **PAID)
    assert rig.run().alert is None  # within the 48 hours' grace
    rig.clock.advance(hours=48, seconds=1)
    text = alert_text(rig)
    assert "még mindig szabad" in text and CANARY not in text


def test_an_undelivered_alert_is_tried_again_by_the_next_pass(tmp_path: Path) -> None:
    rig = Rig(store(tmp_path), sheet(client("Alfa")))
    rig.run()
    rig.sheet.rows[1] = client("Alfa", **PAID)
    rig.notifier.fail = NotifierError("Slack is down")
    failed = rig.run()
    assert failed.alert is not None and not failed.alert_delivered
    rig.notifier.fail = None
    rig.clock.advance(minutes=1)
    assert "Alfa" in alert_text(rig)
    assert rig.run().alert is None


def test_changes_wait_for_the_window_and_go_out_as_one_summary(tmp_path: Path) -> None:
    config = settings(slack=SlackSettings(digest_time=None, summary_window_minutes=15))
    rig = Rig(store(tmp_path), sheet(client("Alfa")), config=config)
    assert rig.run().delivered  # the first report
    sent = len(rig.notifier.sent)
    rig.sheet.rows.append(client("Beta"))  # a change, first seen by the pass at 09:02
    outcomes = []
    for minute in range(1, 30):  # a pass a minute, the same worker throughout
        rig.clock.advance(minutes=1)
        if minute == 9:
            rig.sheet.rows.append(client("Gamma"))  # another, within the window
        outcomes.append((minute, rig.run()))
    summaries = [(m, o.message.text) for m, o in outcomes if o.message is not None]
    assert [m for m, _ in summaries] == [16], "one summary, 15 minutes after the change"
    assert "Beta" in summaries[0][1] and "Gamma" in summaries[0][1]
    assert len(rig.notifier.sent) == sent + 1
    assert rig.worker.last.reused > 0, "the passes in between were steady"


def test_the_window_survives_a_restart_and_a_change_undone_sends_nothing(
    tmp_path: Path,
) -> None:
    config = settings(slack=SlackSettings(digest_time=None, summary_window_minutes=10))
    rig = Rig(store(tmp_path), sheet(client("Alfa")), config=config)
    rig.run()
    rig.sheet.rows.append(client("Beta"))
    rig.clock.advance(minutes=1)
    assert rig.run().message is None  # pending since this pass
    rig.clock.advance(minutes=9, seconds=59)
    rig.restart(store(tmp_path))
    assert rig.run().message is None
    rig.clock.advance(seconds=1)
    rig.restart(store(tmp_path))
    summary = rig.run().message  # ten minutes after the change was seen, in a new process
    assert summary is not None and "Beta" in summary.text
    rig.sheet.rows.append(client("Gamma"))
    rig.clock.advance(minutes=1)
    assert rig.run().message is None
    del rig.sheet.rows[-1]  # undone before the window ended
    for _ in range(15):
        rig.clock.advance(minutes=1)
        assert rig.run().message is None


def test_a_slow_slack_gets_each_alert_and_summary_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Slack takes each post at once but answers after the notifier stopped waiting (H1).
    with LoopbackWebhook(answer_after=0.6) as slack, caplog.at_level(logging.WARNING):
        rig = Rig(store(tmp_path), sheet(client("Alfa"), client("Beta")))
        rig.notifier = SlackWebhookNotifier(  # type: ignore[assignment]
            SecretStr(slack.url_with("T0/B0/slow")), timeout=0.2, pacer=FakeTime().pacer()
        )
        rig.restart(rig.store)
        first = rig.run()  # the first report
        assert first.delivered, "an unanswered post counts as delivered"
        rig.sheet.rows[1] = client("Alfa", **PAID)
        rig.clock.advance(minutes=1)
        second = rig.run()  # an alert and a change summary
        assert second.alert_delivered and second.delivered
        for _ in range(2):  # later passes, a restart among them: nothing is owed
            rig.clock.advance(minutes=1)
            rig.restart(rig.store)
            later = rig.run()
            assert later.alert is None and later.message is None
        texts = [json.dumps(json.loads(post["body"]), ensure_ascii=False) for post in slack.posts]
    assert len(texts) == 3 and len(set(texts)) == 3, "one post per message"
    assert "Fejlesztés indítható" in texts[1] and "Alfa" in texts[1]
    assert caplog.text.count("the message may have arrived; not sent again") == 3


def test_rows_sharing_a_name_sorted_neither_alert_again_nor_show_a_password_change(
    tmp_path: Path,
) -> None:
    # Two clients both named Gamma, told apart by e-mail and domain (H3, M4).
    ready = client("Gamma", email="a@gamma.hu", domain="gamma.hu", hosting_password="egy", **PAID)
    other = client("Gamma", email="b@gamma.hu", domain="gamma2.hu", hosting_password="kettő")
    rig = Rig(store(tmp_path), sheet(client("Alfa"), other))
    rig.run()
    rig.sheet.rows.append(ready)
    rig.clock.advance(minutes=1)
    assert "Gamma" in alert_text(rig)
    rig.sheet.rows[2:] = [ready, other]  # sorted
    rig.clock.advance(minutes=1)
    rig.restart(store(tmp_path))
    sorted_pass = rig.run()
    assert sorted_pass.alert is None, "the same client, only moved"
    assert sorted_pass.result is not None
    assert sorted_pass.result.credential_changes == {}, "no password changed"
    found = {f.code.value for e in sorted_pass.result.evaluations for f in e.findings}
    assert "credential-changed" not in found


def test_a_copy_of_a_row_appearing_and_going_is_no_news(tmp_path: Path) -> None:
    # A second row with the name re-keys the first (`name#…`): its alert is not news.
    rig = Rig(store(tmp_path), sheet(client("Alfa"), client("Gamma")))
    rig.run()
    rig.sheet.rows[2] = client("Gamma", **PAID)
    assert "Gamma" in alert_text(rig)
    rig.sheet.rows.insert(1, client("Gamma", **PAID))  # pasted twice, above
    assert rig.run().alert is None
    del rig.sheet.rows[1]
    assert rig.run().alert is None
    # Another client of the same name, added at the first step, then ready: news.
    rig.sheet.rows.append(client("Gamma", email="b@gamma.hu", domain="gamma2.hu"))
    assert rig.run().alert is None
    rig.sheet.rows[-1] = client("Gamma", email="b@gamma.hu", domain="gamma2.hu", **PAID)
    assert "Gamma" in alert_text(rig)
