"""What a solution may use: a unit's forbidden APIs, found in the submission's syntax tree.

A suite declares ``suite.forbid("torch.autograd", ..., exercises=("layers", "cnn.conv_backward"),
why="...")``. An exercise that uses a forbidden API scores 0 on all its checks, with a message
naming the API, the line and the rule's ``why``. Two independent detectors feed one table
(``Session.violations``, exercise -> message):

- :meth:`Rules.static_violations` reads each module's syntax tree (never executing it): imports
  (``import torch.autograd``, ``from torch import autograd``, ``from torch.autograd import grad``),
  attribute chains through import aliases (``t.autograd.grad`` after ``import torch as t``, ``F.conv2d``
  after ``import torch.nn.functional as F``), ``getattr(torch, "autograd")``, ``sys.modules["..."]``,
  ``importlib.import_module(...)`` and ``__import__(...)`` of a constant string (string sums,
  f-strings, ``"".join`` and module-level string constants are folded), and ``.backward(`` called on
  anything when ``torch.Tensor.backward`` is forbidden. A hit inside a top-level function or class
  counts against that exercise, and against every exercise of the module that calls that helper;
  a hit at module level (an import, an alias) counts against every covered exercise of the module.
- The worker (``sandbox/watch.py``) reports what it sees at run time (imports by computed names,
  calls through aliases the syntax tree cannot follow); :meth:`Rules.from_worker` turns each
  sighting into the same kind of message.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

IMPORTERS = ("importlib.import_module", "builtins.__import__", "importlib.__import__")


@dataclass(frozen=True)
class Hit:
    api: str
    line: int
    verb: str  # "imports", "calls" or "uses"


class Rules:
    """A suite's forbidden APIs applied to one submission's exercises."""

    def __init__(self, suite):
        self.forbidden = list(suite.forbidden)
        self.exercises = sorted({c.exercise for c in suite.checks})

    def __bool__(self):
        return bool(self.forbidden)

    def for_worker(self) -> list[dict]:
        """The rules as plain data for the worker's ``load`` request."""
        return [{"apis": list(r.apis), "exercises": list(r.exercises)} for r in self.forbidden]

    def _rule(self, exercise: str, api: str):
        for rule in self.forbidden:
            if rule.covers(exercise) and any(_under(api, a) for a in rule.apis):
                return rule
        return None

    def static_violations(self, files: dict[str, str]) -> dict[str, str]:
        """``{exercise: message}`` for every exercise whose source uses an API its rule forbids."""
        if not self.forbidden:
            return {}
        apis = [a for rule in self.forbidden for a in rule.apis]
        found: dict[str, str] = {}
        for name, source in sorted(files.items()):
            module = name.removesuffix(".py")
            exercises = [e for e in self.exercises if e.split(".")[0] == module]
            if not exercises or not any(self._rule(e, a) for e in exercises for a in apis):
                continue
            try:
                scan = Scan(source, apis)
            except (SyntaxError, ValueError, RecursionError):
                continue  # the import fails in the worker and says why
            for exercise in exercises:
                func = exercise.split(".", 1)[1]
                for hit, where in scan.hits_of(func):
                    rule = self._rule(exercise, hit.api)
                    if rule is not None:
                        found[exercise] = _message(func, hit, name, where, rule.why)
                        break
        return found

    def from_worker(self, sighting: dict) -> dict[str, str]:
        """``{exercise: message}`` for one thing the worker saw at run time."""
        where, api, line, file = (str(sighting.get(k, ""))[:200] for k in ("exercise", "api", "line", "file"))
        module, _, func = where.partition(".")
        targets = [where] if func else [e for e in self.exercises if e.split(".")[0] == module]
        found = {}
        for exercise in targets:
            rule = self._rule(exercise, api)
            if rule is not None:
                name = exercise.split(".", 1)[1]
                at = f", line {line}" if line.isdigit() else ""
                found[exercise] = (f"{name} used {api} while it ran ({file}{at}): {rule.why}" if func else
                                   f"{file} imported {api} at module level (seen at run time{at}), which {name} "
                                   f"may not use: {rule.why}")
        return found


def _under(api: str, prefix: str) -> bool:
    return api == prefix or api.startswith(prefix + ".")


def _message(func: str, hit: Hit, file: str, where: str | None, why: str) -> str:
    if where is None:
        return f"{func} {hit.verb} {hit.api} (line {hit.line})" + f": {why}"
    if where == "<module>":
        return f"{file} {hit.verb} {hit.api} at module level (line {hit.line}), which {func} may not use: {why}"
    return f"{func} {hit.verb} {hit.api} (line {hit.line}, in {where}, which {func} calls): {why}"


