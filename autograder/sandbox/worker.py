"""The worker: the only process that imports and runs a student's code.

Started as ``python -I -S worker.py CODE WORK SITE...`` with a private copy of this file and
``wire.py`` in CODE, a writable WORK folder, and nothing of the project on its path; or forked, with
the same imports done, by a zygote (this file started with ``DEEPGRADE_ZYGOTE`` set runs
``forker.py``'s loop instead of serving). It reads requests and writes answers on the two
pipes named in ``DEEPGRADE_FDS``; what the student prints during an ``import``, ``call`` or ``batch``
comes back in the answer's ``printed`` (bounded) and is written through to stderr after a marker
(:data:`PRINTED_MARK`), so the grader still has it when the call crashes or hangs; anything else
printed goes to stderr. Requests:

- ``load``: write the submission's files under WORK/pkg/<package>/, apply resource limits.
- ``import``: import one of the submission's modules (hangs and errors stay per module).
- ``call``: call ``module.function`` or a method of a handle with decoded arguments.
- ``batch``: several calls in one round trip (finite differences, property examples).
- ``drive``: run a trusted driver function (from a driver module sent with ``load``) inside the
  worker, e.g. a training loop over a student's ``nn.Module``.
- ``release``: forget handles.

Every answer is ``{"ok": true, "value": ...}`` or ``{"ok": false, "error": {...}}``; answers to
``call`` and ``batch`` also list in ``calls`` the student exercises the request used (its target,
what drivers resolved through ``student(...)``, the exercise that returned a handle whose method
was called), and where the student's code warned, ``warnings`` and ``warned_in`` (the student
function a driver was running at the first, or null). Before it, the answer may be preceded by
notices ``{"running": "module.function"}`` (or ``null``): the student function a driver's code just
called, or the trusted code it returned to, whatever the request (a driver's function, or a method
of an object a driver made), so a crash or hang names the student's function that was running
(:class:`Announced`).
"""
import importlib
import os
import sys
import traceback

WARN_ALWAYS = None  # torch.set_warn_always, once torch is preloaded (set back on before each call)
WARNINGS_OFF = ("it turned torch's repeated warnings off (torch.set_warn_always(False)); a warning fails the call "
                "that raises it, and with them off only the first call to meet one would: leave them on")


def main():
    global WARN_ALWAYS
    fds = [int(fd) for fd in os.environ.pop("DEEPGRADE_FDS").split(",")]
    zygote = os.environ.pop("DEEPGRADE_ZYGOTE", "")  # "sandbox" or "plain": fork workers (forker.py)
    code, work, site = sys.argv[1], sys.argv[2], sys.argv[3:]
    sys.path[:0] = [code] + site
    os.dup2(2, 1)  # student prints must never reach the protocol
    for stream in (sys.stdout, sys.stderr):  # UTF-8 whatever the OS locale (Windows: cp1252)
        stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    import meta_device
    import numpy as np
    import watch
    import wire

    if zygote:
        import forker
    sys.path.remove(code)  # the student must not import (or patch) our copy by name

    preload = os.environ.get("DEEPGRADE_PRELOAD", "").split(",")
    if "torch" in preload:
        import torch

        torch.set_num_threads(1)
        WARN_ALWAYS = torch.set_warn_always
        WARN_ALWAYS(True)  # else a warn-once warning fails only the first call that meets it
        if "meta" in preload:  # the meta device's first use costs 0.3 s, paid before "ready"
            meta_device.skip_dynamo_import()
            torch.empty(1, device="meta").relu()
        if "dynamo" in preload:  # torch.optim's first step imports it (1.1 s)
            import torch._dynamo  # noqa: F401
    if zygote:
        forker.serve(fds[0], work, zygote == "sandbox", lambda req, resp: serve(work, np, wire, watch, req, resp))
    serve(work, np, wire, watch, *fds)


