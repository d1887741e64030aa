"""What checks see of a submission: ``student.activations.sigmoid(z)`` runs in the worker.

A :class:`Session` holds the submission's files and a live :class:`~.worker_process.Worker`,
starts a fresh one when the last died, and turns every failure of student code into a :class:`StudentError` whose
message names the function. Checks call through :class:`Student`; nothing else reaches the worker.

Giving up, so a broken submission is graded in bounded time without costing its working functions:

- a function whose call hung, exited the worker or flooded its output is not called again: its remaining calls fail at
  once, saying so and why (:meth:`Session._give_up`); other functions of its module are still called;
- a module no call into which ever returned is given up on as a whole once :data:`STRIKES` of its
  functions were (one, once another module was given up on that way): a submission whose every
  function hangs costs a few time-outs, not one per function;
- once :data:`HUNG_BEFORE_SHARE` functions hung, a function that never returned gets a share of the
  per-call timeout on its next call.
"""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import time

import numpy as np

from . import wire
from .plain import Launcher
from .pool import Pool
from .worker_process import PRINTED_LIMIT, Limits, StudentError, Worker, seconds

STRIKES = 2  # functions given up on in a module that never answered, after which the module is given up on
HUNG_BEFORE_SHARE = 2  # functions that hung, after which a function that never answered gets HUNG_SHARE
HUNG_SHARE = 0.5  # of the per-call timeout


