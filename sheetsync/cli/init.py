"""The `sheetsync init` command: asks only what it must, on a terminal, or takes flags."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sheetsync.cli.starter import Answers, Backend, render_config, write_new
from sheetsync.errors import ExistingFiles
from sheetsync.paths import lookable, missing

# The same as `sheetsync.settings.LOCAL_CONFIG` (a test keeps them equal): importing the
# settings model here would load pydantic for every `sheetsync --help`. Written into the
# current folder, where every command looks first, so it never meets the demo's
# config/sheetsync.toml.
DEFAULT_CONFIG = Path("sheetsync.toml")


def _relative_to(path: str, folder: Path) -> str:
    """A path typed relative to the current folder, as the config file must say it
    (relative to the config's own folder)."""
    target = Path(path).expanduser()
    if target.is_absolute():
        return str(target)
    return os.path.relpath(target.resolve(), folder.resolve())


def _missing(paths: dict[str, str | None]) -> list[str]:
    """A note for each typed path that does not exist (yet)."""
    return [
        f"note: the {what} {path} does not exist (yet); sheetsync reads it from "
        f"{Path(path).expanduser().absolute()}"
        for what, path in paths.items()
        if path and not lookable(Path(path).expanduser())
    ]


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
    help="Where to write the config (the current folder, where every command looks first).",
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
    prompt: bool | None,
    force: bool,
) -> None:
    """Write a commented starting config for one backend.

    On a terminal it asks for what the flags did not say; with --no-input (or when
    not on a terminal) it uses the flags only. An existing file is kept unless --force."""
    from sheetsync.settings import spreadsheet_key

    ask = sys.stdin.isatty() if prompt is None else prompt
    if not missing(config) and not force:
        raise click.UsageError(f"{config} exists already; pass --force to replace it")
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
    lacking = answers.missing()
    if lacking:
        raise click.UsageError(f"{backend} backend needs {', '.join(lacking)}")
    try:
        write_new({config: render_config(answers)}, force=force)
    except ExistingFiles as exc:  # appeared while we were asking
        raise click.UsageError(f"{exc} exists already; pass --force to replace it") from None
    click.echo(f"wrote {config}")
    paths = {"workbook": workbook if backend == "workbook" else None}
    paths["key file"] = credentials_file if backend == "google" else None
    for note in _missing(paths):
        click.echo(note, err=True)
    here = config == DEFAULT_CONFIG
    where = "" if here else f" --config {config}"
    click.echo(f"next: sheetsync doctor{where}")
    if here:
        click.echo(
            "      (run from this folder, every command reads ./sheetsync.toml; elsewhere "
            "pass --config or set SHEETSYNC_CONFIG)"
        )
    click.echo(
        f"then: sheetsync sync{where} (adds the status columns), and sheetsync setup{where} "
        "(dropdowns, colours and a warning on the status columns; --remove undoes it)"
    )
    if slack:
        click.echo(
            "Slack: give the webhook URL as SHEETSYNC_SLACK_WEBHOOK_URL=… in the environment, "
            "or in a file named by [slack] webhook_url_file; never in the config"
        )