def serve(work, np, wire, watch, req_fd, resp_fd):
    """Answer requests on the two pipes until the grader closes them (the audit hook is in place
    before any student code)."""
    global REQ_FD, RESP_FD
    REQ_FD, RESP_FD = req_fd, resp_fd
    Server(work, np, wire, watch).serve()


class Server:
    def __init__(self, work, np, wire, watch):
        self.work, self.np, self.wire, self.watch = work, np, wire, watch
        self.rules = watch.Watch()
        self.root = None  # the folder of the student's modules
        self.request_id = None
        self.running = None  # the student function the grader was last told runs (None: trusted code)
        self.reader = wire.Reader(REQ_FD)
        self.handles, self.next_handle = {}, 1
        self.package = None
        self.drivers = {}
        self.called = set()  # the student exercises the current request used
        self.broken = set()  # modules and functions a driver may not enter (the grader gave up on them)
        self.origins = {}  # handle id -> the exercises whose call returned that object

    # ---------------------------------------------------------------- plumbing
    def keep(self, obj):
        hid = self.next_handle
        self.next_handle += 1
        self.handles[hid] = obj
        self.origins[hid] = tuple(sorted(self.called))
        return hid

    def lookup(self, hid):
        if hid not in self.handles:
            raise KeyError(f"no object #{hid} in the worker")
        return self.handles[hid]

    def make_tensor(self, array, grad):
        import torch

        return torch.tensor(array, requires_grad=grad) if grad else torch.from_numpy(array.copy())

    def decode(self, data, blobs):
        return self.wire.decode(data, blobs, self.lookup, self.make_tensor)

    def serve(self):
        self.wire.send(RESP_FD, {"ok": True, "ready": True})
        while True:
            try:
                header, blobs = self.reader.read()
            except EOFError:
                os._exit(0)
            self.request_id = header.get("id")
            printed = Printed(self.request_id) if header.get("op") in ("import", "call", "batch") else None
            try:
                reply = self.handle(header, blobs)
            finally:
                if printed is not None:
                    printed.stop()
            reply["id"] = header.get("id")
            if printed is not None and printed.text:
                reply["printed"] = printed.text
            sightings = self.rules.take()
            if sightings:
                reply["forbidden"] = sightings
            try:
                self.wire.send(RESP_FD, reply, reply.pop("value", None), self.keep)
            except Exception as exc:  # an answer that cannot be sent is an error of that call
                self.wire.send(RESP_FD, {"ok": False, "id": header.get("id"),
                                         "error": _describe(exc, "sending the result")})

    def handle(self, header, blobs):
        op = header.get("op")
        self.called, self.running = set(), None
        try:
            args = self.decode(header.get("value"), blobs)
            if op == "load":
                return {"ok": True, "value": self.load(**args)}
            if op == "import":
                before = self.rules.loaded()
                try:
                    importlib.import_module(f"{self.package}.{args}")
                finally:
                    self.rules.arrived_unseen(before, str(args), f"{args}.py")
                return {"ok": True, "value": None}
            if op == "call":
                return {**self.call(args), "calls": sorted(self.called)}
            if op == "batch":
                answers = [self.call(c) for c in args]
                return {"ok": True, "value": answers, "calls": sorted(self.called)}
            if op == "release":
                for hid in args:
                    self.handles.pop(hid, None)
                    self.origins.pop(hid, None)
                return {"ok": True, "value": None}
            return {"ok": False, "error": {"type": "ProtocolError", "message": f"unknown op {op!r}"}}
        except BaseException as exc:  # SystemExit at import is the student's failure, not ours
            return {"ok": False, "error": _describe(exc, op)}

    # ---------------------------------------------------------------- operations
    def load(self, package, files, limits, drivers=None, forbidden=()):
        root = self.root = os.path.join(self.work, "pkg", package)
        self.rules.configure(root, forbidden)
        os.makedirs(root, exist_ok=True)
        for name, text in files.items():
            with open(os.path.join(root, os.path.basename(name)), "w", encoding="utf-8") as f:
                f.write(text)
        for name, text in (drivers or {}).items():
            namespace = {"__name__": f"driver_{name}", "student": self.resolve}
            exec(compile(text, f"<driver {name}>", "exec"), namespace)
            self.drivers[name] = namespace
        sys.path.insert(0, os.path.join(self.work, "pkg"))
        _jupyter_stand_ins()
        self.package = package
        _apply_limits(limits)
        os.chdir(root)
        return True

    def resolve(self, target):
        """A driver's function, or the submission's ``module.function`` for a driver (recorded as
        called): a function comes wrapped in :class:`Announced`; a class counts as running from here
        on (the driver goes on with its objects)."""
        if target.startswith("driver:"):
            module, _, func = target[len("driver:"):].partition(".")
            return self.drivers[module][func]
        self.called.add(target)
        self.refuse(target)
        module, _, func = target.rpartition(".")
        found = getattr(importlib.import_module(f"{self.package}.{module}"), func)
        if isinstance(found, type):
            self.announce(target)
            return found
        return Announced(self, target, found)

    def refuse(self, target):
        """GivenUp where the grader gave up on ``target`` or its module."""
        for given_up in (target.rpartition(".")[0], target):
            if given_up in self.broken:
                raise GivenUp(given_up)

    def announce(self, running):
        """Tell the grader, when it changed, which student function runs (None: trusted code), so that a
        crash or hang from here on names it."""
        if running != self.running:
            self.running = running
            self.wire.send(RESP_FD, {"id": self.request_id, "running": running})

    def call(self, request):
        """One call; exceptions are the student's and become error answers."""
        target, args, kwargs = request["target"], request.get("args", []), request.get("kwargs", {})
        snapshot = [(path, a, a.copy()) for path, a in _arrays(self.np, args, "argument ")]
        self.broken = set(request.get("broken", ()))
        self.rules.refresh()
        try:
            if "handle" in request:  # a method of an object counts as the exercise that made it
                self.called.update(self.origins.get(request["handle"], ()))
                fn = getattr(self.lookup(request["handle"]), target)
            else:
                fn = self.resolve(target)
            before = self.rules.loaded()
            if WARN_ALWAYS is not None:  # the student's code may have turned it off
                WARN_ALWAYS(True)
            try:
                with self.watch.capture_warnings(self.np, self.root or "\0", lambda: self.running) as warned:
                    value = fn(*args, **kwargs)
                if WARN_ALWAYS is not None and not sys.modules["torch"].is_warn_always_enabled():
                    raise RuntimeError(WARNINGS_OFF)
            finally:
                if "handle" not in request and not target.startswith("driver:"):
                    self.rules.arrived_unseen(before, target, target.split(".")[0] + ".py")
        except BaseException as exc:  # SystemExit too: the student's call failed, the worker lives
            return {"ok": False, "error": _describe(exc, target)}
        mutated = [path for path, a, before in snapshot if not _same(self.np, before, a)]
        answer = {"ok": True, "value": value, "mutated": mutated}
        if warned:
            answer["warnings"] = [text for text, _ in warned]
            answer["warned_in"] = warned[0][1]  # the student function a driver was running, if any
        return answer


