"""The pipeline report: one self-contained HTML page with inline SVG charts, made from
the state store's history; parsed here, with a canary password in the sheet."""

from __future__ import annotations

import http.client
import importlib.util
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sheetsync.app.application import Application
from sheetsync.core.calendar import OfficeCalendar
from sheetsync.core.model import Stage
from sheetsync.core.pipeline import StageEntry, Waiting, weeks
from sheetsync.ops.metrics import Metrics
from sheetsync.ops.report_page import PipelineView, render_page
from sheetsync.ops.server import OpsServer
from sheetsync.settings import ServerSettings, SlackSettings
from sheetsync.state.sqlite import SqliteStateStore
from tests.ops.test_server import healthy
from tests.support.worker_fixtures import CANARY, MONDAY_9, Rig, client, settings, sheet

ROOT = Path(__file__).resolve().parents[2]
PAID = {"payment_method": "bankkártya", "paid": "igen"}
HOSTILE = '<script>alert("x")</script> Kft.'


class Page(HTMLParser):
    """Every tag and attribute, and the text, of a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.inside: dict[int, list[str]] = {}  # svg index → tags drawn in it
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if "svg" in self.stack:
            self.inside[self.svgs - 1].append(tag)
        if tag == "svg":
            self.inside[self.svgs - 1] = []
        if tag not in ("meta", "rect", "circle", "line", "polyline"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def svgs(self) -> int:
        return sum(1 for tag, _ in self.tags if tag == "svg")


def history_rig(tmp_path: Path) -> Rig:
    """Three weeks of a worker: clients arriving and moving on, a canary password and a
    client name that is markup."""
    config = settings(
        slack=SlackSettings(digest_time=None, summary_window_minutes=0),
        state={"path": tmp_path / "state.sqlite"},
        sheet={"path": tmp_path / "unused.xlsx"},
    )
    rows = [client("Alfa", managing_account=None), client(HOSTILE, hosting_password=CANARY)]
    rig = Rig(SqliteStateStore(tmp_path / "state.sqlite"), sheet(*rows), config=config)
    rig.run()
    for day in range(15):
        rig.clock.advance(days=1)
        if day == 2:
            rig.sheet.rows[1] = client("Alfa")  # managing account added: on to payment
        if day == 4:
            rig.sheet.rows[1] = client("Alfa", **PAID)
        if day == 9:
            rig.sheet.rows.append(client("Gamma", managing_account=None))
        if day == 11:
            rig.sheet.rows[3] = client("Gamma", **PAID)
        rig.run()
    return rig


def test_the_page_is_self_contained_with_three_svg_charts_and_no_secret(tmp_path: Path) -> None:
    rig = history_rig(tmp_path)
    page_text = Application(rig.settings, rig.clock).pipeline_page()
    page = Page(page_text)
    assert page.svgs == 3
    funnel, medians, trend = (page.inside[i] for i in range(3))
    assert funnel.count("rect") == len(Stage)
    assert "polyline" in medians  # a median line for the steps finished
    assert trend.count("rect") >= 3 * 8  # three series over eight weeks
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert not [a for _, attrs in page.tags for a in attrs if a in ("src", "href")]
    assert "http" not in page_text and "url(" not in page_text
    assert CANARY not in page_text
    assert "<script>alert" not in page_text and HOSTILE in "".join(page.text)
    assert "Hol tartanak az ügyfelek" in page_text and "Legrégebben várnak" in page_text


def test_the_page_speaks_english_by_setting(tmp_path: Path) -> None:
    rig = history_rig(tmp_path)
    english = rig.settings.model_copy(update={"locale": "en"})
    page_text = Application(english, rig.clock).pipeline_page()
    assert "Where the clients are" in page_text and 'lang="en"' in page_text


def test_weeks_count_moves_and_the_median_office_time_of_each_finished_step() -> None:
    calendar = OfficeCalendar()
    at = MONDAY_9  # 09:00 Monday in Budapest
    history = [
        StageEntry("a", at, Stage.PAYMENT),  # first seen: its span is not timed
        StageEntry("a", at + timedelta(hours=2), Stage.DOMAIN_APPLICATION),
        StageEntry("a", at + timedelta(days=1, hours=2), Stage.DONE),  # 8.5 office hours
        StageEntry("b", at, Stage.PAYMENT),
        StageEntry("b", at + timedelta(hours=1), Stage.DOMAIN_APPLICATION),
        StageEntry("b", at + timedelta(hours=4), Stage.DONE),  # 3 office hours
    ]
    (week,) = weeks(history, calendar, at + timedelta(days=2), count=1)
    assert (week.movement.new, week.movement.advanced, week.movement.done) == (2, 4, 2)
    assert week.medians == {Stage.DOMAIN_APPLICATION: timedelta(hours=5.75)}


def test_report_is_served_only_when_enabled(tmp_path: Path) -> None:
    assert ServerSettings().report is False
    with OpsServer("127.0.0.1", 0, healthy, Metrics(), report=lambda: "<p>page</p>") as on:
        assert fetch(on.port, "/report") == (200, "text/html; charset=utf-8", "<p>page</p>")
    with OpsServer("127.0.0.1", 0, healthy, Metrics()) as off:
        assert fetch(off.port, "/report")[0] == 404


def fetch(port: int, path: str) -> tuple[int, str | None, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read().decode()
    finally:
        connection.close()


@pytest.mark.slow
def test_the_committed_demo_page_is_what_its_script_makes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "build_demo_report", ROOT / "examples" / "build_demo_report.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path / "page.html")
    made = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert made == (ROOT / "docs" / "pipeline-report.html").read_text(encoding="utf-8")
    assert module.PASSWORD not in made and Page(made).svgs == 3


def test_sheet_text_loses_its_bidi_and_zero_width_characters() -> None:
    # U+202E would show "Kft. amoG" reversed; U+200B hides a break; U+2066 isolates.
    name = "Go\u202ema\u200b Kft.\u2066"
    view = PipelineView(
        sheet="Ügyfelek\u202e",
        at=MONDAY_9,
        funnel={Stage.PAYMENT: 1},
        weeks=(),
        waiting=((name, Waiting(name, Stage.PAYMENT, MONDAY_9, timedelta(hours=3))),),
    )
    page_text = render_page(view, OfficeCalendar())
    text = "".join(Page(page_text).text)
    assert "Goma Kft." in text and "Ügyfelek" in text
    assert not {"\u202e", "\u200b", "\u2066"} & set(page_text)