class Session:
    """One submission's conversation with its worker(s)."""

    def __init__(self, package: str, files: dict[str, str], *, launcher: Launcher | None = None,
                 limits: Limits | None = None, preload: str = "numpy", drivers: dict | None = None,
                 pool=None, rules=None):
        self.package, self.files, self.drivers = package, files, drivers or {}
        self.rules = rules  # forbidden APIs: ``for_worker()`` and ``from_worker(sighting)`` (autograder.forbidden)
        self.launcher = launcher or Launcher()
        self.limits = limits or Limits()
        self.preload, self.pool = preload, pool
        self.worker: Worker | None = None
        self.loaded = False  # whether the worker got the submission's files (``load``)
        self.deadline: float | None = None  # the running check's deadline (begin_check)
        self.check_timeout: float | None = None  # the running check's time limit
        self.stopped: StudentError | None = None  # a time-out ends the running check's calls
        self.round_trips = 0
        self.workers_started = 0
        self.broken_modules: dict[str, str] = {}  # module -> why calls into it fail at once
        self.dead: dict[str, tuple[str | None, str]] = {}  # function given up on -> (its module, what it did)
        self.hung: set[str] = set()  # functions given up on for hanging
        self.calls: set[str] = set()  # student exercises the running check called (see begin_check)
        self.printed = ""  # what the student's code printed during the running check (bounded)
        self.import_printed: dict[str, str] = {}  # module -> what its first import printed (bounded)
        self.violations: dict[str, str] = {}  # exercise -> why it used a forbidden API (scores 0)
        self.given_up: list[str] = []  # modules given up on because their functions were
        self.handle_modules: dict[int, str] = {}  # handle id -> the module whose call returned it
        self.issued: list[wire.Handle] = []  # the handles the current worker returned
        self.lost: dict[int, tuple[wire.Handle, str]] = {}  # id(handle) -> (a handle of a worker that ended, why)
        self.replay: Replay | None = None  # while set, calls are answered from batches fetched ahead
        self.answered: set[str] = set()  # modules and functions that answered a call
        self.own_pool = False  # a pool this session started after a worker died (closed with it)

    @contextlib.contextmanager
    def replaying(self):
        """Within this block, calls are answered by a :class:`Replay` (which is yielded)."""
        self.replay = replay = Replay(self)
        try:
            yield replay
        finally:
            self.replay = None

    # ---------------------------------------------------------------- lifecycle
    def prestart(self):
        """Start the worker now, so its interpreter and preloads come up while the grader goes on (a
        pool's worker is already starting: it is taken at the first call)."""
        if self.worker is None and self.pool is None:
            self.worker = self._new_worker()

    def _new_worker(self) -> Worker:
        return self.pool.take(self.preload) if self.pool is not None else Worker(self.launcher, self.preload,
                                                                                 self.limits)

    def _live_worker(self) -> Worker:
        while self.worker is None or not self.worker.alive or not self.loaded:
            if self.worker is None or not self.worker.alive:
                if self.worker is not None:
                    self.worker.kill()
                    self._lose_handles("it stopped answering")
                    if self.pool is None or not self.pool.refill:  # a worker died: the next one starts ahead
                        launcher = self.pool.launcher if self.pool is not None else self.launcher
                        self.pool, self.own_pool = Pool(launcher, self.limits, size=0, preloads=(self.preload,)), True
                self.worker, self.loaded = self._new_worker(), False
            worker = self.worker
            worker.wait_ready()
            self.workers_started += 1
            self.loaded = True
            self.handle_modules = {}
            rules = self.rules.for_worker() if self.rules is not None else []
            header, _ = worker.request("load", {"package": self.package, "files": self.files,
                                                "limits": self.limits.rlimits(), "drivers": self.drivers,
                                                "forbidden": rules},
                                       self._import_deadline(), "loading your files")
            if not header.get("ok"):
                raise StudentError(_error_text(header.get("error") or {}, "loading your files"))
            self._import_modules(worker)
        return self.worker

    def _import_deadline(self) -> float:
        return time.monotonic() + self.limits.call_timeout

    def _import_modules(self, worker: Worker):
        """Import each module once, so a module that hangs or fails at import fails only its calls.

        A module that hangs or kills the worker is marked broken and the loop in
        :meth:`_live_worker` starts a fresh worker without it.
        """
        for name in sorted(self.files):
            module = name.removesuffix(".py")
            if module == "__init__" or module in self.broken_modules:
                continue
            try:
                header, _ = worker.request("import", module, self._import_deadline(), f"importing {name}")
            except StudentError as exc:
                self.import_printed.setdefault(module, exc.printed)
                self.broken_modules[module] = (f"{name} exited the worker at import ({exc.reason}); its checks "
                                               "were not run" if exc.kind == "crash" else str(exc))
                return
            printed = header.get("printed")
            self.import_printed.setdefault(module, printed[:PRINTED_LIMIT] if type(printed) is str else "")
            self._note({**header, "printed": None})
            if not header.get("ok"):
                error = header.get("error") if type(header.get("error")) is dict else {}
                self.broken_modules[module] = _error_text({**error, "where": f"importing {name}"}, name)

    def begin_check(self, timeout: float | None):
        """Start a check: its calls share one deadline, and after a time-out they fail at once.

        :attr:`calls` then records the student exercises the check calls: its direct calls, the
        functions trusted drivers resolve in the worker, and for a method of an object that stays
        in the worker, the exercise whose call returned that object.
        """
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.check_timeout = timeout
        self.stopped = None
        self.calls = set()
        self.printed = ""

    def close(self):
        if self.worker is not None:
            self.worker.kill()
            self.worker = None
        if self.own_pool:
            self.pool.close()

    @property
    def isolation(self) -> str:
        return (self.pool.launcher if self.pool is not None else self.launcher).isolation

    def _deadline(self, function: str | None = None) -> float:
        """The running call's deadline: the per-call timeout, within the check's. Once functions hung,
        a call of a function that never answered (or a driver's, once it enters one) gets a share of it."""
        hung = len(self.hung) >= HUNG_BEFORE_SHARE
        share = HUNG_SHARE if hung and function is not None and function not in self.answered else 1
        call = time.monotonic() + self.limits.call_timeout * share
        return call if self.deadline is None else min(call, self.deadline)

    # ---------------------------------------------------------------- calls
    def _callee(self, op: str, value, what: str) -> tuple[str | None, str | None]:
        """The student module and function a call runs, as far as the grader knows before sending it
        (a method counts as ``Type.method`` of the module whose call returned the object; of an object
        a driver made without running the student's code, as a driver's call: neither)."""
        if op == "call" and "handle" in value:
            module = self.handle_modules.get(value["handle"])
            return (module, what) if module is not None else (None, None)
        if op in ("call", "batch") and not what.startswith("driver:"):
            self.calls.add(what)
            return what.split(".")[0], what
        return None, None

    def _refuse(self, module: str | None, function: str | None):
        """Fail a call at once if its module or function was given up on."""
        if module in self.broken_modules:
            raise StudentError(self.broken_modules[module], "refused")
        if function in self.dead:
            raise StudentError(f"not run: {function} was given up on earlier (it {self.dead[function][1]})", "refused")

    def request(self, op: str, value, what: str):
        if self.replay is not None:
            return self.replay.answer(op, value, what)
        module, function = self._callee(op, value, what)
        if self.stopped is not None:
            raise self.stopped
        self._refuse(module, function)
        worker = self._live_worker()
        self._refuse(module, function)  # its import may have failed in this worker
        self.round_trips += 1
        try:
            header, answer = worker.request(op, value, self._deadline(function), what, self._deadline)
        except StudentError as exc:
            self._keep_printed(exc.printed)
            if worker.running:  # a driver's code: charged to the student function it was running
                function = worker.running
                module = function.split(".")[0]
            if exc.kind in ("crash", "timeout", "flood") or not worker.alive:
                self._lose_handles(f"{function or what} {_happened(exc)}")
            if exc.kind == "timeout" and self.deadline is not None and time.monotonic() >= self.deadline:
                exc = StudentError(f"{function or what} was stopped when this check's time limit "
                                   f"({seconds(self.check_timeout)}) ran out", "timeout", printed=exc.printed)
            elif exc.kind in ("crash", "timeout", "flood"):
                self._give_up(module, function, exc)
            if exc.kind == "timeout":
                self.stopped = exc
            raise exc from None
        self.answered.update({function, module, *worker.entered, *(f.split(".")[0] for f in worker.entered)} - {None})
        self._note(header)
        origin = worker.entered[-1].split(".")[0] if worker.entered else module
        for handle in _handles(answer):
            self.issued.append(handle)
            if origin is not None:
                self.handle_modules[handle.id] = origin
        return header, answer

    def _give_up(self, module: str | None, function: str | None, exc: StudentError):
        """A function whose call hung, exited the worker or flooded its output is not called again (its calls fail at
        once, saying why); its module as a whole, only when no call into it ever returned and
        :data:`STRIKES` of its functions were given up on (one, once another module was): a
        submission whose every function hangs is graded in a bounded time, not a time-out per function.
        """
        if function is None or function in self.dead:
            return
        happened = _happened(exc)
        self.dead[function] = (module, happened)
        if exc.kind == "timeout":
            self.hung.add(function)
        if module is None or module in self.answered or module in self.broken_modules:
            return
        dead_here = [f for f, (m, _) in self.dead.items() if m == module]
        if len(dead_here) >= (1 if self.given_up else STRIKES):
            why = "; ".join(f"{f} {self.dead[f][1]}" for f in dead_here)
            before = f"; {self.given_up[0]}.py was given up on before" if self.given_up else ""
            self.given_up.append(module)
            self.broken_modules[module] = (f"not run: {module}.py was given up on earlier (no call into it ever "
                                           f"returned: {why}{before})")

    def _note(self, header: dict):
        """Take what the worker reports beside an answer: exercises called, forbidden APIs used."""
        self._keep_printed(header.get("printed"))
        calls = header.get("calls")
        if type(calls) is list:
            self.calls.update(c[:200] for c in calls[:1000] if type(c) is str)
        sightings = header.get("forbidden")
        if type(sightings) is list and self.rules is not None:
            for sighting in sightings[:100]:
                if type(sighting) is dict:
                    for exercise, message in self.rules.from_worker(sighting).items():
                        self.violations.setdefault(exercise, message)

    def _keep_printed(self, printed):
        if type(printed) is str and printed and len(self.printed) < PRINTED_LIMIT:
            room = PRINTED_LIMIT - len(self.printed)
            self.printed += printed[:room] + ("\n[... more output left out]" if len(printed) > room else "")

    def import_output(self, module: str) -> str:
        """What importing ``module`` printed, the first time it is asked for ("" after that)."""
        text = self.import_printed.get(module) or ""
        if text:
            self.import_printed[module] = ""  # a re-import (a fresh worker) keeps "": shown once
        return text

    def call(self, target: str, args: tuple, kwargs: dict, handle: wire.Handle | None = None):
        self._refuse_lost([handle, args, kwargs])
        request = {"target": target, "args": list(args), "kwargs": dict(kwargs)}
        what = f"{handle.type}.{target}" if handle else target
        if handle is not None:
            request["handle"] = handle.id
        self._tell_broken(request)
        header, value = self.request("call", request, what)
        return self._unwrap(header, value, what)

    def batch(self, target: str, arg_lists: list, kwargs: dict | None = None) -> list:
        """Call ``target`` once per argument tuple, in one round trip; the first failure raises."""
        self._refuse_lost([arg_lists, kwargs])
        calls = [self._tell_broken({"target": target, "args": list(a), "kwargs": dict(kwargs or {})})
                 for a in arg_lists]
        header, values = self.request("batch", calls, target)
        if not header.get("ok"):
            raise StudentError(_error_text(header.get("error") or {}, target))
        if type(values) is not list or len(values) != len(calls):
            raise StudentError(f"{target}: the worker answered a batch of {len(calls)} calls wrongly", "protocol")
        return [self._unwrap(answer, answer.get("value") if type(answer) is dict else None, target)
                for answer in values]

    def _lose_handles(self, why: str):
        """The current worker ended (``why``): the handles it returned name nothing any more."""
        self.lost.update((id(h), (h, why)) for h in self.issued)
        self.issued = []

    def _refuse_lost(self, values):
        """Fail a call at once if it passes an object of a worker that ended: handle ids restart in
        each worker, so the new worker would read it as another object, or find none."""
        for handle in _handles(values):
            handle_, why = self.lost.get(id(handle), (None, ""))
            if handle_ is handle:
                raise StudentError(f"not run: the {handle.type} it uses was lost when the worker ended ({why})",
                                   "refused")

    def _tell_broken(self, request: dict) -> dict:
        """A driver's call, and a method's (its object may be a driver's), is told the modules and
        functions given up on, so it fails at once there too (and does not kill one fresh worker after
        another)."""
        if (request["target"].startswith("driver:") or "handle" in request) and (self.broken_modules or self.dead):
            request["broken"] = sorted({*self.broken_modules, *self.dead})
        return request

    def _unwrap(self, answer, value, what: str):
        error = answer.get("error") if type(answer) is dict and type(answer.get("error")) is dict else {}
        if error.get("type") == "GivenUp":
            name = str(error.get("message"))
            self._refuse(name if name in self.broken_modules else None, name)
        return _unwrap(answer, value, what)

    def release(self, handles):
        if self.worker is not None and self.worker.alive:
            self.request("release", [h.id for h in handles], "release")


