"""The release guard against a renamed key: no function that ships passes an instructor-only check.

Every ``def`` in the released ``.py`` files (``autograder/`` without ``autograder/keys``, and
``assignments/``), top-level, nested or a method that takes no ``self``, and every top-level
class (by its constructor), is pasted into a copy of
the reference as the student's solution of every exercise whose signature it fits (the same
number of required positional arguments, or the same name), together with the rest of its
defining module (imports, helpers, constants), and graded against that exercise's
instructor-only value checks (keys, comparisons with the reference): none may pass.

To stay within about a minute: one sandboxed worker per unit holds every candidate module at
once (each behind a function, built on first use), and before each check a call binds the
candidate in its module's globals (the reference everywhere else; a check during which the
worker restarted, and so lost the binding, does not count). That worker knows no forbidden APIs (the
pasted modules use many; a sighting would score an exercise 0 and hide a passing key), and in it
``os._exit`` raises SystemExit, so a candidate that ends the process (batch's ``_die_with_parent``)
fails its call without costing a fresh worker. A candidate is graded only if it
first reproduces the exercise's public test vectors (the same calls those checks make, recorded
from the reference); for exercises without vectors (objects kept in the worker, slow calls), it
must first answer the checks' first call into the exercise like the reference does (an object;
data of the same structure; the same integer or string); that call is recorded on the reference
without running the rest of the check.

Only instructor-only checks are judged: in a unit whose keys still sit in shipping checks (not
split into ``autograder/keys`` yet), this guard cannot see them.
"""
from __future__ import annotations

import ast
import copy
import importlib
import inspect
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from autograder import release, runner, seeds, vectors
from autograder.sandbox.launchers import self_check_launcher
from autograder.sandbox.session import Session
from autograder.sandbox.worker_process import Limits, StudentError
from autograder.context import CheckFailure
from autograder.suite import load_suite, unit_names

from .support import ROOT

SKIPPED_FIRST_ARGS = ("self", "cls", "ctx")  # methods, and checks (they take a grading context)
BUDGET = 240.0  # seconds for the whole guard on a loaded 2-core machine


@dataclass(frozen=True)
class Candidate:
    path: str      # released file, relative to the repository
    name: str      # the function's own name
    key: str       # its name inside the pasted block
    required: int  # required positional arguments
    maximum: float  # positional arguments it accepts

    def fits(self, exercise_name: str, arity: int) -> bool:
        return self.name == exercise_name or self.required == arity <= self.maximum


def released_files() -> list[Path]:
    skipped = {ROOT / p for p in release.INSTRUCTOR_ONLY}
    files = []
    for top in release.COPIED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "__pycache__" in path.parts or any(path.is_relative_to(s) for s in skipped):
                continue
            if any(part.startswith(".") for part in path.relative_to(ROOT).parts):
                continue
            files.append(path)
    return files


def _is_stub(node: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n) for n in node.body)


def _arity(node: ast.FunctionDef) -> tuple[int, float]:
    positional = node.args.posonlyargs + node.args.args
    return len(positional) - len(node.args.defaults), float("inf") if node.args.vararg else len(positional)


def _guarded(node: ast.stmt) -> ast.stmt:
    return ast.Try(body=[node], handlers=[ast.ExceptHandler(type=ast.Name("BaseException"), name=None,
                                                           body=[ast.Pass()])], orelse=[], finalbody=[])


def _keeps(node: ast.stmt) -> bool:
    """Statements of a released module worth pasting (no own-package imports, no __main__ block)."""
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and node.module != "__future__" and not any(a.name == "*" for a in node.names) \
            and not (node.module or "").startswith(("autograder", "reference", "assignments"))
    if isinstance(node, ast.Import):
        return not any(a.name.startswith(("autograder", "reference", "assignments")) for a in node.names)
    if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
        return False
    return not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))


