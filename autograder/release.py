"""``autograder release OUT``: what students get, and nothing else.

The release holds ``assignments/`` (stubs, notebooks, the pytest self-checks), the engine with
its public checks (``autograder/``), a README for students and a ``pyproject.toml`` they install
with pip. It never holds ``autograder/keys/`` (the instructor-only checks, whose code computes
expected outputs), ``reference/``, ``tests/``, the course salt or a unit key, ``.deepgrade/``,
``.hypothesis/`` or any grading artifact. In their place it lists the instructor-only checks of
each unit (``autograder/units/<unit>.instructor.json``: name, exercise, points, visibility) so the
self-check can name what it does not run. Before returning, :func:`write` proves (:func:`leaks`)
that none of these is there and that no line of a reference solution region appears in any
released file.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
from pathlib import Path

from . import __version__, seeds
from .course import BEGIN, END, ROOT

COPIED = ("assignments", "autograder")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".*")
INSTRUCTOR_ONLY = ("autograder/keys",)  # folders of COPIED that never ship
# Names that never ship, wherever they are: the secrets and what grading leaves behind.
FORBIDDEN_NAMES = {"reference", "tests", "keys", ".deepgrade", ".hypothesis", "salt", "unit_key", "feedback",
                   "autograded", "submitted", "results.json", "gradebook.sqlite", "gradebook.db"}
FORBIDDEN_SUFFIXES = (".sqlite", ".db", ".zip")
MIN_LINE = 12  # shorter stripped lines ("return x", "pass") are too common to count as leaks

# Framework idioms that solution regions share with trusted training and inspection code (drivers,
# the check toolkit, notebook cells). Each is a whole stripped line with no arithmetic that reveals
# nothing the docstrings do not, so it never counts as a leak.
IDIOMS = tuple(re.compile(p) for p in (
    r"(return )?\w+\.(zero_grad|backward|step|train|eval)\(\)",  # torch's update and mode calls, no arguments
    r"with torch\.no_grad\(\):",
    r"optimizer = torch\.optim\.\w+\(model\.parameters\(\), lr=lr\)",  # every parameter, lr from the argument
    r"losses\.append\((loss|loss\.item\(\)|float\(loss\.item\(\)\))\)",
    r"return \w+",  # returning one name
    r"rng = np\.random\.default_rng\(seed\)",
    r"for _ in range\(\w+\):",  # repeat a given number of times
    r"for \w+ in range\(len\(\w+\)\):",  # every index of a sequence
    r"if \w+:",  # a branch on one flag (its meaning is in the docstring)
    r"(\w+) = np\.asarray\(\1, dtype=(np\.)?float64\)",  # an argument as a float64 array, in place
))


def is_idiom(stripped: str) -> bool:
    """Whether a stripped line is one of :data:`IDIOMS`."""
    return any(p.fullmatch(stripped) for p in IDIOMS)

README = """# Deep-learning course: exercises

Each unit is a package under `assignments/`: fill in every function that says
`raise NotImplementedError`. The docstrings give every input and output with its shape.

## Install (once)

    python3 -m venv .venv
    .venv/bin/pip install -e .                 # numpy units: {numpy_units}
    .venv/bin/pip install -e '.[torch]'        # also needed for {torch_units} (torch, about 750 MB)
    .venv/bin/pip install -e '.[notebooks]'    # JupyterLab, to work in the units' notebooks

Everything is run from this folder with the venv's own programs (`.venv/bin/...`): no need to
activate the venv.

## Check your work

    .venv/bin/pytest assignments/unit01_foundations      # one test per public check
    .venv/bin/autograder check unit01_foundations        # the same checks as a table

A failing check says which function, which output and how wrong it is. Some checks are not run
here: hidden checks, and checks that compare with the instructor's solution. They run when your
work is graded, on inputs you cannot predict, so make every function right, not only the ones
the self-check exercises.

## Modules or notebook

Each unit comes twice: as modules (`assignments/unit01_foundations/*.py`, for an editor) and as a
notebook (`assignments/unit01_foundations/unit01_foundations.ipynb`, for JupyterLab:
`.venv/bin/jupyter lab --notebook-dir=assignments`) whose exercise cells, each starting with
`%%module NAME`, hold the same modules. Work in one of them. The notebook's self-check cells
check its cells; `pytest` and `autograder check` check the `.py` files.

## Hand in

