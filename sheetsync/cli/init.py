"""The `sheetsync init` command: asks only what it must, on a terminal, or takes flags."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sheetsync.cli.starter import (
    Answers,
    Backend,
    render_config,
    render_env,
    write_new,
)
from sheetsync.errors import ExistingFiles

# The same as `sheetsync.settings.DEFAULT_CONFIG` (a test keeps them equal): importing the
# settings model here would load pydantic for every `sheetsync --help`.
DEFAULT_CONFIG = Path("config/sheetsync.toml")


def _relative_to(path: str, folder: Path) -> str:
    """A path typed relative to the current folder, as the config file must say it
    (relative to the config's own folder)."""
    target = Path(path).expanduser()
    if target.is_absolute():
        return str(target)
    return os.path.relpath(target.resolve(), folder.resolve())


@click.command()
@click.option(
    "--backend",
    type=click.Choice(["workbook", "google"]),
    default=None,
    help="Where the sheet lives: a local .xlsx workbook or Google Sheets (asked if omitted).",
)
@click.option("--workbook", default=None, help="The .xlsx file (workbook backend).")
@click.option("--spreadsheet", default=None, help="Spreadsheet URL or key (google backend).")
@click.option(
    "--credentials-file",
    default=None,
    help="Service-account JSON key (google backend); omit to use GOOGLE_APPLICATION_CREDENTIALS.",
)
@click.option(
    "--slack/--no-slack", default=None, help="Post summaries to Slack (asked if omitted)."
)
@click.option(
    "--locale",
    type=click.Choice(["hu", "en"]),
    default="hu",
    show_default=True,
    help="Language of the status cells and the Slack summary.",
)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="Where to write the config.",
)
@click.option(
    "--env-example",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(".env.example"),
    show_default=True,
    help="Where to write the environment example.",
)
@click.option(
    "--input/--no-input",
    "prompt",
    default=None,
    help="Ask for what the flags leave open (default: only on a terminal); --no-input never "
    "asks and fails when a required flag is missing.",
)
@click.option("--force", is_flag=True, help="Replace files that exist already.")
def init(
    backend: Backend | None,
    workbook: str | None,
    spreadsheet: str | None,
    credentials_file: str | None,
    slack: bool | None,
    locale: str,
    config: Path,
    env_example: Path,
    prompt: bool | None,
    force: bool,
) -> None:
    """Write a commented starting config and an .env example for one backend.

    On a terminal it asks for what the flags did not say; with --no-input (or when
    not on a terminal) it uses the flags only. Existing files are kept unless --force."""
    from sheetsync.settings import spreadsheet_key

    ask = sys.stdin.isatty() if prompt is None else prompt
    if not force:
        existing = [p for p in (config, env_example) if p.exists()]
        if existing:
            names = ", ".join(str(p) for p in existing)
            raise click.UsageError(f"{names} exists already; pass --force to replace it")
    if backend is None:
        backend = "workbook"
        if ask:
            chosen = click.prompt(
                "Sheet backend", type=click.Choice(["workbook", "google"]), default="workbook"
            )
            backend = "google" if chosen == "google" else "workbook"
    if ask and backend == "workbook" and not workbook:
        workbook = click.prompt("Path of the .xlsx workbook")
    if ask and backend == "google":
        while not spreadsheet or spreadsheet_key(spreadsheet) is None:
            spreadsheet = click.prompt("Spreadsheet URL (or key)")
        if credentials_file is None:
            credentials_file = click.prompt(
                "Service-account key file (empty: GOOGLE_APPLICATION_CREDENTIALS)",
                default="",
                show_default=False,
            )
    if slack is None:
        slack = ask and click.confirm("Post summaries to a Slack channel?", default=False)
    if spreadsheet and spreadsheet_key(spreadsheet) is None:
        raise click.BadParameter("not a spreadsheet URL or key", param_hint="--spreadsheet")
    folder = config.parent
    answers = Answers(
        backend=backend,
        workbook=_relative_to(workbook, folder) if workbook else None,
        spreadsheet=spreadsheet,
        credentials_file=_relative_to(credentials_file, folder) if credentials_file else None,
        slack=slack,
        locale="en" if locale == "en" else "hu",
    )
    missing = answers.missing()
    if missing:
        raise click.UsageError(f"{backend} backend needs {', '.join(missing)}")
    files = {config: render_config(answers), env_example: render_env(answers, config)}
    try:
        write_new(files, force=force)
    except ExistingFiles as exc:  # appeared while we were asking
        raise click.UsageError(f"{exc} exists already; pass --force to replace it") from None
    click.echo(f"wrote {config} and {env_example}")
    click.echo(f"next: sheetsync doctor --config {config}")
