"""Seeds derive from (course salt, unit, check, submission id): reproducible, unpredictable.

The salt is the instructor's secret: ``$DEEPGRADE_SALT``, else ``.deepgrade/salt`` in the
instructor's course directory (created on first use, git-ignored, never released). A student's
self-check has no salt and uses a public one: its inputs are fresh, never the graded ones.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

PUBLIC_SALT = "public-self-check"
SALT_FILE = Path(".deepgrade") / "salt"


def course_salt(course_dir: Path | None = None, create: bool = True) -> str:
    if os.environ.get("DEEPGRADE_SALT"):
        return os.environ["DEEPGRADE_SALT"]
    path = (course_dir or Path.cwd()) / SALT_FILE
    if path.exists():
        return path.read_text().strip()
    if not create:
        return PUBLIC_SALT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets.token_hex(16) + "\n")
    return path.read_text().strip()


def derive_seed(salt: str, unit: str, check: str, submission_id: str) -> int:
    """A 63-bit seed; any change of salt, unit, check or submission id changes it."""
    digest = hashlib.sha256("\x1f".join((salt, unit, check, submission_id)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def fresh_submission_id() -> str:
    return "run-" + secrets.token_hex(6)
