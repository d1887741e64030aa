"""Public test vectors: the reference's answers on fixed inputs, shipped as data, never as code.

When the release is built (:func:`record`), every instructor-only value check of a unit (one
that computes a key, or compares with the reference) runs with the reference as the student,
in a plain worker (reference code is trusted), under a fixed public seed. Each call into a
student function whose arguments and result are plain data (arrays, tensors, numbers, strings,
tuples, lists, dicts; no handles to objects in the worker) is recorded, and so is the type of
error where the reference raised one. Calls whose answer changes from one run to the next are
dropped. They are stored per unit as ``autograder/public/<unit>.json`` (the calls, in the wire
format) and ``<unit>.npz`` (their arrays), beside the release's code.

The self-check replays them (:func:`checks`): one public check per function with vectors,
"activations.sigmoid: public test vectors", calls the student's function with the stored inputs
and compares with the stored outputs (exact for integers and booleans, :data:`RTOL` for floats,
scaled by the answer's magnitude). Only the self-check runs them; official grading uses fresh
inputs and the full suite.

In the repository (no release), the vectors are computed from the reference on first use and
cached outside the tree (``$DEEPGRADE_CACHE`` or ``~/.cache/deepgrade``), keyed by a hash of the
code they come from. A check tagged ``"no-vectors"`` contributes none (an exercise whose right
answers are many: a basis, a sign convention, a sample).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import time
from pathlib import Path

import numpy as np

from .checks import compare
from .sandbox import wire
from .sandbox.worker_process import StudentError
from .suite import Check, Suite, load_suite

PUBLIC = Path(__file__).parent / "public"
SALT = "public-test-vectors"
SUBMISSION = "public-test-vectors"
MAX_CALLS = 8              # per function
MAX_ELEMENTS = 20_000      # array entries in one call, arguments and answer together
MAX_SECONDS = 2.0          # a slower call (a training run) is left to the checks themselves
MAX_UNIT_BYTES = 4 << 20   # the arrays of one unit
RTOL = {np.dtype("float64"): 1e-7, np.dtype("float32"): 1e-4}  # STRICT: a different, stable formula
ATOL = {np.dtype("float64"): 1e-9, np.dtype("float32"): 1e-6}  # times max(1, |largest expected entry|)
TAG = "public-vectors"
NO_VECTORS = "no-vectors"


def instructor_only(check: Check) -> bool:
    """Checks the release does not run: answer keys, and comparisons with the reference."""
    return not check.ships or check.needs_reference


# ---------------------------------------------------------------- plain data
def _size(value, depth: int = 0) -> int | None:
    """Array entries in ``value``, or None if it is not plain, finite data."""
    if depth > 6:
        return None
    if value is None or type(value) in (bool, int, str):
        return 1
    if type(value) is float:
        return 1 if np.isfinite(value) else None
    if type(value) in (np.ndarray, wire.Tensor):
        array = value if type(value) is np.ndarray else value.array
        if array.dtype.kind not in "biuf" or (array.dtype.kind == "f" and not np.all(np.isfinite(array))):
            return None
        return max(array.size, 1)
    if type(value) in (list, tuple) or (type(value) is dict and all(type(k) is str for k in value)):
        sizes = [_size(v, depth + 1) for v in (value.values() if type(value) is dict else value)]
        return None if None in sizes else sum(sizes) + 1
    return None


def _copy(value):
    if type(value) is np.ndarray:
        return value.copy()
    if type(value) is wire.Tensor:
        return wire.Tensor(value.array.copy(), value.requires_grad)
    if type(value) in (list, tuple):
        return type(value)(_copy(v) for v in value)
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------- recording
class Recorder:
    """Wraps a session: forwards every call, and keeps the plain ones with their answers."""

    def __init__(self, session):
        self.session = session
        self.calls: dict[str, list[dict]] = {}
        self.seen: set[str] = set()

    def __getattr__(self, name):
        return getattr(self.session, name)

    def _keep(self, target: str, args, kwargs, outcome: dict):
        if target.startswith("driver:") or len(self.calls.get(target, [])) >= MAX_CALLS:
            return
        size = _size([list(args), dict(kwargs), outcome.get("value")])
        if size is None or size > MAX_ELEMENTS:
            return
        blobs: list = []
        entry = {"args": wire.encode(list(args), blobs), "kwargs": wire.encode(dict(kwargs), blobs),
                 **({"value": wire.encode(outcome["value"], blobs)} if "value" in outcome else
                    {"raises": outcome["raises"]})}
        digest = hashlib.sha256(json.dumps([target, entry["args"], entry["kwargs"]]).encode()
                                + b"".join(np.ascontiguousarray(b).tobytes() for b in blobs)).hexdigest()
        if digest not in self.seen:
            self.seen.add(digest)
            self.calls.setdefault(target, []).append({**entry, "blobs": blobs})

    def call(self, target, args, kwargs, handle=None):
        saved = (_copy(args), _copy(kwargs))
        began = time.monotonic()
        try:
            value = self.session.call(target, args, kwargs, handle)
        except StudentError as exc:
            if handle is None and exc.kind == "error" and exc.error_type and time.monotonic() - began < MAX_SECONDS:
                self._keep(target, *saved, {"raises": exc.error_type})
            raise
        if handle is None and time.monotonic() - began < MAX_SECONDS:
            self._keep(target, *saved, {"value": value})
        return value

    def batch(self, target, arg_lists, kwargs=None):
        saved = [_copy(a) for a in arg_lists]
        began = time.monotonic()
        values = self.session.batch(target, arg_lists, kwargs)
        if (time.monotonic() - began) / max(len(values), 1) < MAX_SECONDS:
            for args, value in zip(saved, values):
                self._keep(target, tuple(args), _copy(kwargs or {}), {"value": value})
        return values


def record(unit: str, launcher=None) -> dict:
    """Run ``unit``'s instructor-only value checks against the reference; the recorded calls as
    ``{"unit", "functions": {target: {"exercise", "calls": [...]}}}`` with arrays in ``blobs``."""
    from . import runner, seeds
    from .course import ROOT

    suite = load_suite(unit)
    reference = runner.load_reference(suite)
    if reference is None:
        raise ValueError(f"no reference for {unit}: public test vectors come from it")
    folder = ROOT / "reference" / unit
    session = runner.open_session(folder, suite, launcher=launcher)
    recorder = Recorder(session)
    exercise_of: dict[str, str] = {}
    exercises = {c.exercise for c in suite.checks}
    try:
        for check in suite.checks:
            if not instructor_only(check) or NO_VECTORS in check.tags:
                continue
            before = {t: len(c) for t, c in recorder.calls.items()}
            seed = seeds.derive_seed(SALT, unit, check.name, SUBMISSION)
            result = runner.run_check(check, "", recorder, reference, seed)
            if result.status != "passed" or result.skipped:  # the reference must pass what it records
                for target, calls in recorder.calls.items():
                    del calls[before.get(target, 0):]
                continue
            for target in recorder.calls:
                if len(recorder.calls[target]) > before.get(target, 0):
                    exercise_of.setdefault(target, target if target in exercises else check.exercise)
    finally:
        session.close()
    functions = {t: {"exercise": exercise_of[t], "calls": c} for t, c in recorder.calls.items() if c and t in exercise_of}
    _drop_unsteady(suite, folder, functions, launcher)
    return {"unit": unit, "functions": {t: f for t, f in functions.items() if f["calls"]}}


def _drop_unsteady(suite: Suite, folder: Path, functions: dict, launcher):
    """Replay every call on the reference in a fresh worker; drop those whose answer changed."""
    from . import runner

    session = runner.open_session(folder, suite, launcher=launcher)
    try:
        for target, entry in functions.items():
            kept = []
            for call in entry["calls"]:
                try:
                    _replay(session, target, call, rtol_scale=1e-3)
                except (compare.CheckFailure, StudentError):
                    continue
                kept.append(call)
            entry["calls"] = kept
    finally:
        session.close()


# ---------------------------------------------------------------- storage
def save(vectors: dict, folder: Path) -> tuple[Path, Path]:
    """Write ``<unit>.json`` and ``<unit>.npz`` into ``folder``; arrays beyond MAX_UNIT_BYTES are cut."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    total = 0
    functions = {}
    for target, entry in sorted(vectors["functions"].items()):
        calls = []
        for call in entry["calls"]:
            size = sum(b.nbytes for b in call["blobs"])
            if total + size > MAX_UNIT_BYTES:
                continue
            total += size
            first = len(arrays)
            for i, blob in enumerate(call["blobs"]):
                arrays[f"b{first + i}"] = blob
            calls.append({k: v for k, v in call.items() if k != "blobs"} | {"first": first, "count": len(call["blobs"])})
        if calls:
            functions[target] = {"exercise": entry["exercise"], "calls": calls}
    unit = vectors["unit"]
    index = folder / f"{unit}.json"
    data = folder / f"{unit}.npz"
    index.write_text(json.dumps({"unit": unit, "format": 1, "functions": functions}, indent=1) + "\n", encoding="utf-8")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    data.write_bytes(buffer.getvalue())
    return index, data


