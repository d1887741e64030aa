"""Submission intake: whatever a student uploaded becomes the unit's modules, as their kernel saw them.

One normalisation step, :func:`intake`, serves ``autograder grade``, ``autograder batch`` and the
Gradescope bundle. It takes a folder, a ``.zip`` (also one inside a folder), a notebook or one
module file, and

1. lists the files, ignoring operating-system debris (``__MACOSX/``, ``._*``, ``.DS_Store``,
   ``Thumbs.db``, ``desktop.ini``) and hidden or cache folders (``.ipynb_checkpoints``,
   ``__pycache__``, ``.git``); a zip entry may use ``\\`` as its separator, and is checked for
   absolute paths and ``..`` after that; an archive inside an archive is not opened, and named
   where no work was found;
2. finds the unit's modules at any depth: a copy holding only unchanged stubs is set aside (with a
   note) when another holds work; of the rest, the folder holding the most of them (a tie goes to a
   folder named after the unit, then to one holding the others, its backups; otherwise it is two
   submissions and refused, as ``grade`` refuses a folder of two). A module found only under
   another case (``Activations.py``) is taken, with a note; near misses (``perceptron (1).py``)
   are named in the feedback, not graded;
3. where there are no modules, or they are the unchanged stubs (no code changed: comments and
   docstrings are not work; by the digests recorded with the release,
   :data:`autograder.course.STUB_DIGESTS`), finds the unit's notebook at any
   depth (by name, else by its exercise cells) and takes its exercise cells
   (:func:`autograder.notebooks.exercise_sources`);
4. reads only what is graded, with limits on that (a notebook's outputs are dropped as it is read),
   decodes text as UTF-8 explicitly, and writes the chosen modules to a fresh folder.

Every message names files relative to the submission, never the grader's temporary folders.
:func:`read_modules` then reads such a folder (or a student's own working folder) for the worker.
"""
from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from .course import code_digest, code_lines, stub_digests

MAX_FILE_BYTES = 1 << 20          # one graded module (or one exercise cell's code)
MAX_NOTEBOOK_BYTES = 128 << 20    # one notebook file, outputs included (they are dropped as it is read)
MAX_ZIP_BYTES = 512 << 20         # one uploaded archive
MAX_ZIP_MEMBERS = 20000           # entries listed in one archive
MAX_LISTED = 20000                # files looked at in one submitted folder
MAX_NOTEBOOKS_READ = 20           # candidate notebooks opened to tell which is the unit's
INTAKE_FILE = ".deepgrade-intake.json"  # why modules are missing, in the submission's terms
DEBRIS_FILES = {".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db"}
DEBRIS_DIRS = {"__macosx", "__pycache__", "node_modules", "site-packages"}
CLEAR_OUTPUTS = ("clear the outputs (in Jupyter: Edit > Clear Outputs of All Cells, or Kernel > Restart "
                 "Kernel and Clear Outputs), save the notebook, and resubmit")


class SubmissionError(Exception):
    """The submission cannot be graded at all (a usage error, reported in one line)."""


