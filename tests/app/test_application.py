"""The application facade: one worker path with or without a state store, the report
preview built from a dry pass, and one place judging health for `status` and /healthz."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import ClassVar

import httpx
import pytest
import respx

import sheetsync.app.application as application
from sheetsync.app.application import Application
from sheetsync.core.memory import WorkerState
from sheetsync.ops.health import Health
from sheetsync.settings import load_settings
from sheetsync.state.port import RunRecord
from sheetsync.state.sqlite import SqliteStateStore
from sheetsync.testing import FakeClock
from tests.support.builders import BUD, DONE, client, sheet_rows
from tests.support.google_fake import GET_META, KEY, FakeSheetsApi, api, write_key_file
from tests.support.workbooks import read_workbook, write_config, write_workbook

__all__ = ["api"]

WEBHOOK = "https://hooks.slack.com/services/T0000/B0000/facadetestsecret"
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=BUD)
CARD_UNPAID = client(DONE, paid=None, domain_application=None, client="Béta Bt.", domain="beta.hu")


def app_for(
    tmp_path: Path,
    extra: str = "",
    env: dict[str, str] | None = None,
    clock: FakeClock | None = None,
) -> Application:
    book = write_workbook(tmp_path / "ugyfelek.xlsx", sheet_rows(DONE, CARD_UNPAID))
    settings = load_settings(write_config(tmp_path, book, extra), env or {})
    return Application(settings, clock) if clock else Application(settings)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_sync_without_a_state_store_runs_the_worker_and_changes_only_the_sheet(
    tmp_path: Path,
) -> None:
    app = app_for(tmp_path)
    before = files(tmp_path)
    printed = io.StringIO()
    outcome = app.sync_once(printed=printed)
    assert outcome.result is not None and outcome.error is None
    assert outcome.result.outcome.cells_written > 0
    # The worker reported: a first report (no memory), delivered by printing it.
    assert outcome.message is not None and outcome.delivered
    assert "Első jelentés" in printed.getvalue() and "Szakaszok (2 ügyfél)" in printed.getvalue()
    after = files(tmp_path)
    assert set(after) == set(before), "no state store, key, lock or metadata file"
    assert after["sheetsync.toml"] == before["sheetsync.toml"]
    assert after["ugyfelek.xlsx"] != before["ugyfelek.xlsx"]
    assert read_workbook(tmp_path / "ugyfelek.xlsx")[2][-5] == "5. Fizetés"


def test_a_dry_run_without_a_state_store_writes_and_reports_nothing(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    before = files(tmp_path)
    printed = io.StringIO()
    outcome = app.sync_once(dry_run=True, printed=printed)
    assert outcome.result is not None and outcome.result.cells_planned > 0
    assert outcome.message is None and printed.getvalue() == ""
    assert files(tmp_path) == before


def test_a_dry_run_writes_nothing_anywhere_with_a_state_store_configured(tmp_path: Path) -> None:
    """No state store, key, lock or journal is created, and an existing one is only read
    (its memory is used: the first-seen time of the unpaid card is the stored one)."""
    app = app_for(tmp_path, '[state]\npath = "var/state.sqlite"\n')
    before = files(tmp_path)
    outcome = app.sync_once(dry_run=True)
    assert outcome.result is not None and outcome.result.cells_planned > 0
    assert files(tmp_path) == before and not (tmp_path / "var").exists()

    Application(app.settings).sync_once(printed=io.StringIO())  # a real sync: the store
    stored = SqliteStateStore(tmp_path / "var" / "state.sqlite").load()
    before = files(tmp_path)
    outcome = Application(app.settings).sync_once(dry_run=True)
    assert outcome.result is not None and outcome.message is None
    assert files(tmp_path) == before
    assert SqliteStateStore(tmp_path / "var" / "state.sqlite").load() == stored


@respx.mock
def test_a_dry_run_uses_a_refreshed_rdap_bootstrap_but_keeps_no_copy(tmp_path: Path) -> None:
    """The outside attack: a dry run (and `report --preview`) wrote IANA's refreshed
    bootstrap into the cache folder. It is used, not kept; a real sync keeps it."""
    fresh = {
        "version": "1.0",
        "publication": "2099-01-01T00:00:00Z",
        "services": [[["hu"], ["http://rdap.test/"]]],
    }
    iana = respx.get("http://iana.test/dns.json").mock(return_value=httpx.Response(200, json=fresh))
    rdap = respx.get(url__startswith="http://rdap.test/").mock(return_value=httpx.Response(404))
    cache = tmp_path / "cache"
    env = {
        "SHEETSYNC_DOMAINS__CHECKER": "live",
        "SHEETSYNC_DOMAINS__BOOTSTRAP_URL": "http://iana.test/dns.json",
        "SHEETSYNC_DOMAINS__CACHE_DIR": str(cache),
    }
    app = app_for(tmp_path, env=env)
    before = files(tmp_path)
    outcome = app.sync_once(dry_run=True)
    assert outcome.result is not None and iana.called and rdap.called, "the fresh copy was used"
    assert files(tmp_path) == before and not cache.exists()

    assert Application(app.settings).sync_once(printed=io.StringIO()).result is not None
    assert [p.name for p in cache.iterdir()] == ["rdap-dns-bootstrap.json"]


def test_a_google_dry_run_keeps_no_sheet_metadata_file(api: FakeSheetsApi, tmp_path: Path) -> None:
    api.add_worksheet("Ügyfelek", sheet_rows(DONE, CARD_UNPAID))
    key = write_key_file(tmp_path / "key.json")
    config = tmp_path / "sheetsync.toml"
    config.write_text(
        f'[sheet]\nbackend = "google"\nspreadsheet = "{KEY}"\ncredentials_file = "{key.name}"\n'
        '[domains]\nchecker = "offline"\n[state]\npath = "var/state.sqlite"\n',
        encoding="utf-8",
    )
    before = files(tmp_path)
    outcome = Application(load_settings(config, {})).sync_once(dry_run=True)
    assert outcome.result is not None and api.count(GET_META) == 1
    assert files(tmp_path) == before, "no state store, key, lock or .sheets.json"


def test_status_and_the_report_preview_create_no_file(tmp_path: Path) -> None:
    app = app_for(tmp_path, '[state]\npath = "var/state.sqlite"\n')
    before = files(tmp_path)
    assert not app.health().healthy
    assert "Első jelentés" in app.preview_summary(changes_only=True).text
    assert files(tmp_path) == before and not (tmp_path / "var").exists()


@respx.mock
def test_without_a_state_store_the_summary_is_printed_never_posted(tmp_path: Path) -> None:
    """Every pass without memory is a first report of the whole sheet: posting one per
    cron run would flood the channel. With a state store the same webhook is used."""
    slack = respx.post(WEBHOOK).mock(return_value=httpx.Response(200, text="ok"))
    env = {"SHEETSYNC_SLACK_WEBHOOK_URL": WEBHOOK}
    stateless = tmp_path / "stateless"
    stateless.mkdir()
    printed = io.StringIO()
    outcome = app_for(stateless, env=env).sync_once(printed=printed)
    assert outcome.delivered and "Első jelentés" in printed.getvalue()
    assert slack.call_count == 0

    stateful = tmp_path / "stateful"
    stateful.mkdir()
    printed = io.StringIO()
    app = app_for(stateful, '[state]\npath = "state.sqlite"\n', env=env)
    outcome = app.sync_once(printed=printed)
    assert outcome.delivered and printed.getvalue() == ""
    assert slack.call_count == 1


def test_the_report_preview_is_a_dry_pass_digest_or_the_changes_since_the_last_report(
    tmp_path: Path,
) -> None:
    app = app_for(tmp_path, '[state]\npath = "state.sqlite"\n[slack]\ndigest_time = ""\n')
    app.sync_once(printed=io.StringIO())  # the first report, recorded as sent
    store = SqliteStateStore(tmp_path / "state.sqlite")
    runs, book = len(store.runs()), (tmp_path / "ugyfelek.xlsx").read_bytes()

    digest = app.preview_summary()
    assert "Napi összefoglaló" in digest.text
    # The digest `serve` sends (M3): the funnel in place of the stage counts.
    assert "Hol tartanak az ügyfelek" in digest.text and "Legrégebben várnak" in digest.text
    changes = app.preview_summary(changes_only=True)
    assert "Változások" in changes.text and "Napi összefoglaló" not in changes.text
    assert "Új problémák" not in changes.text, "nothing changed since the report"
    assert len(store.runs()) == runs and (tmp_path / "ugyfelek.xlsx").read_bytes() == book


def test_the_report_preview_without_a_state_store_is_a_digest_and_touches_nothing(
    tmp_path: Path,
) -> None:
    app = app_for(tmp_path)
    before = files(tmp_path)
    assert "Napi összefoglaló" in app.preview_summary().text
    # No previous report: "changes only" still has everything to say.
    assert "Első jelentés" in app.preview_summary(changes_only=True).text
    assert files(tmp_path) == before


def test_status_health_never_creates_the_store_and_honours_office_hours(tmp_path: Path) -> None:
    state = tmp_path / "var" / "state.sqlite"
    office = '[state]\npath = "var/state.sqlite"\n[schedule]\noffice_hours = "08:00-18:00"\n'
    clock = FakeClock(MONDAY_10)
    app = app_for(tmp_path, office + "[health]\nmax_sync_age_minutes = 30\n", clock=clock)
    assert app.health().reasons == ("no successful sync recorded yet",)
    assert not state.parent.exists(), "health must not create the state store"

    three_hours_ago = MONDAY_10 - timedelta(hours=3)
    SqliteStateStore(state).save(WorkerState(), RunRecord(three_hours_ago, three_hours_ago, "ok"))
    late = Application(app.settings, clock).health()
    assert not late.healthy and "since office hours began" in late.reasons[0]
    clock.now = MONDAY_10.replace(hour=22)  # outside office hours the age does not count
    assert Application(app.settings, clock).health().healthy


class FakeOpsServer:
    """Stands in for the HTTP server: keeps what /healthz would answer with."""

    served: ClassVar[list[Callable[[], Health]]] = []

    def __init__(
        self,
        host: str,
        port: int,
        health: Callable[[], Health],
        metrics: object,
        report: Callable[[], str] | None = None,
    ):
        self.served.append(health)
        self.report = report

    def __enter__(self) -> FakeOpsServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


def test_healthz_is_the_same_verdict_as_status_counted_from_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(MONDAY_10)
    app = app_for(
        tmp_path,
        '[state]\npath = "state.sqlite"\n[health]\nmax_sync_age_minutes = 30\n',
        clock=clock,
    )
    seen: dict[str, Health] = {}

    def serve_briefly(server: object) -> int:  # instead of waiting for a signal
        healthz = FakeOpsServer.served[-1]
        seen["fresh"] = healthz()
        clock.advance(minutes=31)
        seen["late"] = healthz()
        return 0

    monkeypatch.setattr(application, "OpsServer", FakeOpsServer)
    monkeypatch.setattr(application, "serve_until_signalled", serve_briefly)
    app.serve(printed=io.StringIO())

    # A worker that has not synced yet is healthy until the age limit passes from its
    # start; `status` (no process start to count from) says no sync succeeded yet.
    assert seen["fresh"].healthy
    assert not seen["late"].healthy and "since start" in seen["late"].reasons[0]
    assert seen["late"] == app.health(up_since=MONDAY_10)
    assert app.health().reasons == ("no successful sync recorded yet",)


def test_serve_needs_a_state_store(tmp_path: Path) -> None:
    from sheetsync.errors import ConfigError

    with pytest.raises(ConfigError, match="serve needs a state store"):
        app_for(tmp_path).serve(printed=io.StringIO())
