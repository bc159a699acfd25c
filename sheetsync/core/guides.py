"""What `sheetsync setup` puts in the sheet, and what it must change to get there (pure).

A `SheetGuide` is computed from the layout and the sheet's language: dropdowns and date
rules on the input columns with fixed answers, colours driven by the status texts
sheetsync itself writes, and the guard over its status columns. Every item carries an
identity (`ident`) and the marker `sheetsync`, so a backend can tell its own rules from
the staff's; `changes` compares the items wanted with the backend's own items found
(both in the backend's terms), so a second run changes nothing and `--remove` removes
exactly sheetsync's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sheetsync.core.columns import ColumnHeaders, StatusHeaders
from sheetsync.core.layout import Layout, column_letter, locate
from sheetsync.core.model import Severity, Stage
from sheetsync.core.texts import GUIDE_PROMPTS, GUIDE_VALUES, SEVERITIES, STAGES
from sheetsync.core.values import CellValue
from sheetsync.errors import SheetLayoutError

MARKER = "sheetsync"
Kind = Literal["list", "date", "guard"]
Action = Literal["add", "update", "remove"]

# Serial days 2000-01-01 .. 2099-12-31: the dates the parser takes (core.values).
FIRST_DATE, LAST_DATE = 36526, 73051
LIST_RULES = ("email_type", "payment_method", "domain_application", "managing_account",
              "package", "order_live")  # fmt: skip
STRICT = frozenset({"email_type", "payment_method", "domain_application"})
DATE_RULES = ("invoice_sent", "paid")


@dataclass(frozen=True)
class Colour:
    """A conditional format: `formula` (A1, relative to the first data row, no leading
    '=') true → the cell gets `fill` and `text` (hex colours)."""

    ident: str
    column: int
    formula: str
    fill: str
    text: str
    label: str  # English, for the command's output


@dataclass(frozen=True)
class ValueRule:
    """A data validation on one column from its first data row down (the guard: from
    the header row). `strict` rejects other input; else it only warns."""

    ident: str
    column: int
    kind: Kind
    values: tuple[str, ...]
    strict: bool
    prompt: str
    label: str


@dataclass(frozen=True)
class SheetGuide:
    header_row: int  # 1-based
    client_column: int  # its header cell is the style the status headers take
    last_column: int  # the filter spans columns 0..last_column
    values: tuple[ValueRule, ...]
    colours: tuple[Colour, ...]
    guarded: tuple[int, ...]  # the status columns, sorted
    guard_text: str
    labels: Mapping[str, str]  # every identity → what it is, in English, for the output
    where: Mapping[int, str] = field(default_factory=dict)  # column → "'Állapot' (Q)"

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1


@dataclass(frozen=True)
class GuideChange:
    action: Action
    ident: str
    what: str  # English, one line


@dataclass(frozen=True)
class GuideOutcome:
    """What setup did (or, dry, would do). `found`: sheetsync's own items in the sheet
    before; `notes`: what it left alone and why."""

    changes: tuple[GuideChange, ...] = ()
    found: int = 0
    applied: bool = False
    notes: tuple[str, ...] = ()

    @property
    def state(self) -> Literal["current", "not-applied", "outdated"]:
        """For `doctor`, from a dry run that installs (not one that removes)."""
        if not self.changes:
            return "current"
        return "not-applied" if self.found == 0 else "outdated"


def guide_layout(
    rows: Sequence[Sequence[CellValue]],
    columns: ColumnHeaders,
    status: StatusHeaders,
    header_row: int = 0,
) -> Layout:
    """The layout from the sheet's first rows; every status column must be there (a
    sync appends them), else a SheetLayoutError saying to sync first."""
    layout = locate(rows, columns, status, header_row)
    if layout.appended:
        missing = ", ".join(repr(layout.status_labels[k]) for k in layout.appended)
        raise SheetLayoutError(
            f"the status column(s) {missing} are not in the header row yet: run "
            "`sheetsync sync` once (it adds them), then `sheetsync setup`; nothing was changed"
        )
    return layout


def build_guide(layout: Layout, locale: str) -> SheetGuide:
    """Every rule setup installs for this layout, in the sheet's language."""
    words = GUIDE_VALUES[locale]
    prompts = GUIDE_PROMPTS[locale]
    rules: list[ValueRule] = []
    for key in LIST_RULES:
        if key not in layout.columns:
            continue
        values = words[key]
        strict = key in STRICT
        template = prompts["list" if strict else "list-or-more"]
        rules.append(
            ValueRule(
                f"values:{key}",
                layout.columns[key],
                "list",
                values,
                strict,
                template.format(values=", ".join(values)),
                f"{_where(layout, layout.columns[key])}: dropdown {', '.join(values)} "
                f"({'rejects other values' if strict else 'warns on other values'})",
            )
        )
    for key in DATE_RULES:
        if key in layout.columns:
            rules.append(
                ValueRule(
                    f"values:{key}",
                    layout.columns[key],
                    "date",
                    (),
                    False,
                    prompts["date"],
                    f"{_where(layout, layout.columns[key])}: date (warns on other values)",
                )
            )
    guarded = tuple(sorted(layout.status.values()))
    colours = _colours(layout, locale)
    last = max([*layout.columns.values(), *guarded])
    span = f"{column_letter(guarded[0])}–{column_letter(guarded[-1])}"
    labels = {
        **{r.ident: r.label for r in rules},
        **{c.ident: f"{_where(layout, c.column)}: {c.label}" for c in colours},
        "guard": f"status columns {span}: a warning for anyone typing there",
        "freeze": f"header row {layout.header_row} frozen",
        "filter": f"a filter over columns A–{column_letter(last)} from the header row",
        "header-style": "status headers styled like the client-name header",
    }
    return SheetGuide(
        header_row=layout.header_row,
        client_column=layout.columns["client"],
        last_column=last,
        values=tuple(sorted(rules, key=lambda r: r.column)),
        colours=colours,
        guarded=guarded,
        guard_text=prompts["guard"],
        labels=labels,
        where={c: _where(layout, c) for c in {*layout.columns.values(), *guarded}},
    )


