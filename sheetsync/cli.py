"""The `sheetsync` command: a thin layer over the library.

Exit codes: 0 the pass ran (row findings are not failures), 1 a run-level
failure (sheet unreadable, headers broken), 2 bad usage or configuration.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import traceback

import click
from rich.console import Console

from .doctor import diagnose
from .domains.lookup import NameCheck, check_names
from .errors import ConfigError, SheetsyncError
from .history import memory_of
from .lock import SyncLock
from .notify.port import ConsoleNotifier
from .notify.snapshot import ReportSnapshot, diff, snapshot_of
from .notify.summary import summary
from .report import render_terminal, to_json
from .serve import Server, build_trigger, office_hours, schedule_zone, serve_until_signalled
from .settings import Settings, config_path, load_settings
from .sync import Memory, SyncResult, run_sync
from .wiring import domain_checker, notifier, sheet_backend, state_store, utc_now, worker

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
    # httpx logs each request's URL at INFO; a Slack webhook URL is a secret.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))


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
    """Run one sync pass over the sheet.

    With a state store (`[state] path`) the pass remembers first-seen times and
    fingerprints, and then sends the summary to Slack or, without a webhook, prints it.
    """
    settings = _settings(config)
    store = state_store(settings)
    if store is None:
        result = run_sync(
            sheet_backend(settings), domain_checker(settings), settings, utc_now, dry_run=dry_run
        )
        _print(result, output)
        return
    printed = io.StringIO()
    fallback = ConsoleNotifier(printed) if output == "table" else None
    with SyncLock(store.lock_path):
        outcome = worker(settings, store, notifier(settings, fallback)).run_once(dry_run=dry_run)
    if outcome.result is None:
        assert outcome.error is not None
        raise outcome.error
    _print(outcome.result, output)
    if printed.getvalue():
        click.echo("\n" + printed.getvalue(), nl=False)
    if outcome.error is not None:
        raise outcome.error


def _print(result: SyncResult, output: str) -> None:
    if output == "json":
        click.echo(json.dumps(to_json(result), ensure_ascii=False, indent=2))
    else:
        render_terminal(result, _console())


@cli.group()
def domain() -> None:
    """Domain names: ask the registries before typing a name into the sheet."""


@domain.command("check")
@config_option
@click.argument("names", nargs=-1, required=True)
@click.option(
    "--live/--configured",
    default=True,
    show_default=True,
    help="--live asks the registries (RDAP/WHOIS) whatever domains.checker says; "
    "--configured uses the configured checker (offline, file or live).",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table: one line per name; json: a list of objects.",
)
def domain_check(config: str | None, names: tuple[str, ...], live: bool, output: str) -> None:
    """Check whether each NAME is free: verdict, source, reason and details.

    Exit code 0 whenever the check ran, whatever the verdicts."""
    settings = _settings(config)
    if live and settings.domains.checker != "live":
        domains = settings.domains.model_copy(update={"checker": "live"})
        settings = settings.model_copy(update={"domains": domains})
    store = state_store(settings)
    checker = domain_checker(settings, cache=store.verdict_cache() if store else None)
    results = check_names(list(names), checker, utc_now)
    if output == "json":
        click.echo(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2))
    else:
        _print_checks(results, _console())


def _print_checks(results: list[NameCheck], console: Console) -> None:
    from rich.table import Table

    table = Table("name", "verdict", "source", "reason", "details", show_lines=False)
    for r in results:
        details = ", ".join(f"{k}: {v}" for k, v in r.details.items())
        table.add_row(r.unicode or r.input, r.verdict.value, r.source, r.reason or "", details)
    console.print(table)


@cli.command()
@config_option
@click.option("--preview", is_flag=True, help="Print the Slack payload (JSON); send nothing.")
@click.option(
    "--changes", is_flag=True, help="Only what changed since the last report, not the digest."
)
def report(config: str | None, preview: bool, changes: bool) -> None:
    """Build the Slack summary from a fresh read (nothing is written or saved) and send it,
    or print it with --preview."""
    settings = _settings(config)
    store = state_store(settings)
    state = store.load() if store else None
    result = run_sync(
        sheet_backend(settings),
        domain_checker(settings, cache=store.verdict_cache() if store else None),
        settings,
        utc_now,
        dry_run=True,
        memory=memory_of(state) if state else Memory(),
        fingerprint=store.fingerprint if store else None,
    )
    current = snapshot_of(result)
    previous = ReportSnapshot.from_json(state.last_report) if state and state.last_report else None
    message = summary(
        current,
        diff(previous, current) if previous else None,
        locale=settings.locale,
        tz=settings.tz,
        since=state.last_report_at if state else None,
        digest=not changes,
    )
    if preview:
        click.echo(json.dumps(message.payload(), ensure_ascii=False, indent=2))
        return
    target = notifier(settings, ConsoleNotifier(sys.stdout))
    assert target is not None
    target.send(message)


@cli.command()
@config_option
def doctor(config: str | None) -> None:
    """Check config, credentials, sheet access and headers; print what to fix."""
    diagnosis = diagnose(_settings(config))
    for line in diagnosis.lines():
        click.echo(line)
    if not diagnosis.ok:
        raise click.exceptions.Exit(1)


@cli.command()
@config_option
def serve(config: str | None) -> None:
    """Sync on the configured schedule until SIGTERM/SIGINT (then finish the running pass
    and exit 0)."""
    settings = _settings(config)
    store = state_store(settings)
    if store is None:
        raise ConfigError(["state.path: serve needs a state store (set [state] path)"])
    run = worker(settings, store, notifier(settings, ConsoleNotifier(sys.stdout)))
    schedule = settings.schedule
    tz = schedule_zone(schedule, settings.timezone)
    server = Server(
        run.run_once,
        build_trigger(schedule, tz),
        tz=tz,
        clock=utc_now,
        lock=SyncLock(store.lock_path),
        is_open=office_hours(schedule, tz),
        misfire_grace_seconds=schedule.misfire_grace_seconds,
    )
    serve_until_signalled(server)


def _console() -> Console:
    """Rich output; when piped or captured, wide enough that rows do not wrap."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 140))
    return console


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; expected errors become one line on stderr, never a traceback."""
    try:
        cli.main(args=argv, prog_name="sheetsync", standalone_mode=False)
    except click.exceptions.Abort:
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except ConfigError as exc:
        click.echo(f"sheetsync: {exc}", err=True)
        return 2
    except SheetsyncError as exc:
        click.echo(f"sheetsync: {exc}", err=True)
        return 1
    except Exception as exc:  # a bug: its text (or a traceback's) could quote a sheet cell
        click.echo(f"sheetsync: unexpected {unexpected(exc)}", err=True)
        return 1
    return 0


def unexpected(error: BaseException) -> str:
    """Class and place of a foreign error, never its message."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno} ({frames[-1].name})" if frames else ""
    return (
        f"{type(error).__name__}{where}; its message is not shown because it may quote "
        "a cell of the sheet. Please report it."
    )


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
