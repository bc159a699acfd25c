"""The demo workbook: complete coverage of the process, and a faithful round trip."""

from __future__ import annotations

import importlib.util
import json
import shutil
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

from sheetsync.cli.main import main
from sheetsync.core.memory import Memory
from sheetsync.core.model import Code, Stage
from sheetsync.domains.offline import FileDomainChecker
from sheetsync.run.sync import run_sync
from sheetsync.settings import load_settings
from sheetsync.sheets.workbook import WorkbookSheet
from sheetsync.testing import FakeClock
from tests.support.builders import NOW
from tests.support.workbooks import read_workbook

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
OWNED = 5  # status columns appended at the end


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_demo", EXAMPLES / "build_demo_workbook.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    target = tmp_path / "ugyfelek.xlsx"
    shutil.copy(EXAMPLES / "ugyfelek.xlsx", target)
    return target


def sync_demo(path: Path, memory: Memory | None = None):  # type: ignore[no-untyped-def]
    settings = load_settings(REPO / "config" / "sheetsync.toml", env={})
    checker = FileDomainChecker(EXAMPLES / "demo-domains.toml", FakeClock(NOW))
    return run_sync(
        WorkbookSheet(path), checker, settings, FakeClock(NOW), memory=memory or Memory()
    )


def test_committed_workbook_matches_its_generator(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.xlsx"
    _generator().build(fresh)
    for sheet in ("Ügyfelek", "Jegyzetek"):
        assert read_workbook(fresh, sheet) == read_workbook(EXAMPLES / "ugyfelek.xlsx", sheet)


def test_demo_has_thirty_clients_in_every_stage(demo: Path) -> None:
    result = sync_demo(demo)
    named = {e.row.client for e in result.evaluations if e.row.client}
    assert len(named) >= 30
    assert {e.stage for e in result.evaluations} == set(Stage)


def test_demo_shows_every_finding_code(demo: Path) -> None:
    """History-based findings need what the worker remembers: supply it."""
    long_ago = NOW - timedelta(days=3)
    memory = Memory(
        first_seen={
            ("takács szépségszalon", "card-unpaid"): long_ago,
            ("balázs virágkötészet", "application-successful"): long_ago,
        },
        credential_changes={"szabó és társa bt.": [("hosting_password", NOW)]},
    )
    result = sync_demo(demo, memory)
    found = {f.code for e in result.evaluations for f in e.findings}
    assert found == set(Code)


def test_second_demo_sync_writes_zero_cells_and_keeps_staff_content(demo: Path) -> None:
    before = openpyxl.load_workbook(demo)
    first = sync_demo(demo)
    assert first.outcome.cells_written > 100
    second = sync_demo(demo)
    assert second.outcome.cells_written == 0

    after = openpyxl.load_workbook(demo)
    old, new = before["Ügyfelek"], after["Ügyfelek"]
    width = old.max_column
    for row in range(1, old.max_row + 1):
        for col in range(1, width + 1):
            assert new.cell(row, col).value == old.cell(row, col).value, (row, col)
    assert new.max_column == width + OWNED
    assert new["Q3"].comment is not None and "must survive" in new["Q3"].comment.text
    assert new.freeze_panes == "B3" and new["B2"].font.bold
    assert after["Jegyzetek"]["B2"].value == "=COUNTA(Ügyfelek!A3:A200)"  # formula kept


def test_shipped_config_syncs_the_demo_copy_through_the_cli(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHEETSYNC_SHEET__PATH", str(demo))
    assert main(["sync", "--config", str(REPO / "config" / "sheetsync.toml")]) == 0
    out = capsys.readouterr().out
    assert "papp-cukraszda.hu domain FOGLALT" in out
    assert read_workbook(demo)[1][-OWNED:][0] == "Állapot"


@pytest.mark.filterwarnings("ignore:Unknown extension")
def test_the_demo_comes_out_with_dropdowns_and_colours_and_a_second_sync_writes_nothing(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `make demo` runs: sync, setup; then `sheetsync sync` again writes 0 cells."""
    monkeypatch.setenv("SHEETSYNC_SHEET__PATH", str(demo))
    monkeypatch.setenv("SHEETSYNC_STATE__PATH", str(demo.with_name("state.sqlite")))
    config = str(REPO / "config" / "sheetsync.toml")
    assert main(["sync", "--config", config]) == 0
    assert main(["setup", "--config", config]) == 0
    assert "change(s) made" in capsys.readouterr().out
    sheet = openpyxl.load_workbook(demo)["Ügyfelek"]
    lists = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert lists["L3:L1048576"] == '"bankkártya,utalás"'
    formulas = [r.formula[0] for rules in sheet.conditional_formatting._cf_rules.values()
                for r in rules]  # fmt: skip
    assert any("sheetsync:stage-done" in f for f in formulas)
    assert main(["sync", "--config", config, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["cells_written"] == 0


@pytest.mark.parametrize("locale", ["hu", "en"])
def test_every_rendered_status_text_is_complete(demo: Path, locale: str) -> None:
    """A missing message parameter renders as '?': none may be missing."""
    settings = load_settings(REPO / "config" / "sheetsync.toml", env={"SHEETSYNC_LOCALE": locale})
    checker = FileDomainChecker(EXAMPLES / "demo-domains.toml", FakeClock(NOW))
    result = run_sync(WorkbookSheet(demo), checker, settings, FakeClock(NOW), dry_run=True)
    for cells in result.status.values():
        for text in cells.by_key().values():
            assert "?" not in text and "{" not in text, text
