"""The guide setup installs: its rules, what drives its colours, and the diff to get there."""

from __future__ import annotations

import re
from datetime import UTC

import pytest

from sheetsync.core.guides import (
    GuideChange,
    GuideOutcome,
    build_guide,
    changes,
    guide_layout,
    marker_of,
)
from sheetsync.core.layout import locate
from sheetsync.core.model import Application, EmailType, PaymentMethod, Stage
from sheetsync.core.plan import render_status
from sheetsync.core.texts import STAGES, Texts
from sheetsync.core.values import (
    parse_application,
    parse_email_type,
    parse_flag,
    parse_managing_account,
    parse_payment_method,
)
from sheetsync.errors import SheetLayoutError
from sheetsync.settings import StatusHeaders
from tests.support.builders import DONE, HEADERS, client, evaluate_client, sheet_rows

STATUS = list(StatusHeaders().model_dump().values())


def layout_of(rows: list[list[object]]):  # type: ignore[no-untyped-def]
    return guide_layout(rows, HEADERS, StatusHeaders())  # type: ignore[arg-type]


def full_rows() -> list[list[object]]:
    return sheet_rows(client(DONE), extra=STATUS)  # type: ignore[return-value]


@pytest.mark.parametrize("locale", ["hu", "en"])
def test_every_dropdown_value_is_one_the_parsers_read_as_intended(locale: str) -> None:
    guide = build_guide(layout_of(full_rows()), locale)
    by_key = {r.ident.removeprefix("values:"): r for r in guide.values}
    assert [parse_email_type(v) for v in by_key["email_type"].values] == [
        EmailType.OWN,
        EmailType.CREATED,
    ]
    assert [parse_payment_method(v) for v in by_key["payment_method"].values] == [
        PaymentMethod.CARD,
        PaymentMethod.TRANSFER,
    ]
    assert [parse_application(v) for v in by_key["domain_application"].values] == [
        Application.SUBMITTED,
        Application.SUCCESSFUL,
        Application.FAILED,
    ]
    managing = [parse_managing_account(v) for v in by_key["managing_account"].values]
    assert [m.added if m else None for m in managing] == [True, False, True]
    assert [parse_flag(v, UTC) for v in by_key["order_live"].values] == [
        parse_flag(True, UTC),
        parse_flag(False, UTC),
    ]


def test_strict_only_where_the_list_is_every_answer_the_process_has() -> None:
    guide = build_guide(layout_of(full_rows()), "hu")
    strict = {r.ident for r in guide.values if r.strict}
    assert strict == {"values:email_type", "values:payment_method", "values:domain_application"}
    kinds = {r.ident: r.kind for r in guide.values}
    assert kinds["values:paid"] == kinds["values:invoice_sent"] == "date"


def test_rules_sit_on_the_columns_the_layout_found_and_skip_absent_ones() -> None:
    rows = full_rows()
    # A sheet without a package column, and its columns in another order.
    keep = [i for i, h in enumerate(rows[0]) if h != HEADERS.package]
    rows = [[row[i] if i < len(row) else None for i in reversed(keep)] for row in rows]
    layout = layout_of(rows)
    guide = build_guide(layout, "hu")
    assert "values:package" not in {r.ident for r in guide.values}
    for rule in guide.values:
        assert rule.column == layout.columns[rule.ident.removeprefix("values:")]
    assert guide.guarded == tuple(sorted(layout.status.values()))
    assert guide.last_column == len(rows[0]) - 1


def test_setup_needs_the_status_columns_a_sync_adds() -> None:
    with pytest.raises(SheetLayoutError, match="run `sheetsync sync` once"):
        layout_of(sheet_rows(client(DONE)))  # type: ignore[arg-type]


@pytest.mark.parametrize("locale", ["hu", "en"])
def test_colours_follow_the_texts_sheetsync_writes(locale: str) -> None:
    rows = full_rows()
    layout = locate(rows, HEADERS, StatusHeaders())  # type: ignore[arg-type]
    guide = build_guide(layout, locale)
    colour = {c.ident: c for c in guide.colours}
    texts = Texts(locale)

    def literal(ident: str) -> list[str]:
        return re.findall(r'"((?:[^"]|"")*)"', colour[ident].formula)[1:]  # after the marker

    error = render_status(evaluate_client(email="nem-cim"), texts, layout)
    warning = render_status(evaluate_client(package="Pro"), texts, layout)
    both = render_status(evaluate_client(email="nem-cim", package="Pro"), texts, layout)
    assert error.findings.startswith(literal("colour:findings-error")[0])
    assert both.findings.startswith(literal("colour:findings-error")[0])  # worst first
    assert warning.findings.startswith(literal("colour:findings-warning")[0])
    assert not warning.findings.startswith(literal("colour:findings-error")[0])
    done = render_status(evaluate_client(), texts, layout)
    assert literal("colour:stage-done") == [done.stage] == [STAGES[locale][Stage.DONE]]
    ready = evaluate_client(domain_application=None)
    assert ready.development_can_start
    assert render_status(ready, texts, layout).stage in literal("colour:ready")
    letter = "Q"  # the stage column: after the 16 input columns
    assert f"${letter}2" in colour["colour:stage-done"].formula


def test_each_colour_formula_carries_its_identity() -> None:
    guide = build_guide(layout_of(full_rows()), "hu")
    for rule in guide.colours:
        assert marker_of(rule.formula) == rule.ident
    assert marker_of('AND($A2="x",N("other")=0)') is None
    assert marker_of("$A2>3") is None


WANTED = {"a": 1, "b": 2, "c": 3}


@pytest.mark.parametrize(
    ("found", "remove", "expected"),
    [
        ({}, False, [("add", "a"), ("add", "b"), ("add", "c")]),
        (WANTED, False, []),
        ({"a": 1, "b": 9, "z": 0}, False, [("update", "b"), ("add", "c"), ("remove", "z")]),
        ({"a": 1, "z": 0}, True, [("remove", "a"), ("remove", "z")]),
        ({}, True, []),
    ],
)
def test_changes_lead_from_what_is_found_to_what_is_wanted(
    found: dict[str, int], remove: bool, expected: list[tuple[str, str]]
) -> None:
    got = changes(WANTED, found, {"a": "the a rule"}, remove=remove)
    assert [(c.action, c.ident) for c in got] == expected
    assert all(c.what == ("the a rule" if c.ident == "a" else c.ident) for c in got)


def test_the_state_doctor_reports() -> None:
    add = GuideChange("add", "a", "a")
    assert GuideOutcome().state == "current"
    assert GuideOutcome((add,), found=0).state == "not-applied"
    assert GuideOutcome((add,), found=2).state == "outdated"


def test_labels_name_every_item_in_english() -> None:
    guide = build_guide(layout_of(full_rows()), "hu")
    idents = {r.ident for r in guide.values} | {c.ident for c in guide.colours}
    assert idents | {"guard", "freeze", "filter", "header-style"} == set(guide.labels)
    assert (
        "'Fizetési mód' (K): dropdown bankkártya, utalás" in guide.labels["values:payment_method"]
    )
