"""``autograder gradescope UNIT OUT.zip``: an autograder bundle for Gradescope, and what runs in it.

Gradescope unzips the bundle into ``/autograder/source``, runs ``setup.sh`` once when it builds
the image, then ``/autograder/run_autograder`` for each submission. The bundle is instructor-side:
it carries the engine, the unit's reference (for the checks that compare with it) and the course
salt. ``run_autograder`` calls ``python -m autograder.gradescope run UNIT``, which

- reads the submission from ``ROOT/submission`` (modules, a folder of them, or one zip),
- seeds every check from (salt, unit, check, student) with the student taken from
  ``ROOT/submission_metadata.json`` (``users[0].email``, else ``users[0].id``),
- writes ``ROOT/results/results.json`` at once (score 0, "grading did not finish"), then the real
  results; checks that the time budget leaves unstarted are listed as not run, so a submission
  that runs out of time still gets the points it earned.

``ROOT`` is ``/autograder`` unless ``$DEEPGRADE_GRADESCOPE_ROOT`` says otherwise (tests lay out
a temporary root the way Gradescope does).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from . import seeds
from .stubs import ROOT as REPO

DEFAULT_TIME_LIMIT = 600.0  # Gradescope's per-submission limit as set on the assignment (seconds)
MARGIN = 20.0               # seconds kept back to write results.json
BUNDLED = ("autograder",)
SKIP = ("__pycache__", ".pyc", ".ipynb_checkpoints")

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
ROOT="${DEEPGRADE_GRADESCOPE_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq bubblewrap python3-venv python3-pip >/dev/null || true
# deepgrade needs Python >= 3.11; Ubuntu 22.04 images ship 3.10, so add 3.11 where it is missing.
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  apt-get install -y -qq python3.11 python3.11-venv >/dev/null
  PY=python3.11
else
  PY=python3
fi
"$PY" -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install -q --upgrade pip
"$ROOT/venv/bin/pip" install -q --extra-index-url https://download.pytorch.org/whl/cpu "$ROOT/source"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it always leaves a results.json behind.
ROOT="${{DEEPGRADE_GRADESCOPE_ROOT:-/autograder}}"
PY="${{DEEPGRADE_PYTHON:-$ROOT/venv/bin/python}}"
export DEEPGRADE_SALT_FILE="$ROOT/source/.deepgrade/salt"
export DEEPGRADE_TIME_LIMIT="${{DEEPGRADE_TIME_LIMIT:-{time_limit:g}}}"
cd "$ROOT/source"
exec "$PY" -m autograder.gradescope run {unit} --root "$ROOT"
"""

PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "deepgrade-autograder"
version = "{version}"
requires-python = "{python}"
dependencies = {dependencies}

[tool.setuptools.packages.find]
include = ["autograder*", "reference*"]

