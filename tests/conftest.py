"""Test-suite settings: Hypothesis example counts come from a profile, never a test.

`HYPOTHESIS_PROFILE=quick` for a fast local loop, `thorough` before touching the parsers
or the guard; `make test` uses the default.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("default", max_examples=100, **_COMMON)
settings.register_profile("quick", max_examples=15, **_COMMON)
settings.register_profile("thorough", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
