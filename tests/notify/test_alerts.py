"""The alert message: grouped by kind, most urgent first, sheet text made safe."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from sheetsync.core.alerts import events_of, news
from sheetsync.core.model import Verdict
from sheetsync.core.snapshot import snapshot_of
from sheetsync.notify.alerts import alert_message
from sheetsync.run.sync import run_sync
from sheetsync.testing import FakeClock
from tests.support.worker_fixtures import CANARY, MONDAY_9, client, domains, settings, sheet

BUD = ZoneInfo("Europe/Budapest")


def test_alerts_list_taken_domains_first_escape_sheet_text_and_hold_no_secret() -> None:
    the_sheet = sheet(
        client("<!channel> & Co", payment_method="kártya", paid="igen"),
        client("Gamma", domain="gamma.hu"),
    )
    result = run_sync(
        the_sheet, domains({"gamma.hu": Verdict.REGISTERED}), settings(), FakeClock(MONDAY_9)
    )
    fresh, _ = news(events_of(result.evaluations), frozenset())
    assert [a.kind.value for a in fresh] == ["domain-taken", "development-can-start"]
    for locale, words in (("hu", "foglalt"), ("en", "taken")):
        message = alert_message(fresh, snapshot_of(result), locale=locale, tz=BUD)
        payload = json.dumps(message.payload(), ensure_ascii=False)
        assert words in message.text and "gamma.hu" in message.text
        assert message.text.index("Gamma") < message.text.index("Co")
        assert "<!channel>" not in payload and "&lt;!channel&gt; &amp; Co" in payload
        assert CANARY not in payload


def test_the_first_memory_is_taken_silently_and_gone_events_are_forgotten() -> None:
    the_sheet = sheet(client("Alfa", payment_method="kártya", paid="igen"))
    result = run_sync(the_sheet, domains(), settings(), FakeClock(MONDAY_9))
    events = events_of(result.evaluations)
    fresh, kept = news(events, None)
    assert fresh == [] and kept == frozenset(events.current)
    again, still = news(events, kept)
    assert again == [] and still == kept
    gone, forgotten = news(events_of([]), kept)
    assert gone == [] and forgotten == frozenset()
