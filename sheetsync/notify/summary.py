"""The Slack-style summary (pure): Block Kit JSON and plain text, Hungarian by default.

Domain alerts come first (a taken domain is the most urgent thing), then stage
counts, then what changed since the last report. Slack's limits are kept: at most
50 blocks, at most 3,000 characters a text; longer lists end in "+N more". Text from
the sheet goes through `notify.mrkdwn` (one visible line, no mention, cut before
escaping), so a cell cannot add lines, notify anyone or break the layout.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sheetsync.core.memory import Failure
from sheetsync.core.model import Stage
from sheetsync.core.snapshot import (
    DOMAIN_ALERTS,
    OVERDUE,
    Changes,
    ClientSnapshot,
    Problem,
    ReportSnapshot,
)
from sheetsync.core.texts import Texts
from sheetsync.notify.mrkdwn import clean, cut, escape, fit
from sheetsync.notify.port import BLOCK_LIMIT, TEXT_LIMIT, Message

MAX_LINES = 25  # per section: a summary, not a dump of the sheet
NAME_MAX, MESSAGE_MAX, URL_MAX = 100, 300, 1000
HEADER_MAX = 150  # Slack: header block text

WORDS: Mapping[str, Mapping[str, str]] = {
    "hu": {
        "title": "Ügyfélfelvétel – {sheet}",
        "digest": "Napi összefoglaló – {at}",
        "changes": "Változások – {at} (előző jelentés: {since})",
        "first": "Első jelentés – {at}",
        "domain": ":rotating_light: Domain riasztások",
        "stages": "Szakaszok ({total} ügyfél)",
        "new_problems": ":warning: Új problémák",
        "overdue": ":hourglass: Késésben",
        "resolved": ":white_check_mark: Megoldódott",
        "moved": ":arrow_right: Szakaszt váltott",
        "ready": ":rocket: Fejlesztés indítható",
        "credentials": ":key: Belépési adat megváltozott",
        "new_clients": ":new: Új ügyfelek",
        "open": "Nyitott problémák: {error} hiba, {warning} figyelmeztetés, {info} infó",
        "recovered": ":white_check_mark: A szinkronizálás újra működik "
        "(hiba volt {since} óta: {message})",
        "failure_title": "Ügyfélfelvétel – a szinkronizálás nem fut",
        "failure": ":x: {sheet}: a szinkronizálás {since} óta nem fut.\n{message}\n"
        "Javítás után egy üzenet jelzi, hogy újra működik.",
        "more": "+{n} további",
        "row": "{n}. sor",
        "noname": "(név nélkül)",
        "credential": "{column} ({at})",
        "notice": ":information_source: {message}",
    },
    "en": {
        "title": "Client onboarding – {sheet}",
        "digest": "Daily digest – {at}",
        "changes": "Changes – {at} (previous report: {since})",
        "first": "First report – {at}",
        "domain": ":rotating_light: Domain alerts",
        "stages": "Stages ({total} clients)",
        "new_problems": ":warning: New problems",
        "overdue": ":hourglass: Overdue",
        "resolved": ":white_check_mark: Resolved",
        "moved": ":arrow_right: Moved stage",
        "ready": ":rocket: Ready for development",
        "credentials": ":key: Credentials changed",
        "new_clients": ":new: New clients",
        "open": "Open problems: {error} errors, {warning} warnings, {info} info",
        "recovered": ":white_check_mark: Syncing works again (it failed since {since}: {message})",
        "failure_title": "Client onboarding – sync is failing",
        "failure": ":x: {sheet}: syncing has failed since {since}.\n{message}\n"
        "A message will say when it works again.",
        "more": "+{n} more",
        "row": "row {n}",
        "noname": "(no name)",
        "credential": "{column} ({at})",
        "notice": ":information_source: {message}",
    },
}


@dataclass(frozen=True)
class Line:
    mrkdwn: str
    plain: str


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[Line, ...]
    always: bool = False  # shown even without lines (a list section without lines is left out)


class _Writer:
    def __init__(self, locale: str, tz: tzinfo) -> None:
        self.texts = Texts(locale)
        self.words = WORDS[locale]
        self.tz = tz

    def w(self, key: str, **params: Any) -> str:
        """The words for `key`; text parameters (from the sheet) as one clean line each."""
        safe = {k: clean(v) if isinstance(v, str) else v for k, v in params.items()}
        return self.words[key].format(**safe)

    def at(self, moment: datetime) -> str:
        return self.texts.moment(moment.astimezone(self.tz))

    def client(self, c: ClientSnapshot, tail: str = "") -> Line:
        name = cut(clean(c.client or self.w("noname")), NAME_MAX)
        where = self.w("row", n=c.row)
        if c.url and len(c.url) <= URL_MAX:
            link = f"<{_url(c.url)}|{escape(name)}>"
        else:
            link = f"*{escape(name)}*"
        tail = cut(clean(tail), MESSAGE_MAX)
        sep = " – " if tail else ""
        return Line(
            f"• {link} ({where}){sep}{escape(tail)}",
            f"• {name} ({where}){sep}{tail}",
        )

    def problems(self, pairs: Iterable[tuple[ClientSnapshot, Problem]]) -> tuple[Line, ...]:
        return tuple(self.client(c, p.message) for c, p in pairs)


def _url(url: str) -> str:
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def summary(
    current: ReportSnapshot,
    changes: Changes | None,
    *,
    locale: str = "hu",
    tz: tzinfo,
    since: datetime | None = None,
    digest: bool = False,
    recovered: Failure | None = None,
    pipeline: Sequence[Section] = (),
) -> Message:
    """A change message (`changes` against the report sent at `since`) or, with
    `digest`, the full daily digest. `changes` is None when nothing was reported yet.
    `pipeline` (`notify.pipeline`) takes the place of the stage counts."""
    w = _Writer(locale, tz)
    everything = digest or changes is None
    pairs = [(c, p) for c in current.clients.values() for p in c.problems]
    loud = [(c, p) for c, p in changes.new_problems] if changes else []
    domain = pairs if everything else loud
    overdue = pairs if everything else loud
    sections = [
        Section(w.w("domain"), w.problems(_ordered(domain, DOMAIN_ALERTS))),
        *(pipeline or (_stages(w, current),)),
        Section(w.w("overdue"), w.problems(_ordered(overdue, OVERDUE))),
    ]
    if changes is not None:
        listed = (*DOMAIN_ALERTS, *OVERDUE)
        other = [(c, p) for c, p in changes.new_problems if p.code not in listed]
        sections += [
            Section(w.w("new_problems"), w.problems(_by_severity(other))),
            Section(w.w("resolved"), w.problems(changes.resolved)),
            Section(
                w.w("moved"),
                tuple(
                    w.client(c, f"{w.texts.stage(Stage(old))} → {w.texts.stage(Stage(c.stage))}")
                    for c, old in changes.moved
                ),
            ),
            Section(w.w("ready"), tuple(w.client(c) for c in changes.ready)),
            Section(
                w.w("credentials"),
                tuple(
                    w.client(c, w.w("credential", column=col, at=w.at(datetime.fromisoformat(at))))
                    for c, col, at in changes.credentials
                ),
            ),
            Section(w.w("new_clients"), tuple(w.client(c) for c in changes.new_clients)),
        ]
    if everything:  # every other open problem, worst first
        totals = Counter(p.severity for _, p in pairs)
        rest = [(c, p) for c, p in pairs if p.code not in (*DOMAIN_ALERTS, *OVERDUE)]
        title = w.w("open", **{s: totals[s] for s in _SEVERITIES})
        sections.append(Section(title, w.problems(_by_severity(rest)), True))
    if digest or changes is None:
        kind = w.w("digest" if digest else "first", at=w.at(current.at))
    else:
        kind = w.w("changes", at=w.at(current.at), since=w.at(since or current.at))
    intros = [w.w("notice", message=n) for n in current.notices]  # one line each
    if recovered:
        intros.insert(0, w.w("recovered", since=w.at(recovered.since), message=recovered.message))
    return _message(w.w("title", sheet=current.sheet), kind, intros, sections, w)


_SEVERITIES = ("error", "warning", "info")


def failure_message(sheet: str, failure: Failure, *, locale: str = "hu", tz: tzinfo) -> Message:
    """The one announcement of a run-level failure (sheet unreachable, headers broken)."""
    w = _Writer(locale, tz)
    body = w.w("failure", sheet=sheet, since=w.at(failure.since), message=failure.message)
    return _message(w.w("failure_title"), "", [body], [], w)


def _ordered(
    pairs: Iterable[tuple[ClientSnapshot, Problem]], codes: Sequence[str]
) -> list[tuple[ClientSnapshot, Problem]]:
    picked = [(c, p) for c, p in pairs if p.code in codes]
    return sorted(picked, key=lambda cp: (codes.index(cp[1].code), cp[0].row))


def _by_severity(
    pairs: Iterable[tuple[ClientSnapshot, Problem]],
) -> list[tuple[ClientSnapshot, Problem]]:
    return sorted(pairs, key=lambda cp: (_SEVERITIES.index(cp[1].severity), cp[0].row))


def _stages(w: _Writer, current: ReportSnapshot) -> Section:
    counts = current.by_stage()
    lines = tuple(
        Line(f"{escape(w.texts.stage(s))}: *{n}*", f"{w.texts.stage(s)}: {n}")
        for s in Stage
        if (n := counts[s.value])
    )
    return Section(w.w("stages", total=len(current.clients)), lines, True)


def _message(
    title: str, kind: str, intros: Sequence[str], sections: Sequence[Section], w: _Writer
) -> Message:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": fit(title, HEADER_MAX)}}
    ]
    plain = [title]
    if kind:
        blocks.append(_context(fit(kind, TEXT_LIMIT)))
        plain.append(kind)
    for intro in intros:
        blocks.append(_section(fit(intro, TEXT_LIMIT)))
        plain.append(_no_emoji(intro))
    for section in sections:
        if not section.lines and not section.always:
            continue
        mrkdwn, text = _render(section, w)
        blocks.append(_section(mrkdwn))
        plain.append(text)
    if len(blocks) > BLOCK_LIMIT:
        dropped = len(blocks) - BLOCK_LIMIT + 1
        blocks = [*blocks[: BLOCK_LIMIT - 1], _context(w.w("more", n=dropped))]
    fallback = fit("\n".join(plain[:2]), TEXT_LIMIT)
    return Message(text="\n\n".join(plain) + "\n", blocks=tuple(blocks), fallback=fallback)


def _no_emoji(text: str) -> str:
    return re.sub(r":[a-z_]+: ?", "", text)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _render(section: Section, w: _Writer) -> tuple[str, str]:
    """The section as mrkdwn within Slack's 3,000 characters, and as plain text, both
    listing the same lines and ending in "+N more" when some did not fit."""
    head = f"*{escape(section.title)}*"
    reserve = len(w.w("more", n=len(section.lines))) + 4
    size = len(head)
    shown: list[Line] = []
    for line in section.lines[:MAX_LINES]:
        if size + 1 + len(line.mrkdwn) + reserve > TEXT_LIMIT:
            break
        shown.append(line)
        size += 1 + len(line.mrkdwn)
    rest = len(section.lines) - len(shown)
    more = [w.w("more", n=rest)] if rest else []
    mrkdwn = "\n".join([head, *(s.mrkdwn for s in shown), *(f"_{m}_" for m in more)])
    plain = "\n".join([_no_emoji(section.title), *(s.plain for s in shown), *more])
    return mrkdwn, plain