def paste(path: Path, index: int, rel: str | None = None) -> tuple[str, list[Candidate]]:
    """The whole module behind ``def _dg_block_<index>()`` returning its candidates by key."""
    tree = ast.parse(path.read_text())
    body: list[ast.stmt] = []
    candidates: list[Candidate] = []
    rel = rel or path.relative_to(ROOT).as_posix()
    top = set()
    for node in tree.body:
        if not _keeps(node):
            continue
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            node.decorator_list = []
            top.add(id(node))
        body.append(_guarded(node))
    for node in tree.body:  # classes: constructors fit exercises that are classes (an nn.Module)
        if isinstance(node, ast.ClassDef) and _keeps(node):
            init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
            required, maximum = _arity(init) if init else (1, 1.0)
            candidates.append(Candidate(rel, node.name, node.name, required - 1, maximum - 1))
    nested = 0
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef) or _is_stub(node):
            continue
        positional = node.args.posonlyargs + node.args.args
        if positional and positional[0].arg in SKIPPED_FIRST_ARGS:
            continue
        name = key = node.name
        if id(node) not in top:
            nested += 1
            node = copy.deepcopy(node)
            node.decorator_list = []
            key = node.name = f"_dg_nested_{nested}_{name}"
            body.append(_guarded(node))
        candidates.append(Candidate(rel, name, key, *_arity(node)))
    names = ast.parse(f"_dg_locals = locals()\nreturn {{k: _dg_locals.get(k) for k in {[c.key for c in candidates]!r}}}")
    block = ast.FunctionDef(name=f"_dg_block_{index}", args=ast.arguments([], [], None, [], [], None, []),
                            body=body + names.body, decorator_list=[], returns=None)
    source = ast.unparse(ast.fix_missing_locations(ast.Module([block], [])))
    compile(source, rel, "exec")
    return source, candidates


DISPATCH = '''
_DG_BLOCKS = {blocks}
_DG_BUILT = {{}}
_DG_ORIGINALS = {{name: globals()[name] for name in {names!r}}}


def _dg_exit(status=0):
    raise SystemExit(status)


__import__("os")._exit = _dg_exit  # a candidate that ends the process fails its call, the worker lives


def deepgrade_select(choices):
    """Bind each of {{function: [block, key]}} to that candidate; every other one to the reference."""
    globals().update(_DG_ORIGINALS)
    for name, (block, key) in choices.items():
        if block not in _DG_BUILT:
            _DG_BUILT[block] = _DG_BLOCKS[block]()
        if _DG_BUILT[block].get(key) is None:
            raise RuntimeError("deepgrade guard: the candidate did not build")
        globals()[name] = _DG_BUILT[block][key]
    return True


def deepgrade_alarm(seconds):
    """Arm a timer that raises TimeoutError in whatever runs when it expires (0 disarms it)."""
    import signal
    def expire(*_):
        raise TimeoutError("deepgrade guard: the probe ran past its time")
    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    return True


def deepgrade_built(choices):
    """Those of [[block, key], ...] that build (their block runs and defines the key)."""
    kept = []
    for block, key in choices:
        try:
            if block not in _DG_BUILT:
                _DG_BUILT[block] = _DG_BLOCKS[block]()
        except BaseException:
            continue
        if _DG_BUILT[block].get(key) is not None:
            kept.append([block, key])
    return kept


def _dg_close(answer, expected):
    import numpy as np
    if type(expected) is np.ndarray:
        if hasattr(answer, "detach"):
            answer = answer.detach().cpu().numpy()
        if type(answer) is not np.ndarray or answer.shape != expected.shape:
            return False
        scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
        return bool(np.allclose(answer.astype(float), expected.astype(float), rtol=1e-5, atol=1e-7 * scale))
    if hasattr(expected, "detach"):
        return _dg_close(answer, expected.detach().cpu().numpy())
    if type(expected) in (tuple, list):
        return type(answer) in (tuple, list) and len(answer) == len(expected) and all(map(_dg_close, answer, expected))
    if type(expected) is dict:
        return type(answer) is dict and set(answer) == set(expected) and all(_dg_close(answer[k], expected[k]) for k in expected)
    if type(expected) is float or type(answer) is float:
        try:
            return abs(float(answer) - expected) <= 1e-7 * max(1.0, abs(expected))
        except (TypeError, ValueError):
            return False
    return type(answer) is type(expected) and answer == expected


def deepgrade_screen(name, candidates, args, kwargs, expected, raises):
    """Which candidates answer one public vector like the reference (loosely): a pre-filter only."""
    import copy
    import signal
    def expire(*_):
        raise TimeoutError
    signal.signal(signal.SIGALRM, expire)
    kept = []
    try:
        for block, key in candidates:
            try:
                if block not in _DG_BUILT:
                    _DG_BUILT[block] = _DG_BLOCKS[block]()
                function = _DG_BUILT[block].get(key)
                if function is None:
                    continue
                signal.setitimer(signal.ITIMER_REAL, 0.5)
                try:
                    answer = function(*copy.deepcopy(args), **copy.deepcopy(kwargs))
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except BaseException as exc:
                if raises and type(exc).__name__ == raises:
                    kept.append([block, key])
                continue
            if not raises and _dg_close(answer, expected):
                kept.append([block, key])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        globals().update(_DG_ORIGINALS)
    return kept
'''