def _jupyter_stand_ins():
    """What Jupyter puts in builtins, so exercise code grades as it ran there: display() prints,
    get_ipython() is a shell whose magics and shell commands do nothing (notebooks.kernel_source
    turns ``%magic`` / ``!cmd`` lines into such calls and notes it in the feedback)."""
    import builtins

    class Shell:
        user_ns = {}

        def getoutput(self, *args, **kwargs):
            return []

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    shell = Shell()
    builtins.display = lambda *objs, **kwargs: print(*objs) if objs else None
    builtins.get_ipython = lambda: shell


PRINTED_LIMIT = 2048  # characters of what the student prints kept per request (the grader keeps 2 KiB a check)
PRINTED_MARK = "\x1edeepgrade printed %s\x1e"  # on stderr before what request %s printed (worker_process.Worker.printed_before_death)


class Printed:
    """What the student's code prints to stdout during one request, kept (bounded) to answer with it
    and written through (unbuffered, after the request's mark) to stderr, where it survives a crash."""

    encoding, errors = "utf-8", "backslashreplace"

    def __init__(self, request_id):
        self.parts, self.size, self.more = [], 0, False
        self.mark = PRINTED_MARK % request_id
        self.saved, sys.stdout = sys.stdout, self

    def write(self, text):
        text = str(text)
        room = PRINTED_LIMIT - self.size
        if len(text) > room:
            self.more = True
            text = text[:max(room, 0)]
        if text:
            self.parts.append(text)
            self.size += len(text)
            try:
                os.write(2, (self.mark + text).encode("utf-8", "backslashreplace"))
                self.mark = ""
            except OSError:  # the student closed stderr: the answer still carries what they printed
                pass
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    def writable(self):
        return True

    def __getattr__(self, name):  # fileno, buffer, ...: the worker's own stdout (stderr underneath)
        return getattr(self.saved, name)

    def stop(self):
        sys.stdout = self.saved
        self.text = "".join(self.parts) + ("\n[... more output left out]" if self.more else "")


