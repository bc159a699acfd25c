"""`sheetsync domain check` and the live checker's settings, driven like staff would."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from sheetsync.app.wiring import domain_checker
from sheetsync.cli.main import cli
from sheetsync.cli.render import render_checks
from sheetsync.core.model import Verdict
from sheetsync.core.texts import Texts
from sheetsync.domains.checker import LiveDomainChecker
from sheetsync.domains.lookup import NameCheck
from sheetsync.errors import ConfigError
from sheetsync.settings import load_settings
from tests.support.domain_servers import LoopbackRdap, LoopbackWhois, whois_text


def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "sheetsync.toml"
    path.write_text(
        f"""
[sheet]
path = "ugyfelek.xlsx"

[domains]
checker = "offline"
bootstrap_refresh = false
cache_dir = "cache"
timeout_seconds = 2
{extra}
""",
        encoding="utf-8",
    )
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_it_prints_verdict_source_reason_and_details_per_name_as_json(tmp_path: Path) -> None:
    answers = {"foglalt.hu": whois_text("hu_registered.txt")}
    with (
        LoopbackWhois(answers, default=whois_text("hu_free_new.txt")) as whois_server,
        LoopbackRdap({"/domain/nic.cz": "registered.json"}) as rdap_server,
    ):
        config = write_config(
            tmp_path,
            f"""