def read(folder: Path, unit: str) -> dict | None:
    index = folder / f"{unit}.json"
    if not index.is_file():
        return None
    meta = json.loads(index.read_text(encoding="utf-8"))
    with np.load(folder / f"{unit}.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    for entry in meta["functions"].values():
        for call in entry["calls"]:
            call["blobs"] = [arrays[f"b{call['first'] + i}"] for i in range(call["count"])]
    return meta


def _reference_here(unit: str) -> bool:
    """Whether ``reference/<unit>`` is importable here, found without importing it (a torch
    unit's reference would import torch into the self-check's process)."""
    import importlib.util

    try:
        return importlib.util.find_spec(f"reference.{unit}") is not None
    except ImportError:
        return False


def _source_digest(unit: str) -> str:
    from .course import ROOT

    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "reference" / unit).glob("*.py"), *(ROOT / "autograder").rglob("*.py")]):
        if "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def cache_folder() -> Path:
    return Path(os.environ.get("DEEPGRADE_CACHE") or Path.home() / ".cache" / "deepgrade") / "vectors"


def load(unit: str) -> dict | None:
    """The unit's vectors: shipped with the release, else from the cache, else recorded now from
    the reference (in the repository); None where neither vectors nor the reference are here."""
    shipped = read(PUBLIC, unit)
    if shipped is not None:
        return shipped
    if not _reference_here(unit):
        return None
    folder = cache_folder() / f"{unit}-{_source_digest(unit)}"
    cached = read(folder, unit)
    if cached is not None:
        return cached
    import shutil
    import tempfile

    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{unit}-"))
    save(record(unit), fresh)
    for stale in folder.parent.glob(f"{unit}-*"):  # vectors of code that changed since
        shutil.rmtree(stale, ignore_errors=True)
    try:
        fresh.rename(folder)
    except OSError:  # another process got there first
        shutil.rmtree(fresh, ignore_errors=True)
    return read(folder, unit)


