"""The CLI with a state store on a real workbook, and the new settings."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetsync.app.wiring import webhook_url
from sheetsync.cli.main import cli, main
from sheetsync.errors import ConfigError
from sheetsync.settings import load_settings
from tests.support.worker_fixtures import CANARY, HEADERS, client

CONFIG = """
[sheet]
path = "ugyfelek.xlsx"
[domains]
checker = "offline"
[state]
path = "var/state.sqlite"
[slack]
digest_time = ""
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADERS, client("Kovács Pékség"), client("Nagy & Fia", payment_method="kártya")]:
        sheet.append(row)
    book.save(tmp_path / "ugyfelek.xlsx")
    path = tmp_path / "sheetsync.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_sync_prints_the_summary_once_and_a_second_sync_writes_nothing(config: Path) -> None:
    first = invoke("sync", "--config", str(config))
    assert "Első jelentés" in first and "Szakaszok (2 ügyfél)" in first
    second = invoke("sync", "--config", str(config))
    assert "0 cella írva" in second
    assert "Szakaszok" not in second, "nothing changed: no summary"
    assert (config.parent / "var" / "state.sqlite.key").exists()


def test_dry_run_saves_no_state(config: Path) -> None:
    invoke("sync", "--config", str(config), "--dry-run")
    state = config.parent / "var" / "state.sqlite"
    assert not state.exists() or "Első jelentés" in invoke("sync", "--config", str(config))


def test_json_output_stays_pure_json_with_a_state_store(config: Path) -> None:
    report = json.loads(invoke("sync", "--config", str(config), "--format", "json"))
    assert report["counts"]["rows"] == 2


def test_report_preview_prints_the_slack_payload(config: Path) -> None:
    payload = json.loads(invoke("report", "--preview", "--config", str(config)))
    assert payload["blocks"][0]["type"] == "header"
    body = json.dumps(payload, ensure_ascii=False)
    assert "Nagy &amp; Fia" in body and "Napi összefoglaló" in body
    assert CANARY not in body


def test_the_entry_point_exits_1_when_status_is_unhealthy_or_doctor_finds_a_problem(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through `main`, as the installed script runs it (CliRunner exits differently:
    click hands a command's exit code back to `main` rather than raising it)."""
    assert main(["status", "--config", str(config)]) == 1  # no sync yet
    assert main(["sync", "--config", str(config)]) == 0
    assert main(["status", "--config", str(config)]) == 0
    assert main(["doctor", "--config", str(config)]) == 0
    (config.parent / "ugyfelek.xlsx").unlink()
    assert main(["doctor", "--config", str(config)]) == 1
    assert "does not exist" in capsys.readouterr().out


def test_serve_needs_a_state_store(tmp_path: Path, config: Path) -> None:
    config.write_text(CONFIG.replace('[state]\npath = "var/state.sqlite"\n', ""), "utf-8")
    result = CliRunner().invoke(cli, ["serve", "--config", str(config)])
    assert isinstance(result.exception, ConfigError)
    assert "state.path" in str(result.exception)


def test_the_documented_webhook_variable_and_the_secret_file_both_work(config: Path) -> None:
    url = "https://hooks.slack.test/services/T/B/X"
    settings = load_settings(config, {"SHEETSYNC_SLACK_WEBHOOK_URL": url})
    assert webhook_url(settings) is not None
    assert webhook_url(settings).get_secret_value() == url  # type: ignore[union-attr]
    assert url not in repr(settings)
    secret = config.parent / "webhook"
    secret.write_text(url + "\n")
    config.write_text(CONFIG + f'webhook_url_file = "{secret}"\n', "utf-8")
    from_file = webhook_url(load_settings(config, {}))
    assert from_file is not None and from_file.get_secret_value() == url


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ('[schedule]\noffice_hours = "18:00-08:00"', "schedule.office_hours"),
        ('[schedule]\ncron = "every five minutes"', "schedule.cron"),
        ('[schedule]\noffice_days = "weekdays"', "schedule.office_days"),
        ('[slack]\ndigest_time = "8.30"', "slack.digest_time"),
    ],
)
def test_bad_schedule_settings_fail_at_start(tmp_path: Path, section: str, problem: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[sheet]\npath = "x.xlsx"\n{section}\n', "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert any(p.startswith(problem) for p in caught.value.problems)
