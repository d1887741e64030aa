"""A Gradescope root for tests: the bundle unzipped in source/, a submission, results/, run as root.

``layout`` lays out ``/autograder`` the way Gradescope does, in a folder every user can traverse
(as the real ``/autograder`` is), so file permissions, not the test's temporary folder, are what
keeps student code out. ``shared_python`` is an interpreter the unprivileged student user can run
(the project's venv lives under /root, which only root may enter). ``student_user`` creates (or
reuses) a test user per pytest-xdist worker, so parallel tests never kill each other's workers.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .support import ROOT, linked_venv

NO_BWRAP_PATH = "/nonexistent-deepgrade-bin"  # a PATH without bwrap (python and bash are given by absolute path)


def build_bundle(out: Path, unit: str, salt: str) -> Path:
    env = {**os.environ, "DEEPGRADE_SALT": salt}
    subprocess.run([sys.executable, "-m", "autograder.cli", "gradescope", unit, str(out)], check=True, env=env,
                   capture_output=True, cwd=ROOT)
    return out


def layout(base: Path, bundle: Path, submission: Path, unit: str, email: str = "ada@example.edu") -> Path:
    """/autograder as Gradescope lays it out: source/ (the unzipped bundle), submission/,
    submission_metadata.json, results/, and run_autograder copied to the root; as the bundle's
    setup.sh leaves it (source root-only)."""
    root = base / "autograder"
    root.mkdir(parents=True)
    os.chmod(base, 0o755)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    for path in (root / "source").rglob("*"):
        os.chmod(path, 0o700 if path.is_dir() or path.name in ("setup.sh", "run_autograder") else 0o600)
    os.chmod(root / "source", 0o700)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    shutil.copytree(submission, root / "submission")
    (root / "results").mkdir()
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 123456, "created_at": "2026-03-01T14:22:32.365935-07:00", "assignment": {"title": unit},
        "submission_method": "upload", "users": [{"email": email, "id": 1234, "name": "Ada"}],
        "previous_submissions": []}))
    return root


def run_autograder(root: Path, python: str | None = None, timeout: float = 300, **env) -> tuple[dict, str]:
    """Run ``root/run_autograder`` as Gradescope does; (results.json, the instructor's log)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DEEPGRADE")},
           "DEEPGRADE_GRADESCOPE_ROOT": str(root), "DEEPGRADE_PYTHON": python or sys.executable, **env}
    done = subprocess.run(["/bin/bash", str(root / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text()), done.stdout + done.stderr


def student_user() -> str:
    """A test user (created once, reused): what setup.sh's deepgrade-student is on Gradescope."""
    name = "dg-test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", name], check=True, capture_output=True)
    return name


def shared_python(folder: Path) -> str:
    """A venv under ``folder`` on the system's /usr/bin/python3.11 (any user can run it) that sees
    the project's packages: numpy hard-linked (the sandbox cannot follow links out of its binds),
    the rest symlinked (only the grader, as root, imports them)."""
    venv = folder / "venv"
    base = "/usr/bin/python3.11" if os.path.exists("/usr/bin/python3.11") else sys.executable
    python = linked_venv(venv, base)
    for path in [folder, *venv.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, path.stat().st_mode | (0o755 if path.is_dir() else 0o644))
    return str(python)


def public_tmp(prefix: str) -> Path:
    """A fresh folder under /var/tmp (the sandbox mounts its own /tmp, hiding what lies there)."""
    return Path(tempfile.mkdtemp(dir="/var/tmp", prefix=prefix))
