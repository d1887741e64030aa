"""The Gradescope bundle's environment built from its own requirements, and every unit graded in it.

A fresh virtual environment on the system's Python 3.11 (what setup.sh installs on Ubuntu 22.04),
``pip install -r requirements.txt`` from the bundle and nothing from the project's venv (pip's
own configuration here resolves torch==2.13.0 to a local CPU wheel), one per distinct requirements
(with and without torch); then each unit's bundle, on a simulated Gradescope root, grades the
unit's reference in its own: it must get full marks. Used by
``tests/test_bundle_env.py`` (marked ``bundle_env``) and ``python -m tests.bench bundle_env``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .gradescope_support import build_bundle, layout, public_tmp, run_autograder

SALT = "bundle-env-salt"
BASE_PYTHON = "/usr/bin/python3.11"


def build_venv(folder: Path, requirements: Path) -> tuple[str, float]:
    """(python of a fresh venv with ``requirements`` installed, seconds the install took)."""
    base = BASE_PYTHON if os.path.exists(BASE_PYTHON) else sys.executable
    venv = folder / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "DEEPGRADE"))}
    subprocess.run([base, "-m", "venv", str(venv)], check=True, env=env)
    began = time.monotonic()
    done = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-r", str(requirements)], env=env,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    subprocess.run(["chmod", "-R", "a+rX", str(venv)], check=True)
    return str(venv / "bin" / "python"), time.monotonic() - began


def grade_every_unit(units: list[str], log=print) -> dict:
    """Build one environment per distinct requirements.txt among the units' bundles (torch is left
    out where a unit's grading never imports it), then grade each unit's reference in its own."""
    import zipfile

    from autograder.suite import load_suite

    from .support import ROOT

    folder = public_tmp("deepgrade-bundle-env-")
    timings: dict = {"units": {}, "install": 0.0}
    pythons: dict[bytes, str] = {}
    try:
        for unit in units:
            bundle = build_bundle(folder / f"{unit}.zip", unit, SALT)
            wanted = zipfile.ZipFile(bundle).read("requirements.txt")
            if wanted not in pythons:
                requirements = folder / f"requirements-{len(pythons)}.txt"
                requirements.write_bytes(wanted)
                pythons[wanted], seconds = build_venv(folder / f"env-{len(pythons)}", requirements)
                timings["install"] += seconds
                log(f"pip install -r requirements.txt ({b' '.join(wanted.split()).decode()}): {seconds:.0f} s")
            root = layout(folder / unit, bundle, ROOT / "reference" / unit, unit)
            began = time.monotonic()
            results, output = run_autograder(root, python=pythons[wanted], timeout=1200, PATH="/usr/bin:/bin")
            elapsed = time.monotonic() - began
            best = load_suite(unit).max_score
            lost = [f"{t['name']}: {t['output'][:300]}" for t in results["tests"] if t["score"] < t["max_score"]]
            timings["units"][unit] = {"seconds": elapsed, "score": results["score"], "max_score": best,
                                      "lost": lost, "isolation": results.get("extra_data", {}).get("isolation")}
            log(f"{unit}: {results['score']:g} / {best:g} in {elapsed:.0f} s ({timings['units'][unit]['isolation']})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return timings