class Deferred(BaseException):
    """A call made while replaying whose answer is not fetched yet; the code that made it stops here.
    A BaseException, so no ``except Exception`` in a check swallows it."""


class Replay:
    """Answers to plain function calls, fetched ahead in batches, for code run more than once.

    Code that makes the same calls every time it runs (a property on fixed examples) runs once to
    find its calls: each run stops at its first call not answered yet (:class:`Deferred`). Then
    :meth:`fetch` sends what was asked, grouped by function, as ``batch`` requests, and the code runs
    again, until a run gets every answer. Calls on handles, driver calls and releases cannot be replayed
    (``replayable`` turns False): the caller then runs its code with live calls instead.
    """

    def __init__(self, session: Session):
        self.session = session
        self.answers: dict[bytes, tuple] = {}
        self.missing: dict[bytes, tuple[str, object, str]] = {}
        self.replayable = True

    def answer(self, op: str, value, what: str):
        key = None
        if op in ("call", "batch") and not what.startswith("driver:") and (op == "batch" or "handle" not in value):
            key = _fingerprint((op, what, value))
        if key is None:
            self.replayable = False
            raise Deferred
        if key in self.answers:
            self.session._callee(op, value, what)  # recorded as called, as a live call is
            return self.answers[key]
        self.missing.setdefault(key, (op, value, what))
        raise Deferred

    def fetch(self, stop=None) -> bool:
        """Fetch the answers asked for since the last fetch: one ``batch`` request per function, split so
        that no request holds more calls than the check's remaining time allows one call (StudentError
        when a request fails as a whole: a time-out, a crash, an answer out of protocol).

        ``stop()``, if given, is asked between requests, the answers so far in place: True leaves the
        rest unfetched and returns True (the caller has seen enough: an example already failed)."""
        session, pending = self.session, list(self.missing.items())
        self.missing = {}
        by_what: dict[str, list] = {}
        for key, (op, value, what) in pending:
            by_what.setdefault(what, []).append((key, op, [value] if op == "call" else list(value)))
        requests = []  # (what, the calls of one request, the items whose last call it holds)
        for what, items in by_what.items():
            calls = [call for _, _, group in items for call in group]
            left = session.limits.call_timeout if session.deadline is None else session.deadline - time.monotonic()
            size = max(1, int(session.limits.call_timeout * len(calls) / max(left, 1e-3)))
            ends = list(itertools.accumulate(len(group) for _, _, group in items))
            for start in range(0, len(calls), size):
                requests.append((what, calls[start:start + size],
                                 [item for item, end in zip(items, ends) if start < end <= start + size]))
        answers: dict[str, list] = {}  # what -> answers not yet handed to their item
        session.replay = None
        try:
            for number, (what, part, completed) in enumerate(requests):
                header, values = session.request("batch", part, what)
                if not header.get("ok"):
                    raise StudentError(_error_text(header.get("error") or {}, what))
                if type(values) is not list or len(values) != len(part):
                    raise StudentError(f"{what}: the worker answered a batch of {len(part)} calls wrongly",
                                       "protocol")
                got = answers.setdefault(what, [])
                got += values
                for key, op, group in completed:
                    mine = got[:len(group)]
                    del got[:len(group)]
                    self.answers[key] = ((mine[0], mine[0].get("value") if type(mine[0]) is dict else None)
                                         if op == "call" else ({"ok": True}, mine))
                if stop is not None and number < len(requests) - 1:
                    session.replay = self
                    if stop():
                        return True
                    session.replay, self.missing = None, {}  # what stop() found missing is asked again
        finally:
            session.replay = self
        return False


