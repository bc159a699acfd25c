"""An outage through the worker: the pass carries one notice and no per-row domain
warnings, says it once in the summary and the report, counts as degraded (run record,
metrics, health), and the steady skip hands the notice back with the result it reuses."""

from __future__ import annotations

import json
from datetime import timedelta

from sheetsync.core.model import Code, NoticeCode, Verdict
from sheetsync.core.report import to_json
from sheetsync.ops.health import assess
from sheetsync.ops.metrics import Metrics
from sheetsync.ops.observe import InstrumentedPass
from sheetsync.run.worker import PassOutcome
from sheetsync.settings import HealthSettings
from sheetsync.testing import InMemoryStateStore
from tests.support.worker_fixtures import MONDAY_9, OutageChecker, Rig, client, domains, sheet

NOTICE_HU = "A domainek foglaltságát most nem lehetett ellenőrizni"
UNVERIFIED_HU = "A domain foglaltságát most nem sikerült ellenőrizni"


def outage_rig(*names: str) -> Rig:
    clients = [client(n) for n in names or ("Alfa", "Beta", "Gamma")]
    return Rig(InMemoryStateStore(), sheet(*clients), checker=OutageChecker())


def texts(outcome: PassOutcome) -> tuple[str, list[str]]:
    assert outcome.message is not None
    blocks = [json.dumps(b, ensure_ascii=False) for b in outcome.message.blocks]
    return outcome.message.text, blocks


def test_an_outage_is_one_notice_in_the_summary_and_no_row_warning() -> None:
    rig = outage_rig()
    outcome = rig.run()
    assert outcome.result is not None and outcome.error is None
    assert [n.code for n in outcome.result.notices] == [NoticeCode.DOMAIN_CHECKS_UNAVAILABLE]
    assert outcome.result.notices[0].domains == 3
    for evaluation in outcome.result.evaluations:
        assert Code.DOMAIN_UNVERIFIED not in {f.code for f in evaluation.findings}
    text, blocks = texts(outcome)
    assert text.count(NOTICE_HU) == 1 and UNVERIFIED_HU not in text
    assert sum(NOTICE_HU in b for b in blocks) == 1
    assert "whois.nic.hu" in text


def test_the_report_carries_the_notice_and_an_empty_list_when_there_is_none() -> None:
    rig = outage_rig()
    result = rig.run().result
    assert result is not None
    [notice] = to_json(result)["notices"]
    assert notice["code"] == "domain-checks-unavailable"
    assert notice["servers"] == ["whois.nic.hu"] and notice["tlds"] == ["hu"]
    assert notice["message"].startswith(NOTICE_HU)
    calm = Rig(InMemoryStateStore(), sheet(client("Alfa")), checker=domains()).run().result
    assert calm is not None and to_json(calm)["notices"] == []


def test_a_degraded_pass_is_recorded_counted_and_still_healthy() -> None:
    rig = outage_rig()
    metrics = Metrics()
    InstrumentedPass(rig.worker.run_once, metrics)()
    [run] = rig.store.runs  # type: ignore[attr-defined]
    assert run.outcome == "degraded" and run.error_class is None
    assert "cannot be reached (whois.nic.hu)" in (run.error_message or "")
    sample = metrics.registry.get_sample_value
    assert sample("sheetsync_syncs_total", {"outcome": "degraded"}) == 1
    assert sample("sheetsync_syncs_total", {"outcome": "ok"}) == 0
    assert sample("sheetsync_notices", {"code": "domain-checks-unavailable"}) == 1
    assert sample("sheetsync_last_success_timestamp_seconds") == MONDAY_9.timestamp()
    health = assess([run] * 5, run.finished_at, HealthSettings())
    assert health.healthy and health.degraded and health.failed_streak == 0
    assert health.to_json()["degraded"] is True


def test_the_notice_goes_when_the_registry_is_back() -> None:
    checker = OutageChecker({"alfa.hu": Verdict.AVAILABLE})
    rig = Rig(InMemoryStateStore(), sheet(client("Alfa")), checker=checker)
    metrics = Metrics()
    InstrumentedPass(rig.worker.run_once, metrics)()
    checker.down = False
    rig.clock.advance(minutes=5)
    outcome = InstrumentedPass(rig.worker.run_once, metrics)()
    assert outcome.result is not None and outcome.result.notices == ()
    assert rig.store.runs[-1].outcome == "ok"  # type: ignore[attr-defined]
    assert (
        metrics.registry.get_sample_value(
            "sheetsync_notices", {"code": "domain-checks-unavailable"}
        )
        == 0
    )


def test_a_notice_alone_sends_no_message_but_every_message_carries_it() -> None:
    rig = outage_rig()
    assert rig.run().delivered  # the first report
    rig.clock.advance(minutes=5)
    rig.sheet.rows[1][0] = "Alfa"  # nothing new: no message
    quiet = rig.run()
    assert quiet.message is None
    rig.sheet.rows.append(client("Delta"))  # something new: the message carries the notice
    rig.clock.advance(minutes=5)
    text, _ = texts(rig.run())
    assert text.count(NOTICE_HU) == 1 and "Delta" in text


def test_a_reused_result_carries_the_same_notice_and_an_outage_ending_is_a_full_pass() -> None:
    checker = OutageChecker({"alfa.hu": Verdict.REGISTERED})
    rig = Rig(InMemoryStateStore(), sheet(client("Alfa")), checker=checker)
    rig.run()  # writes the statuses and records first-seen times
    rig.clock.advance(minutes=5)
    first = rig.run().result  # finds everything as it left it: remembered
    rig.clock.advance(minutes=5)
    again = rig.run().result
    assert rig.worker.last.reused == 1
    assert first is not None and again is not None and again.notices == first.notices != ()
    assert rig.store.runs[-1].outcome == "degraded"  # type: ignore[attr-defined]
    checker.down = False
    rig.clock.advance(minutes=5)
    back = rig.run().result
    assert rig.worker.last.reused == 1  # a full pass: the verdicts changed
    assert back is not None and back.notices == ()
    assert Code.DOMAIN_TAKEN in {f.code for f in back.evaluations[0].findings}


def test_health_counts_degraded_passes_as_successes_not_failures() -> None:
    rig = outage_rig()
    rig.run()
    rig.clock.advance(minutes=50)
    health = assess(rig.store.runs[::-1], rig.clock(), HealthSettings(max_sync_age_minutes=60))  # type: ignore[attr-defined]
    assert health.healthy and health.last_success is not None
    later = assess(
        rig.store.runs[::-1],
        rig.clock() + timedelta(minutes=20),
        HealthSettings(max_sync_age_minutes=60),  # type: ignore[attr-defined]
    )
    assert not later.healthy  # the age rule still holds: a degraded pass is a pass, no more
