"""Logs: JSON lines off a terminal, text on one, one event per sync with its counts, and no
secret at any level (a real process at DEBUG, a canary password, a canary webhook)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

import sheetsync.ops.logs as logs
from sheetsync.ops.observe import record_pass
from sheetsync.redaction import REDACTED, register_secret
from tests.support.slack_server import LoopbackWebhook
from tests.support.worker_fixtures import CANARY, HEADERS, client

WEBHOOK_SECRET = "T0CANARY/B0CANARY/WebhookCanary9f3bXyZ"


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in logs.QUIET_LIBRARIES}
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name, lib_level in quiet.items():
        logging.getLogger(name).setLevel(lib_level)


def test_off_a_terminal_each_line_is_one_json_object_with_the_event_fields(
    restore_logging: None,
) -> None:
    out = io.StringIO()
    logs.configure("info", "auto", stream=out)
    logging.getLogger("sheetsync.test").info("sync ok", extra={"rows": 3, "by_stage": {"done": 3}})
    line = json.loads(out.getvalue())
    assert line["message"] == "sync ok" and line["level"] == "info"
    assert line["rows"] == 3 and line["by_stage"] == {"done": 3}
    assert line["logger"] == "sheetsync.test" and line["time"].endswith("+00:00")


def test_on_a_terminal_lines_are_readable_text(restore_logging: None) -> None:
    out = TTY()
    logs.configure("info", "auto", stream=out)
    logging.getLogger("sheetsync.test").warning("careful", extra={"rows": 3})
    text = out.getvalue()
    assert "WARNING sheetsync.test: careful rows=3" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_exceptions_are_logged_by_class_and_place_never_by_message(restore_logging: None) -> None:
    for fmt in ("json", "text"):
        out = io.StringIO()
        logs.configure("info", fmt, stream=out)  # type: ignore[arg-type]
        try:
            raise ValueError(f"cell said {CANARY}")
        except ValueError:
            logging.getLogger("sheetsync.test").exception("parsing failed")
        assert CANARY not in out.getvalue()
        assert "ValueError at " in out.getvalue()


def test_http_and_auth_libraries_stay_at_warning_even_at_debug(restore_logging: None) -> None:
    out = io.StringIO()
    logs.configure("debug", "json", stream=out)
    for name in ("httpx", "httpcore.http11", "urllib3.connectionpool", "google.auth.transport"):
        logging.getLogger(name).debug("POST https://example.invalid/secret-path")
    logging.getLogger("sheetsync.test").debug("kept")
    assert "secret-path" not in out.getvalue() and "kept" in out.getvalue()


def test_a_registered_secret_is_redacted_in_every_format(restore_logging: None) -> None:
    register_secret("https://chat.example.test/hook/" + WEBHOOK_SECRET)
    for fmt in ("json", "text"):
        out = io.StringIO()
        logs.configure("debug", fmt, stream=out)  # type: ignore[arg-type]
        logging.getLogger("sheetsync.x").debug(
            "sent to %s", "https://chat.example.test/hook/" + WEBHOOK_SECRET
        )
        assert WEBHOOK_SECRET not in out.getvalue() and REDACTED in out.getvalue()


def test_configure_respects_a_logging_setup_it_did_not_make() -> None:
    # pytest's own capture handlers are on the root logger here.
    assert logging.getLogger().handlers
    assert logs.configure("warning", "json") is None


def test_one_event_per_failed_pass_carries_sheetsyncs_own_message_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from sheetsync.errors import SheetAccessError

    with caplog.at_level(logging.INFO, logger="sheetsync.run.sync"):
        record_pass(None, SheetAccessError("cannot read the workbook"), 1.5)
        record_pass(None, RuntimeError(f"boom {CANARY}"), 0.5)
    first, second = caplog.records
    assert first.outcome == "failed" and first.error_message == "cannot read the workbook"  # type: ignore[attr-defined]
    assert second.error_message == "unexpected RuntimeError"  # type: ignore[attr-defined]
    assert CANARY not in caplog.text


# -- a real process at DEBUG ---------------------------------------------------------------


def test_a_debug_run_logs_json_with_one_sync_event_and_no_secret(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    sheet.append(client("Kovacs Pekseg"))
    sheet.append(client("Nagy Fia", email_type="létrehozott", email_password=CANARY))
    book.save(tmp_path / "ugyfelek.xlsx")
    config = tmp_path / "sheetsync.toml"
    config.write_text(
        '[sheet]\npath = "ugyfelek.xlsx"\n[domains]\nchecker = "offline"\n'
        '[state]\npath = "state.sqlite"\n[slack]\ndigest_time = ""\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEETSYNC_")}
    with LoopbackWebhook() as hook:
        env.update(SHEETSYNC_SLACK_WEBHOOK_URL=hook.url_with(WEBHOOK_SECRET))
        env.update(SHEETSYNC_LOG_LEVEL="debug")
        done = subprocess.run(
            [sys.executable, "-m", "sheetsync", "sync", "--config", str(config)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert len(hook.posts) == 1, "the summary went to the (loopback) webhook"
    assert CANARY.encode() not in hook.posts[0]["body"]
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert any(line["level"] == "debug" for line in lines), "DEBUG was really on"
    events = [line for line in lines if line.get("event") == "sync"]
    assert len(events) == 1
    event = events[0]
    # domain checks are off in this config: a degraded pass with its notice (rules.md)
    assert event["outcome"] == "degraded" and event["rows"] == 2
    assert event["notices"] == ["domain-checks-unavailable"]
    assert event["by_stage"] == {"payment": 2} and event["cells_written"] > 0
    assert {"errors", "warnings", "duration_seconds"} <= set(event)
    for output in (done.stdout, done.stderr):
        assert CANARY not in output
        assert WEBHOOK_SECRET not in output and "CANARY" not in output