def _fingerprint(value) -> bytes | None:
    """Bytes that identify a request's plain data (arrays by dtype, shape and contents); None for
    anything else (a handle, an object)."""
    parts: list[bytes] = []

    def add(v, depth=0):
        if depth > 8:
            raise TypeError
        if type(v) is np.ndarray:
            parts.append(b"a%s%r" % (v.dtype.str.encode(), v.shape))
            parts.append(np.ascontiguousarray(v).tobytes())
        elif type(v) in (list, tuple):
            parts.append(b"l" if type(v) is list else b"t")
            for item in v:
                add(item, depth + 1)
            parts.append(b"]")
        elif type(v) is dict:
            parts.append(b"d")
            for k in sorted(v, key=repr):
                add(k, depth + 1)
                add(v[k], depth + 1)
            parts.append(b"}")
        elif v is None or type(v) in (bool, int, float, str, np.float64, np.int64, np.bool_):
            parts.append(b"v%s%r" % (type(v).__name__.encode(), v))
        else:
            raise TypeError

    try:
        add(value)
    except TypeError:
        return None
    return hashlib.sha256(b"\0".join(parts)).digest()


def _unwrap(answer, value, what: str):
    if type(answer) is not dict:
        raise StudentError(f"{what}: the worker answered out of protocol", "protocol")
    if not answer.get("ok"):
        error = answer.get("error") if type(answer.get("error")) is dict else {}
        raise StudentError(_error_text(error, what), error_type=str(error.get("type", "")))
    mutated = answer.get("mutated") or []
    if mutated:
        raise StudentError(f"{what} modified its input argument(s) {mutated} in place; "
                           "work on a copy instead", "mutation")
    warned, where = answer.get("warnings"), answer.get("warned_in")
    if warned and type(warned) is list:
        where = where[:200] if type(where) is str else what  # a driver's call: the student function raising it
        raise StudentError(f"{where} raised a warning: {str(warned[0])[:400]}", "warning")
    return value


