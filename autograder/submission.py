"""Submission intake: read a unit's modules from a folder, with limits, as plain text.

Only the modules the unit's suite names (and ``__init__.py``) are taken; they travel to the
worker inside its ``load`` request, so the worker never sees the submitted folder itself.
"""
from __future__ import annotations

from pathlib import Path

MAX_FILE_BYTES = 1 << 20


class SubmissionError(Exception):
    """The submission cannot be graded at all (a usage error, reported in one line)."""


def read_modules(path: Path, modules: list[str]) -> tuple[dict[str, str], list[str]]:
    """Return ``({file name: source}, [missing module names])`` for a unit folder."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"no such file or folder: {path}")
    if not path.is_dir():
        raise SubmissionError(f"{path} is not a folder of Python modules")
    files, missing = {}, []
    for module in ["__init__", *modules]:
        file = path / f"{module}.py"
        if not file.is_file() or file.is_symlink():
            if module != "__init__":
                missing.append(module)
            continue
        raw = file.read_bytes()
        if len(raw) > MAX_FILE_BYTES:
            raise SubmissionError(f"{file.name} is larger than {MAX_FILE_BYTES >> 20} MiB")
        files[file.name] = raw.decode("utf-8", "replace")
    if len(missing) == len(modules):
        raise SubmissionError(f"{path} holds none of the unit's modules ({', '.join(m + '.py' for m in modules)})")
    return files, missing