[domains.whois_servers]
hu = "{whois_server.address}"
[domains.rdap_servers]
cz = "{rdap_server.base_url}"
""",
        )
        code, out = run(
            "domain",
            "check",
            "--config",
            str(config),
            "--format",
            "json",
            "https://www.Foglalt.hu/",
            "szabad.hu",
            "nic.cz",
            "shop.pelda.hu",
        )
    assert code == 0
    rows = {r["input"]: r for r in json.loads(out)}
    assert rows["https://www.Foglalt.hu/"]["verdict"] == "registered"
    assert rows["https://www.Foglalt.hu/"]["source"] == "whois"
    assert rows["https://www.Foglalt.hu/"]["details"]["created"] == "2000.03.25 23:20:39"
    assert rows["szabad.hu"]["verdict"] == "available"
    assert rows["nic.cz"]["details"]["registrar"] == "CZ.NIC, z.s.p.o."
    assert rows["shop.pelda.hu"] == rows["shop.pelda.hu"] | {
        "verdict": "invalid",
        "reason": "subdomain",
        "details": {"suggestion": "pelda.hu"},
    }


def test_the_table_shows_each_name_with_its_verdict(tmp_path: Path) -> None:
    with LoopbackWhois({}, default=whois_text("hu_free_old.txt")) as whois_server:
        config = write_config(tmp_path, f'[domains.whois_servers]\nhu = "{whois_server.address}"')
        code, out = run("domain", "check", "--config", str(config), "példa.hu", "x y")
    assert code == 0
    assert "példa.hu" in out and "available" in out and "invalid" in out


def test_configured_uses_the_configured_checker(tmp_path: Path) -> None:
    code, out = run(
        "domain",
        "check",
        "--configured",
        "--config",
        str(write_config(tmp_path)),
        "--format",
        "json",
        "pelda.hu",
    )
    assert code == 0
    assert json.loads(out)[0]["source"] == "offline"


def test_no_names_is_a_usage_error(tmp_path: Path) -> None:
    assert run("domain", "check", "--config", str(write_config(tmp_path)))[0] == 2


def test_the_domain_commands_have_help() -> None:
    for args in (["domain", "--help"], ["domain", "check", "--help"]):
        code, out = run(*args)
        assert code == 0 and "Usage" in out


def test_overrides_are_read_from_the_config_file_and_environment(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        '[domains.rdap_servers]\nhu = "http://127.0.0.1:8081/"\n'
        '[domains.whois_servers]\n".EU" = "127.0.0.1:4343"\n',
    )
    settings = load_settings(config, env={"SHEETSYNC_DOMAINS__CHECKER": "live"})
    assert settings.domains.rdap_servers == {"hu": "http://127.0.0.1:8081/"}
    assert settings.domains.whois_servers == {"eu": "127.0.0.1:4343"}
    assert settings.domains.cache_dir == tmp_path / "cache"  # relative to the config file
    assert settings.domains.rate_limits["eu"] == 15
    assert isinstance(domain_checker(settings), LiveDomainChecker)


@pytest.mark.parametrize(
    "extra",
    [
        '[domains.whois_servers]\nhu = "whois.nic.hu:port"',
        '[domains.rdap_servers]\nhu = "ftp://rdap.example/"',
        "[domains.rate_limits]\neu = 0",
        "concurrency_per_server = 0",
    ],
)
def test_bad_domain_settings_fail_at_start_naming_the_setting(tmp_path: Path, extra: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(tmp_path, extra), env={})
    assert "domains." in str(caught.value)


def test_the_docs_override_example_is_a_valid_config(tmp_path: Path) -> None:
    docs = (Path(__file__).parents[2] / "docs" / "domains.md").read_text(encoding="utf-8")
    example = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    config = tmp_path / "example.toml"
    config.write_text('[sheet]\npath = "x.xlsx"\n' + example, encoding="utf-8")
    settings = load_settings(config, env={})
    assert settings.domains.checker == "live"
    assert settings.domains.whois_servers == {"hu": "127.0.0.1:4343"}
    assert "sheetsync domain check" in docs


def test_with_a_state_store_a_second_check_answers_from_its_verdict_cache(tmp_path: Path) -> None:
    with LoopbackRdap({"/domain/nic.cz": "registered.json"}) as rdap_server:
        config = write_config(
            tmp_path,
            f'[domains.rdap_servers]\ncz = "{rdap_server.base_url}"\n'
            f'[state]\npath = "{tmp_path / "state.sqlite"}"\n',
        )
        ask = ("domain", "check", "--config", str(config), "--format", "json")
        first = run(*ask, "nic.cz", "szabad.cz")
        second = run(*ask, "nic.cz", "szabad.cz", "masik.cz")

    assert first[0] == second[0] == 0
    asked = rdap_server.paths
    assert sorted(asked[:2]) == ["/domain/nic.cz", "/domain/szabad.cz"]
    assert asked[2:] == ["/domain/masik.cz"]  # only the new name went to the registry
    assert json.loads(second[1])[:2] == json.loads(first[1])  # same verdicts, same times


def test_an_invalid_name_is_told_in_words_with_its_suggestion(tmp_path: Path) -> None:
    code, out = run(
        "domain", "check", "--configured", "--config", str(write_config(tmp_path)),
        "--format", "json", "bad_name", "gal optika.hu",
    )  # fmt: skip
    assert code == 0
    bad, spaced = json.loads(out)
    assert (bad["verdict"], bad["reason"]) == ("invalid", "not-a-domain")  # stable keys
    assert (spaced["reason"], spaced["details"]) == ("space", {"suggestion": "galoptika.hu"})

    code, out = run("domain", "check", "--configured", "--config", str(write_config(tmp_path)),
                    "bad_name", "gal optika.hu")  # fmt: skip
    assert "not-a-domain" not in out
    assert "nem domain név: hiányzik a pont és a végződés" in out
    assert "szóköz van benne, domain névben pedig nem lehet (javaslat: galoptika.hu)" in out


LONG = "kovacspekseg-es-tarsa-kereskedelmi-es-szolgaltato-bt.hu"


@pytest.mark.parametrize("width", [60, 80, 200])
def test_a_domain_name_is_never_cut_whatever_the_terminal_width(width: int) -> None:
    checks = [
        NameCheck(LONG, Verdict.REGISTERED, "whois", LONG, LONG, "registration record found",
                  {"registrar": "Valami Regisztrátor Kft.", "created": "2000.03.25"}),
        NameCheck("gal optika.hu", Verdict.INVALID, "sheetsync", reason="space",
                  details={"suggestion": "galoptika.hu"}),
    ]  # fmt: skip
    out = io.StringIO()
    render_checks(checks, Texts("en"), Console(file=out, width=width))
    text = out.getvalue()
    assert any(LONG in line for line in text.splitlines()), text
    words = " ".join(text.split())
    assert "gal optika.hu" in text and "…" not in text
    assert "(suggestion: galoptika.hu)" in words and "registrar: Valami" in words
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
