"""The client's rate window keeps a margin over the server's: a registry counts a query
when it arrives, by its own clock, so a start exactly one minute after the first may
still fall inside the registry's minute (found by `make bench`: one such query cost a
60-second pause and an unknown verdict)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sheetsync.domains.politeness import MARGIN, WINDOW, RateWindow

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_the_next_start_waits_a_minute_plus_the_margin() -> None:
    window = RateWindow(2)
    assert window.reserve(T0) is None
    assert window.reserve(T0 + timedelta(seconds=10)) is None
    assert window.reserve(T0 + WINDOW) == T0 + WINDOW + MARGIN
    assert window.reserve(T0 + WINDOW + MARGIN - timedelta(milliseconds=1)) is not None
    assert window.reserve(T0 + WINDOW + MARGIN) is None


def test_the_margin_is_small_next_to_the_window() -> None:
    assert timedelta(0) < MARGIN <= WINDOW / 30
