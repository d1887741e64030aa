"""Seeds derive from (course salt, unit, check, submission id): reproducible, unpredictable.

The salt is the instructor's secret: ``$DEEPGRADE_SALT``, else ``.deepgrade/salt`` in the
instructor's course directory (created on first use, git-ignored, never released). A student's
self-check has no salt and uses a public one: its inputs are fresh, never the graded ones.

Grading seeds one unit from that unit's key, HMAC(course salt, unit) (:func:`unit_salt`): a
Gradescope bundle carries only its unit's key, so a leaked bundle reveals no other unit's inputs,
and the instructor's own tools derive the same key, so every grade reproduces anywhere.
"""
from __future__ import annotations

import hashlib
import hmac
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
        return path.read_text(encoding="utf-8").strip()
    if not create:
        return PUBLIC_SALT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets.token_hex(16) + "\n", encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def unit_key(salt: str, unit: str) -> str:
    """The salt one unit's grading uses: HMAC-SHA256(course salt, unit), in hex."""
    return hmac.new(salt.encode(), unit.encode(), hashlib.sha256).hexdigest()


def unit_salt(unit: str, course_dir: Path | None = None, create: bool = True) -> str:
    """The key of ``unit`` derived from the course salt (the public salt stays as it is)."""
    salt = course_salt(course_dir, create)
    return salt if salt == PUBLIC_SALT else unit_key(salt, unit)


def derive_seed(salt: str, unit: str, check: str, submission_id: str) -> int:
    """A 63-bit seed; any change of salt, unit, check or submission id changes it."""
    digest = hashlib.sha256("\x1f".join((salt, unit, check, submission_id)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def fresh_submission_id() -> str:
    return "run-" + secrets.token_hex(6)
