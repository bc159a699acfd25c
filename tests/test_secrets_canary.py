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
import os
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import respx

import sheetsync.run.sync as sync_module
from sheetsync.app.application import Application
from sheetsync.cli.main import main
from sheetsync.ops.server import OpsServer
from sheetsync.settings import load_settings
from tests.support.google_fake import KEY, FakeSheetsApi, api, key_info, write_key_file
from tests.support.slack_server import LoopbackWebhook
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


# -- run-level failures, through the installed command ----------------------------------

SCRIPT = Path(sys.executable).with_name("sheetsync")
LOOKALIKE = "Ügyfél neve-CANARY7"  # a password typed to look like the missing header
HOOK_TOKEN = "T0RUN/B0RUN/RunLevelCanaryHook42"
PASSWORD_COLUMNS = [HEADERS.index("E-mail jelszó"), HEADERS.index("Tárhely.eu jelszó")]


def broken_sheet(breakage: str) -> tuple[list[str], str]:
    """The header row for `breakage`, and the extra config it needs."""
    headers = list(HEADERS)
    if breakage == "renamed":
        headers[0] = "Partner"
    if breakage == "repeated":
        headers[HEADERS.index("Csomag")] = "Domain"
    return headers, 'worksheet = "Nincs ilyen lap"\n' if breakage == "bad-sheet" else ""


def canary_rows() -> list[list[Any]]:
    rows = []
    for name in ("Kovács Pékség", "Nagy Autó"):
        row = client(
            name, email_type="létrehozott", email=f"{name[:4].lower()}.marketing@gmail.com"
        )
        row[PASSWORD_COLUMNS[0]], row[PASSWORD_COLUMNS[1]] = EMAIL_PASSWORD, LOOKALIKE
        rows.append(row)
    return rows


def sheetsync(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("breakage", ["renamed", "repeated", "bad-sheet"])
def test_a_run_level_failure_quotes_no_cell_anywhere(tmp_path: Path, breakage: str) -> None:
    """The client header renamed (a password looks like it), a mapped header twice, a
    worksheet that is not there: the failure is told on stderr, in the JSON logs, the
    state store's run record, `status`, the Slack announcement and /healthz — and no
    password is, even one that looks like the header it is missing."""
    headers, extra = broken_sheet(breakage)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Ügyfelek"
    for row in [headers, *canary_rows()]:
        sheet.append(row)
    book.save(tmp_path / "ugyfelek.xlsx")
    state = tmp_path / "var" / "state.sqlite"
    config = tmp_path / "sheetsync.toml"
    config.write_text(
        f'[sheet]\npath = "ugyfelek.xlsx"\n{extra}[domains]\nchecker = "offline"\n'
        f'[state]\npath = "{state}"\n[slack]\ndigest_time = ""\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEETSYNC_")}
    env.update(SHEETSYNC_LOG_FORMAT="json", SHEETSYNC_LOG_LEVEL="debug")
    with LoopbackWebhook() as hook:
        env["SHEETSYNC_SLACK_WEBHOOK_URL"] = hook.url_with(HOOK_TOKEN)
        synced = sheetsync("sync", "--config", str(config), env=env)
        with ThreadPoolExecutor(2) as pool:  # two readers of the same store, side by side
            status, status_json = pool.map(
                lambda args: sheetsync(*args, "--config", str(config), env=env),
                [("status",), ("status", "--format", "json")],
            )
    assert (synced.returncode, status.returncode, status_json.returncode) == (1, 1, 1)
    assert synced.stderr.splitlines()[-1].startswith("sheetsync: ")
    logs = [json.loads(line) for line in synced.stderr.splitlines()[:-1]]
    assert any(line.get("event") == "sync" and line["outcome"] == "failed" for line in logs)
    record = json.loads(status_json.stdout)["runs"][0]
    assert record["outcome"] == "failed" and record["error_message"]
    assert len(hook.posts) == 1, "the failure was announced once"

    app = Application(load_settings(config, {}))
    with OpsServer("127.0.0.1", 0, app.health, app.metrics) as ops:
        url = f"http://127.0.0.1:{ops.port}/healthz"
        with pytest.raises(urllib.error.HTTPError) as unhealthy:
            urllib.request.urlopen(url, timeout=5)
        healthz = unhealthy.value.read().decode()
    assert unhealthy.value.code == 503 and record["error_message"] in healthz

    outputs = {
        "stderr and JSON logs": synced.stderr + synced.stdout,
        "status": status.stdout + status.stderr + status_json.stdout,
        "Slack": b"\n".join(post["body"] for post in hook.posts).decode(),
        "/healthz": healthz,
    }
    outputs.update({path.name: path.read_bytes().decode("latin-1") for path in files_of(state)})
    for where, text in outputs.items():
        assert leaks(text) == [] and LOOKALIKE not in text and "CANARY" not in text, where
        assert HOOK_TOKEN not in text, where


def files_of(state: Path) -> list[Path]:
    """The state store's files (the key excepted: it is a key, not data)."""
    found = [p for p in state.parent.iterdir() if p.name != "state.sqlite.key"]
    assert any(p.name == "state.sqlite" for p in found)
    return found