class GivenUp(Exception):
    """A driver asked for a function (or a module's) whose calls the grader already fails at once."""


class Announced:
    """A student function as a driver gets it from ``student(...)``: each call tells the grader that
    it runs and, when it returns or raises, what runs again (:meth:`Server.announce`); an error
    raised through it is the function's (:func:`_describe`)."""

    __slots__ = ("server", "target", "function")

    def __init__(self, server, target, function):
        self.server, self.target, self.function = server, target, function

    def __call__(self, *args, **kwargs):
        before = self.server.running
        self.server.refuse(self.target)
        self.server.announce(self.target)
        try:
            return self.function(*args, **kwargs)
        finally:
            self.server.announce(before)


def _arrays(np, value, path, depth=0):
    """(path, array) for every array among the arguments, looking into lists and tuples."""
    if type(value) is np.ndarray:
        yield path.strip(), value
    elif type(value) in (list, tuple) and depth < 3:
        for i, item in enumerate(value):
            yield from _arrays(np, item, f"{path}{i}" if depth == 0 else f"{path}[{i}]", depth + 1)


def _same(np, a, b):
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _describe(exc, where):
    """The error answer for ``exc``, raised in ``where`` (or in the student function of the innermost
    :class:`Announced` call it went through)."""
    announced = [frame.f_locals["self"].target for frame, _ in traceback.walk_tb(exc.__traceback__)
                 if frame.f_code is Announced.__call__.__code__]
    where = announced[-1] if announced else where
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if "/pkg/" in (f.filename or "") or f.filename.startswith("<driver")]
    lines = [f"{os.path.basename(f.filename)}, line {f.lineno}, in {f.name}: {f.line or ''}".strip() for f in frames]
    try:
        message = str(exc)[:2000]
    except BaseException:
        message = "<unprintable exception>"
    student = [f for f in frames if "/pkg/" in (f.filename or "")]
    innermost = f"{os.path.basename(student[-1].filename)[:-3]}.{student[-1].name}" if student else None
    return {"type": type(exc).__name__[:80], "message": message, "where": str(where), "trace": lines[-6:],
            "function": innermost}


def _apply_limits(limits):
    import resource

    names = {"as": resource.RLIMIT_AS, "cpu": resource.RLIMIT_CPU, "fsize": resource.RLIMIT_FSIZE,
             "nofile": resource.RLIMIT_NOFILE, "core": resource.RLIMIT_CORE, "nproc": resource.RLIMIT_NPROC}
    for key, value in (limits or {}).items():
        soft, hard = resource.getrlimit(names[key])
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(names[key], (value, value))


if __name__ == "__main__":
    main()
