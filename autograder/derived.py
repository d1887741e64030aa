"""Results of a unit's reference that are the same in every grading, kept beside the reference.

Some checks compare with a result of the reference that none of their inputs change, such as
unit 5's meta-device summaries of the classic networks. Computing those costs a cold grading
0.7 s of CPU: the meta device imports sympy, and four networks are built. A suite registers each
such computation with :meth:`autograder.suite.Suite.derive`.

``autograder stubs`` writes the results to ``reference/<unit>/.derived.json``, each with a digest
of everything it depends on: the reference's modules, the module that computes it, the suite's
drivers and torch's version. A grader reads a result from that file while the digest is still the
same, and computes it again otherwise. The file is instructor-side: ``reference/`` never ships to
students, and stubs skip dotfiles. A Gradescope bundle carries it with the unit's reference.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import sys
import threading
from pathlib import Path

from .course import ROOT

FILE = ".derived.json"


def digest(suite, reference, fn) -> str:
    """What ``fn(reference)`` depends on, digested: the reference package's modules, ``fn``'s own
    module, the suite's drivers and, where torch is imported, its version."""
    h = hashlib.sha256()
    for path in sorted(Path(reference.__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(Path(inspect.getsourcefile(fn)).read_bytes() + b"\0")
    for name, source in sorted(suite.drivers.items()):
        h.update(f"{name}\0{source}\0".encode())
    torch = sys.modules.get("torch")
    h.update(getattr(torch, "__version__", "").encode())
    return h.hexdigest()


_KNOWN: dict[tuple, object] = {}  # (fn, digest) -> its result, once per process
_LOCK = threading.Lock()  # a warm-up thread and a check never read or compute one twice at once


def value(suite, reference, name: str):
    """``suite.derived[name](reference)``, read from the reference's :data:`FILE` where its digest
    matches, computed otherwise; once per process (a warm-up may ask first: :meth:`Suite.warmup`)."""
    fn = suite.derived[name]
    with _LOCK:
        known = digest(suite, reference, fn)
        if (fn, known) not in _KNOWN:
            stored = _stored(reference).get(name)
            fresh = stored is not None and stored.get("digest") == known
            _KNOWN[fn, known] = stored["value"] if fresh else fn(reference)
        return _KNOWN[fn, known]


def _stored(reference) -> dict:
    path = Path(reference.__file__).parent / FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def text(suite, reference) -> str:
    """The content of the reference's :data:`FILE`: each derived result, computed now, with its digest."""
    table = {}
    for name, fn in suite.derived.items():
        result = fn(reference)
        table[name] = {"digest": digest(suite, reference, fn), "value": result}
    return json.dumps(table, indent=1) + "\n"


def _units(root: Path):
    """(unit, suite, reference package, file) of each unit whose suite derives results (the
    reference imported as the grader imports it, from ``reference`` on the path)."""
    from .runner import import_reference
    from .suite import load_suite, unit_names

    for unit in unit_names():
        suite = load_suite(unit)
        reference = import_reference(suite) if suite.derived else None
        if reference is not None:
            yield unit, suite, reference, root / "reference" / unit / FILE


def write(root: Path = ROOT) -> list[Path]:
    """Write each unit's :data:`FILE` (where its suite derives results); returns the files written."""
    written = []
    for _, suite, reference, path in _units(root):
        path.write_text(text(suite, reference), encoding="utf-8")
        written.append(path)
    return written


def stale(root: Path = ROOT) -> list[str]:
    """Those files that are missing or differ from what :func:`write` would write now."""
    return [str(path.relative_to(root)) for _, suite, reference, path in _units(root)
            if not path.is_file() or path.read_text(encoding="utf-8") != text(suite, reference)]
