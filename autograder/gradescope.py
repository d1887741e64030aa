"""``autograder gradescope UNIT OUT.zip``: an autograder bundle for Gradescope, and what runs in it.

Gradescope unzips the bundle into ``/autograder/source``, runs ``setup.sh`` once when it builds
the image, then ``/autograder/run_autograder`` for each submission. The bundle is instructor-side:
it carries the engine with the instructor-only answer keys, the unit's reference and the unit's
key, HMAC(course salt, unit) (never the course salt). ``setup.sh`` installs the bundle's
``requirements.txt`` in ``/autograder/venv``, creates the unprivileged user ``deepgrade-student``
and makes ``/autograder/source`` readable by root only. ``run_autograder`` calls
``python -m autograder.gradescope run UNIT``, which

- writes ``ROOT/results/results.json`` at once ("grading did not finish"), and makes the source,
  results and submission folders root-only;
- runs student code in the bubblewrap sandbox where it works, else as ``deepgrade-student``
  (no supplementary groups), and grades nothing if neither works: results.json then tells the
  instructor why, hidden from the student, and no grade is given;
- reads the submission from ``ROOT/submission`` (modules, a folder of them, or one zip),
- seeds every check from (unit key, unit, check, student) with the student taken from
  ``ROOT/submission_metadata.json`` (``users[0].email``, else ``users[0].id``): the instructor's
  own tools derive the same unit key, so every grade reproduces;
- writes the real results; checks that the time budget leaves unstarted are listed as not run,
  so a submission that runs out of time still gets the points it earned;
- logs for the instructor (on stdout, which students do not see) the isolation used and what the
  submission attempted: refused file accesses, crashes, processes and files it left behind,
  a results.json changed behind the grader's back.

``ROOT`` is ``/autograder`` unless ``$DEEPGRADE_GRADESCOPE_ROOT`` says otherwise (tests lay out
a temporary root the way Gradescope does); ``$DEEPGRADE_ONLY`` (comma-separated checks, exercises
or modules) grades part of the suite, for tests and debugging.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from . import seeds
from .course import ROOT as REPO

DEFAULT_TIME_LIMIT = 600.0  # Gradescope's per-submission limit as set on the assignment (seconds)
MARGIN = 20.0               # seconds kept back to write results.json
BUNDLED = ("autograder",)
SKIP = ("__pycache__", ".pyc", ".ipynb_checkpoints")
KEY_FILE = Path(".deepgrade") / "unit_key"
EXTRA_REQUIREMENTS = ("scipy>=1.11",)  # checks/statistics.py (units 3 and 10) imports it
PIP_ARGS = "--extra-index-url https://download.pytorch.org/whl/cpu"  # CPU-only torch wheels

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
#
# What it assumes of Gradescope's image (Ubuntu 22.04, the default base image): it runs as root
# with network access; apt-get reaches Ubuntu's archive (main and universe); useradd exists; the
# bundle is unzipped in $ROOT/source; run_autograder will run as root.
#
# What it installs and changes:
#   - bubblewrap, the sandbox preferred for student code (it needs user namespaces, which an
#     unprivileged container may forbid; the grader then falls back to the user below);
#   - Python 3.11 and its venv module from Ubuntu's archive where the image's python3 is older
#     (22.04 ships 3.10);
#   - a virtual environment in $ROOT/venv with requirements.txt (numpy, scipy, sympy, hypothesis,
#     CPU-only torch from PyTorch's wheel index for the units whose grading uses it), readable by every user;
#   - the user deepgrade-student (system user: no home, no login shell, no supplementary groups)
#     that runs student code where bubblewrap cannot;
#   - $ROOT/source (the engine, the instructor-only answer keys, the unit's reference, the unit
#     key) owned by root and readable by root only (folders 700, files 600).
set -euo pipefail
ROOT="${DEEPGRADE_GRADESCOPE_ROOT:-/autograder}"
STUDENT="${DEEPGRADE_STUDENT_USER:-deepgrade-student}"
PIP_ARGS="${DEEPGRADE_PIP_ARGS:-%(pip_args)s}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq bubblewrap >/dev/null || echo "setup.sh: no bubblewrap; student code will run as $STUDENT"
PY=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  apt-get install -y -qq python3.11 python3.11-venv >/dev/null
  PY=python3.11
fi
"$PY" -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install -q --upgrade pip
# shellcheck disable=SC2086
"$ROOT/venv/bin/pip" install -q $PIP_ARGS -r "$ROOT/source/requirements.txt"
chmod -R a+rX "$ROOT/venv"
id -u "$STUDENT" >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /nonexistent \
  --shell /usr/sbin/nologin "$STUDENT"
chown -R root:root "$ROOT/source"
find "$ROOT/source" -type d -exec chmod 700 {} +
find "$ROOT/source" -type f -exec chmod 600 {} +
chmod 700 "$ROOT/source/run_autograder" "$ROOT/source/setup.sh"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this, as root, for every submission; it always leaves a results.json behind.
ROOT="${{DEEPGRADE_GRADESCOPE_ROOT:-/autograder}}"
PY="${{DEEPGRADE_PYTHON:-$ROOT/venv/bin/python}}"
export DEEPGRADE_TIME_LIMIT="${{DEEPGRADE_TIME_LIMIT:-{time_limit:g}}}"
cd "$ROOT/source"
exec "$PY" -m autograder.gradescope run {unit} --root "$ROOT"
"""

