"""Every code, stage, next step and verdict has words in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sheetsync.core.model import Code, Severity, Stage, Verdict
from sheetsync.core.texts import FINDINGS, NEXT_STEPS, SEVERITIES, STAGES, VERDICTS

RULES = Path(__file__).resolve().parents[2] / "sheetsync" / "core" / "rules.py"


@pytest.mark.parametrize("locale", ["hu", "en"])
def test_tables_are_complete(locale: str) -> None:
    assert set(FINDINGS[locale]) == set(Code)
    assert set(STAGES[locale]) == set(Stage)
    assert set(SEVERITIES[locale]) == set(Severity)
    assert set(VERDICTS[locale]) == set(Verdict)
    assert set(NEXT_STEPS[locale]) == set(NEXT_STEPS["hu"])


def test_every_next_step_the_rules_name_has_a_text() -> None:
    named = set(re.findall(r'return \(?"([a-z-]+)"', RULES.read_text()))
    named |= set(re.findall(r'"([a-z]+-[a-z-]+)" if ', RULES.read_text()))
    named |= set(re.findall(r'else "([a-z]+-[a-z-]+)"', RULES.read_text()))
    assert named and named <= set(NEXT_STEPS["hu"])
    assert set(NEXT_STEPS["hu"]) <= named


def test_placeholders_match_between_languages() -> None:
    for table in (FINDINGS, NEXT_STEPS):
        for key, text in table["hu"].items():  # type: ignore[attr-defined]
            assert set(re.findall(r"{(\w+)}", text)) == set(
                re.findall(r"{(\w+)}", table["en"][key])  # type: ignore[index]
            ), key
