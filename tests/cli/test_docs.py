"""The docs stay true: the configuration reference matches the settings model, every CLI
command has help and is in the README, every finding code and metric is documented."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import sheetsync.cli.docs as docs
from sheetsync.cli.main import cli
from sheetsync.core.model import SEVERITY, Code
from sheetsync.ops.metrics import Metrics

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
REFERENCE = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def test_the_configuration_reference_is_the_generated_one() -> None:
    assert docs.render() == REFERENCE, "settings changed: run `make docs` and commit the result"


def every_setting() -> Iterator[tuple[str | None, str]]:
    for section, _, fields in docs.sections():
        for key in fields:
            yield section, key


def test_every_setting_is_in_the_reference_and_every_documented_one_exists() -> None:
    documented = set()
    section: str | None = None
    for line in REFERENCE.splitlines():
        heading = re.match(r"## \[(\w+)\]", line)
        if heading:
            section = heading.group(1)
        elif line.startswith("## Top level"):
            section = None
        elif line.startswith("## "):
            section = "-"
        row = re.match(r"\| `(\w+)` \|", line)
        if row and section != "-":
            documented.add((section, row.group(1)))
    assert documented == set(every_setting())
    assert len(documented) > 60 and {s for s, _ in documented} >= {None, "server", "health"}


def test_every_setting_has_a_description() -> None:
    for section, _, fields in docs.sections():
        for key, field in fields.items():
            docs.describe(section, key, field)  # raises when missing


def test_a_removed_setting_would_fail_the_reference_check() -> None:
    stale = REFERENCE.replace("| `port` |", "| `listen_port` |")
    assert stale != docs.render()


def commands(group: click.Group, prefix: str = "sheetsync") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from commands(command, path)


ALL_COMMANDS = list(commands(cli))


def test_the_walk_finds_the_nested_commands() -> None:
    paths = {path for path, _ in ALL_COMMANDS}
    assert {"sheetsync domain", "sheetsync domain check", "sheetsync init"} <= paths


@pytest.mark.parametrize(("path", "command"), ALL_COMMANDS, ids=[p for p, _ in ALL_COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(path: str, command: click.Command) -> None:
    assert (command.help or "").strip(), f"{path} has no help text"
    result = CliRunner().invoke(cli, [*path.split()[1:], "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    assert f"`{path}" in README, f"{path} is not documented in README.md"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert (param.help or "").strip(), f"{path} {param.opts[0]} has no help"


def test_the_readme_quickstart_is_the_two_make_commands() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands_shown = [line.split("#")[0].strip() for line in quickstart.strip().splitlines()]
    assert commands_shown == ["make demo", "make test"]


def test_every_finding_code_is_in_the_readme_with_its_severity() -> None:
    for code in Code:
        assert f"| `{code.value}` | {SEVERITY[code].value} |" in README, code


def test_every_metric_is_documented() -> None:
    names = {metric.name for metric in Metrics().registry.collect()}
    assert names, "the registry has metrics"
    for name in names:
        exposed = name + "_total" if f"{name}_total" in Metrics().exposition().decode() else name
        assert f"`{exposed}`" in OPERATIONS, f"{exposed} is not in docs/operations.md"


def test_every_relative_link_in_the_readme_and_docs_resolves() -> None:
    for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#]+\.(?:md|toml|yaml))(?:#[^)]*)?\)", text):
            if "://" not in target:
                assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def _exit_code_table(text: str) -> str:
    start = text.index("<!-- exit-codes:")
    table = text[text.index("\n", start) + 1 :]
    return table[: table.index("\n\n")]


def test_the_exit_code_table_is_the_same_in_the_readme_and_operations_and_names_every_command() -> (
    None
):
    readme = _exit_code_table(README)
    assert readme == _exit_code_table(OPERATIONS)
    named = {line.split("`")[1].split()[0] for line in readme.splitlines()[2:]}
    assert named == set(cli.commands), "one row per command"
