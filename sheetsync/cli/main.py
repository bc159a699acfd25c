"""The `sheetsync` command: a thin layer over the application facade.

Each command parses its options, makes one call on `sheetsync.app.application`
and prints what comes back. Exit codes: 0 the pass ran (row findings are not
failures), 1 a run-level failure (sheet unreadable, headers broken), 2 bad usage or
configuration, 130 aborted.

Start-up stays fast: this module imports only click, the standard library and
stdlib-only modules of sheetsync (`errors`, `redaction`, `ops.logs`). The facade, the settings
model and rich, and through them gspread, httpx, openpyxl and the rest, are
imported inside the commands that use them, so `sheetsync --help` loads none of
them (a test runs the installed script and checks).
"""

from __future__ import annotations

import io
import json
import sys
import traceback
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, TypeVar

import click

import sheetsync.ops.logs as logs
from sheetsync.cli.init import init
from sheetsync.errors import ConfigError, SheetsyncError
from sheetsync.redaction import redact

if TYPE_CHECKING:
    from sheetsync.app.application import Application
    from sheetsync.core.result import SyncResult


def _app(config: str | None) -> Application:
    from sheetsync.app.application import Application

    return Application.load(config)


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
    help="TOML config file (default: $SHEETSYNC_CONFIG, else ./sheetsync.toml if there is "
    "one, else config/sheetsync.toml).",
)


def _print_version(ctx: click.Context, _param: click.Parameter, wanted: bool) -> None:
    """For bug reports: what ran, down to each dependency (standard library only)."""
    if not wanted or ctx.resilient_parsing:
        return
    from sheetsync.ops.versions import version_lines

    click.echo("\n".join(version_lines()))
    ctx.exit()


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
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the versions of sheetsync, Python and the dependencies in use, and exit.",
)
@click.pass_context
def cli(ctx: click.Context, verbose: int, log_level: str | None, log_format: str) -> None:
    """Check the client-onboarding sheet and write each client's status back into it."""
    if log_level is None:
        log_level = ("info", "debug")[min(verbose, 2) - 1] if verbose else None
    if log_level is None:
        log_level = "info" if ctx.invoked_subcommand == "serve" else "warning"
    logs.configure(log_level, log_format)  # type: ignore[arg-type]


def _moment(_ctx: click.Context, _param: click.Parameter, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a moment like '2026-12-07 09:00' (local time) or ISO 8601"
        ) from None
    if not 2000 <= moment.year <= 2199:  # the state store holds no time outside them
        raise click.BadParameter(f"{text!r}: only the years 2000-2199 can be evaluated")
    return moment


def _on_the_wall(at: datetime, zone: tzinfo) -> datetime:
    """A naive `--at` as local time in the office's zone: refused where the clocks went
    forward over it; where they went back over it, the first is taken, and said."""
    from sheetsync.core.calendar import on_the_wall

    try:
        moment, twice = on_the_wall(at, zone)
    except ValueError as exc:
        raise click.BadParameter(f"{exc}: the clocks go forward", param_hint="'--at'") from None
    if twice:
        click.echo(
            f"note: {at:%Y-%m-%d %H:%M} occurs twice in {zone} (the clocks go back): the "
            f"first, {moment.isoformat(timespec='minutes')}, is used",
            err=True,
        )
    return moment


@cli.command()
@config_option
@click.option("--dry-run", is_flag=True, help="Compute and print; write nothing.")
@click.option(
    "--at",
    "at",
    callback=_moment,
    metavar="'YYYY-MM-DD HH:MM'",
    help="With --dry-run: evaluate as of this moment (local time in the office's zone, "
    "or ISO 8601 with an offset), e.g. what will be overdue on Monday morning.",
)
@format_option("table: readable summary; json: the machine-readable report.")
def sync(config: str | None, dry_run: bool, at: datetime | None, output: str) -> None:
    """Run one sync pass over the sheet.

    With a state store (`[state] path`) the pass remembers first-seen times and
    fingerprints, and then sends the summary to Slack or, without a webhook, prints it.
    Without one every pass is a first report: its summary is printed, never sent.
    """
    if at is not None and not dry_run:
        raise click.UsageError(
            "--at evaluates the sheet as of another moment, which must write nothing: add --dry-run"
        )
    from sheetsync.cli.progress import progress_bar

    app = _app(config)
    if at is not None and at.tzinfo is None:
        at = _on_the_wall(at, app.office_zone())
    printed = io.StringIO()  # the summary, printed after the result
    with progress_bar("Checking domains", waiting="Syncing the sheet…") as progress:
        outcome = app.sync_once(
            dry_run=dry_run,
            progress=progress,
            printed=printed if output == "table" else None,
            at=at,
        )
    if outcome.result is None:
        assert outcome.error is not None
        raise outcome.error
    _print(outcome.result, output, as_of=at is not None)
    if printed.getvalue():
        click.echo("\n" + printed.getvalue(), nl=False)
    if outcome.error is not None:
        raise outcome.error