def _handles(value, depth=0):
    """The handles in an answer (objects that stayed in the worker), looking into containers."""
    if type(value) is wire.Handle:
        yield value
    elif type(value) in (list, tuple) and depth < 3:
        for item in value[:100]:
            yield from _handles(item, depth + 1)
    elif type(value) is dict and depth < 3:
        for item in list(value.values())[:100]:
            yield from _handles(item, depth + 1)


def _happened(exc: StudentError) -> str:
    """What a call that crashed, hung or flooded did, in the student's terms."""
    return {"crash": f"exited the worker: {exc.reason}", "timeout": f"did not finish within {exc.reason}"}.get(
        exc.kind, exc.reason)


def _error_text(error: dict, what: str) -> str:
    kind = str(error.get("type", "Error"))
    message = str(error.get("message", ""))[:500]
    where = str(error.get("where") or what)
    if kind == "NotImplementedError":
        function = str(error.get("function") or where)  # the student's function, even through a driver
        return f"{function} is not implemented yet (it raises NotImplementedError)"
    trace = error.get("trace") or []
    text = f"{where} raised {kind}: {message}" if message else f"{where} raised {kind}"
    if trace and isinstance(trace, list):
        text += f"\n  at {str(trace[-1])[:300]}"
    return text


class Function:
    """A student function, or a method of an object that stays in the worker."""

    def __init__(self, session: Session, target: str, handle: wire.Handle | None = None):
        self.session, self.target, self.handle = session, target, handle

    def __call__(self, *args, **kwargs):
        return self.session.call(self.target, args, kwargs, self.handle)

    def map(self, arg_lists, **kwargs) -> list:
        """``[f(*a, **kwargs) for a in arg_lists]`` in one round trip."""
        return self.session.batch(self.target, list(arg_lists), kwargs)

    def __repr__(self):
        return f"<student {self.target}>"


class Module:
    def __init__(self, session: Session, name: str):
        self._session, self._name = session, name

    def __getattr__(self, func: str) -> Function:
        if func.startswith("_"):
            raise AttributeError(func)
        return Function(self._session, f"{self._name}.{func}")


class Student:
    """The submission as checks see it: ``student.module.function(...)``, ``student.method(h, name)``."""

    def __init__(self, session: Session):
        self._session = session

    def __getattr__(self, module: str) -> Module:
        if module.startswith("_"):
            raise AttributeError(module)
        return Module(self._session, module)

    def method(self, handle: wire.Handle, name: str) -> Function:
        return Function(self._session, name, handle)

    def replaying(self):
        """A block whose calls are answered from batches fetched ahead (:class:`Replay`)."""
        return self._session.replaying()

    def driver(self, module: str, func: str) -> Function:
        """A trusted helper running inside the worker (its answers are still only data)."""
        return Function(self._session, f"driver:{module}.{func}")
