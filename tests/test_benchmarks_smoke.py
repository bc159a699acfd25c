"""`make bench` is not part of the suite, but its machinery is: a tiny run with no
latency keeps the benchmarks from rotting and checks the request counts they report."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from benchmarks import concurrent_edits, domain_checks, setup, sheet_sync, startup, workbook
from benchmarks.sheets_server import LoopbackSheets


def test_a_tiny_sheet_benchmark_counts_the_requests_each_approach_sends() -> None:
    with LoopbackSheets(latency=0.0) as server:
        edited, results = sheet_sync.run_scenario(server, rows=12, fraction=0.5, cap=2)
    by = {m.approach: m for m in results}
    assert edited == 6
    assert by["floor (fetch + decode once)"].requests == 1
    # read, guard read, write, and the read that verifies the write
    assert by["sheetsync (worker, steady)"].requests == 4
    # A fresh process finds the metadata in the file beside its state store.
    assert by["sheetsync (cold process)"].requests == 4
    script = by["gspread script (update per changed row)"]
    assert script.requests == 3 + edited and script.extrapolated
    assert by["no-code flow (read + write per row)"].requests == 3 + 2 * 12


def test_a_tiny_setup_benchmark_counts_one_read_and_at_most_one_write_a_run() -> None:
    with LoopbackSheets(latency=0.0) as server:
        runs = setup.runs(server, rows=12)
    counts = {r.name: (r.reads, r.writes, r.changes > 0) for r in runs}
    assert counts == {
        "first run": (1, 1, True),
        "second run": (1, 0, False),
        "dry run": (1, 0, False),
        "--remove": (1, 1, True),
        "--remove again": (1, 0, False),
    }


def test_a_tiny_concurrent_edit_benchmark_counts_requests_and_misdirected_rows() -> None:
    with LoopbackSheets(latency=0.0) as server:
        runs = concurrent_edits.run(server, rows=12, fraction=0.5)
    assert len(runs) == 5 * 4  # every edit at every moment
    for run in runs:
        assert run.misdirected == 0, (run.edit, run.moment)
        if run.moment == concurrent_edits.REPAIRABLE:
            assert run.repaired > 0 and run.sync_requests == 6, (run.edit, run.requests)
        else:
            assert run.repaired == 0 and run.sync_requests == 4, (run.edit, run.requests)
    resized = [r for r in runs if r.requests[concurrent_edits.METADATA]]
    assert {(r.edit, r.moment) for r in resized} == {
        ("insert a row above", "before the read"),
        ("delete a row", "before the read"),
    }


def test_a_tiny_domain_benchmark_answers_everything_and_the_warm_pass_asks_nothing() -> None:
    bound, runs = domain_checks.run(count=8, latency=0.0, per_minute=60)
    cold, warm, sequential = runs
    assert (cold.requests, cold.answered) == (8, 8)
    assert (warm.requests, warm.answered) == (0, 8)
    assert sequential.requests == 8
    assert bound == 0.0


def test_a_tiny_hostile_domain_benchmark_counts_what_the_bad_server_got() -> None:
    calm, slowloris, huge = domain_checks.hostile(count=3, latency=0.0, timeout=0.5)
    assert (calm.answered, calm.unknown) == (6, 0)
    assert (slowloris.asked_bad, slowloris.answered, slowloris.unknown) == (1, 3, 3)
    assert (huge.asked_bad, huge.answered, huge.unknown) == (3, 3, 3)


def test_the_start_up_benchmark_times_the_installed_script_and_only_a_successful_run() -> None:
    assert startup.best_of(["--help"], runs=2) > 0
    with pytest.raises(subprocess.CalledProcessError):  # a failing command is not timed
        startup.best_of(["no-such-command"], runs=1)


def test_a_tiny_workbook_benchmark_writes_every_status_then_nothing() -> None:
    first, unchanged = workbook.run([(10, 4)], repeats=2)
    assert (first.kind, unchanged.kind) == ("first", "unchanged")
    assert first.columns == 20 and first.cells > 10 * 4  # each first pass on a fresh copy
    assert unchanged.cells == 0 and unchanged.peak_mb > 0 and unchanged.wall > 0


def test_the_workbook_peak_is_the_child_s_own_not_the_benchmark_s(tmp_path: Path) -> None:
    """ru_maxrss of a spawned child counts its parent's memory up to the exec."""
    path = tmp_path / "ugyfelek.xlsx"
    workbook.build(path, rows=10, extra_columns=0)
    ballast = b"x" * 300_000_000  # resident in this process while the child starts
    _, peak, _ = workbook.measure(path)
    del ballast
    assert 0 < peak < 200  # the child alone: about 60 MB


def test_a_tiny_pipeline_benchmark_times_every_part() -> None:
    from benchmarks import pipeline

    timed = pipeline.run(20)
    assert timed.clients == 20 and timed.entries >= 20
    assert min(timed.weeks, timed.waiting, timed.movement, timed.page) >= 0