def _where(layout: Layout, column: int) -> str:
    header = layout.headers[column] if column < len(layout.headers) else ""
    return f"{header!r} ({column_letter(column)})"


# Excel's "Good", "Bad" and "Neutral" cell styles, and a light blue: readable in print.
GREEN, GREEN_TEXT = "#C6EFCE", "#006100"
RED, RED_TEXT = "#FFC7CE", "#9C0006"
AMBER, AMBER_TEXT = "#FFEB9C", "#9C5700"
BLUE, BLUE_TEXT = "#DDEBF7", "#1F4E78"


def _colours(layout: Layout, locale: str) -> tuple[Colour, ...]:
    row = layout.header_row + 1
    stage = f"${column_letter(layout.status['stage'])}{row}"
    findings = f"${column_letter(layout.status['findings'])}{row}"
    done = _quoted(STAGES[locale][Stage.DONE])
    applying = _quoted(STAGES[locale][Stage.DOMAIN_APPLICATION])

    def starts(severity: Severity) -> str:
        prefix = SEVERITIES[locale][severity] + ":"
        return f"LEFT({findings},{len(prefix)})={_quoted(prefix)}"

    return (
        Colour("colour:stage-done", layout.status["stage"],
               _marked("stage-done", f"{stage}={done}"), GREEN, GREEN_TEXT,
               "stage cell green when done"),
        Colour("colour:findings-error", layout.status["findings"],
               _marked("findings-error", starts(Severity.ERROR)), RED, RED_TEXT,
               "findings cell red when its worst finding is an error"),
        Colour("colour:findings-warning", layout.status["findings"],
               _marked("findings-warning", starts(Severity.WARNING)), AMBER, AMBER_TEXT,
               "findings cell amber when its worst finding is a warning"),
        Colour("colour:ready", layout.columns["client"],
               _marked("ready", f"OR({stage}={applying},{stage}={done})"), BLUE, BLUE_TEXT,
               "client name blue when development can start"),
    )  # fmt: skip


def _marked(ident: str, condition: str) -> str:
    """A formula that carries its identity: N("…") is 0 in Sheets and Excel alike."""
    return f'AND(N("{MARKER}:{ident}")=0,{condition})'


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def marker_of(formula: str) -> str | None:
    """The identity a formula carries (`colour:…`), or None: not sheetsync's."""
    start = formula.find(f'N("{MARKER}:')
    if start < 0:
        return None
    rest = formula[start + len(MARKER) + 4 :]
    end = rest.find('")')
    return f"colour:{rest[:end]}" if end > 0 else None


def changes(
    wanted: Mapping[str, object],
    found: Mapping[str, object],
    labels: Mapping[str, str],
    *,
    remove: bool = False,
) -> tuple[GuideChange, ...]:
    """From the items `found` (sheetsync's own, by identity) to those `wanted`, in the
    order wanted; with `remove`, to none. Items compare in the backend's own terms."""
    if remove:
        return tuple(GuideChange("remove", i, labels.get(i, i)) for i in sorted(found))
    out = [GuideChange("update" if i in found else "add", i, labels.get(i, i))
           for i in wanted if found.get(i) != wanted[i]]  # fmt: skip
    out += [GuideChange("remove", i, labels.get(i, i)) for i in sorted(found) if i not in wanted]
    return tuple(out)


def describe(change: GuideChange) -> str:
    """One line for the command's output: `add   values:paid  date rule (warns)`."""
    return f"{change.action:<6} {change.ident:<26} {change.what}"
