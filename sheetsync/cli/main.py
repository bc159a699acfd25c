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
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console

import sheetsync.ops.logs as logs
from sheetsync.app.doctor import diagnose
from sheetsync.app.wiring import (
    domain_checker,
    notifier,
    sheet_backend,
    state_store,
    worker,
)
from sheetsync.cli.init import init
from sheetsync.cli.progress import ProgressCallback, progress_bar
from sheetsync.cli.render import render_terminal
from sheetsync.clock import utc_now
from sheetsync.core.memory import Memory, memory_of
from sheetsync.core.report import to_json
from sheetsync.core.result import SyncResult
from sheetsync.core.snapshot import ReportSnapshot, diff, snapshot_of
from sheetsync.domains.lookup import NameCheck, check_names
from sheetsync.errors import ConfigError, SheetsyncError
from sheetsync.notify.console import ConsoleNotifier
from sheetsync.notify.summary import summary
from sheetsync.ops.health import RUNS_CONSULTED, Health, assess
from sheetsync.ops.metrics import Metrics
from sheetsync.ops.observe import InstrumentedPass
from sheetsync.ops.server import OpsServer
from sheetsync.run.lock import SyncLock
from sheetsync.run.serve import (
    Server,
    build_trigger,
    office_hours,
    schedule_zone,
    serve_until_signalled,
    window_opened,
)
from sheetsync.run.sync import run_sync
from sheetsync.run.worker import PassOutcome
from sheetsync.settings import Settings, config_path, load_settings
from sheetsync.state.sqlite import SqliteStateStore

log = logging.getLogger("sheetsync")


def _settings(config: str | None) -> Settings:
    path = config_path(config, os.environ)
    settings = load_settings(path)
    log.debug("settings loaded from %s (sheet backend: %s)", path, settings.sheet.backend)
    return settings


F = TypeVar("F", bound=Callable[..., Any])


def format_option(help: str) -> Callable[[F], F]:
    """`--format table|json`, the same on every command that reports."""
    return click.option(
        "--format",
        "output",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help=help,
    )


config_option = click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="TOML config file (default: $SHEETSYNC_CONFIG, else config/sheetsync.toml).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option(
    "--log-level",
    type=click.Choice(logs.LEVELS, case_sensitive=False),
    envvar="SHEETSYNC_LOG_LEVEL",
    show_envvar=True,
    default=None,
    help="Log level (wins over -v). Default: info for serve, warning otherwise.",
)
@click.option(
    "--log-format",
    type=click.Choice(["auto", "json", "text"]),
    envvar="SHEETSYNC_LOG_FORMAT",
    show_envvar=True,
    default="auto",
    show_default=True,
    help="Log lines on stderr: json (one object a line), text, or auto: text on a "
    "terminal, json otherwise.",
)
@click.version_option(package_name="sheetsync")
@click.pass_context
def cli(ctx: click.Context, verbose: int, log_level: str | None, log_format: str) -> None:
    """Check the client-onboarding sheet and write each client's status back into it."""
    if log_level is None:
        log_level = ("info", "debug")[min(verbose, 2) - 1] if verbose else None
    if log_level is None:
        log_level = "info" if ctx.invoked_subcommand == "serve" else "warning"
    logs.configure(log_level, log_format)  # type: ignore[arg-type]


@cli.command()
@config_option
@click.option("--dry-run", is_flag=True, help="Compute and print; write nothing.")
@format_option("table: readable summary; json: the machine-readable report.")
def sync(config: str | None, dry_run: bool, output: str) -> None:
    """Run one sync pass over the sheet.

    With a state store (`[state] path`) the pass remembers first-seen times and
    fingerprints, and then sends the summary to Slack or, without a webhook, prints it.
    """
    settings = _settings(config)
    store = state_store(settings)
    printed = io.StringIO()
    with progress_bar("Checking domains", waiting="Syncing the sheet…") as progress:
        if store is None:

            def once() -> PassOutcome:
                checker = domain_checker(settings, progress=progress)
                sheet = sheet_backend(settings)
                return PassOutcome(run_sync(sheet, checker, settings, utc_now, dry_run=dry_run))

            outcome = InstrumentedPass(once)()
        else:
            outcome = _worker_pass(settings, store, output, printed, dry_run, progress)
    if outcome.result is None:
        assert outcome.error is not None
        raise outcome.error
    _print(outcome.result, output)
    if printed.getvalue():
        click.echo("\n" + printed.getvalue(), nl=False)
    if outcome.error is not None:
        raise outcome.error


