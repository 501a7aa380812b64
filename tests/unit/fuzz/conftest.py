"""Hypothesis profiles for the fuzz tests: bounded for CI, deeper on request.

`ci` (chosen when the CI variable is set: 200 examples a test, about 25 s for the whole set on 2 cores)
keeps no example database and is derandomised, so a run never depends on what an earlier one found and
never fails by chance on someone else's change; `dev` (the default: 100 examples) keeps failing examples
in `.hypothesis/` (git-ignored) and replays them first;
`deep` is for a long local hunt: `HYPOTHESIS_PROFILE=deep .venv/bin/pytest -q tests/unit/fuzz`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Mails and payloads are large inputs, and some (deep nesting, long lines) are slow on purpose.
bounded = settings(
    deadline=None,
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large),
    print_blob=True,
)
settings.register_profile("ci", bounded, max_examples=200, database=None, derandomize=True)
settings.register_profile("dev", bounded, max_examples=100)
settings.register_profile("deep", bounded, max_examples=2_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