# ---------------------------------------------------------------- reading a folder for the worker
def read_modules(path: Path, modules: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Return ``({file name: source}, {missing module: why})`` for a unit folder."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"no such file or folder: {path}")
    if not path.is_dir():
        raise SubmissionError(f"{path} is not a folder of Python modules")
    reasons = {}
    if (path / INTAKE_FILE).is_file():
        reasons = json.loads((path / INTAKE_FILE).read_text(encoding="utf-8")).get("missing", {})
    files, missing = {}, {}
    for module in ["__init__", *modules]:
        file = path / f"{module}.py"
        if not file.is_file() or file.is_symlink():
            if module != "__init__":
                missing[module] = reasons.get(module) or f"{module}.py is missing from the submission"
            continue
        raw = file.read_bytes()
        if len(raw) > MAX_FILE_BYTES:
            raise SubmissionError(f"{file.name} is larger than {MAX_FILE_BYTES >> 20} MiB")
        files[file.name] = decode_source(raw, file.name)[0]
    if len(missing) == len(modules):
        raise SubmissionError(f"{path.name} holds none of the unit's modules "
                              f"({', '.join(m + '.py' for m in modules)})")
    return files, missing


def decode_source(raw: bytes, name: str) -> tuple[str, str | None]:
    """A module's text: UTF-8 (a BOM is dropped), else its PEP 263 coding line, else Windows-1252
    with a note (Python itself reads UTF-8 only, whatever the machine's locale)."""
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    match = re.search(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", b"\n".join(raw.splitlines()[:2]), re.M)
    if match:
        try:
            return raw.decode(match.group(1).decode("ascii")), None
        except (LookupError, UnicodeDecodeError):
            pass
    return raw.decode("cp1252", "replace"), (f"{name} is not saved as UTF-8; it was read as Windows-1252 "
                                             "(save it as UTF-8 to be sure every character is kept)")


# ---------------------------------------------------------------- what was uploaded
@dataclass
class File:
    """One file of a submission: its path relative to the submission, and how to read it (bounded)."""

    rel: str
    size: int
    opener: Callable[[int], bytes]

    @property
    def name(self) -> str:
        return PurePosixPath(self.rel).name

    @property
    def folder(self) -> str:
        return str(PurePosixPath(self.rel).parent)

    def read(self, limit: int, what: str = "") -> bytes:
        if self.size > limit:
            raise SubmissionError(too_large(self.rel, self.size, limit, what))
        data = self.opener(limit)
        if len(data) > limit:
            raise SubmissionError(too_large(self.rel, len(data), limit, what))
        return data


def amount(n: int) -> str:
    """A size as people read it: ``16 MiB``, ``3.2 MiB``, ``900 bytes``."""
    if n < 1 << 20:
        return f"{n} bytes"
    return f"{n >> 20} MiB" if n % (1 << 20) == 0 else f"{n / (1 << 20):.1f} MiB"


def too_large(rel: str, size: int, limit: int, what: str) -> str:
    text = f"{rel} is {amount(size)}, more than the {amount(limit)} allowed"
    return text + (f"; {what}" if what else "")


def fs_text(name: str) -> str:
    """A file name as text whatever the locale: under ``LC_ALL=C`` Python hands back undecodable
    bytes as surrogates, which no database, JSON file or terminal takes; names are UTF-8 bytes."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def debris(name: str) -> bool:
    """Operating-system and editor leftovers that are never part of the work."""
    return name.lower() in DEBRIS_FILES or name.startswith(("._", "~$"))


def ignored_folder(name: str) -> bool:
    return name.startswith(".") or name.lower() in DEBRIS_DIRS


def wanted(name: str) -> bool:
    return name.lower().endswith((".py", ".ipynb", ".txt")) and not debris(name)


def list_files(path: Path, problems: list[str] | None = None) -> list[File]:
    """The files of a submission that may matter (modules, notebooks, near misses), archives opened.

    An archive that cannot be read inside a folder is skipped, and why is added to ``problems``
    (a course folder may hold anything); the upload itself being unreadable is an error.
    """
    path = Path(path)
    problems = [] if problems is None else problems
    if path.is_symlink() or not path.exists():
        raise SubmissionError(f"no such file or folder: {fs_text(path.name)}")
    if path.is_file():
        if archive_kind(path.name):
            return list_archive(path, "")
        return [_disk_file(path, fs_text(path.name))]
    files, seen = [], 0
    for folder, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not ignored_folder(d) and not os.path.islink(os.path.join(folder, d)))
        for name in sorted(names):
            seen += 1
            if seen > MAX_LISTED:
                raise SubmissionError(f"the submission holds more than {MAX_LISTED} files; submit only the unit's "
                                      "modules or its notebook")
            full = Path(folder) / name
            if debris(name) or full.is_symlink() or not full.is_file():
                continue
            rel = fs_text(full.relative_to(path).as_posix())
            if archive_kind(name):
                try:
                    files += list_archive(full, rel + "/")
                except SubmissionError as exc:
                    problems.append(str(exc))
            elif wanted(name):
                files.append(_disk_file(full, rel))
    return files


def _disk_file(path: Path, rel: str) -> File:
    def opener(limit: int) -> bytes:
        with open(path, "rb") as f:
            return f.read(limit + 1)

    return File(rel, path.stat().st_size, opener)


ARCHIVES = {".zip": "zip", ".tar": "tar", ".tar.gz": "tar", ".tgz": "tar", ".tar.bz2": "tar", ".tar.xz": "tar",
            ".rar": None, ".7z": None}


def archive_kind(name: str) -> str | None:
    """``"zip"`` or ``"tar"`` for archives we open; ``"other"`` for those we cannot (.rar, .7z)."""
    for suffix, kind in ARCHIVES.items():
        if name.lower().endswith(suffix):
            return kind or "other"
    return None


def list_archive(path: Path, prefix: str) -> list[File]:
    kind = archive_kind(path.name)
    if kind == "zip":
        return list_zip(path, prefix)
    if kind == "tar":
        return list_tar(path, prefix)
    raise SubmissionError(f"{prefix.rstrip('/') or fs_text(path.name)} is an archive the grader cannot open; "
                          "submit a .zip (or the files themselves)")


def member_parts(label: str, raw: str) -> list[str] | None:
    """An archive member's path as parts, ``\\`` read as a separator; None for debris and folders
    that never hold work; unsafe names (absolute, drive letters, ``..``) refuse the archive. An
    archive inside is listed, never opened: :func:`intake` names it."""
    name = raw.replace("\\", "/")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in parts:
        raise SubmissionError(f"{label}: unsafe path {raw!r}")
    if not parts or name.endswith("/") or any(ignored_folder(p) for p in parts[:-1]):
        return None
    if not (wanted(parts[-1]) or archive_kind(parts[-1])):  # an archive is kept to be named (intake)
        return None
    return parts


def list_tar(path: Path, prefix: str) -> list[File]:
    import tarfile

    label = prefix.rstrip("/") or fs_text(path.name)
    if path.stat().st_size > MAX_ZIP_BYTES:
        raise SubmissionError(f"{label} is larger than {amount(MAX_ZIP_BYTES)}")
    try:
        archive = tarfile.open(path)
        members = []
        for member in archive:
            members.append(member)
            if len(members) > MAX_ZIP_MEMBERS:
                raise SubmissionError(f"{label} has more than {MAX_ZIP_MEMBERS} files")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise SubmissionError(f"{label} is not a readable archive ({exc})") from None
    files = {}
    for member in members:
        parts = member_parts(label, member.name)
        if parts is None or member.isdir():
            continue
        if not member.isfile():
            raise SubmissionError(f"{label}: {member.name!r} is a link or a device, not a file")

        def opener(limit: int, member=member) -> bytes:
            with archive.extractfile(member) as f:
                return f.read(limit + 1)

        rel = prefix + "/".join(parts)
        files[rel] = File(rel, member.size, opener)
    return list(files.values())


def zip_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its author's system wrote it: without the UTF-8 flag, zipfile reads cp437,
    but macOS and many tools write UTF-8 all the same."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def list_zip(path: Path, prefix: str) -> list[File]:
    """The members of a zip as files, ``\\`` read as a separator; unsafe names refuse the archive."""
    label = prefix.rstrip("/") or fs_text(path.name)
    if path.stat().st_size > MAX_ZIP_BYTES:
        raise SubmissionError(f"{label} is larger than {amount(MAX_ZIP_BYTES)}")
    try:
        archive = zipfile.ZipFile(path)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SubmissionError(f"{label} is not a readable zip file ({exc})") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise SubmissionError(f"{label} has more than {MAX_ZIP_MEMBERS} files")
    files = []
    for info in members:
        parts = member_parts(label, zip_name(info))
        if parts is None:
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            raise SubmissionError(f"{label}: {info.filename!r} is a symbolic link")

        def opener(limit: int, info=info) -> bytes:
            try:
                with archive.open(info) as member:
                    return member.read(limit + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError) as exc:
                raise SubmissionError(f"{label}: {info.filename!r} cannot be read ({exc})") from None

        files.append(File(prefix + "/".join(parts), info.file_size, opener))
    unique = {f.rel: f for f in files}  # a name twice in one archive: the later one, as unzip leaves it
    return list(unique.values())


# ---------------------------------------------------------------- finding the unit in it
@dataclass
class Intake:
    """What will be graded: the modules' sources, why others are missing, and what was noticed."""

    files: dict[str, str]                                   # {"activations.py": source}
    missing: dict[str, str] = field(default_factory=dict)   # {module: why, in the submission's terms}
    notes: list[str] = field(default_factory=list)
    source: str = ""                                         # the folder or notebook graded, relative
    chosen: dict = field(default_factory=dict)               # notebooks: {module: the cell graded}
    candidates: dict = field(default_factory=dict)           # notebooks: {module: every cell defining it}
    parts: dict = field(default_factory=dict)                # notebooks: {module: [cell body, continuations]}
    module_notes: dict = field(default_factory=dict)         # notebooks: {module: [its notes]}

    def write(self, folder: Path) -> Path:
        """The modules as files (UTF-8) in ``folder``, with the reasons :func:`read_modules` reports."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            (folder / name).write_bytes(text.encode("utf-8"))
        (folder / INTAKE_FILE).write_text(json.dumps({"missing": self.missing}), encoding="utf-8")
        return folder

    def summary(self, report) -> str:
        """The top-level feedback: the score, then every note."""
        lines = [f"{report.unit}: {report.score:g} / {report.max_score:g} points."]
        if self.source:
            lines.append(f"Graded: {self.source}.")
        return "\n".join(lines + [f"Note: {note}" for note in self.notes])


def stem_key(name: str) -> str:
    """A file stem without case, copy suffixes and the like: ``Perceptron (1)`` -> ``perceptron``."""
    stem = name.lower()
    stem = re.sub(r"^copy of ", "", stem)
    previous = None
    while previous != stem:
        previous = stem
        stem = re.sub(r"([ _-]*(\(\d+\)|copy|\d+|-|_|\s))$", "", stem).strip()
    return stem


def same_code(a: str, b: str) -> bool:
    return code_lines(a) == code_lines(b)


def untouched(intake: Intake, unit: str) -> bool:
    """Whether every module of ``intake`` is a stub as released (:func:`holds_work`)."""
    return not holds_work(intake.files, unit)


def intake(path: Path, unit: str) -> Intake:
    """The unit's modules in a submission (see the module doc); raises SubmissionError if none."""
    from .suite import load_suite

    modules = load_suite(unit).modules
    problems: list[str] = []
    files = list_files(Path(path), problems)
    inner = [f"{f.rel} is an archive inside an archive, which the grader does not open; upload it on its own, "
             "or unzip it and upload its files" for f in files if archive_kind(f.name)]
    files = [f for f in files if not archive_kind(f.name)]

    def skipped(graded: Intake) -> list[str]:  # an inner archive matters where no work was found
        return [f"skipped: {problem}" for problem in (problems + inner * untouched(graded, unit))[:3]]

    found = find_modules(files, modules, unit, fs_text(Path(path).resolve().name) or "the submission")

    notebook = None
    if found is None:
        notebook = find_notebook(files, unit)
    elif untouched(found, unit):
        try:
            notebook = find_notebook(files, unit)
        except SubmissionError:  # no usable notebook beside the stubs: the stubs, as submitted
            notebook = None
    if notebook is not None and (found is None or not untouched(notebook, unit)):
        if found is not None:  # the release's folder zipped whole: stub modules beside the worked notebook
            notebook.notes.insert(0, f"the modules in {found.source} are the unchanged stubs, so the notebook "
                                     f"{notebook.source} was graded")
        notebook.notes += skipped(notebook)
        return notebook
    if found is None:
        raise SubmissionError("; ".join([*(problems + inner)[:2], nothing_found(files, modules, unit)]))
    found.notes += skipped(found)
    if not untouched(found, unit) and any(f.name.lower().endswith(".ipynb") for f in files):
        try:
            other = find_notebook(files, unit)
        except SubmissionError:
            other = None
        if other is not None and not untouched(other, unit):
            found.notes.append(f"the modules in {found.source} were graded; the notebook {other.source} also "
                               "holds work and was not graded (submit one or the other)")
    return found


def find_modules(files: list[File], modules: list[str], unit: str, label: str = "the submission") -> Intake | None:
    """The copy of the unit to grade, read; None if no folder holds one of its modules.

    Copies holding only unchanged stubs are set aside when another holds work; of the rest, the
    folder holding the most modules, a tie going to one named after the unit, then to one holding
    the others (backups inside it); two copies left are refused (:func:`several_submissions`).
    """
    py = [f for f in files if f.name.lower().endswith(".py")]
    folders: dict[str, dict[str, list[File]]] = {}
    for f in py:
        for module in modules:
            if f.name.lower() == f"{module}.py".lower():
                folders.setdefault(f.folder, {}).setdefault(module, []).append(f)
    if not folders:
        return None

    def worked(folder: str) -> bool:
        """Whether any of its modules differs from the released stub (:func:`holds_work`)."""
        texts = {}
        for module, fs in folders[folder].items():
            try:
                texts[f"{module}.py"] = decode_source(fs[0].read(MAX_FILE_BYTES), fs[0].rel)[0]
            except SubmissionError:
                texts[f"{module}.py"] = ""
        return holds_work(texts, unit)

    stubs_only = sorted(d for d in folders if not worked(d))
    if len(stubs_only) < len(folders):  # a copy with work beats any number of unchanged stubs
        folders = {d: held for d, held in folders.items() if d not in stubs_only}
    else:
        stubs_only = []

    def rank(folder: str) -> tuple:
        parts = PurePosixPath(folder).parts
        return (len(folders[folder]), any(p.lower() == unit.lower() for p in parts))

    best = max(rank(d) for d in folders)
    tied = sorted(d for d in folders if rank(d) == best)
    tied = [d for d in tied if not any(inside(d, other) for other in tied)]  # a backup inside the copy
    if len(tied) > 1:
        raise several_submissions(label, [shown(d) for d in tied])
    folder = tied[0]
    result = Intake({}, source=shown(folder))
    if stubs_only:
        result.notes.append(f"{', '.join(shown(d) for d in stubs_only[:3])}{', ...' if len(stubs_only) > 3 else ''} "
                            f"{'holds' if len(stubs_only) == 1 else 'hold'} the unchanged stubs, so {shown(folder)} "
                            "was graded")
    for module in modules:
        candidates = folders[folder].get(module, [])
        exact = [f for f in candidates if f.name == f"{module}.py"]
        if exact:
            chosen = exact[0]
        elif len(candidates) == 1:
            chosen = candidates[0]
            result.notes.append(f"{candidates[0].rel} was graded as {module}.py (the name differs only in case; "
                                f"rename it to {module}.py)")
        else:
            if candidates:
                result.notes.append(f"{' and '.join(f.rel for f in candidates)} differ only in case; "
                                    f"neither was graded as {module}.py")
            result.missing[module] = missing_module(module, files, folder)
            continue
        text, note = decode_source(chosen.read(MAX_FILE_BYTES), chosen.rel)
        result.files[f"{module}.py"] = text
        if note:
            result.notes.append(note)
    init = [f for f in py if f.folder == folder and f.name == "__init__.py"]
    if init:
        result.files["__init__.py"] = decode_source(init[0].read(MAX_FILE_BYTES), init[0].rel)[0]
    for module, why in result.missing.items():
        result.notes.append(why)
    return result


def shown(folder: str) -> str:
    return "the submission's top folder" if folder in ("", ".") else f"{folder}/"


def inside(folder: str, other: str) -> bool:
    """Whether ``folder`` lies below ``other`` (both relative to the submission, ``.`` its top)."""
    if folder == other:
        return False
    return other in ("", ".") or PurePosixPath(folder).parts[:len(PurePosixPath(other).parts)] == PurePosixPath(other).parts


def holds_work(files: dict[str, str], unit: str) -> bool:
    """Whether any module of ``files`` ({name: source}) differs from the stub as released, in code:
    comments, docstrings and spacing are not work (:func:`autograder.course.code_digest`); the
    digests are the ones ``autograder stubs`` recorded, never the grader's own ``assignments/``,
    which an instructor may have edited."""
    stubs = stub_digests(unit)
    return any(stubs.get(name) != code_digest(src) for name, src in files.items() if name != "__init__.py")


def several_submissions(label: str, copies: list[str], more: bool = False,
                        advice: str = "submit one of them") -> SubmissionError:
    """The refusal of an upload holding two submissions that no rule tells apart: ``grade`` and
    ``batch`` alike (:func:`find_modules`, :func:`autograder.batch.several_students`)."""
    listed = ", ".join(copies) + (", ..." if more else "")
    return SubmissionError(f"{label} holds more than one submission ({listed}): {advice}")


def near_misses(module: str, files: list[File], folder: str | None = None) -> list[File]:
    """Files named almost like ``module.py`` (another case, a copy suffix, another extension), or
    named exactly so in another folder than ``folder``."""
    out = []
    for f in files:
        stem = f.name.rpartition(".")[0]
        if f.name == f"{module}.py" and (folder is None or f.folder == folder):
            continue
        if stem_key(stem) == module.lower() or stem_key(f.name.split(".")[0]) == module.lower():
            out.append(f)
    return out


def missing_module(module: str, files: list[File], folder: str) -> str:
    why = f"{module}.py is missing from the submission"
    if folder not in ("", "."):
        why = f"{module}.py is missing from {folder}/"
    near = near_misses(module, files, folder)
    if near:
        place = f"{folder}/{module}.py" if folder not in ("", ".") else f"{module}.py"
        why += (f"; {', '.join(f.rel for f in near[:3])} looks like it but was not graded: rename it to "
                f"{place} and resubmit")
    return why


def find_notebook(files: list[File], unit: str) -> Intake | None:
    """The unit's notebook in the submission, its exercise cells taken; None if there is none."""
    from . import notebooks

    books = [f for f in files if f.name.lower().endswith(".ipynb")]
    if not books:
        return None
    try:
        notebooks.source_notebook(unit)
    except SubmissionError:
        return None
    named = [f for f in books if stem_key(f.name[:-6]) == unit.lower()]
    if len(books) == 1:
        chosen = books[0]
    elif len(named) == 1:
        chosen = named[0]
    else:
        scored = []
        for f in (named or books)[:MAX_NOTEBOOKS_READ]:
            try:
                cells = notebooks.read_cells(f.read(MAX_NOTEBOOK_BYTES, CLEAR_OUTPUTS), f.rel)
            except SubmissionError:
                continue
            scored.append((notebooks.exercise_cell_count(cells, unit), f))
        top = max((n for n, _ in scored), default=0)
        best = [f for n, f in scored if n == top and n > 0]
        if len(best) != 1:
            names = ", ".join(f.rel for f in (named or books)[:6])
            raise SubmissionError(f"the submission holds several notebooks ({names}) and none is clearly {unit}'s; "
                                  f"submit one, named {unit}.ipynb")
        chosen = best[0]
    cells = notebooks.read_cells(chosen.read(MAX_NOTEBOOK_BYTES, CLEAR_OUTPUTS), chosen.rel)
    result = notebooks.exercise_sources(cells, unit, chosen.rel)
    result.source = chosen.rel
    return result


def nothing_found(files: list[File], modules: list[str], unit: str) -> str:
    wanted_names = ", ".join(m + ".py" for m in modules)
    near = sorted({f.rel for m in modules for f in near_misses(m, files)})
    text = f"the submission holds none of the unit's modules ({wanted_names}) and no notebook of {unit}"
    if near:
        text += f"; these look like them but were not graded: {', '.join(near[:6])} (rename them and resubmit)"
    return text


# ---------------------------------------------------------------- grading what was found
def grade(path: Path, unit: str, **kw):
    """Grade any upload (folder, zip, notebook) as :func:`runner.grade` grades a folder of modules;
    the report's top-level output carries the intake's notes."""
    from . import runner

    found = intake(path, unit)
    return grade_intake(found, unit, **kw)


def grade_intake(found: Intake, unit: str, **kw):
    from . import runner

    with tempfile.TemporaryDirectory(prefix="deepgrade-intake-") as work:
        report = runner.grade(found.write(Path(work) / unit), unit, **kw)
    report.output = found.summary(report)
    return report


def grade_entry(entry: Path, unit: str, **kw) -> tuple[str, object]:
    """One class-folder entry graded to its gradebook status: ``("graded", Report)``, or
    ``("invalid", why)`` for an upload that cannot be graded, or ``("error", traceback)`` when the
    grader itself failed. ``kw`` go to :func:`autograder.runner.grade`; batch and cluster grading share this.
    """
    import traceback

    from . import gradebook as gb

    try:  # plots stay data: pages drawn from the gradebook draw them (report_html.draw_report)
        return gb.GRADED, grade_intake(intake(Path(entry), unit), unit, **kw)
    except SubmissionError as exc:
        return gb.INVALID, str(exc)
    except Exception:
        return gb.ERROR, "internal grader error:\n" + traceback.format_exc(limit=8)
