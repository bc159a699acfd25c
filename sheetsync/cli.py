"""The `sheetsync` command: a thin layer over the library.

Exit codes: 0 the pass ran (row findings are not failures), 1 a run-level
failure (sheet unreadable, headers broken), 2 bad usage or configuration.
"""

from __future__ import annotations

import json
import logging
import os
import sys

import click
from rich.console import Console

from .doctor import diagnose
from .errors import ConfigError, SheetsyncError
from .report import render_terminal, to_json
from .settings import Settings, config_path, load_settings
from .sync import run_sync
from .wiring import domain_checker, sheet_backend, utc_now

log = logging.getLogger("sheetsync")


def _settings(config: str | None) -> Settings:
    return load_settings(config_path(config, os.environ))


config_option = click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="TOML config file (default: $SHEETSYNC_CONFIG, else config/sheetsync.toml).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="sheetsync")
def cli(verbose: int) -> None:
    """Check the client-onboarding sheet and write each client's status back into it."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@cli.command()
@config_option
@click.option("--dry-run", is_flag=True, help="Compute and print; write nothing.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table: readable summary; json: the machine-readable report.",
)
def sync(config: str | None, dry_run: bool, output: str) -> None:
    """Run one sync pass over the sheet."""
    settings = _settings(config)
    result = run_sync(
        sheet_backend(settings), domain_checker(settings), settings, utc_now, dry_run=dry_run
    )
    if output == "json":
        click.echo(json.dumps(to_json(result), ensure_ascii=False, indent=2))
    else:
        render_terminal(result, Console())


@cli.command()
@config_option
def doctor(config: str | None) -> None:
    """Check config, credentials, sheet access and headers; print what to fix."""
    diagnosis = diagnose(_settings(config))
    for line in diagnosis.lines():
        click.echo(line)
    if not diagnosis.ok:
        sys.exit(1)


def main() -> None:
    """Entry point: expected errors become one line on stderr, never a traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except ConfigError as exc:
        click.echo(f"sheetsync: {exc}", err=True)
        sys.exit(2)
    except SheetsyncError as exc:
        click.echo(f"sheetsync: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
