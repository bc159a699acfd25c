"""`serve` against a registry that stalls (slowloris, on 127.0.0.1): passes keep
completing on schedule, each within the query deadline, and SIGTERM ends the worker
promptly; a stalled server never holds the schedule."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from sheetsync.domains.checker import LiveDomainChecker
from sheetsync.run.serve import Server
from sheetsync.run.worker import Worker
from sheetsync.testing import InMemoryStateStore
from tests.support.domain_servers import LoopbackWhois, live_settings
from tests.support.hostile_servers import LoopbackHttp, drip, whois_drip
from tests.support.worker_fixtures import client, settings, sheet

pytestmark = pytest.mark.slow  # a fault suite: `make quick` leaves it out

TZ = ZoneInfo("Europe/Budapest")
REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("sheetsync")


def test_passes_keep_completing_while_a_registry_stalls(tmp_path: Path) -> None:
    with LoopbackHttp({}, default=drip(interval=0.05)) as rdap:
        domains = live_settings(tmp_path, rdap_servers={"cz": rdap.base_url}, timeout_seconds=0.3)
        store = InMemoryStateStore()
        the_sheet = sheet(client("Alfa", domain="alfa.cz"), client("Beta", domain="beta.cz"))
        checker = LiveDomainChecker(domains, lambda: datetime.now(UTC))
        worker = Worker(
            the_sheet, checker, settings(domains=domains), lambda: datetime.now(UTC), store, None
        )
        finished: list[float] = []

        def job() -> None:
            started = time.monotonic()
            outcome = worker.run_once()
            assert outcome.result is not None
            finished.append(time.monotonic() - started)

        server = Server(
            job, IntervalTrigger(seconds=0.05, timezone=TZ), tz=TZ, clock=lambda: datetime.now(UTC)
        )
        stop = threading.Event()
        thread = threading.Thread(target=server.run, args=(stop,))
        thread.start()
        time.sleep(2.5)
        stop.set()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the schedule did not stop"
    assert len(finished) >= 3, finished  # not one stuck pass with every tick skipped
    assert max(finished) < 0.3 + 1.0, finished  # each pass within its query deadline
    assert [r.outcome for r in store.runs] == ["ok"] * len(store.runs)  # reached: not an outage
    last = store.runs[-1]
    assert last.rows == 2


def test_sigterm_stops_serve_promptly_while_a_registry_stalls(tmp_path: Path) -> None:
    assert SCRIPT.is_file(), f"the console script is not installed beside {sys.executable}"
    (tmp_path / "ugyfelek.xlsx").write_bytes((REPO / "examples" / "ugyfelek.xlsx").read_bytes())
    with LoopbackWhois(
        {}, default=whois_drip(b"Nincs talalat / No match\n", interval=0.05)
    ) as whois:
        env = {
            **os.environ,
            "SHEETSYNC_CONFIG": str(REPO / "config" / "sheetsync.toml"),
            "SHEETSYNC_SHEET__PATH": str(tmp_path / "ugyfelek.xlsx"),
            "SHEETSYNC_STATE__PATH": str(tmp_path / "state.sqlite"),
            "SHEETSYNC_DOMAINS__CHECKER": "live",
            "SHEETSYNC_DOMAINS__WHOIS_SERVERS": json.dumps({"hu": whois.address}),
            "SHEETSYNC_DOMAINS__BOOTSTRAP_REFRESH": "false",
            "SHEETSYNC_DOMAINS__CACHE_DIR": str(tmp_path / "cache"),
            "SHEETSYNC_DOMAINS__TIMEOUT_SECONDS": "2",
            "SHEETSYNC_SERVER__ENABLED": "false",
            "SHEETSYNC_LOG_FORMAT": "json",
        }
        process = subprocess.Popen(
            [str(SCRIPT), "serve"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not whois.queries:
                time.sleep(0.05)  # the first pass is asking the stalling registry now
            assert whois.queries, "the first pass never asked the registry"
            process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            _, err = process.communicate(timeout=20)
            stopped_after = time.monotonic() - signalled
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, err[-2000:]
    assert stopped_after < 2 + 5  # the running pass ends at its query deadline, then exit
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    syncs = [e for e in events if e.get("event") == "sync"]
    assert len(syncs) == 1 and syncs[0]["outcome"] == "ok", syncs
