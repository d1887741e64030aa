"""What the worker watches student code for: forbidden APIs and warnings.

Runs inside the worker (a private copy, like ``wire.py``) and imports nothing of the project.

**Forbidden APIs.** A unit declares that some exercises may not call some APIs (``torch.autograd``
in a numpy backward, ``scipy`` where it would do the exercise). The grader checks the submission's
syntax tree; this is the second line, at run time:

- An audit hook (``sys.addaudithook``, installed before any student code runs; no Python code can
  remove it) sees the ``import`` event of every module not yet loaded, from ``import``,
  ``__import__`` and ``exec``'d code; a finder first on ``sys.meta_path`` also sees
  ``importlib.import_module``, which raises no such event. An import counts when the code that
  asked for it is the student's own (a library importing its dependencies lazily does not count).
- APIs already loaded (torch is preloaded in torch units, so ``torch.autograd`` is in
  ``sys.modules``), or loaded later by anyone (checked before every call), have their public
  functions replaced by wrappers; a call counts when a frame of a covered student function is on
  the stack. Trusted drivers that call ``.backward()`` themselves have no student frame below them
  and are not affected. A forbidden whole package (``torch``, ``scipy``) is watched at import only.
- A forbidden module that arrives in ``sys.modules`` during a student call (or a student module's
  import) without any import event or finder having seen it (the finder was removed, then
  ``importlib`` used) counts against that exercise (or the whole module).
- The wrappers are guarded: the audit hook refuses setting or deleting a wrapped attribute of a
  class (the ``object.__setattr__``/``object.__delattr__`` events CPython raises for types), and
  modules get a subclass of their module type that refuses the same, whose ``__class__`` cannot be
  set back (that assignment raises ``object.__setattr__`` too).

What cannot be stopped in-process, and is left to the static check and to review: writing into a
module's ``__dict__`` directly or through ``object.__setattr__`` (no audit event for module
instances), ``importlib.reload``, taking the original out of a wrapper's closure, names bound at import time
from a module the worker had not wrapped yet (``from torch.nn.functional import relu`` in a numpy
unit, where torch arrives with the student's own ``import torch``), calling torch's C
bindings (``torch._C``) directly, ctypes, removing the ``sys.meta_path`` finder (then only
``importlib.import_module`` of a not-yet-loaded module goes unseen), or rewriting what the worker
reports. Each of these names its intent in the source. A whole package (``scipy``) is watched at
import only: what a module does with it once imported is the static check's to see.

Sightings are plain dicts ``{"exercise": "module.function" or "module" (module level), "api",
"file", "line"}``; the grader decides what they cost.

**Warnings.** :func:`capture_warnings` records warnings raised by the student's own code during a
call (numpy's ``RuntimeWarning: overflow encountered in exp``, any ``warnings.warn``), numpy's
error state reset to its default ``warn`` first. Warnings raised inside libraries, and the
API-evolution categories (``DeprecationWarning``, ``PendingDeprecationWarning``,
``FutureWarning``), do not count.
"""
import contextlib
import functools
import os
import sys
import types
import warnings

PLUMBING = ("torch.overrides", "torch._jit_internal", "typing", "warnings", "importlib", "functools")
IGNORED_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


