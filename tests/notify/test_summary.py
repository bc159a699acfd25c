"""The Slack summary as JSON: structure, order, Slack's limits, escaping, no secrets."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sheetsync.core.model import Verdict
from sheetsync.core.result import SyncResult
from sheetsync.core.snapshot import ReportSnapshot, diff, snapshot_of
from sheetsync.notify.port import BLOCK_LIMIT, TEXT_LIMIT
from sheetsync.notify.summary import escape, summary
from sheetsync.run.sync import run_sync
from sheetsync.testing import FakeClock, InMemorySheet
from tests.support.worker_fixtures import CANARY, MONDAY_9, client, domains, settings, sheet

TZ = ZoneInfo("Europe/Budapest")


def synced(the_sheet: InMemorySheet, **config: Any) -> SyncResult:
    checker = domains({"foglalt.hu": Verdict.REGISTERED})
    return run_sync(the_sheet, checker, settings(**config), FakeClock(MONDAY_9), dry_run=True)


def texts_of(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            out.append(element["text"])
    return out


def many_clients(n: int) -> InMemorySheet:
    rows = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            rows.append(client(f"Ügyfél {i}", domain="foglalt.hu"))
        elif kind == 1:
            rows.append(
                client(f"Ügyfél {i}", payment_method="utalás", invoice_sent="2026. 01. 02.")
            )
        elif kind == 2:
            rows.append(client(f"Ügyfél {i}", email="nem-email"))
        else:
            rows.append(client(f"Ügyfél {i}", email_password=CANARY))
    return sheet(*rows)


def test_a_digest_of_200_clients_keeps_slack_limits_and_says_how_many_more() -> None:
    message = summary(snapshot_of(synced(many_clients(200))), None, tz=TZ, digest=True)
    payload = json.loads(json.dumps(message.payload(), ensure_ascii=False))
    blocks = payload["blocks"]
    assert len(blocks) <= BLOCK_LIMIT
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= 150
    assert all(len(t) <= TEXT_LIMIT for t in texts_of(blocks))
    assert len(payload["text"]) <= TEXT_LIMIT
    joined = "\n".join(texts_of(blocks))
    assert "+25 további" in joined  # 50 taken domains, 25 shown
    assert "Szakaszok (200 ügyfél)" in joined
    assert CANARY not in json.dumps(payload, ensure_ascii=False)
    assert CANARY not in message.text


def test_domain_alerts_come_first_with_taken_domains_on_top() -> None:
    rows = [
        client("Későn Fizető", payment_method="utalás", invoice_sent="2026. 01. 02."),
        client("Sikertelen Kft", domain_application="Sikertelen", domain="mas.hu"),
        client("Foglalt Bt", domain="foglalt.hu"),
    ]
    message = summary(snapshot_of(synced(sheet(*rows))), None, tz=TZ)
    sections = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert sections[0].startswith("*:rotating_light: Domain riasztások*")
    lines = sections[0].splitlines()
    assert "Foglalt Bt" in lines[1] and "FOGLALT" in lines[1]
    assert "Sikertelen Kft" in lines[2]
    assert sections[1].startswith("*Szakaszok")
    assert any("Későn Fizető" in s and "Késésben" in s for s in sections)


def test_client_names_are_escaped_and_linked_to_their_row() -> None:
    message = summary(snapshot_of(synced(sheet(client("A & B <Kft>", domain="foglalt.hu")))),
                      None, tz=TZ)  # fmt: skip
    domain = next(b["text"]["text"] for b in message.blocks if b["type"] == "section")
    assert "<memory://Ügyfelek#row=2|A &amp; B &lt;Kft&gt;>" in domain
    assert "<Kft>" not in json.dumps(message.payload(), ensure_ascii=False)
    assert "A & B <Kft>" in message.text  # the plain text for the console is not escaped


def test_escape_handles_exactly_slacks_three_control_characters() -> None:
    assert escape("a & b < c > d 'e' \"f\"") == "a &amp; b &lt; c &gt; d 'e' \"f\""


def test_a_change_message_lists_only_what_is_new_and_english_works() -> None:
    before = snapshot_of(synced(sheet(client("Kovacs", payment_method="bankkártya"))))
    after_sheet = sheet(client("Kovacs", payment_method="bankkártya", paid="igen"),
                        client("Taken Ltd", domain="foglalt.hu"))  # fmt: skip
    after = snapshot_of(synced(after_sheet, locale="en"))
    changes = diff(before, after)
    message = summary(after, changes, locale="en", tz=TZ, since=MONDAY_9 - timedelta(hours=1))
    text = message.text
    assert text.index("Domain alerts") < text.index("Stages")
    assert "Ready for development\n• Kovacs (row 2)" in text
    assert "New clients\n• Taken Ltd (row 3)" in text
    assert "previous report: 2026-03-02 08:00" in text


def test_nothing_new_means_an_empty_diff_and_the_snapshot_survives_json() -> None:
    snap = snapshot_of(synced(many_clients(12)))
    again = ReportSnapshot.from_json(snap.to_json())
    assert again == snap
    assert diff(again, snap).empty
