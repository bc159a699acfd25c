"""Progress: drawn on a terminal, silent anywhere else, and fed by the live checker."""

from __future__ import annotations

import io

from click.testing import CliRunner

from sheetsync.cli.main import cli
from sheetsync.cli.progress import progress_bar, spinner


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_there_is_no_callback_and_nothing_is_written() -> None:
    out = io.StringIO()
    with progress_bar("Checking domains", waiting="Syncing…", stream=out) as progress:
        assert progress is None
    with spinner("Syncing…", stream=out):
        pass
    assert out.getvalue() == ""


def test_on_a_terminal_the_bar_counts_and_then_clears() -> None:
    out = TTY()
    with progress_bar("Checking domains", waiting="Syncing…", stream=out) as progress:
        assert progress is not None
        for done in range(1, 4):
            progress(done, 3)
    text = out.getvalue()
    assert "Checking domains" in text and "3/3" in text


def test_a_piped_domain_check_prints_only_its_result(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "verdicts.toml").write_text('[verdicts]\n"szabad.hu" = "available"\n', "utf-8")
    (folder / "sheetsync.toml").write_text(
        '[domains]\nchecker = "file"\nverdicts_file = "verdicts.toml"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli,
        [
            "domain",
            "check",
            "--configured",
            "--format",
            "json",
            "--config",
            str(folder / "sheetsync.toml"),
            "szabad.hu",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.lstrip().startswith("[") and "Checking" not in result.output
