"""Seeds derive from (course salt, unit, check, submission id): reproducible, unpredictable.

The salt is the instructor's secret, found the same way from any directory:

1. ``$DEEPGRADE_SALT`` (the salt itself), else
2. the file ``$DEEPGRADE_SALT_FILE``, else
3. the file ``.deepgrade/salt`` in the course root: the folder that holds the ``autograder``
   package (this repository; git-ignored, never released).

Nothing creates it silently: ``autograder salt --create`` writes a new one and prints where.
Official grading without a salt is an error that says how to create one. A student's self-check
has no salt and uses :data:`PUBLIC_SALT`: its inputs are fresh, never the graded ones.

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
COURSE_ROOT = Path(__file__).resolve().parent.parent


class SaltMissing(ValueError):
    """Official grading needs the course salt, and there is none."""


def salt_path() -> Path:
    """The salt file this installation reads: ``$DEEPGRADE_SALT_FILE``, else the course root's."""
    if os.environ.get("DEEPGRADE_SALT_FILE"):
        return Path(os.environ["DEEPGRADE_SALT_FILE"]).expanduser().resolve()
    return COURSE_ROOT / SALT_FILE


def salt_source() -> str:
    """Where :func:`course_salt` reads the salt from, in words (never the salt itself)."""
    if os.environ.get("DEEPGRADE_SALT"):
        return "$DEEPGRADE_SALT"
    return str(salt_path())


def course_salt(*, fallback: str | None = None, create: bool | None = None) -> str:
    """The course salt; ``fallback`` where there is none, else :class:`SaltMissing`.

    ``create`` is kept for old callers and creates nothing: ``create=False`` means
    ``fallback=PUBLIC_SALT`` (a self-check), anything else means the salt is required.
    """
    if create is False and fallback is None:
        fallback = PUBLIC_SALT
    if os.environ.get("DEEPGRADE_SALT"):
        return os.environ["DEEPGRADE_SALT"]
    path = salt_path()
    if path.is_file():
        salt = path.read_text(encoding="utf-8").strip()
        if salt:
            return salt
    if fallback is not None:
        return fallback
    raise SaltMissing(f"no course salt (looked for $DEEPGRADE_SALT, then {path}); create one with "
                      "`autograder salt --create`, or set $DEEPGRADE_SALT or $DEEPGRADE_SALT_FILE")


def create_salt() -> Path:
    """Write a new random salt to :func:`salt_path` (mode 0600); refuses to replace one."""
    path = salt_path()
    if path.exists():
        raise ValueError(f"a course salt already exists in {path}; replacing it would change every "
                         "regrade, so remove it by hand if you really mean to")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_hex(16) + "\n")
    return path


def unit_key(salt: str, unit: str) -> str:
    """The salt one unit's grading uses: HMAC-SHA256(course salt, unit), in hex."""
    return hmac.new(salt.encode(), unit.encode(), hashlib.sha256).hexdigest()


def unit_salt(unit: str, *, fallback: str | None = None, create: bool | None = None) -> str:
    """The key of ``unit`` derived from the course salt (a fallback such as the public salt stays as
    it is); ``fallback`` and ``create`` as in :func:`course_salt`."""
    salt = course_salt(fallback=fallback, create=create)
    return salt if salt in (PUBLIC_SALT, fallback) else unit_key(salt, unit)


def derive_seed(salt: str, unit: str, check: str, submission_id: str) -> int:
    """A 63-bit seed; any change of salt, unit, check or submission id changes it."""
    digest = hashlib.sha256("\x1f".join((salt, unit, check, submission_id)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def fresh_submission_id() -> str:
    return "run-" + secrets.token_hex(6)
