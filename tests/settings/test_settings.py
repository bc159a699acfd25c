"""Settings: TOML file, environment overrides, and every problem listed at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheetsync.errors import ConfigError
from sheetsync.settings import DEFAULT_CONFIG, LOCAL_CONFIG, config_path, load_settings

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sheetsync.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_values_and_relative_paths_resolve_against_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[sheet]\npath = "data/ugyfelek.xlsx"\n[columns]\nclient = "Név"\n')
    settings = load_settings(path, env={})
    assert settings.sheet.path == tmp_path / "data" / "ugyfelek.xlsx"
    assert settings.columns.client == "Név"
    assert settings.columns.domain == "Domain"  # untouched defaults stay
    assert settings.locale == "hu"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'locale = "hu"\n[sheet]\npath = "a.xlsx"\n')
    env = {
        "SHEETSYNC_LOCALE": "en",
        "SHEETSYNC_THRESHOLDS__INVOICE_OVERDUE_DAYS": "5",
        "SHEETSYNC_COLUMNS__CLIENT": "Client",
        "SHEETSYNC_CONFIG": str(path),
    }
    settings = load_settings(path, env=env)
    assert settings.locale == "en"
    assert settings.thresholds.invoice_overdue_days == 5
    assert settings.columns.client == "Client"


def test_every_problem_is_listed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'locale = "de"\ntimezone = "Mars/Olympus"\n[sheet]\nbackend = "ftp"\n'
        "[thresholdz]\nx = 1\n[thresholds]\ninvoice_overdue_days = -1\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    text = str(caught.value)
    for fragment in ("locale", "Mars/Olympus", "sheet.backend", "thresholdz", "greater than 0"):
        assert fragment in text
    assert len(caught.value.problems) == 5


def test_headers_must_be_distinct_and_non_blank(tmp_path: Path) -> None:
    clash = write(tmp_path, '[sheet]\npath = "a.xlsx"\n[status_columns]\nstage = "csomag"\n')
    with pytest.raises(ConfigError, match=r"repeats the header of columns\.package"):
        load_settings(clash, env={})
    blank = write(tmp_path, '[sheet]\npath = "a.xlsx"\n[columns]\ndomain = "  "\n')
    with pytest.raises(ConfigError, match=r"columns\.domain is blank"):
        load_settings(blank, env={})


def test_missing_or_broken_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", env={})
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(write(tmp_path, "this is = = not toml"), env={})


def test_config_path_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert config_path("x.toml", {"SHEETSYNC_CONFIG": "y.toml"}) == Path("x.toml")
    assert config_path(None, {"SHEETSYNC_CONFIG": "y.toml"}) == Path("y.toml")
    assert config_path(None, {}) == DEFAULT_CONFIG
    (tmp_path / "sheetsync.toml").write_text("", encoding="utf-8")  # what `init` writes
    assert config_path(None, {}) == LOCAL_CONFIG
    assert config_path(None, {"SHEETSYNC_CONFIG": "y.toml"}) == Path("y.toml")


def test_shipped_config_is_valid_and_is_the_demo() -> None:
    settings = load_settings(REPO / "config" / "sheetsync.toml", env={})
    assert settings.sheet.path == REPO / "config" / ".." / "var" / "demo" / "ugyfelek.xlsx"
    assert settings.domains.checker == "file"


def test_a_bad_environment_variable_is_named_not_blamed_on_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[sheet]\npath = "x.xlsx"\n[health]\nmax_failed_syncs = 0\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={"SHEETSYNC_SERVER__PORT": "nyolcvan"})
    error = caught.value
    assert str(error).startswith(f"invalid configuration in {path} and the environment:")
    assert error.problems[0].startswith(
        "server.port (from the environment variable SHEETSYNC_SERVER__PORT): "
    )
    assert error.problems[1].startswith("health.max_failed_syncs: ")  # the file's own
    secret = "https://hooks.slack.com/services/T/B/not-a-url-at-all"
    env = {"SHEETSYNC_SLACK_WEBHOOK_URL": secret, "SHEETSYNC_SLACK__TIMEOUT_SECONDS": "-1"}
    with pytest.raises(ConfigError) as only_env:
        load_settings(write(tmp_path, '[sheet]\npath = "x.xlsx"\n'), env=env)
    assert str(only_env.value).startswith("invalid configuration in the environment:")
    assert "SHEETSYNC_SLACK__TIMEOUT_SECONDS" in str(only_env.value)
    assert secret not in str(only_env.value)


@pytest.mark.parametrize(
    "variable",
    [
        "DOMAINS__TIMEOUT_SECONDS",
        "DOMAINS__PASS_BUDGET_SECONDS",
        "DOMAINS__RETRY_AFTER_MAX_SECONDS",
        "DOMAINS__AVAILABLE_TTL_HOURS",
        "DOMAINS__REGISTERED_TTL_HOURS",
        "DOMAINS__BOOTSTRAP_MAX_AGE_HOURS",
        "SCHEDULE__INTERVAL_MINUTES",
        "SLACK__TIMEOUT_SECONDS",
        "HEALTH__MAX_SYNC_AGE_MINUTES",
        "HEALTH__MAX_PASS_MINUTES",
    ],
)
def test_a_duration_too_long_to_add_to_a_date_is_a_config_error(
    tmp_path: Path, variable: str
) -> None:
    """A threshold of 1e9 days passed the settings and then failed every pass with an
    OverflowError (outside attack); every duration setting has an upper bound."""
    path = write(tmp_path, '[sheet]\npath = "a.xlsx"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={f"SHEETSYNC_{variable}": "1e9"})
    section, key = variable.lower().split("__")
    assert f"{section}.{key}" in str(caught.value)
