"""The alert message (pure): what the team needs now, posted at the first pass that
sees it, most urgent first. Built like the summary (`notify.summary`), so sheet text
goes through `notify.mrkdwn` and Slack's limits hold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo

from sheetsync.core.alerts import URGENCY, Alert, AlertKind
from sheetsync.core.snapshot import ReportSnapshot
from sheetsync.notify.mrkdwn import clean
from sheetsync.notify.port import Message
from sheetsync.notify.summary import Section, _message, _Writer

WORDS: Mapping[str, Mapping[str, str]] = {
    "hu": {
        "title": "Azonnali értesítés – {sheet}",
        "at": "{at}",
        AlertKind.DOMAIN_TAKEN: ":rotating_light: A választott domain foglalt – vásárlás "
        "előtt válassz másikat",
        AlertKind.DOMAIN_NOT_REGISTERED: ":rotating_light: „Sikeres” igénylés, de a domain "
        "még mindig szabad",
        AlertKind.APPLICATION_FAILED: ":x: Sikertelen domain igénylés",
        AlertKind.READY: ":rocket: Fejlesztés indítható – a fizetés rendben",
    },
    "en": {
        "title": "Needs attention now – {sheet}",
        "at": "{at}",
        AlertKind.DOMAIN_TAKEN: ":rotating_light: The chosen domain is taken – choose "
        "another before buying",
        AlertKind.DOMAIN_NOT_REGISTERED: ":rotating_light: Application “Sikeres”, but the "
        "domain still shows free",
        AlertKind.APPLICATION_FAILED: ":x: Domain application failed",
        AlertKind.READY: ":rocket: Ready for development – the payment is through",
    },
}


def alert_message(
    alerts: Sequence[Alert], report: ReportSnapshot, *, locale: str = "hu", tz: tzinfo
) -> Message:
    """One message for the events of one pass, grouped by kind, most urgent first.
    Each line names the client (a link to its row where the sheet has URLs) and, for a
    domain event, the finding's own message."""
    w = _Writer(locale, tz)
    words = WORDS[locale]
    sections = []
    for kind in URGENCY:
        lines = []
        for alert in (a for a in alerts if a.kind == kind):
            client = report.clients.get(alert.key)
            if client is None:
                continue
            said = next((p.message for p in client.problems if p.code == kind.value), "")
            lines.append(w.client(client, said))
        sections.append(Section(words[kind], tuple(lines)))
    title = words["title"].format(sheet=clean(report.sheet))
    return _message(title, words["at"].format(at=w.at(report.at)), [], sections, w)
