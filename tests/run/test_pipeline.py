"""The pipeline: stage entries kept in the state store as history, and the daily digest's
funnel, week and longest waits."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from sheetsync.core.model import Stage
from sheetsync.settings import SlackSettings
from sheetsync.state.schema import MIGRATIONS
from sheetsync.state.sqlite import SqliteStateStore
from tests.support.worker_fixtures import CANARY, MONDAY_9, Rig, client, settings, sheet

PAID = {"payment_method": "bankkártya", "paid": "igen"}


def test_stage_entries_are_kept_as_history_even_after_a_client_leaves(tmp_path: Path) -> None:
    rig = Rig(SqliteStateStore(tmp_path / "state.sqlite"), sheet(client("Alfa"), client("Beta")))
    rig.run()
    rig.clock.advance(hours=2)
    rig.sheet.rows[1] = client("Alfa", **PAID)
    rig.run()
    del rig.sheet.rows[2]  # Beta leaves the sheet
    rig.clock.advance(hours=1)
    rig.run()
    history = SqliteStateStore(tmp_path / "state.sqlite").stage_history()
    assert sorted((e.key, e.stage, e.at - MONDAY_9) for e in history) == [
        ("alfa", Stage.DOMAIN_APPLICATION, timedelta(hours=2)),
        ("alfa", Stage.PAYMENT, timedelta(0)),
        ("beta", Stage.PAYMENT, timedelta(0)),
    ]


def test_a_store_of_schema_one_is_migrated_and_keeps_its_memory(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0] + ";PRAGMA user_version = 1;")
        db.execute("INSERT INTO client_rows VALUES ('alfa', 2, NULL)")
        db.execute(
            "INSERT INTO first_seen VALUES ('alfa', 'card-unpaid', '2026-03-01T09:00:00+00:00')"
        )
    db.close()
    before = path.read_bytes()
    reader = SqliteStateStore(path, read_only=True)  # a migrated in-memory copy (M2)
    assert reader.load().rows["alfa"].first_seen["card-unpaid"].day == 1
    assert reader.stage_history() == [] and reader.runs() == []
    assert path.read_bytes() == before and sorted(tmp_path.iterdir()) == [path]
    store = SqliteStateStore(path)
    assert store.load().rows["alfa"].first_seen["card-unpaid"].day == 1
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()
    assert store.stage_history() == []


def test_the_digest_shows_the_funnel_the_week_and_who_waits_longest(tmp_path: Path) -> None:
    config = settings(slack=SlackSettings(digest_time="08:30", summary_window_minutes=0))
    rows = [client("Alfa"), client("Beta"), client("Gamma", managing_account=None)]
    rig = Rig(SqliteStateStore(tmp_path / "state.sqlite"), sheet(*rows), config=config)
    first = rig.run()  # Monday 09:00: the first report
    assert first.delivered
    rig.clock.advance(hours=3)
    rig.sheet.rows[1] = client("Alfa", **PAID)  # Alfa moves on
    rig.run()
    rig.clock.advance(days=1)  # Tuesday 12:00: the digest is due
    digest = rig.run().message
    assert digest is not None
    text = digest.text
    assert "Hol tartanak az ügyfelek" in text
    assert "████████████████████ 1 3. Kezelő fiók" in text  # one client, the widest bar
    assert "új ügyfél: 3 · lépett előre: 1 · kész: 0" in text
    waiting = text[text.index("Legrégebben várnak") :]
    # Beta has waited since Monday 09:00 at the payment step: 11.5 office hours.
    assert "Beta (3. sor) – 5. Fizetés: 1 munkanap 3 munkaóra" in waiting
    assert "Gamma (4. sor) – 3. Kezelő fiók: 1 munkanap 3 munkaóra" in waiting
    assert "Alfa (2. sor) – 6. Domain igénylés: 1 munkanap\n" in waiting  # since 12:00
    assert CANARY not in text
    blocks = str(digest.blocks)
    assert "`████████████████████` *1* 3. Kezelő fiók" in blocks