def _worker_pass(
    settings: Settings,
    store: SqliteStateStore,
    output: str,
    printed: io.StringIO,
    dry_run: bool,
    progress: ProgressCallback | None,
) -> PassOutcome:
    fallback = ConsoleNotifier(printed) if output == "table" else None
    with SyncLock(store.lock_path):
        run = worker(settings, store, notifier(settings, fallback), progress=progress)
        return InstrumentedPass(lambda: run.run_once(dry_run=dry_run))()


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
@format_option("table: one line per name; json: a list of objects.")
def domain_check(config: str | None, names: tuple[str, ...], live: bool, output: str) -> None:
    """Check whether each NAME is free: verdict, source, reason and details.

    Exit code 0 whenever the check ran, whatever the verdicts."""
    settings = _settings(config)
    if live and settings.domains.checker != "live":
        domains = settings.domains.model_copy(update={"checker": "live"})
        settings = settings.model_copy(update={"domains": domains})
    store = state_store(settings)
    with progress_bar("Checking domains") as progress:
        cache = store.verdict_cache() if store else None
        checker = domain_checker(settings, cache=cache, progress=progress)
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
    metrics = Metrics()
    run = worker(settings, store, notifier(settings, ConsoleNotifier(sys.stdout)), metrics)
    schedule = settings.schedule
    tz = schedule_zone(schedule, settings.timezone)
    is_open = office_hours(schedule, tz)
    opened = window_opened(schedule, tz)
    server = Server(
        InstrumentedPass(run.run_once, metrics),
        build_trigger(schedule, tz),
        tz=tz,
        clock=utc_now,
        lock=SyncLock(store.lock_path),
        is_open=is_open,
        misfire_grace_seconds=schedule.misfire_grace_seconds,
    )
    started = utc_now()

    def health() -> Health:
        now = utc_now()
        runs = store.runs(RUNS_CONSULTED)
        return assess(
            runs,
            now,
            settings.health,
            up_since=started,
            judge_age=is_open(now),
            window_opened=opened(now),
        )

    last = health().last_success
    if last is not None:  # so the gauge survives restarts
        metrics.last_success.set(last.timestamp())
    if not settings.server.enabled:
        serve_until_signalled(server)
        return
    host, port = settings.server.host, settings.server.port
    with OpsServer(host, port, health, metrics):
        serve_until_signalled(server)


@cli.command()
@config_option
@format_option("table: readable; json: the same facts as /healthz.")
@click.option("--runs", default=5, show_default=True, help="How many recent syncs to list.")
def status(config: str | None, output: str, runs: int) -> None:
    """Print the worker's health from the state store: recent syncs and their outcome,
    the last success, failures in a row. Exit 0 when healthy, 1 when not."""
    settings = _settings(config)
    store = state_store(settings) if settings.state.path and settings.state.path.exists() else None
    if settings.state.path is None:
        raise ConfigError(["state.path: status reads the state store (set [state] path)"])
    now = utc_now()
    tz = schedule_zone(settings.schedule, settings.timezone)
    judge_age = office_hours(settings.schedule, tz)(now)
    opened = window_opened(settings.schedule, tz)(now)
    records = store.runs(RUNS_CONSULTED) if store else []
    health = assess(records, now, settings.health, judge_age=judge_age, window_opened=opened)
    if output == "json":
        click.echo(json.dumps(health.to_json(runs), ensure_ascii=False, indent=2))
    else:
        _print_health(health, runs, settings, _console())
    if not health.healthy:
        raise click.exceptions.Exit(1)


def _print_health(health: Health, count: int, settings: Settings, console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    tz = settings.tz
    if health.healthy:
        console.print(Text("healthy", style="green"))
    else:  # reasons hold "[health] …": plain text, not rich markup
        console.print(Text("UNHEALTHY", style="red") + Text(": " + "; ".join(health.reasons)))
    last = health.last_success
    console.print(
        f"last success: {last.astimezone(tz):%Y-%m-%d %H:%M:%S %Z}"
        if last
        else "last success: none recorded"
    )
    console.print(f"failed in a row: {health.failed_streak}")
    table = Table("finished", "outcome", "rows", "cells written", "error", title="recent syncs")
    for run in health.runs[:count]:
        error = f"{run.error_class}: {run.error_message}" if run.error_class else ""
        table.add_row(
            f"{run.finished_at.astimezone(tz):%Y-%m-%d %H:%M:%S}",
            run.outcome,
            str(run.rows),
            str(run.cells_written),
            Text(error),
        )
    console.print(table)


cli.add_command(init)


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