README = """# deepgrade autograder for {unit}

Upload this zip as the assignment's autograder on Gradescope (Ubuntu 22.04 base image).
`setup.sh` says, at its top, what it assumes of the image and what it installs.

- Student code runs in the bubblewrap sandbox where the container allows it, else as the
  unprivileged user `deepgrade-student`, which cannot read this folder (root-only after setup).
  If neither works, no submission is graded: each gets a hidden results.json that says why.
- This bundle carries the key of {unit} only, HMAC(course salt, unit), never the course salt:
  `autograder grade --submission-id EMAIL` on the instructor's machine reproduces a grade.
- What each submission attempted (refused file accesses, crashes, leftovers) is in the
  autograder output on Gradescope, which students do not see.
"""


# ---------------------------------------------------------------- building the bundle
def requirements(unit: str, root: Path = REPO) -> str:
    """The bundle's requirements.txt for ``unit``: the project's dependencies plus what the suites
    import, without torch for a unit whose grading never imports it (a 200 MB wheel less in the image)."""
    import tomllib

    from . import units
    from .release import is_torch

    deps = list(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"])
    deps = [d for d in deps if unit in units.GRADER_TORCH or not is_torch(d)]
    names = {re.split(r"[<>=!~ \[]", d, maxsplit=1)[0].lower() for d in deps}
    deps += [d for d in EXTRA_REQUIREMENTS if re.split(r"[<>=!~ ]", d, maxsplit=1)[0] not in names]
    return "\n".join(deps) + "\n"


def bundle(unit: str, out: Path, root: Path = REPO, time_limit: float = DEFAULT_TIME_LIMIT) -> Path:
    """Write the Gradescope autograder zip for ``unit`` (engine and keys, the unit's reference,
    the unit's key derived from the course salt)."""
    reference = root / "reference" / unit
    if not reference.is_dir():
        raise ValueError(f"no reference solution for {unit} at {reference}")
    files: dict[str, bytes] = {
        "setup.sh": (SETUP_SH % {"pip_args": PIP_ARGS}).encode(),
        "run_autograder": RUN_AUTOGRADER.format(unit=unit, time_limit=time_limit).encode(),
        "requirements.txt": requirements(unit, root).encode(),
        "README.md": README.format(unit=unit).encode(),
        KEY_FILE.as_posix(): (seeds.unit_key(seeds.course_salt(), unit) + "\n").encode(),
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
            info.external_attr = (0o700 if name in ("setup.sh", "run_autograder") else 0o600) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out


# ---------------------------------------------------------------- inside Gradescope
def student_of(metadata_path: Path) -> str:
    """The id that seeds this student's inputs: the first user's email, else their id."""
    try:
        metadata = json.loads(Path(metadata_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "anonymous"
    users = metadata.get("users") or [{}]
    user = users[0] if isinstance(users[0], dict) else {}
    return str(user.get("email") or user.get("id") or metadata.get("id") or "anonymous")


def failure(unit: str, message: str) -> dict:
    """A results.json that gives 0 and says why (a usable file is always left behind)."""
    return {"score": 0.0, "output": f"{unit}: {message}", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": []}


def misconfigured(unit: str, why: str) -> dict:
    """A results.json for a submission this autograder refused to grade: hidden from the student
    (top-level visibility), so its 0 is never shown as a grade; the output tells the instructor why."""
    return {"score": 0.0, "visibility": "hidden", "stdout_visibility": "hidden", "tests": [],
            "output": (f"NOT GRADED: the autograder of {unit} is misconfigured, so it ran nothing of this "
                       f"submission. Why: {why}. Instructor: fix the autograder (see setup.sh in the bundle), "
                       "then regrade all submissions; this score is not a grade."),
            "extra_data": {"unit": unit, "misconfigured": why}}


def write_results(path: Path, data: dict):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def log(message: str):
    """A line for the instructor: Gradescope shows the autograder's stdout to staff only."""
    print(f"deepgrade: {message}", flush=True)


def protect(root: Path) -> None:
    """Make the bundle, the results and the submission root-only (setup.sh did the source already;
    the results and submission folders are Gradescope's, made per submission)."""
    if os.geteuid() != 0:
        return
    for path, mode in ((root / "source", 0o700), (root / "source" / KEY_FILE, 0o600), (root / "results", 0o700),
                       (root / "submission", 0o700), (root / "submission_metadata.json", 0o600)):
        try:
            os.chown(path, 0, 0)
            os.chmod(path, mode)
        except FileNotFoundError:
            pass


def secrets(root: Path) -> list[Path]:
    """What student code must never read."""
    return [root / "source", root / "source" / KEY_FILE, root / "source" / "reference", root / "results",
            root / "submission", root / "submission_metadata.json"]


def choose_launcher(root: Path):
    """``(launcher, None)``: the bubblewrap sandbox where it runs, else the unprivileged user;
    ``(None, why)`` where neither can run student code safely."""
    from . import student_user
    from .sandbox import launchers

    problem = launchers.sandbox_problem()
    if not problem:
        from .sandbox.bwrap import BwrapLauncher

        return BwrapLauncher(), None
    why = student_user.problem(secrets(root))
    if why is None:
        return student_user.UserLauncher(student_user.user()), None
    return None, (f"bubblewrap cannot run here ({problem}), and student code cannot run as an unprivileged "
                  f"user: {why}")


DENIED = re.compile(r"Permission denied|Operation not permitted|PermissionError")
EXPLAINED = ("\n(Submissions cannot read or change files outside their own folder, reach the network, or "
             "signal other processes; such attempts fail and are logged for your instructor.)")
ATTEMPTS = re.compile(r"Permission denied|Operation not permitted|PermissionError|No such file|exited the worker|"
                      r"out of protocol|out of turn|did not finish within|MemoryError|OSError|No space left")


def explain(data: dict) -> dict:
    """Tell the student, in plain words, why a refused access failed their check."""
    for test in data.get("tests", []):
        if DENIED.search(test.get("output", "")) and EXPLAINED not in test["output"]:
            test["output"] += EXPLAINED
    return data


def log_attempts(data: dict):
    for test in data.get("tests", []):
        text = test.get("output", "")
        if ATTEMPTS.search(text):
            first = " | ".join(line.strip() for line in text.splitlines()[:3] if line.strip())
            log(f"attempt in {test['name']}: {first[:400]}")


def run(unit: str, root: Path) -> dict:
    """Grade ``ROOT/submission`` and write ``ROOT/results/results.json``; returns what was written."""
    from . import units
    from .sandbox.pool import Pool

    results = root / "results" / "results.json"
    first = failure(unit, "grading did not finish (the autograder was stopped before it wrote any result); "
                          "please tell your instructor")
    write_results(results, first)
    protect(root)
    launcher, why = choose_launcher(root)
    key_file = root / "source" / KEY_FILE
    if launcher is not None and not key_file.is_file():
        launcher, why = None, f"the bundle carries no unit key ({KEY_FILE}); rebuild it with autograder gradescope"
    if launcher is None:
        data = misconfigured(unit, why)
        log(f"MISCONFIGURED, nothing graded: {why}")
        write_results(results, data)
        return data
    log(f"student code runs in: {launcher.isolation}")
    pool = Pool(launcher, preloads=(units.preload(unit),), refill=False)  # it starts while the grader imports
    try:
        data, report = grade(unit, root, launcher, pool, key_file.read_text(encoding="utf-8").strip())
    finally:
        pool.close()
    log_attempts(data)
    if report is not None:  # a test with plots or printed output is offered as HTML (output_format)
        from . import report_html

        report_html.gradescope_html(data, report)
    try:
        if json.loads(results.read_text(encoding="utf-8")) != first:
            log("results.json was changed during grading by something other than the grader; overwritten")
    except (OSError, ValueError):
        log("results.json was removed or corrupted during grading; written again")
    write_results(results, data)
    return data


def grade(unit: str, root: Path, launcher, pool, salt: str):
    """``(the Gradescope results, the Report or None)`` of ``ROOT/submission``, graded within the
    time limit (partial results left by a watchdog past it), its plots drawn, the submission's
    leftovers cleaned up."""
    from . import report_pages, runner, student_user
    from .submission import SubmissionError
    from .suite import load_suite

    limit = float(os.environ.get("DEEPGRADE_TIME_LIMIT", DEFAULT_TIME_LIMIT))
    suite = load_suite(unit)
    longest = max((c.timeout for c in suite.checks), default=0.0)
    budget = max(limit - longest - MARGIN, 0.0)
    latest: dict = {}  # the partial results so far, for the watchdog
    _watchdog(root / "results" / "results.json", unit, limit - MARGIN / 2, latest)
    student = student_of(root / "submission_metadata.json")
    report = None
    drawer = report_pages.Drawer()  # the plots shown with the results, drawn while later checks run

    def on_result(partial):
        latest.update(results=partial.gradescope())
        drawer.add(partial.results[-1])
    with tempfile.TemporaryDirectory(prefix="deepgrade-") as work:
        try:
            found = locate(root / "submission", unit)
            only = [name for name in os.environ.get("DEEPGRADE_ONLY", "").split(",") if name] or None
            report = runner.grade(found.write(Path(work) / unit), unit, only=only, submission_id=student, salt=salt,
                                  budget=budget, launcher=launcher, pool=pool, on_result=on_result)
            report.output = found.summary(report)
            data = explain(report.gradescope())
        except SubmissionError as exc:
            data = failure(unit, f"your submission could not be graded: {exc}")
        except Exception as exc:  # never leave Gradescope without a results.json
            log(f"internal error: {type(exc).__name__}: {exc}")
            data = failure(unit, f"internal grader error ({type(exc).__name__}: {exc}); please tell your instructor")
        finally:
            drawer.finish()
            if isinstance(launcher, student_user.UserLauncher):
                for event in launcher.events:
                    log(event)
                killed = student_user.kill_processes(launcher.user.pw_uid)
                left = student_user.remove_files(launcher.user.pw_uid)
                if killed:
                    log(f"killed {killed} process(es) the submission left running")
                if left:
                    log(f"removed {len(left)} file(s) the submission left behind: {', '.join(left[:5])}"
                        + (" ..." if len(left) > 5 else ""))
    return data, report


def locate(submission: Path, unit: str):
    """What to grade in Gradescope's submission folder: the shared intake (files, folders at any
    depth, a zip Gradescope did not unpack, the unit's notebook; debris ignored)."""
    from .submission import intake

    return intake(submission, unit)


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
    from .cli import safe_streams

    safe_streams()  # a log line naming a student's file never fails under LC_ALL=C
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="grade the submission in a Gradescope root")
    p.add_argument("unit")
    p.add_argument("--root", type=Path, default=Path(os.environ.get("DEEPGRADE_GRADESCOPE_ROOT", "/autograder")))
    args = parser.parse_args(argv)
    started = time.monotonic()
    data = run(args.unit, args.root)
    if data.get("extra_data", {}).get("misconfigured"):
        print(f"{args.unit}: not graded (misconfigured)")
    else:
        print(f"{args.unit}: {data['score']:g} points in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    from .cli import exit_now

    exit_now(main())
