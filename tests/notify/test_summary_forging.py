"""Slack text that cannot be forged: whatever a cell holds, the payload keeps its shape.

Examples first (a newline injecting a fake alert line, mentions, bidi overrides, a cut
header), then a Hypothesis property over arbitrary names, messages and sheet titles:
the payload is JSON that encodes as UTF-8, every block keeps Slack's limits, every line
of a section is one of ours, nothing invisible or mentioning survives, no entity is
split.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.core.memory import Failure
from sheetsync.core.model import Stage
from sheetsync.core.snapshot import (
    DOMAIN_ALERTS,
    OVERDUE,
    ClientSnapshot,
    Problem,
    ReportSnapshot,
    diff,
)
from sheetsync.notify.mrkdwn import clean, escape, fit
from sheetsync.notify.port import BLOCK_LIMIT, TEXT_LIMIT, Message
from sheetsync.notify.summary import HEADER_MAX, MAX_LINES, failure_message, summary

TZ = ZoneInfo("Europe/Budapest")
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FORGED_ALERT = "Kovács\n:rotating_light: *Domain riasztások*\n• *Hamis Kft.* – FOGLALT"
URL = "https://docs.google.com/spreadsheets/d/KEY/edit#gid=0&range=A2"


def client(name: str | None, row: int = 2, message: str = "A domain FOGLALT") -> ClientSnapshot:
    problem = Problem("domain-taken", "domain", "error", message)
    return ClientSnapshot(f"k{row}", name, row, Stage.PACKAGE_DOMAIN.value, False, None, (problem,))


def report(*clients: ClientSnapshot, sheet: str = "Ügyfelek") -> ReportSnapshot:
    return ReportSnapshot(sheet, AT, {c.key: c for c in clients})


def texts_of(message: Message) -> list[str]:
    out = []
    for block in message.payload()["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [element["text"] for element in block.get("elements", [])]
    return out


def test_a_newline_in_a_client_name_cannot_inject_a_line() -> None:
    message = summary(report(client(FORGED_ALERT)), None, tz=TZ)
    sections = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    alert = sections[0].splitlines()
    assert alert[0] == "*:rotating_light: Domain riasztások*"
    assert len(alert) == 2 and alert[1].startswith("• *Kovács :rotating_light:")
    plain = message.text.splitlines()  # the console's copy: one line per client too
    alerts = plain.index("Domain riasztások")
    assert plain[alerts + 1].startswith("• Kovács :rotating_light: *Domain riasztások* •")
    assert plain[alerts + 2] == ""


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("<!channel> fizess", "&lt;!channel&gt; fizess"),
        ("<!here|here>", "&lt;!here|here&gt;"),
        ("<@U024BE7LH>", "&lt;@U024BE7LH&gt;"),
        ("hé @channel és @Here", "hé ＠channel és ＠Here"),
        ("@everyone!", "＠everyone!"),
        ("info@here.hu", "info@here.hu"),  # an address, not a mention
        ("_@here_", "_＠here_"),
        ("jó\u202eKft.exe", "jóKft.exe"),  # right-to-left override
        ("Zero\u200bWidth\u2060Join\ufeff", "ZeroWidthJoin"),
        ("tab\there\r\nnext\u2028line", "tab here  next line"),
    ],
)
def test_sheet_text_cannot_mention_anyone_or_hide_characters(typed: str, shown: str) -> None:
    assert escape(clean(typed)) == shown


def test_the_header_is_cut_before_escaping_so_no_entity_is_split() -> None:
    sheet = "A & B " * 40  # each & becomes five characters once escaped
    message = summary(report(client("X"), sheet=sheet), None, tz=TZ)
    header = message.blocks[0]["text"]["text"]
    assert len(header) <= HEADER_MAX and header.endswith("…")
    assert re.search(r"&(?!amp;|lt;|gt;)", header) is None
    assert fit("&&&&", 10) == "&amp;…"  # not "&amp;&am…"


def test_a_failure_message_keeps_its_own_three_lines_whatever_the_error_text() -> None:
    failure = Failure("SheetLayoutError", "nincs oszlop\n:x: hamis sor <!channel>", AT)
    message = failure_message("Ügyfelek\n@here", failure, tz=TZ)
    body = next(b["text"]["text"] for b in message.blocks if b["type"] == "section")
    lines = body.splitlines()
    assert len(lines) == 3 and lines[0].startswith(":x: Ügyfelek ＠here:")
    assert lines[1] == "nincs oszlop :x: hamis sor &lt;!channel&gt;"


# -- the property -------------------------------------------------------------------------

HOSTILE = [
    "\n",
    "\r\n",
    "\u2028",
    "\t",
    "\x00",
    "\x1b[31m",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\U000e0041",
    "\ud800",
    "<!channel>",
    "<!here>",
    "<@U123ABC>",
    "<#C123|general>",
    "@channel",
    "@here",
    "@everyone",
    "&",
    "&amp;",
    "<",
    ">",
    "|",
    "*",
    "_",
    "`",
    ":rotating_light: *Domain riasztások*",
    "• *Hamis*",
    "ű" * 50,
    "&" * 700,
]
text = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=[]), max_size=120),
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=10)), max_size=60).map("".join),
)
CODES = [*DOMAIN_ALERTS, *OVERDUE, "invalid-email", "duplicate-client", "package-not-start"]
SEVERITY = {code: "error" for code in DOMAIN_ALERTS} | {"package-not-start": "warning"}


@st.composite
def clients(draw: st.DrawFn) -> list[ClientSnapshot]:
    out = []
    for row in range(2, 2 + draw(st.integers(0, 16))):
        codes = draw(st.lists(st.sampled_from(CODES), max_size=3, unique=True))
        problems = tuple(
            Problem(code, None, SEVERITY.get(code, "info"), draw(text)) for code in codes
        )
        out.append(
            ClientSnapshot(
                key=f"k{row}",
                client=draw(st.one_of(st.none(), text)),
                row=row,
                stage=draw(st.sampled_from([s.value for s in Stage])),
                ready=draw(st.booleans()),
                url=draw(st.sampled_from([None, URL])),
                problems=problems,
                credentials=tuple(
                    (draw(text), AT.isoformat()) for _ in range(draw(st.integers(0, 1)))
                ),
            )
        )
    return out


OUR_LINE = re.compile(r"^(\*[^\n]*\*|• [^\n]*|_\+\d+ [^\n]*_|[^\n]*: \*\d+\*)$")
LINK = re.compile(r"<https://docs\.google\.com/[^<>|\s]+\|")
BROADCAST = re.compile(r"(?<![^\W_])@(channel|here|everyone)(?![^\W_])", re.IGNORECASE)


def assert_safe(message: Message, *, intro_lines: int = 1) -> None:
    payload = message.payload()
    json.dumps(payload, ensure_ascii=False).encode("utf-8")  # no lone surrogate
    blocks = payload["blocks"]
    assert len(blocks) <= BLOCK_LIMIT
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= HEADER_MAX
    assert len(payload["text"]) <= TEXT_LIMIT
    for block in blocks[1:]:
        if block["type"] == "section":
            lines = block["text"]["text"].split("\n")
            if not lines[0].startswith("*"):  # the intro: the failure or recovery text
                assert len(lines) <= intro_lines
                continue
            assert all(OUR_LINE.match(line) for line in lines), lines
            assert sum(line.startswith("• ") for line in lines) <= MAX_LINES
    for part in [payload["text"], *texts_of(message)]:
        assert len(part) <= TEXT_LIMIT
        assert re.search(r"&(?!amp;|lt;|gt;)", part) is None, "a split or raw entity"
        assert "<!" not in part and "<@" not in part and "<#" not in part
        assert BROADCAST.search(part) is None
        assert "<" not in LINK.sub("", part), "only our own row links"
        invisible = {c for c in part if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")}
        assert invisible <= {"\n"}, invisible
    for line in message.text.split("\n"):
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in line)


@pytest.mark.slow  # a property suite: `make quick` leaves it out
@given(
    now=clients(),
    before=clients(),
    sheet=text,
    digest=st.booleans(),
    first=st.booleans(),
    error=text,
)
def test_no_sheet_text_can_forge_or_break_the_payload(
    now: list[ClientSnapshot],
    before: list[ClientSnapshot],
    sheet: str,
    digest: bool,
    first: bool,
    error: str,
) -> None:
    current = report(*now, sheet=sheet)
    previous = report(*before, sheet=sheet)
    recovered = Failure("SheetAccessError", error, AT, True, AT)
    changes = None if first else diff(previous, current)
    assert_safe(summary(current, changes, tz=TZ, since=AT, digest=digest, recovered=recovered))
    assert_safe(failure_message(sheet, Failure("X", error, AT), tz=TZ), intro_lines=3)