def _print(result: SyncResult, output: str, *, as_of: bool = False) -> None:
    if output == "json":
        from sheetsync.core.report import to_json

        click.echo(json.dumps(to_json(result, as_of=as_of), ensure_ascii=False, indent=2))
    else:
        from sheetsync.cli.render import render_terminal, terminal

        render_terminal(result, terminal(), as_of=as_of)


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
    from sheetsync.cli.progress import progress_bar

    app = _app(config)
    with progress_bar("Checking domains") as progress:
        results = app.check_domains(names, live=live, progress=progress)
    if output == "json":
        click.echo(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2))
    else:
        from sheetsync.cli.render import render_checks, terminal
        from sheetsync.core.texts import Texts

        render_checks(results, Texts(app.settings.locale), terminal())


@cli.command()
@config_option
@click.option("--preview", is_flag=True, help="Print the Slack payload (JSON); send nothing.")
@click.option(
    "--changes", is_flag=True, help="Only what changed since the last report, not the digest."
)
@click.option(
    "--html",
    "html",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    default=None,
    help="Write the pipeline report (one self-contained HTML page with charts, from the "
    "state store's history) to this file instead; nothing is sent.",
)
def report(config: str | None, preview: bool, changes: bool, html: str | None) -> None:
    """Build the Slack summary from a fresh read (nothing is written or saved) and send it,
    or print it with --preview. With --html, write the pipeline report page instead."""
    app = _app(config)
    if html is not None:
        from pathlib import Path

        page = app.pipeline_page()
        try:
            Path(html).write_text(page, encoding="utf-8")
        except OSError as exc:
            raise SheetsyncError(f"cannot write the report to {html}: {exc.strerror}") from None
        click.echo(f"pipeline report written to {html}")
        return
    message = app.preview_summary(changes_only=changes)
    if preview:
        click.echo(json.dumps(message.payload(), ensure_ascii=False, indent=2))
    else:
        app.send(message, printed=sys.stdout)


@cli.command()
@config_option
def doctor(config: str | None) -> None:
    """Check config, credentials, sheet access and headers; print what to fix."""
    diagnosis = _app(config).doctor()
    for line in diagnosis.lines():
        click.echo(line)
    if not diagnosis.ok:
        raise click.exceptions.Exit(1)


@cli.command()
@config_option
@click.option("--dry-run", is_flag=True, help="List what would change; change nothing.")
@click.option("--remove", is_flag=True, help="Remove what setup added, and nothing else.")
def setup(config: str | None, dry_run: bool, remove: bool) -> None:
    """Make the sheet guide the staff: dropdowns where the process has fixed answers,
    colours by stage and worst finding, a warning on the status columns, the header
    frozen and a filter. Run it again after a layout change; a second run changes
    nothing. Never changes a cell's value."""
    from sheetsync.core.guides import describe

    outcome = _app(config).set_up(remove=remove, dry_run=dry_run)
    for change in outcome.changes:
        click.echo(describe(change))
    for note in outcome.notes:
        click.echo(f"note   {note}")
    if not outcome.changes:
        click.echo("setup: nothing to change" + ("" if remove else " (applied and current)"))
    elif dry_run:
        click.echo(f"setup: {len(outcome.changes)} change(s) listed; nothing was changed (dry run)")
    else:
        click.echo(f"setup: {len(outcome.changes)} change(s) made")


@cli.command()
@config_option
def serve(config: str | None) -> None:
    """Sync on the configured schedule until SIGTERM/SIGINT, then let the running pass
    finish and exit 0; exit 1 when it is still running after [schedule]
    stop_grace_seconds (a second signal stops waiting at once)."""
    code = _app(config).serve(printed=sys.stdout)
    if code:
        raise click.exceptions.Exit(code)


@cli.command()
@config_option
@format_option("table: readable; json: the same facts as /healthz.")
@click.option("--runs", default=5, show_default=True, help="How many recent syncs to list.")
def status(config: str | None, output: str, runs: int) -> None:
    """Print the worker's health from the state store: recent syncs and their outcome,
    the last success, failures in a row. Exit 0 when healthy, 1 when not."""
    app = _app(config)
    health = app.health()
    if output == "json":
        click.echo(json.dumps(health.to_json(runs), ensure_ascii=False, indent=2))
    else:
        from sheetsync.cli.render import render_health, terminal

        render_health(health, runs, app.settings.tz, terminal())
    if not health.healthy:
        raise click.exceptions.Exit(1)


cli.add_command(init)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; expected errors become one line on stderr, never a traceback."""
    try:
        # Outside standalone mode click hands back the code of a command's `Exit` (e.g.
        # `status` when unhealthy) instead of raising it; the commands themselves
        # return nothing.
        code = cli.main(args=argv, prog_name="sheetsync", standalone_mode=False)
    except click.exceptions.Abort:
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except ConfigError as exc:
        click.echo(f"sheetsync: {redact(str(exc))}", err=True)
        return 2
    except SheetsyncError as exc:  # the redaction log lines get: no secret reaches stderr
        click.echo(f"sheetsync: {redact(str(exc))}", err=True)
        return 1
    except Exception as exc:  # a bug: its text (or a traceback's) could quote a sheet cell
        click.echo(f"sheetsync: unexpected {unexpected(exc)}", err=True)
        return 1
    return code if isinstance(code, int) else 0


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
