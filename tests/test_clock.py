"""The one real clock."""

from __future__ import annotations

import time
from datetime import UTC

from sheetsync.clock import Clock, utc_now


def test_utc_now_is_aware_utc_and_the_current_time() -> None:
    clock: Clock = utc_now
    before = time.time()
    now = clock()
    after = time.time()
    assert now.tzinfo is UTC and now.utcoffset() is not None
    assert before - 1 <= now.timestamp() <= after + 1
