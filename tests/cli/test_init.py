"""`sheetsync init`: the written config loads, nothing is overwritten without --force, on
a terminal it asks only for what the flags left open, and it says what to do next."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sheetsync.cli.init import DEFAULT_CONFIG as INIT_DEFAULT
from sheetsync.cli.main import cli
from sheetsync.cli.starter import Answers, render_config
from sheetsync.settings import LOCAL_CONFIG, config_path, load_settings

URL = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit#gid=42"


def init(tmp_path: Path, *args: str, input: str | None = None) -> Result:
    config = tmp_path / "config" / "sheetsync.toml"
    return CliRunner().invoke(cli, ["init", "--config", str(config), *args], input=input)


def test_a_workbook_config_from_flags_loads_and_points_at_the_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ugyfelek.xlsx").write_bytes(b"")
    result = init(
        tmp_path, "--backend", "workbook", "--workbook", "data/ugyfelek.xlsx", "--no-input"
    )
    assert result.exit_code == 0, result.output
    settings = load_settings(tmp_path / "config" / "sheetsync.toml", env={})
    assert settings.sheet.backend == "workbook"
    assert settings.sheet.path == tmp_path / "config" / ".." / "data" / "ugyfelek.xlsx"
    assert settings.state.path == tmp_path / "config" / "state.sqlite"
    assert settings.slack.webhook_url is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config", "data"], "no .env example"
    assert f"next: sheetsync doctor --config {tmp_path / 'config' / 'sheetsync.toml'}" in (
        result.output
    )
    assert "does not exist" not in result.output


def test_a_google_config_from_flags_loads_with_the_key_and_gid_of_the_url(tmp_path: Path) -> None:
    key = tmp_path / "sa.json"
    key.write_text("{}", encoding="utf-8")
    result = init(
        tmp_path,
        "--backend=google",
        f"--spreadsheet={URL}",
        f"--credentials-file={key}",
        "--slack",
        "--locale=en",
        "--no-input",
    )
    assert result.exit_code == 0, result.output
    settings = load_settings(tmp_path / "config" / "sheetsync.toml", env={})
    assert settings.sheet.spreadsheet_key == "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    assert settings.sheet.worksheet_gid == 42
    assert settings.sheet.credentials_file == key and settings.locale == "en"
    assert settings.slack.digest_time == "08:30"
    assert "SHEETSYNC_SLACK_WEBHOOK_URL" in result.output and "webhook_url_file" in result.output


def test_paths_that_do_not_exist_are_named_but_the_config_is_written(tmp_path: Path) -> None:
    """A key file may be a container path (/run/secrets/…), a workbook may come later:
    a note on stderr, not a refusal."""
    key = tmp_path / "nincs" / "sa.json"
    result = init(tmp_path, "--backend=google", f"--spreadsheet={URL}",
                  f"--credentials-file={key}", "--no-input")  # fmt: skip
    assert result.exit_code == 0
    assert f"note: the key file {key} does not exist (yet)" in result.output
    book = init(tmp_path, "--force", "--workbook", "hianyzo.xlsx", "--no-input")
    assert book.exit_code == 0 and "the workbook hianyzo.xlsx does not exist (yet)" in book.output


def test_without_input_a_missing_required_flag_is_a_usage_error(tmp_path: Path) -> None:
    result = init(tmp_path, "--backend", "google", "--no-input")
    assert result.exit_code == 2 and "--spreadsheet URL" in result.output
    assert not (tmp_path / "config").exists()


def test_an_existing_file_is_kept_unless_forced(tmp_path: Path) -> None:
    config = tmp_path / "config" / "sheetsync.toml"
    config.parent.mkdir()
    config.write_text("# mine\n", encoding="utf-8")
    refused = init(tmp_path, "--workbook", "x.xlsx", "--no-input")
    assert refused.exit_code == 2 and "--force" in refused.output
    assert config.read_text(encoding="utf-8") == "# mine\n"
    forced = init(tmp_path, "--workbook", "x.xlsx", "--no-input", "--force")
    assert forced.exit_code == 0 and "backend = " in config.read_text(encoding="utf-8")


def test_on_a_terminal_it_asks_only_what_the_flags_left_open(tmp_path: Path) -> None:
    answers = "google\nnot a url\n" + URL + "\n\ny\n"
    result = init(tmp_path, "--input", input=answers)
    assert result.exit_code == 0, result.output
    assert result.output.count("Spreadsheet URL") == 2, "asked again after a bad answer"
    assert "Post summaries to a Slack channel?" in result.output
    settings = load_settings(tmp_path / "config" / "sheetsync.toml", env={})
    assert settings.sheet.backend == "google" and settings.sheet.credentials_file is None
    given = init(
        tmp_path, "--input", "--force", "--backend=workbook", "--workbook=a.xlsx", "--no-slack"
    )
    assert given.exit_code == 0 and "?" not in given.output.replace("wrote", "")


@pytest.mark.parametrize("backend", ["workbook", "google"])
def test_odd_characters_in_answers_still_make_valid_toml(tmp_path: Path, backend: str) -> None:
    odd = 'ügyfelek "2026"\\ok.xlsx'
    answers = Answers(backend, workbook=odd, spreadsheet=URL, credentials_file=odd)  # type: ignore[arg-type]
    path = tmp_path / "sheetsync.toml"
    path.write_text(render_config(answers), encoding="utf-8")
    settings = load_settings(path, env={})
    if backend == "workbook":
        assert settings.sheet.path == tmp_path / odd
    else:
        assert settings.sheet.credentials_file == tmp_path / odd


def test_init_writes_where_the_other_commands_look_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`init` keeps its own copy of the path (importing the settings model would slow
    every `sheetsync --help`): the two must not drift apart, and what it writes in the
    current folder is what a command run there reads, before the demo's config."""
    assert INIT_DEFAULT == LOCAL_CONFIG
    option = next(p for p in cli.commands["init"].params if p.name == "config")
    assert option.default == LOCAL_CONFIG
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "sheetsync.toml").write_text("# the demo\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", "--workbook", "ugyfelek.xlsx", "--no-input"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "config" / "sheetsync.toml").read_text(encoding="utf-8") == "# the demo\n"
    assert config_path(None, {}) == LOCAL_CONFIG and LOCAL_CONFIG.is_file()
    assert "next: sheetsync doctor\n" in result.output


def test_a_workbook_below_a_folder_this_user_may_not_enter_is_a_note_not_a_crash(
    tmp_path: Path,
) -> None:
    """Path.exists raises there (final review): `init` ended in "unexpected
    PermissionError". Run under `unshare --user`, where even root obeys permissions."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o000)
    tmp_path.chmod(0o755)
    script = Path(sys.executable).with_name("sheetsync")
    try:
        done = subprocess.run(
            ["unshare", "--user", str(script), "init", "--config", str(tmp_path / "s.toml"),
             "--workbook", str(locked / "ugyfelek.xlsx"), "--no-input"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        locked.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert "unexpected" not in done.stderr
    assert f"the workbook {locked / 'ugyfelek.xlsx'} does not exist (yet)" in done.stderr
