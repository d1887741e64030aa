"""The bundle installs what it declares: a fresh venv from its requirements.txt grades every
unit's reference to full marks (see tests/bundle_env.py). About 85 s of pip install, then every
unit's full suite; run with ``DEEPGRADE_BUNDLE_ENV=1`` (``python -m tests.bench bundle_env``
runs it too, with timings)."""
import os

import pytest

from autograder.suite import unit_names

from .bundle_env import grade_every_unit

pytestmark = [pytest.mark.bundle_env,
              pytest.mark.skipif(os.environ.get("DEEPGRADE_BUNDLE_ENV") != "1",
                                 reason="slow (a fresh venv, then every unit): set DEEPGRADE_BUNDLE_ENV=1")]


def test_bundle_environment_grades_every_reference_to_full_marks():
    timings = grade_every_unit(unit_names())
    failed = {u: t for u, t in timings["units"].items() if t["score"] != t["max_score"]}
    assert not failed, failed
