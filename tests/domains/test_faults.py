"""Faults of the other network services during a worker pass: registries that hang,
throttle or answer garbage (real loopback RDAP and WHOIS servers), and a Slack
webhook that is down. The pass goes on, the sheet is annotated, nothing wrong is
claimed (no `available` from a fault, nothing cached), and the next pass with the
services back does the rest.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from sheetsync.core.model import Code, Verdict
from sheetsync.notify.slack import SlackWebhookNotifier
from sheetsync.retry import Pacer
from sheetsync.run.worker import PassOutcome, Worker
from sheetsync.testing import InMemoryStateStore, InMemoryVerdictCache
from tests.support.domain_servers import (
    HANG_UP,
    SLOW,
    FakeTime,
    LoopbackRdap,
    LoopbackWhois,
    live_settings,
    make_checker,
    whois_text,
)
from tests.support.worker_fixtures import Rig, client, sheet

pytestmark = pytest.mark.slow  # a property or fault suite: `make quick` leaves it out

WEBHOOK = "https://hooks.slack.com/services/T0000/B0000/faultsuitewebhooksecret"


def verdict_of(outcome: PassOutcome, name: str) -> tuple[Verdict | None, set[Code]]:
    assert outcome.result is not None
    row = next(e for e in outcome.result.evaluations if e.row.client == name)
    verdict = row.domain_verdict.verdict if row.domain_verdict else None
    return verdict, {f.code for f in row.findings}


@pytest.mark.parametrize(
    ("rdap_answer", "whois_answer"),
    [
        ("rate_limited_long.json", SLOW),  # throttled for an hour / hangs past the timeout
        ("malformed.json", whois_text("garbage.txt")),  # garbage both ways
        ("server_error.json", HANG_UP),  # 5xx / hangs up without a word
    ],
    ids=["throttled-and-hanging", "garbage", "error-and-hang-up"],
)
def test_failing_registries_leave_domains_unverified_and_the_next_pass_verifies(
    tmp_path: Path, rdap_answer: str, whois_answer: bytes | str
) -> None:
    with (
        LoopbackRdap({"/domain/beta.com": rdap_answer}) as rdap,
        LoopbackWhois({"alfa.hu": whois_answer}) as whois,
    ):
        settings = live_settings(
            tmp_path,
            rdap_servers={"com": rdap.base_url},
            whois_servers={"hu": whois.address},
            timeout_seconds=0.3,
            max_attempts=2,
        )
        time = FakeTime()
        cache = InMemoryVerdictCache()
        checker = make_checker(settings, time, cache=cache)
        rig = Rig(
            InMemoryStateStore(),
            sheet(client("Alfa", domain="alfa.hu"), client("Beta", domain="beta.com")),
            checker=checker,  # type: ignore[arg-type]
        )

        first = rig.run()

        assert first.error is None
        for name in ("Alfa", "Beta"):
            verdict, codes = verdict_of(first, name)
            assert verdict == Verdict.UNKNOWN and Code.DOMAIN_UNVERIFIED in codes, name
        assert cache.entries == {}  # a fault is never remembered as a verdict
        assert all(s <= 30 for s in time.slept)  # an hour's Retry-After is not waited for

        rdap.answers["/domain/beta.com"] = "not_found.json"
        whois.answers["alfa.hu"] = whois_text("hu_registered.txt")
        time.clock.advance(hours=2)  # past the pause the throttling server asked for
        rig.clock.advance(minutes=5)
        second = rig.run()

        assert verdict_of(second, "Alfa") == (Verdict.REGISTERED, {Code.DOMAIN_TAKEN})
        assert verdict_of(second, "Beta")[0] == Verdict.AVAILABLE
        assert set(cache.entries) == {"alfa.hu", "beta.com"}


class Webhook:
    """A Slack webhook behind httpx.MockTransport: `down` decides each answer."""

    def __init__(self) -> None:
        self.down: str | None = None
        self.posts: list[dict[str, object]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down == "connection":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if self.down == "timeout":  # before the request went out: safe to send again
            raise httpx.ConnectTimeout("timed out", request=request)
        if self.down == "500":
            return httpx.Response(500, text="internal_error")
        self.posts.append(json.loads(request.content))
        return httpx.Response(200, text="ok")

    def notifier(self) -> SlackWebhookNotifier:
        return SlackWebhookNotifier(
            SecretStr(WEBHOOK),
            client=httpx.Client(transport=httpx.MockTransport(self.handle)),
            pacer=Pacer(sleep=lambda seconds: None),
        )


@pytest.mark.parametrize("down", ["500", "connection", "timeout"])
def test_a_webhook_down_never_fails_the_pass_and_the_summary_waits_for_it(
    down: str, caplog: pytest.LogCaptureFixture
) -> None:
    webhook = Webhook()
    store = InMemoryStateStore()
    rig = Rig(store, sheet(client("Alfa"), client("Beta")))
    rig.worker = Worker(rig.sheet, rig.checker, rig.settings, rig.clock, store, webhook.notifier())
    webhook.down = down

    first = rig.run()

    assert first.error is None and first.result is not None and not first.delivered
    assert first.result.outcome.cells_written > 0
    assert store.runs[-1].outcome == "ok" and store.state.last_report is None
    assert "Slack message not delivered" in caplog.text and WEBHOOK not in caplog.text
    assert "faultsuitewebhooksecret" not in caplog.text

    webhook.down = None
    rig.clock.advance(minutes=5)
    second = rig.run()

    assert second.delivered and len(webhook.posts) == 1
    assert "Alfa" in json.dumps(webhook.posts[0], ensure_ascii=False)
    assert store.state.last_report is not None