class Scan:
    """The forbidden-API hits of one module, by top-level definition (``"<module>"`` for the rest)."""

    def __init__(self, source: str, apis: list[str]):
        self.apis = apis
        self.tree = ast.parse(source)
        self.constants = _module_constants(self.tree)
        self.hits: dict[str, list[Hit]] = {}
        self.refers: dict[str, set[str]] = {}  # top-level name -> top-level names it mentions
        tops = [n for n in self.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        top_names = {n.name for n in tops}
        module_aliases = _aliases([n for n in self.tree.body if n not in tops])
        module_rest = [n for n in self.tree.body if n not in tops]
        self._scan("<module>", module_rest, module_aliases, set())
        for node in tops:
            local = _aliases([node])
            bound = _bound_names(node) - set(local)
            aliases = {k: v for k, v in module_aliases.items() if k not in bound} | local
            self._scan(node.name, [node], aliases, bound)
            self.refers[node.name] = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                                      and n.id in top_names and n.id not in bound and n.id != node.name}

    def hits_of(self, name: str):
        """``(hit, where)``: own hits (where None), then helpers' (their name), then module level."""
        for hit in self.hits.get(name, []):
            yield hit, None
        seen, todo = {name}, list(self.refers.get(name, ()))
        while todo:
            helper = todo.pop(0)
            if helper in seen:
                continue
            seen.add(helper)
            for hit in self.hits.get(helper, []):
                yield hit, helper
            todo += self.refers.get(helper, ())
        for hit in self.hits.get("<module>", []):
            yield hit, "<module>"

    def _add(self, owner: str, api: str | None, node: ast.AST, verb: str):
        if api and any(_under(api, a) for a in self.apis):
            self.hits.setdefault(owner, []).append(Hit(api, getattr(node, "lineno", 0), verb))

    def _scan(self, owner: str, nodes: list[ast.AST], aliases: dict[str, str], bound: set[str]):
        resolve = _Resolver(aliases, bound, self.constants)
        backward = [a.rsplit(".", 1)[1] for a in self.apis if a.startswith("torch.Tensor.")]
        parents: dict[ast.AST, ast.AST] = {}
        for root in nodes:
            for parent in ast.walk(root):
                for child in ast.iter_child_nodes(parent):
                    parents[child] = parent
        for root in nodes:
            for node in ast.walk(root):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        self._add(owner, alias.name, node, "imports")
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    for alias in node.names:
                        self._add(owner, node.module if alias.name == "*" else f"{node.module}.{alias.name}",
                                  node, "imports")
                elif isinstance(node, ast.Call):
                    if resolve(node.func) in IMPORTERS and node.args:
                        self._add(owner, _fold(node.args[0], self.constants), node, "imports")
                    if isinstance(node.func, ast.Attribute) and node.func.attr in backward:
                        self._add(owner, f"torch.Tensor.{node.func.attr}", node, "calls")
                if not isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
                    continue
                api, parent = resolve(node), parents.get(node)
                if api is None or (isinstance(node, ast.Call) and resolve(node.func) in IMPORTERS):
                    continue  # nothing to resolve, or counted above as an import
                if isinstance(parent, ast.Attribute) and resolve(parent) is not None:
                    continue  # only the longest chain counts
                called = isinstance(parent, ast.Call) and parent.func is node
                self._add(owner, api, node, "calls" if called else "uses")


class _Resolver:
    """The dotted name an expression stands for, through import aliases, or None."""

    def __init__(self, aliases: dict[str, str], bound: set[str], constants: dict[str, str]):
        self.aliases, self.bound, self.constants = aliases, bound, constants

    def __call__(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            if node.id in ("__import__", "getattr") and node.id not in self.bound:
                return f"builtins.{node.id}"
            return None
        if isinstance(node, ast.Attribute):
            base = self(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Subscript):
            if self(node.value) == "sys.modules":
                return _fold(node.slice, self.constants)
            return None
        if isinstance(node, ast.Call):
            func = self(node.func)
            if func == "builtins.getattr" and len(node.args) >= 2:
                base, attr = self(node.args[0]), _fold(node.args[1], self.constants)
                return f"{base}.{attr}" if base and attr else None
            if func in IMPORTERS and node.args:
                name = _fold(node.args[0], self.constants)
                if name and func.endswith("__import__") and len(node.args) < 4 and not node.keywords:
                    return name.split(".")[0]  # __import__("a.b") returns package a
                return name
        return None


def _aliases(nodes: list[ast.AST]) -> dict[str, str]:
    """Names bound by import statements among ``nodes`` (searched in depth) -> dotted names."""
    found: dict[str, str] = {}
    for root in nodes:
        for node in ast.walk(root):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        found[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        found[top] = top
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                for alias in node.names:
                    if alias.name != "*":
                        found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def _bound_names(node: ast.AST) -> set[str]:
    """Names a definition binds other than by import (arguments, assignments, loops, ...)."""
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
            names.add(child.id)
        elif isinstance(child, ast.arg):
            names.add(child.arg)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
            names.add(child.name)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            names.add(child.name)
    return names


def _module_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` (assigned once) for folding strings built from them."""
    counts: dict[str, int] = {}
    values: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    counts[target.id] = counts.get(target.id, 0) + 1
                    text = _fold(node.value, values)
                    if text is not None:
                        values[target.id] = text
    return {k: v for k, v in values.items() if counts[k] == 1}


def _fold(node: ast.AST, constants: dict[str, str]) -> str | None:
    """The string a constant expression builds, or None."""
    if isinstance(node, ast.Constant) and type(node.value) is str:
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _fold(node.left, constants), _fold(node.right, constants)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.JoinedStr):
        parts = [_fold(v.value if isinstance(v, ast.FormattedValue) else v, constants) for v in node.values]
        return "".join(parts) if all(p is not None for p in parts) else None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join"
            and len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple))):
        sep = _fold(node.func.value, constants)
        parts = [_fold(e, constants) for e in node.args[0].elts]
        return sep.join(parts) if sep is not None and all(p is not None for p in parts) else None
    return None