[tool.setuptools.package-data]
"*" = ["*.csv", "*.npz", "*.pt", "*.json"]
"""


# ---------------------------------------------------------------- building the bundle
def bundle(unit: str, out: Path, root: Path = REPO, time_limit: float = DEFAULT_TIME_LIMIT) -> Path:
    """Write the Gradescope autograder zip for ``unit`` (engine, the unit's reference, the salt)."""
    import tomllib

    from . import __version__

    reference = root / "reference" / unit
    if not reference.is_dir():
        raise ValueError(f"no reference solution for {unit} at {reference}")
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    files: dict[str, bytes] = {
        "setup.sh": SETUP_SH.encode(),
        "run_autograder": RUN_AUTOGRADER.format(unit=unit, time_limit=time_limit).encode(),
        "pyproject.toml": PYPROJECT.format(version=__version__, python=project.get("requires-python", ">=3.11"),
                                           dependencies=json.dumps(project["dependencies"])).encode(),
        ".deepgrade/salt": (seeds.course_salt() + "\n").encode(),
        "reference/__init__.py": (root / "reference" / "__init__.py").read_bytes(),
    }
    for folder in (*(root / name for name in BUNDLED), reference):
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and not any(s in rel for s in SKIP):
                files[rel] = path.read_bytes()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out


# ---------------------------------------------------------------- inside Gradescope
def student_of(metadata_path: Path) -> str:
    """The id that seeds this student's inputs: the first user's email, else their id."""
    try:
        metadata = json.loads(Path(metadata_path).read_text())
    except (OSError, ValueError):
        return "anonymous"
    users = metadata.get("users") or [{}]
    user = users[0] if isinstance(users[0], dict) else {}
    return str(user.get("email") or user.get("id") or metadata.get("id") or "anonymous")


def failure(unit: str, message: str) -> dict:
    """A results.json that gives 0 and says why (a usable file is always left behind)."""
    return {"score": 0.0, "output": f"{unit}: {message}", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": []}


def write_results(path: Path, data: dict):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def choose_launcher():
    """The sandbox where it runs in Gradescope's container; else a plain subprocess (the
    container, one per submission, is then the isolation), unless DEEPGRADE_REQUIRE_SANDBOX=1."""
    from .sandbox import launchers

    required = os.environ.get("DEEPGRADE_REQUIRE_SANDBOX") == "1"
    return launchers.choose(no_sandbox=not required and bool(launchers.sandbox_problem()))


def run(unit: str, root: Path) -> dict:
    """Grade ``ROOT/submission`` and write ``ROOT/results/results.json``; returns what was written."""
    from . import runner
    from .submission import SubmissionError
    from .suite import load_suite

    results = root / "results" / "results.json"
    limit = float(os.environ.get("DEEPGRADE_TIME_LIMIT", DEFAULT_TIME_LIMIT))
    write_results(results, failure(unit, "grading did not finish (the autograder was stopped before it wrote "
                                         "any result); please tell your instructor"))
    suite = load_suite(unit)
    longest = max((c.timeout for c in suite.checks), default=0.0)
    budget = max(limit - longest - MARGIN, 0.0)
    latest: dict = {}  # the partial results so far, for the watchdog
    _watchdog(results, unit, limit - MARGIN / 2, latest)
    salt_file = Path(os.environ.get("DEEPGRADE_SALT_FILE", root / "source" / seeds.SALT_FILE))
    salt = salt_file.read_text().strip() if salt_file.is_file() else seeds.course_salt(create=False)
    student = student_of(root / "submission_metadata.json")
    with tempfile.TemporaryDirectory(prefix="deepgrade-") as work:
        try:
            folder = locate(root / "submission", Path(work), suite.modules, unit)
            report = runner.grade(folder, unit, submission_id=student, salt=salt, budget=budget,
                                  launcher=choose_launcher(),
                                  on_result=lambda partial: latest.update(results=partial.gradescope()))
            data = report.gradescope()
        except SubmissionError as exc:
            data = failure(unit, f"your submission could not be graded: {exc}")
        except Exception as exc:  # never leave Gradescope without a results.json
            data = failure(unit, f"internal grader error ({type(exc).__name__}: {exc}); please tell your instructor")
    write_results(results, data)
    return data


def locate(submission: Path, work: Path, modules: list[str], unit: str) -> Path:
    """The folder of modules in Gradescope's submission folder (files, a folder, one zip, or the
    unit's notebook)."""
    from .batch import find_module_dir, load_submission

    folder = find_module_dir(submission, modules)
    zips = sorted(submission.glob("*.zip"))
    if len(zips) == 1 and not any((folder / f"{m}.py").is_file() for m in modules):
        return load_submission(zips[0], work, modules, unit)  # an uploaded zip Gradescope did not unpack
    return load_submission(submission, work, modules, unit)


def _watchdog(results: Path, unit: str, deadline: float, latest: dict):
    """Past ``deadline`` seconds, leave the results so far (or a note that none were ready), and exit."""
    def expire():
        note = f"grading ran out of time ({deadline:.0f} s)"
        if latest:
            data = {**latest["results"], "output": f"{note}; the checks below are those that finished."}
        else:
            data = failure(unit, f"{note} before any result was ready; please tell your instructor")
        write_results(results, data)
        os._exit(0)

    timer = threading.Timer(deadline, expire)
    timer.daemon = True
    timer.start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="grade the submission in a Gradescope root")
    p.add_argument("unit")
    p.add_argument("--root", type=Path, default=Path(os.environ.get("DEEPGRADE_GRADESCOPE_ROOT", "/autograder")))
    args = parser.parse_args(argv)
    started = time.monotonic()
    data = run(args.unit, args.root)
    print(f"{args.unit}: {data['score']:g} points in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