class Watch:
    """The forbidden-API rules of one submission and what was seen during the current request."""

    def __init__(self):
        self.root = None  # folder holding the student's modules (with a trailing separator)
        self.rules = []  # [(apis, exercises)]
        self.apis = ()
        self.sightings = []
        self.seen = set()
        self.guarded = {}  # id(class or module) -> attribute names that hold wrappers
        self.guard_types = set()  # ids of the guard subclasses made for modules
        self.installing = False
        self.pending = []  # forbidden APIs not loaded yet (wrapped once they are)
        self.witnessed = set()  # forbidden modules whose import an audit event or the finder saw
        sys.addaudithook(self.audit)

    # ---------------------------------------------------------------- setup
    def configure(self, root, rules):
        """Take the unit's rules (``[{"apis": [...], "exercises": [...]}]``) and wrap loaded APIs."""
        self.root = os.path.join(root, "")
        self.rules = [(tuple(r["apis"]), tuple(r["exercises"])) for r in rules]
        self.apis = tuple(sorted({api for apis, _ in self.rules for api in apis}))
        # A whole package (``torch``, ``scipy``) is watched at import only: wrapping every function
        # of a preloaded torch would slow and disturb the trusted code that uses it.
        self.pending = [api for api in self.apis if "." in api]
        if self.apis:
            sys.meta_path.insert(0, _Finder(self))
        self.refresh()

    def refresh(self):
        """Wrap the forbidden APIs loaded since the last look (before every call)."""
        if not self.pending:
            return
        self.installing = True
        try:
            self.pending = [api for api in self.pending if not self._wrap_loaded(api)]
        finally:
            self.installing = False

    def _wrap_loaded(self, api):
        """Wrap ``api`` if it is loaded; False if it is not (yet)."""
        if api in sys.modules:
            for name in sorted(sys.modules):
                if name == api or name.startswith(api + "."):
                    self._wrap_module(sys.modules[name])
            return True
        parts = api.split(".")
        for cut in range(len(parts) - 1, 0, -1):  # the longest loaded module, then attributes
            owner = sys.modules.get(".".join(parts[:cut]))
            if owner is None:
                continue
            for attr in parts[cut:-1]:
                owner = getattr(owner, attr, None)
            if owner is not None and callable(getattr(owner, parts[-1], None)):
                self._replace(owner, parts[-1], api)
            return True
        return False

    def _wrap_module(self, module):
        public = getattr(module, "__all__", None)
        for name, value in list(vars(module).items()):
            if name.startswith("_") or (public is not None and name not in public):
                continue
            if not isinstance(value, (types.FunctionType, types.BuiltinFunctionType)):
                continue
            if str(getattr(value, "__module__", "")).startswith(PLUMBING):
                continue
            self._replace(module, name, f"{module.__name__}.{name}")

    def _replace(self, owner, name, api):
        original = getattr(owner, name)
        watch = self

        @functools.wraps(original)
        def guarded(*args, **kwargs):
            watch.called(api, sys._getframe(1))
            return original(*args, **kwargs)

        del guarded.__wrapped__
        if isinstance(owner, types.ModuleType):
            self._guard_module(owner)
        setattr(owner, name, guarded)
        self.guarded.setdefault(id(owner), set()).add(name)

    def _guard_module(self, module):
        if id(type(module)) in self.guard_types:
            return
        watch, base = self, type(module)

        def __setattr__(self, name, value):
            if name in watch.guarded.get(id(self), ()):
                raise AttributeError(f"{self.__name__}.{name} may not be replaced while grading")
            base.__setattr__(self, name, value)

        def __delattr__(self, name):
            if name in watch.guarded.get(id(self), ()):
                raise AttributeError(f"{self.__name__}.{name} may not be deleted while grading")
            base.__delattr__(self, name)

        guard = type(base.__name__, (base,), {"__setattr__": __setattr__, "__delattr__": __delattr__,
                                              "__module__": base.__module__})
        self.guard_types.add(id(guard))
        module.__class__ = guard

    # ---------------------------------------------------------------- seeing
    def audit(self, event, args):
        if event == "import":
            if self.apis and self._forbidden(args[0]):
                self.imported(args[0], sys._getframe(1))
        elif event in ("object.__setattr__", "object.__delattr__") and not self.installing:
            target, name = args[0], args[1]
            if id(target) in self.guard_types or (name in self.guarded.get(id(target), ())) or (
                    name == "__class__" and id(type(target)) in self.guard_types):
                raise AttributeError(f"{name} of {target!r} may not be changed while grading")

    def _forbidden(self, name):
        return type(name) is str and any(name == api or name.startswith(api + ".") for api in self.apis)

    def exercise_of(self, frame):
        """``module.function`` (or ``module`` at module level) when ``frame`` runs the student's code."""
        path = frame.f_code.co_filename
        if self.root is None or not path.startswith(self.root) or not path.endswith(".py"):
            return None
        module = path[len(self.root):-3]
        top = frame.f_code.co_qualname.split(".")[0]
        return module if top.startswith("<") else f"{module}.{top}"

    def covered(self, exercise, api):
        module = exercise.split(".")[0]
        for apis, exercises in self.rules:
            if not any(api == a or api.startswith(a + ".") for a in apis):
                continue
            for pattern in exercises:
                if pattern == "*" or pattern == exercise or pattern == module or (
                        exercise == module and pattern.split(".")[0] == module):
                    return True
        return False

    def note(self, exercise, api, frame):
        if (exercise, api) in self.seen or not self.covered(exercise, api):
            return
        self.seen.add((exercise, api))
        self.sightings.append({"exercise": exercise, "api": api, "line": frame.f_lineno,
                               "file": os.path.basename(frame.f_code.co_filename)})

    def called(self, api, frame):
        """A wrapped API was called: every covered student function on the stack used it."""
        while frame is not None:
            exercise = self.exercise_of(frame)
            if exercise is not None:
                self.note(exercise, api, frame)
            frame = frame.f_back

    def loaded(self):
        """The forbidden APIs that are modules in ``sys.modules`` now (before a call or an import)."""
        return {api for api in self.apis if api in sys.modules}

    def arrived_unseen(self, before, exercise, file):
        """Forbidden modules that arrived during a call (or an import) of ``exercise`` although no
        import event or finder saw them (the finder was removed, then ``importlib`` used): they
        count against ``exercise`` (``module`` for an import: all its covered exercises)."""
        for api in self.apis:
            if api not in before and api in sys.modules and api not in self.witnessed:
                self.witnessed.add(api)
                if self.covered(exercise, api):
                    self.seen.add((exercise, api))
                    self.sightings.append({"exercise": exercise, "api": api, "line": "?", "file": file})

    def imported(self, name, frame):
        """A forbidden module is being imported: it counts if the student's code asked for it."""
        self.witnessed.add(name)
        while frame is not None and _machinery(frame.f_code.co_filename):
            frame = frame.f_back
        if frame is not None:
            exercise = self.exercise_of(frame)
            if exercise is not None:
                self.note(exercise, name, frame)

    def take(self):
        """The sightings since the last call (for the answer being sent)."""
        found, self.sightings, self.seen = self.sightings, [], set()
        return found


