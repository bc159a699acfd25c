"""End to end: canary secrets go in, and come out nowhere.

Canary values sit in every secret column (and one changes between passes), the
Slack webhook URL and the service account's private key are canaries too. Three
CLI passes run against the Google Sheets fake with DEBUG logging and a Slack that
answers 500 then 404; the third pass is broken by an exception whose message
quotes a password (as a library error quoting a cell would). Afterwards no canary
is in stdout, stderr, the logs, the JSON reports, the Slack payloads, the state
store's files (database, journal, WAL) or the status cells.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import sheetsync.run.sync as sync_module
from sheetsync.cli.main import main
from tests.support.google_fake import KEY, FakeSheetsApi, api, key_info, write_key_file
from tests.support.worker_fixtures import HEADERS, client

pytestmark = pytest.mark.slow  # a property or fault suite: `make quick` leaves it out

__all__ = ["api"]

EMAIL_PASSWORD = "Kanári-Email-Jelszó-7Qx!"
HOSTING_PASSWORD = "Kanári-Tárhely-Jelszó-3Zp?"
NEW_PASSWORD = "Kanári-Új-Jelszó-5Kw%"
WEBHOOK_TOKEN = "CanaryWebhookToken42xyz"
WEBHOOK = f"https://hooks.slack.com/services/T0CANARY/B0CANARY/{WEBHOOK_TOKEN}"
PRIVATE_KEY_LINE = key_info()["private_key"].splitlines()[5]  # a line of the key's body
CANARIES = [EMAIL_PASSWORD, HOSTING_PASSWORD, NEW_PASSWORD, WEBHOOK_TOKEN, PRIVATE_KEY_LINE]


def clients() -> list[list[Any]]:
    return [
        client(
            "Kovács Pékség",
            email_type="létrehozott",
            email="kovacspekseg.marketing@gmail.com",
            email_password=EMAIL_PASSWORD,
            hosting_password=HOSTING_PASSWORD,
            domain="kovacspekseg.hu",
        ),
        client("Nagy Autó", hosting_password=HOSTING_PASSWORD, payment_method="kártya"),
        client("Szabó Virág", hosting_password="", email_password=EMAIL_PASSWORD),  # odd row
    ]


def leaks(text: str | bytes) -> list[str]:
    data = text if isinstance(text, bytes) else text.encode()
    found = [c for c in CANARIES if c.encode() in data]
    unkeyed = [c for c in CANARIES if hashlib.sha256(c.encode()).hexdigest().encode() in data]
    return found + [f"sha256({c})" for c in unkeyed]


class Slack:
    """The webhook answers 500 (retry at once), then 404 (revoked), and again for the
    next process; every payload is kept."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.content)
        if len(self.bodies) % 2:
            return httpx.Response(500, headers={"Retry-After": "0"}, text="internal_error")
        return httpx.Response(404, text="no_service")


def test_no_canary_leaves_the_sheet_whatever_happens(
    api: FakeSheetsApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    sheet = api.add_worksheet("Ügyfelek", [HEADERS, *clients()], cols=len(HEADERS))
    key = write_key_file(tmp_path / "service-account.json")
    state = tmp_path / "var" / "state.sqlite"
    config = tmp_path / "sheetsync.toml"
    config.write_text(
        f'[sheet]\nbackend = "google"\nspreadsheet = "{KEY}"\ncredentials_file = "{key}"\n'
        '[domains]\nchecker = "offline"\n'
        f'[state]\npath = "{state}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SHEETSYNC_SLACK_WEBHOOK_URL", WEBHOOK)
    slack = Slack()
    outputs: list[str] = []

    with respx.mock(assert_all_called=False) as mock:
        mock.post(WEBHOOK).mock(side_effect=slack)

        # 1. the first pass annotates the sheet; Slack fails
        assert main(["-vv", "sync", "--config", str(config), "--format", "json"]) == 0
        outputs.append(capsys.readouterr().out)
        report = json.loads(outputs[-1])
        assert report["rows"] and report["cells_written"] > 0

        # 2. a password changes: reported as changed, never shown
        password_col = HEADERS.index("Tárhely.eu jelszó")
        sheet.set(3, password_col, NEW_PASSWORD)
        assert main(["-vv", "sync", "--config", str(config), "--format", "json"]) == 0
        outputs.append(capsys.readouterr().out)
        changed = json.loads(outputs[-1])
        nagy = next(r for r in changed["rows"] if r["client"] == "Nagy Autó")
        assert "credential-changed" in {f["code"] for f in nagy["findings"]}

        # 3. something inside the sync breaks, quoting a password in its message
        def broken(*args: Any, **kwargs: Any) -> Any:
            raise ValueError(f"could not convert string to float: {NEW_PASSWORD!r}")

        monkeypatch.setattr(sync_module, "plan_writes", broken)  # on every path of a pass
        assert main(["-vv", "sync", "--config", str(config)]) == 1
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]
        assert captured.err.strip().startswith("sheetsync: ") and "ValueError" in captured.err

    assert len(slack.bodies) >= 4  # both passes tried, and the failure announcement
    everywhere = {
        "stdout and stderr": "\n".join(outputs),
        "logs": caplog.text,
        "Slack payloads": b"\n".join(slack.bodies).decode(),
    }
    for where, text in everywhere.items():
        assert leaks(text) == [], where
    files = sorted(p for p in state.parent.iterdir() if p.name != "state.sqlite.key")
    assert any(p.name == "state.sqlite" for p in files)
    for path in files:
        assert leaks(path.read_bytes()) == [], path.name

    status = [c for c in sheet.cells[0] if c]
    owned = [sheet.cells[0].index(h) for h in status[len(HEADERS) :]]
    assert owned, "the status columns were written"
    written = [row[col] for row in sheet.cells for col in owned if col < len(row)]
    assert leaks(json.dumps(written, ensure_ascii=False)) == []
    typed = json.dumps(sheet.cells, ensure_ascii=False)
    assert typed.count(EMAIL_PASSWORD) == 2 and typed.count(NEW_PASSWORD) == 1