def exercises_with_keys(unit: str) -> dict[str, tuple[int, list]]:
    """{exercise: (required positional arguments of the reference, its instructor-only checks)}."""
    suite = load_suite(unit)
    found: dict[str, tuple[int, list]] = {}
    for check in suite.checks:
        if not vectors.instructor_only(check):
            continue
        module, func = check.exercise.split(".")
        reference = getattr(importlib.import_module(f"reference.{unit}.{module}"), func, None)
        if reference is None:  # filed under a name the reference does not define (a data helper)
            continue
        try:
            params = inspect.signature(reference).parameters.values()
        except (TypeError, ValueError):
            continue
        arity = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty for p in params)
        found.setdefault(check.exercise, (arity, []))[1].append(check)
    return found


@pytest.fixture(scope="module")
def pasted():
    blocks, candidates = [], []
    for index, path in enumerate(released_files()):
        source, found = paste(path, index)
        blocks.append(source)
        candidates.append(found)
    return blocks, candidates


def guard_unit(unit: str, blocks: list[str], candidates: list[list[Candidate]], folder: Path) -> tuple[list, int]:
    """(instructor-only checks a shipped function passed, pairs tried) for one unit."""
    exercises = exercises_with_keys(unit)
    if not exercises:
        return [], 0
    suite = load_suite(unit)
    pairs = {e: [(b, c) for b, found in enumerate(candidates) for c in found if c.fits(e.split(".")[1], arity)]
             for e, (arity, _) in exercises.items()}
    dispatched = sorted(e for e, fits in pairs.items() if fits)
    folder.mkdir(parents=True)
    for module in suite.modules:
        source = (ROOT / "reference" / unit / f"{module}.py").read_text()
        mine = [e.split(".")[1] for e in dispatched if e.split(".")[0] == module]
        used_blocks = sorted({b for e in dispatched if e.split(".")[0] == module for b, _ in pairs[e]})
        if mine:
            source += "\n\n" + "\n\n".join(blocks[b] for b in used_blocks)
            source += DISPATCH.format(blocks="{" + ", ".join(f"{b}: _dg_block_{b}" for b in used_blocks) + "}",
                                      names=mine)
        (folder / f"{module}.py").write_text(source)
    (folder / "__init__.py").write_text((ROOT / "reference" / unit / "__init__.py").read_text())
    recorded = (vectors.load(unit) or {}).get("functions", {})
    reference = runner.load_reference(suite)
    # read as written, not through read_modules: a module with a hundred pasted files can pass the size
    # limit for one submitted file
    files = {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.py"))}
    session = Session(unit, files, preload=suite.preload, drivers=suite.drivers, launcher=self_check_launcher(),
                      limits=Limits(call_timeout=5.0))  # no forbidden-API rules: see the module's docstring
    passed, tried, bound = [], 0, set()

    def select(module: str, choices: dict):
        """Bind the candidate (globals of its module); put back the reference wherever one was bound."""
        for other in bound - {module}:
            session.call(f"{other}.deepgrade_select", ({},), {})
        bound.clear()
        session.call(f"{module}.deepgrade_select", (choices,), {})
        bound.add(module)
        return session.workers_started

    try:
        for exercise in dispatched:
            module, func = exercise.split(".")
            began = time.monotonic()
            calls = recorded.get(exercise, {}).get("calls", [])
            probe = None if calls else first_call(session, reference, unit, exercise, exercises[exercise][1], select)
            probed = session.workers_started  # the probe's arguments may name objects in this worker
            full = 0
            if calls:
                candidates = screen(session, module, exercise, pairs[exercise], calls[0])
            elif probe is not None:
                candidates = probe_screen(session, module, func, pairs[exercise], probe, select, lambda: first_call(
                    session, reference, unit, exercise, exercises[exercise][1], select))
            else:
                candidates = pairs[exercise]
            tried += len(pairs[exercise]) - len(candidates)
            for block, candidate in candidates:
                tried += 1
                choice = {func: [block, candidate.key]}
                try:
                    if probe is not None and session.workers_started != probed:  # a fresh worker: record it anew
                        probe = first_call(session, reference, unit, exercise, exercises[exercise][1], select)
                        probed = session.workers_started
                    workers = select(module, choice)
                    for number, call in enumerate(calls, 1):
                        vectors._replay(session, exercise, call, number=number)
                    if probe is not None and not alike(session.call(*probe[:3]), probe[3]):
                        continue
                    if session.workers_started != workers:
                        continue
                except (CheckFailure, StudentError):
                    continue  # it does not even reproduce the public vectors (or the answer's kind)
                full += 1
                for check in exercises[exercise][1]:
                    try:
                        workers = select(module, choice)
                    except StudentError:
                        continue
                    seed = seeds.derive_seed("guard", unit, check.name, "guard")
                    result = runner.run_check(check, "", session, reference, seed)
                    if result.status == "passed" and session.workers_started == workers:  # no restart midway
                        passed.append(f"{unit} {exercise} {check.name}: passed by {candidate.path}:{candidate.name}")
            print(f"  {exercise}: {len(pairs[exercise])} candidates, {full} graded in full, "
                  f"{time.monotonic() - began:.1f} s; {session.workers_started} workers so far")
    finally:
        session.close()
    return passed, tried


def screen(session, module: str, exercise: str, fits: list, call: dict) -> list:
    """The candidates that answer the first public vector loosely like the reference, tried all in
    one call inside the worker (0.5 s each); all of them where that call itself fails."""
    from autograder.sandbox import wire

    args = wire.decode(call["args"], call["blobs"])
    kwargs = wire.decode(call["kwargs"], call["blobs"])
    expected = wire.decode(call["value"], call["blobs"]) if "value" in call else None
    keys = [[block, c.key] for block, c in fits]
    try:
        kept = session.call(f"{module}.deepgrade_screen", (exercise.split(".")[1], keys, args, kwargs, expected,
                                                           call.get("raises")), {})
    except StudentError as exc:
        if exc.kind not in ("crash", "timeout", "protocol") or len(fits) == 1:
            return fits  # judged one by one, the slow way
        half = len(fits) // 2  # one of them took the worker down: find it by halves
        return screen(session, module, exercise, fits[:half], call) + screen(session, module, exercise, fits[half:], call)
    kept = {tuple(k) for k in kept}
    return [(block, c) for block, c in fits if (block, c.key) in kept]


PROBED_AT_ONCE = 12  # candidates whose probes share one round trip
PROBE_SECONDS = 0.25  # each, within the session's 5 s a call; a slower one is left for the slow way


def probe_screen(session, module: str, func: str, fits: list, probe: tuple, select, reprobe) -> list:
    """The candidates that answer the probe (the checks' first call into the exercise) like the
    reference does (:func:`alike`), PROBED_AT_ONCE in a round trip: a batch request that binds each
    in turn and makes the call within PROBE_SECONDS (those that do not build, as
    :func:`deepgrade_select` would say, left out). Kept for the slow way, as if screened in: a
    candidate whose probe ran past its time, each of a batch that failed as a whole (a crash) when it
    is alone (halves are tried again, the probe recorded anew by ``reprobe()`` once the worker
    died), all of them when no probe can be recorded."""
    current = [probe]

    def part(group: list) -> list:
        if session.worker is None or not session.worker.alive:  # the last batch took its worker down
            current[0] = reprobe()
        if current[0] is None or len(group) <= 1:
            return group
        target, args, kwargs, expected = current[0]
        try:
            built = {tuple(k) for k in session.call(f"{module}.deepgrade_built", ([[b, c.key] for b, c in group],), {})}
        except StudentError:
            built = {(b, c.key) for b, c in group}  # the batch finds those that fail
        group = [(b, c) for b, c in group if (b, c.key) in built]
        calls = []
        for block, candidate in group:
            calls += [{"target": f"{module}.deepgrade_select", "args": [{func: [block, candidate.key]}], "kwargs": {}},
                      {"target": f"{module}.deepgrade_alarm", "args": [PROBE_SECONDS], "kwargs": {}},
                      {"target": target, "args": list(args), "kwargs": dict(kwargs)},
                      {"target": f"{module}.deepgrade_alarm", "args": [0], "kwargs": {}}]
        try:
            select(module, {})
            header, answers = session.request("batch", calls, "guard.probe")
            if not header.get("ok") or type(answers) is not list or len(answers) != len(calls):
                raise StudentError("the probe batch failed", "protocol")
        except StudentError:
            session.begin_check(None)  # a time-out stops every later call until the next check
            half = len(group) // 2
            return part(group[:half]) + part(group[half:])
        kept = []
        for number, fit in enumerate(group):
            chosen, _, answer, _ = mine = answers[4 * number:4 * number + 4]
            if any(type(a) is not dict or type(a.get("error")) is dict and a["error"].get("type") == "TimeoutError"
                   for a in mine):
                kept.append(fit)  # too slow to judge here
                continue
            try:
                session._unwrap(chosen, None, "guard.select")
                if alike(session._unwrap(answer, answer.get("value"), target), expected):
                    kept.append(fit)
            except StudentError:
                continue
        return kept

    return [fit for start in range(0, len(fits), PROBED_AT_ONCE) for fit in part(fits[start:start + PROBED_AT_ONCE])]


class _FirstCallMade(BaseException):
    """Stops a check on the reference once its first call into the exercise is recorded (the rest
    of it, a full network on 224x224 images say, would only cost time)."""


def first_call(session, reference, unit, exercise, checks, select) -> tuple | None:
    """(target, args, kwargs, answer) of the first call the checks of ``exercise`` make into it
    (directly, or through a trusted driver that builds it, alone or as the first of a batch made by
    ``map``; calls before it that do not use it, a
    seed or a dataset, run as they are), on the reference: for exercises without vectors (objects
    kept in the worker, slow calls)."""
    found = []

    class Spy:
        def __getattr__(self, name):
            return getattr(session, name)

        def call(self, target, args, kwargs, handle=None):
            before = exercise in session.calls
            value = session.call(target, args, kwargs, handle)
            if handle is None and not before and exercise in session.calls:
                found.append((target, tuple(vectors._copy(args)), vectors._copy(kwargs), value))
                raise _FirstCallMade
            return value

        def batch(self, target, arg_lists, kwargs=None):  # ``fn.map``: its first call, as ``call`` makes it
            before = exercise in session.calls
            values = session.batch(target, arg_lists, kwargs)
            if arg_lists and not before and exercise in session.calls:
                found.append((target, tuple(vectors._copy(tuple(arg_lists[0]))), vectors._copy(kwargs or {}), values[0]))
                raise _FirstCallMade
            return values

    for check in checks:
        try:
            select(exercise.split(".")[0], {})
        except StudentError:
            return None
        try:
            runner.run_check(check, "", Spy(), reference, seeds.derive_seed("guard", unit, check.name, "probe"))
        except _FirstCallMade:
            return found[0]
    return None


def alike(answer, expected) -> bool:
    """The same kind of answer: an object in the worker, or plain data of the same structure."""
    from autograder.sandbox import wire

    if type(expected) is wire.Handle or type(answer) is wire.Handle:
        return type(answer) is type(expected)
    if type(expected) is np.ndarray:
        return type(answer) is np.ndarray and answer.shape == expected.shape
    if type(expected) is wire.Tensor:
        return type(answer) is wire.Tensor and answer.array.shape == expected.array.shape
    if type(expected) in (tuple, list):
        return type(answer) in (tuple, list) and len(answer) == len(expected) and all(map(alike, answer, expected))
    if type(expected) is dict:
        return type(answer) is dict and set(answer) == set(expected) and all(alike(answer[k], expected[k]) for k in expected)
    if type(expected) in (int, bool, str):  # counts, flags, names: deterministic, so equal
        return type(answer) is type(expected) and answer == expected
    return type(answer) is type(expected) or {type(answer), type(expected)} <= {int, float}


@pytest.mark.parametrize("unit", unit_names())
def test_no_shipped_function_passes_an_instructor_only_check(unit, pasted, tmp_path):
    blocks, candidates = pasted
    start = time.monotonic()
    passed, tried = guard_unit(unit, blocks, candidates, tmp_path / unit)
    print(f"{unit}: {tried} (exercise, shipped function) pairs in {time.monotonic() - start:.1f} s")
    assert not passed, "shipped functions pass instructor-only checks (a key ships under another name):\n" + \
        "\n".join(passed)


PLANTED = {  # a key under another name: screened by its public vectors, or (no vectors) by the first call of a map
    "tensors.dot dot_values": ("unit01_foundations", "def renamed_helper(u, v):\n    return float(np.dot(u, v))\n"),
    "rnn.rnn_step_backward rnn_step_backward_matches_reference": ("unit06_rnn", """def renamed_helper(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    da = dh_next * (1 - h_next**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
}


@pytest.mark.parametrize("found", list(PLANTED))
def test_guard_catches_a_renamed_key(found, tmp_path):
    """A key planted under another name in a released module is found."""
    unit, function = PLANTED[found]
    planted = tmp_path / "planted.py"
    planted.write_text(f"import numpy as np\n\n\n{function}")
    source, candidates = paste(planted, 0, "autograder/checks/_planted_guard_test.py")
    passed, tried = guard_unit(unit, [source], [candidates], tmp_path / "unit")
    assert f"{unit} {found}: passed by autograder/checks/_planted_guard_test.py:renamed_helper" in passed, passed
