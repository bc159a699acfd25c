"""From evaluations to the status cells to write (pure): render, compare, plan.

A row's status cells are written only when their text changes; the
`changed_at` cell is stamped whenever any other status cell of the row changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter

from sheetsync.core.keys import name_key
from sheetsync.core.layout import Layout
from sheetsync.core.model import RowEvaluation, Severity
from sheetsync.core.texts import Texts, clip
from sheetsync.core.values import CellValue, text_of

Identity = tuple[str, ...]

STATUS_KEYS = ("stage", "next_step", "findings", "domain")
IDENTITY_KEYS = ("client", "email", "domain")
CELL_LIMIT = 50_000  # characters in one Google Sheets cell; a longer write is refused
_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class StatusCells:
    stage: str
    next_step: str
    findings: str
    domain: str

    def texts(self) -> tuple[str, str, str, str]:
        """The texts in `STATUS_KEYS` order."""
        return (self.stage, self.next_step, self.findings, self.domain)

    def by_key(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in STATUS_KEYS}


@dataclass(frozen=True)
class RowWrite:
    """Status cells for the row read as `row`, identified by `identity`."""

    row: int
    identity: Identity
    cells: tuple[tuple[int, str], ...]  # (0-based column, text)


@dataclass(frozen=True)
class WritePlan:
    header_row: int
    expected_headers: tuple[tuple[int, str], ...]  # columns that must not have moved
    new_headers: tuple[tuple[int, str], ...]  # owned headers to append
    identity_columns: tuple[int | None, ...]  # client, e-mail, domain (None: absent)
    identities: tuple[tuple[int, Identity], ...]  # every data row as read
    rows: tuple[RowWrite, ...]
    # Where each status column is (key → 0-based column), and the moment the `changed_at`
    # texts stamp, for a backend that writes it as a date-time (the workbook's).
    status_columns: tuple[tuple[str, int], ...] = ()
    stamp: datetime | None = None

    @property
    def is_empty(self) -> bool:
        return not self.rows and not self.new_headers


@dataclass(frozen=True)
class WriteOutcome:
    cells_written: int = 0
    rows_written: tuple[int, ...] = ()  # sheet rows written, after remapping
    rows_skipped: tuple[int, ...] = ()  # rows (as read) left for the next sync
    note: str | None = None  # why rows were skipped, repaired or left
    # After the write was read back (Google Sheets): rows a colleague's edit had given
    # another row's status, put right; and rows still not confirmed, for the next sync.
    rows_repaired: int = 0
    rows_left: int = 0
    deferred: bool = False  # the sheet was not ours to write now: nothing written, next pass


def render_status(evaluation: RowEvaluation, texts: Texts, layout: Layout) -> StatusCells:
    row = evaluation.row
    findings = sorted(evaluation.findings, key=lambda f: _SEVERITY_ORDER[f.severity])
    lines = [f"{texts.severity(f.severity)}: {texts.finding(f, layout.labels)}" for f in findings]
    if row.domain is not None:
        domain = texts.verdict(evaluation.domain_verdict, row.domain.unicode)
    elif row.domain_typed:
        domain = texts.invalid_domain()
    else:
        domain = ""
    return StatusCells(
        stage=texts.stage(evaluation.stage),
        next_step=texts.next_step(evaluation),
        findings=clip("\n".join(lines), CELL_LIMIT),
        domain=clip(domain, CELL_LIMIT),
    )


def identity_columns(layout: Layout) -> tuple[int | None, ...]:
    """Where the cells that tell a row apart when rows move are: client name, e-mail,
    domain (None: the column is absent). A `WritePlan` carries them to the guard read."""
    return tuple(layout.columns.get(key) for key in IDENTITY_KEYS)


def row_identity(cells: Sequence[CellValue], columns: Sequence[int | None]) -> Identity:
    """A row's identity, when planning and at the guard read alike: its cells in
    `columns` (`identity_columns`), compared as names (`text.name_key`)."""
    return tuple(name_key(text_of(_cell(cells, col)) or "") for col in columns)


def plan_writes(
    rows: Sequence[Sequence[CellValue]],
    layout: Layout,
    desired: Mapping[int, StatusCells],
    texts: Texts,
    now: datetime,
) -> WritePlan:
    """Cells to write: changed status cells of evaluated rows, and stale status cells of
    rows staff emptied. `desired` maps sheet row → status; other rows should have none."""
    writes = []
    identities = []
    stamp = texts.moment(now)
    id_columns = identity_columns(layout)
    first = layout.header_row + 1
    columns = [layout.status[key] for key in STATUS_KEYS]
    as_written = itemgetter(*columns)
    width = max(columns) + 1
    for number in range(first, len(rows) + 1):
        cells = rows[number - 1]
        identity = row_identity(cells, id_columns)
        identities.append((number, identity))
        want = desired.get(number)
        if want is not None and len(cells) >= width and as_written(cells) == want.texts():
            continue  # the common case, in C: the very texts are there (a str equals only a str)
        wanted = want.by_key() if want else dict.fromkeys(STATUS_KEYS, "")
        changed = [
            (layout.status[key], text)
            for key, text in wanted.items()
            if status_text(_cell(cells, layout.status[key])) != status_text(text)
        ]
        if not changed:
            continue
        stamp_text = stamp if want else ""
        writes.append(
            RowWrite(number, identity, (*changed, (layout.status["changed_at"], stamp_text)))
        )
    watched = [
        *layout.columns.values(),
        *(layout.status[k] for k in layout.status if k not in layout.appended),
    ]
    return WritePlan(
        header_row=layout.header_row,
        expected_headers=tuple(sorted((c, layout.headers[c]) for c in set(watched))),
        new_headers=tuple((layout.status[k], layout.status_labels[k]) for k in layout.appended),
        identity_columns=id_columns,
        identities=tuple(identities),
        rows=tuple(writes),
        status_columns=tuple(layout.status.items()),
        stamp=now,
    )


def _cell(cells: Sequence[CellValue], col: int | None) -> CellValue:
    return cells[col] if col is not None and col < len(cells) else None


def status_text(value: CellValue | str) -> str:
    """A status cell's text as compared: what is there and what is meant to be there are
    equal when they read the same (trimmed; Windows line ends as plain ones)."""
    return (text_of(value) or "").replace("\r\n", "\n")