# ---------------------------------------------------------------- replaying
def _tolerances(expected: np.ndarray) -> tuple[float, float]:
    dtype = expected.dtype if expected.dtype in RTOL else np.dtype("float64")
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    return RTOL[dtype], ATOL[dtype] * scale


def expect(actual, expected, name: str, rtol_scale: float = 1.0):
    """``actual`` matches ``expected`` (as recorded): same structure, exact integers and booleans,
    floats within :data:`RTOL`."""
    if type(expected) is wire.Tensor:
        if type(actual) is not wire.Tensor:
            raise compare.CheckFailure(f"{name} should be a torch tensor, but it is {compare.describe(actual)}")
        actual, expected = actual.array, expected.array
    if type(expected) is np.ndarray:
        if expected.dtype.kind in "biu":
            return compare.equal(actual, expected, name)
        rtol, atol = _tolerances(expected)
        return compare.close(actual, expected, name, rtol=rtol * rtol_scale, atol=atol * rtol_scale)
    if type(expected) in (tuple, list):
        if type(actual) not in (tuple, list) or len(actual) != len(expected):
            raise compare.CheckFailure(f"{name} should be a {type(expected).__name__} of length {len(expected)}, "
                                       f"but it is {compare.describe(actual)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            expect(a, e, f"{name}[{i}]", rtol_scale)
        return actual
    if type(expected) is dict:
        if type(actual) is not dict or set(actual) != set(expected):
            raise compare.CheckFailure(f"{name} should be a dict with keys {sorted(expected)}, "
                                       f"but it is {compare.describe(actual)}")
        for key in expected:
            expect(actual[key], expected[key], f"{name}[{key!r}]", rtol_scale)
        return actual
    if type(expected) is float:
        scale = max(1.0, abs(expected))
        return compare.close_scalar(actual, expected, name, rtol=1e-7 * rtol_scale, atol=1e-9 * scale * rtol_scale)
    return compare.equal(actual, expected, name)


def _replay(session, target: str, call: dict, rtol_scale: float = 1.0, number: int = 0):
    args = wire.decode(call["args"], call["blobs"])
    kwargs = wire.decode(call["kwargs"], call["blobs"])
    shown = f"{target}(...) on vector {number}" if number else target
    if "raises" in call:
        return compare.raises(lambda: session.call(target, tuple(args), kwargs), (call["raises"],), target,
                              f"on the inputs of vector {number}")
    return expect(session.call(target, tuple(args), kwargs), wire.decode(call["value"], call["blobs"]), shown,
                  rtol_scale)


def _vector_check(target: str, entry: dict) -> Check:
    calls = entry["calls"]

    def public_test_vectors(ctx):
        """The reference's answers on fixed public inputs, stored with the release."""
        session = ctx.student._session
        for number, call in enumerate(calls, 1):
            with ctx.case(f"vector {number}"):
                _replay(session, target, call, number=number)

    name = "public test vectors" if target == entry["exercise"] else f"public test vectors of {target}"
    return Check(name, public_test_vectors, entry["exercise"], 1.0, tags=(TAG,))


def checks(unit: str) -> list[Check]:
    """One public check per function with vectors (none where there are none)."""
    vectors = load(unit)
    if not vectors:
        return []
    return [_vector_check(target, entry) for target, entry in vectors["functions"].items()]


def summary(vectors: dict | None, suite: Suite) -> dict:
    """How much of a unit the vectors cover: functions, calls, exercises (of those with
    instructor-only checks)."""
    functions = (vectors or {}).get("functions", {})
    keyed = {c.exercise for c in suite.checks if instructor_only(c)}
    covered = {e["exercise"] for e in functions.values()} & keyed
    return {"functions": len(functions), "calls": sum(len(e["calls"]) for e in functions.values()),
            "exercises": len(covered), "instructor_only_exercises": len(keyed)}