def _machinery(filename):
    """Frames an import passes through before it reaches the code that asked for it."""
    return (filename.startswith("<") and not filename.startswith("<driver")) or \
        filename.endswith(os.path.join("importlib", "__init__.py"))


class _Finder:
    """First on ``sys.meta_path``: sees imports of not-yet-loaded modules, finds nothing itself."""

    def __init__(self, watch):
        self.watch = watch

    def find_spec(self, name, path=None, target=None):
        if self.watch._forbidden(name):
            self.watch.imported(name, sys._getframe(1))
        return None

    def invalidate_caches(self):
        pass


@contextlib.contextmanager
def capture_warnings(np, root, running):
    """Collect ``("Category: message (file, line N)", function)`` for warnings the student's code raises,
    ``function`` the student function ``running()`` named as it raised it (None outside a driver's
    calls of one)."""
    caught, found = [], []

    def record(message, category, filename, lineno, file=None, line=None):
        caught.append((message, category, filename, lineno, running()))

    with warnings.catch_warnings(), np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        warnings.showwarning = record
        yield found
    for message, category, filename, lineno, function in caught:
        if issubclass(category, IGNORED_WARNINGS) or not str(filename).startswith(root):
            continue
        text = f"{category.__name__}: {str(message)[:300]} ({os.path.basename(filename)}, line {lineno})"
        if all(text != seen for seen, _ in found):
            found.append((text, function))