Submit the unit's folder (for example `assignments/unit01_foundations/`, or a zip of it) or the
unit's notebook, as your instructor tells you. What is graded: the unit's modules, and only they;
if they are the unchanged stubs, the notebook's exercise cells instead. If both hold work, the
modules are graded and the notebook is not (the feedback says so), so hand in the one you worked in.
"""

PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "deepgrade-course"
version = "{version}"
description = "Deep-learning course exercises with their self-checks"
requires-python = "{python}"
dependencies = {dependencies}

[project.optional-dependencies]
torch = {torch}
notebooks = {notebooks}

[project.scripts]
autograder = "autograder.cli:run"

[tool.setuptools.packages.find]
include = ["autograder*", "assignments*"]

[tool.setuptools.package-data]
"*" = ["*.ipynb", "*.csv", "*.npz", "*.pt", "*.md", "*.json"]

[tool.pytest.ini_options]
testpaths = ["assignments"]
addopts = "--disable-plugin-autoload -p no:cacheprovider -rs"
"""


class ReleaseError(ValueError):
    pass


def write(out: Path, root: Path = ROOT, vector_units: list[str] | None = None) -> Path:
    """Write the student release into ``out`` (which must not exist or be empty), or refuse if it leaks.

    ``vector_units``: the units whose public test vectors are recorded (None: every unit)."""
    out = build(out, root, vector_units)
    problems = leaks(out, root)
    if problems:
        shutil.rmtree(out)
        raise ReleaseError("the release would leak secrets, so it was not written:\n" + "\n".join(problems[:20]))
    return out


def build(out: Path, root: Path = ROOT, vector_units: list[str] | None = ()) -> Path:
    """Copy what students get into ``out``, unchecked (:func:`write` checks it); with the public
    test vectors of ``vector_units`` (None: every unit; empty: none)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ReleaseError(f"{out} is not empty; remove it or choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copytree(root / name, out / name, ignore=_ignore(root))
    write_instructor_manifests(out, root)
    write_vectors(out, root, vector_units)
    (out / "README.md").write_text(student_readme(), encoding="utf-8")
    (out / "pyproject.toml").write_text(student_pyproject(root), encoding="utf-8")
    return out


def _ignore(root: Path):
    skipped = {(root / p).resolve() for p in INSTRUCTOR_ONLY}

    def ignore(folder, names):
        return set(IGNORED(folder, names)) | {n for n in names if (Path(folder) / n).resolve() in skipped}

    return ignore


def instructor_only(root: Path = ROOT) -> dict[str, list[dict]]:
    """``{unit: [{name, exercise, points, visibility}]}``: the checks of the full suites that do not
    ship (registered from ``autograder/keys``), read from ``root``'s engine."""
    if Path(root).resolve() != ROOT.resolve():
        return {}  # another course tree: its engine is not this one
    from .suite import load_suite, unit_names

    return {u: [dict(name=c.name, exercise=c.exercise, points=c.points, visibility=c.visibility)
                for c in load_suite(u).checks if not c.ships] for u in unit_names()}


def write_vectors(out: Path, root: Path = ROOT, units: list[str] | None = None) -> dict[str, dict]:
    """Record the public test vectors of ``units`` from the reference into ``autograder/public/``
    of the release; ``{unit: coverage}`` (:func:`autograder.vectors.summary`)."""
    if Path(root).resolve() != ROOT.resolve() or units == ():
        return {}
    from . import vectors
    from .suite import load_suite, unit_names

    folder = out / "autograder" / vectors.PUBLIC.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text('"""Public test vectors: data the self-check replays (autograder.vectors)."""\n',
                                        encoding="utf-8")
    coverage = {}
    for unit in (unit_names() if units is None else units):
        recorded = vectors.load(unit)
        if recorded:
            vectors.save(recorded, folder)
        coverage[unit] = vectors.summary(recorded, load_suite(unit))
    return coverage


def split(out: Path) -> dict[str, dict]:
    """Per unit, as the release at ``out`` sees it: checks and points that ship (of which need the
    reference), instructor-only checks and points, and what the public test vectors cover."""
    from . import vectors
    from .suite import load_suite, unit_names

    table = {}
    for unit in unit_names():
        checks = load_suite(unit).checks
        ships = [c for c in checks if c.ships]
        keyed = [c for c in checks if not c.ships]
        recorded = vectors.read(out / "autograder" / vectors.PUBLIC.name, unit)
        table[unit] = {"ship": len(ships), "ship_points": sum(c.points for c in ships),
                       "need_reference": sum(c.needs_reference for c in ships),
                       "instructor_only": len(keyed), "instructor_only_points": sum(c.points for c in keyed),
                       **vectors.summary(recorded, load_suite(unit))}
    return table


def write_instructor_manifests(out: Path, root: Path = ROOT):
    """``autograder/units/<unit>.instructor.json`` in the release, one per unit of the release."""
    units = out / "autograder" / "units"
    for unit, checks in instructor_only(root).items():
        if (units / f"{unit}.py").is_file() or (units / unit / "__init__.py").is_file():  # a module or a package
            (units / f"{unit}.instructor.json").write_text(json.dumps({"unit": unit, "checks": checks}, indent=1) + "\n",
                                                           encoding="utf-8")


def torch_units() -> list[str]:
    """The units whose exercises run on torch (their workers preload it)."""
    from . import units
    from .suite import unit_names

    return [u for u in unit_names() if u in units.TORCH]


def is_torch(requirement: str) -> bool:
    return re.match(r"torch\b(?![-_.\w])", requirement.strip()) is not None


def student_pyproject(root: Path = ROOT) -> str:
    """The release's pyproject: the project's dependencies without torch (a numpy unit installs
    without it), torch as the extra ``torch``, JupyterLab and nbgrader as ``notebooks``."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = project["dependencies"]
    return PYPROJECT.format(version=__version__, python=project.get("requires-python", ">=3.11"),
                            dependencies=json.dumps([d for d in deps if not is_torch(d)]),
                            torch=json.dumps([d for d in deps if is_torch(d)] or ["torch"]),
                            notebooks=json.dumps(project.get("optional-dependencies", {}).get("notebooks", [])))


def student_readme() -> str:
    from .suite import unit_names

    heavy = torch_units()
    return README.format(numpy_units=", ".join(u for u in unit_names() if u not in heavy),
                         torch_units=", ".join(heavy) or "no unit")


def _region_lines(root: Path) -> tuple[set[str], set[str]]:
    """(stripped lines inside solution regions, stripped lines outside them) of ``reference/*/*.py``."""
    inside_lines: set[str] = set()
    outside_lines: set[str] = set()
    for path in sorted((root / "reference").glob("*/*.py")):
        inside = False
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped in (BEGIN, END):
                inside = stripped == BEGIN
            else:
                (inside_lines if inside else outside_lines).add(stripped)
    return inside_lines, outside_lines


def solution_lines(root: Path = ROOT) -> set[str]:
    """Every non-trivial stripped line inside a solution region (not an idiom) that students do not
    see anyway outside one (signatures, docstrings)."""
    inside, outside = _region_lines(root)
    return {line for line in inside - outside
            if len(line) >= MIN_LINE and not line.startswith("#") and not is_idiom(line)}


def leaks(out: Path, root: Path = ROOT) -> list[str]:
    """``file: line`` for each solution line found in the release; forbidden paths and the salt too."""
    problems = [f"{name}/ must not be released" for name in ("reference", "tests", ".deepgrade") if (out / name).exists()]
    problems += [f"{p}/ must not be released (instructor-only)" for p in INSTRUCTOR_ONLY if (out / p).exists()]
    problems += [f"{p.relative_to(out)} must not be released" for p in sorted(out.rglob("*"))
                 if p.name in FORBIDDEN_NAMES or p.suffix in FORBIDDEN_SUFFIXES]
    secret = solution_lines(root)
    salt = _existing_salt(root)
    keys = {seeds.unit_key(salt, p.stem) for p in (root / "reference").glob("unit*")} if salt else set()
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", "replace")
        rel = path.relative_to(out)
        if salt and salt in text:
            problems.append(f"{rel}: contains the course salt")
        if any(key in text for key in keys):
            problems.append(f"{rel}: contains a unit key")
        for line in text.splitlines():
            if line.strip() in secret:
                problems.append(f"{rel}: {line.strip()}")
    return problems


def _existing_salt(root: Path) -> str | None:
    if Path(root).resolve() == seeds.COURSE_ROOT:  # the course's salt, wherever grading finds it
        return seeds.course_salt(fallback="") or None
    if os.environ.get("DEEPGRADE_SALT"):
        return os.environ["DEEPGRADE_SALT"]
    path = root / seeds.SALT_FILE
    return path.read_text(encoding="utf-8").strip() if path.exists() else None
