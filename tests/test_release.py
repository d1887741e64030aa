"""The student release: no reference bytes in it, and a student can install it and self-check."""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder import release
from autograder.cli import main

from .support import ROOT, linked_venv

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return release.build(tmp_path_factory.mktemp("release") / "course", vector_units=["unit01_foundations"])


def reference_solution_lines() -> set[str]:
    """Non-trivial stripped lines inside solution regions that never appear outside one, except the
    framework idioms that release.IDIOMS lists (they are tested below to stay that narrow)."""
    inside_lines, outside_lines = set(), set()
    for path in sorted(ROOT.glob("reference/*/*.py")):
        inside = False
        for line in path.read_text().splitlines():
            s = line.strip()
            if s in (BEGIN, END):
                inside = s == BEGIN
            elif inside:
                inside_lines.add(s)
            else:
                outside_lines.add(s)
    return {s for s in inside_lines - outside_lines
            if len(s) >= 12 and not s.startswith("#") and not release.is_idiom(s)}


def test_no_reference_line_anywhere_in_the_release(out):
    secret = reference_solution_lines()
    assert len(secret) > 50  # the comparison has something to find
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files
    found = [f"{p.relative_to(out)}: {line.strip()}" for p in files
             for line in p.read_bytes().decode("utf-8", "replace").splitlines() if line.strip() in secret]
    assert not found, "solution lines in the release:\n" + "\n".join(found)
    assert not any((out / name).exists() for name in ("reference", "tests", ".deepgrade"))
    assert {p.name for p in out.iterdir()} == {"assignments", "autograder", "README.md", "pyproject.toml"}
    assert not release.leaks(out)


def test_release_ships_public_vectors_as_data(out):
    from autograder import vectors
    shipped = vectors.read(out / "autograder" / "public", "unit01_foundations")
    assert shipped and sum(len(e["calls"]) for e in shipped["functions"].values()) >= 10
    assert {p.suffix for p in (out / "autograder" / "public").iterdir()} == {".py", ".json", ".npz"}


def test_release_ships_the_digests_of_the_stubs_it_ships(out):
    from autograder.course import code_digest
    table = json.loads((out / "autograder" / "stub_digests.json").read_text(encoding="utf-8"))
    released = {unit.name: {p.name: code_digest(p.read_text(encoding="utf-8")) for p in unit.glob("*.py")
                            if p.name != "test_selfcheck.py"}
                for unit in (out / "assignments").glob("unit*")}
    assert released and table == released


def test_release_holds_no_instructor_only_code_and_lists_those_checks(out):
    assert (ROOT / "autograder" / "keys").is_dir() and not (out / "autograder" / "keys").exists()
    from autograder.suite import load_suite, unit_names
    for unit in unit_names():
        manifest = json.loads((out / "autograder" / "units" / f"{unit}.instructor.json").read_text())
        expected = [c.name for c in load_suite(unit).checks if not c.ships]
        assert [c["name"] for c in manifest["checks"]] == expected
        assert all({"name", "exercise", "points", "visibility"} <= set(c) for c in manifest["checks"])


@pytest.mark.parametrize("planted", ["autograder/keys/unit01_foundations.py", "assignments/.hypothesis/examples/x",
                                     ".deepgrade/salt", "autograder/results.json", "assignments/feedback/a.html",
                                     "gradebook.sqlite", "autograder/units/unit_key"])
def test_leaks_finds_planted_secrets_and_artifacts(out, planted):
    path = out / planted
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x = 1\n")
    try:
        assert any(planted.split("/")[0] in p or path.name in p for p in release.leaks(out)), release.leaks(out)
    finally:
        path.unlink()
        for parent in path.relative_to(out).parents:
            if str(parent) != "." and (out / parent).exists() and not any((out / parent).rglob("*")):
                (out / parent).rmdir()
    assert not release.leaks(out)


def test_leaks_finds_a_unit_key(out, monkeypatch):
    from autograder import seeds
    monkeypatch.setenv("DEEPGRADE_SALT", "release-test-salt")
    planted = out / "assignments" / "key.txt"
    planted.write_text(seeds.unit_key("release-test-salt", "unit05_cnn"))
    try:
        assert any("unit key" in p for p in release.leaks(out))
    finally:
        planted.unlink()


def test_the_self_check_names_instructor_only_checks(tmp_path, monkeypatch):
    """In the release (no autograder/keys), the listed checks are placeholders the self-check skips."""
    from autograder import runner, suite as suite_module
    manifest = tmp_path / "unit99.instructor.json"
    manifest.write_text(json.dumps({"unit": "unit99", "checks": [
        {"name": "sigmoid_key", "exercise": "activations.sigmoid", "points": 2, "visibility": "visible"}]}))
    monkeypatch.setattr(suite_module, "instructor_only_manifest", lambda unit: manifest)
    suite = suite_module.Suite("unit99", modules=["activations"])
    suite_module._list_instructor_only(suite)
    suite_module._list_instructor_only(suite)  # loading twice lists each check once
    [check] = suite.checks
    assert (check.name, check.exercise, check.points, check.ships) == ("sigmoid_key", "activations.sigmoid", 2, False)
    result = runner.run_check(check, "1", None, None, 0, public_only=True)
    assert result.skipped and result.output == "not run: instructor-only (compares with a key); it runs when your work is graded"


@pytest.mark.parametrize("line,idiom", [
    ("optimizer.zero_grad()", True), ("return model.eval()", True), ("with torch.no_grad():", True),
    ("losses.append(float(loss.item()))", True), ("return losses", True), ("if freeze_bn:", True),
    ("for _ in range(n_iters):", True), ("for t in range(len(x)):", True),
    ("rng = np.random.default_rng(seed)", True), ("optimizer = torch.optim.Adam(model.parameters(), lr=lr)", True),
    ("z = np.asarray(z, dtype=np.float64)", True), ("z = np.asarray(x, dtype=np.float64)", False),
    ("model.load_state_dict(weights)", False), ("loss = loss.backward() * 2", False),
    ("return b, c, 0.0, 1.0", False), ("if loss < best - min_delta:", False), ("return x @ W + b", False),
    ("for _ in range(len(x) - 1):", False), ("for t in range(1, len(x)):", False),
    ("losses.append(loss * scale)", False), ("optimizer = torch.optim.SGD(model.head.parameters(), lr=lr)", False),
])
def test_only_framework_idioms_are_exempt(line, idiom):
    assert release.is_idiom(line) is idiom


def test_release_command_refuses_a_leak(tmp_path):
    root = tmp_path / "course"
    (root / "reference" / "unit99_x").mkdir(parents=True)
    (root / "reference" / "unit99_x" / "m.py").write_text(f"def f(x):\n    {BEGIN}\n    return np.sqrt(x * x + 1.0)\n    {END}\n")
    (root / "assignments").mkdir()
    (root / "autograder").mkdir()
    (root / "autograder" / "check.py").write_text("def key(x):\n    return np.sqrt(x * x + 1.0)\n")
    (root / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    with pytest.raises(release.ReleaseError, match="check.py"):
        release.write(tmp_path / "out", root=root)
    assert not (tmp_path / "out").exists()


def test_release_command_writes_into_an_empty_folder_only(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("")
    assert main(["release", str(tmp_path / "taken")]) == 2
    assert "not empty" in capsys.readouterr().err


TORCH_PACKAGES = ("torch", "functorch", "torchgen", "nvidia", "triton")


def test_release_installs_without_torch_for_numpy_units(out):
    """Base dependencies without torch; torch is the extra ``torch``; the README names its units."""
    import tomllib

    project = tomllib.loads((out / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if release.is_torch(d)], project["dependencies"]
    assert any(d.startswith("numpy") for d in project["dependencies"])
    assert [d for d in project["optional-dependencies"]["torch"] if release.is_torch(d)]
    assert release.torch_units() == ["unit05_cnn", "unit07_gan", "unit08_autoencoders", "unit10_transfer"]
    readme = (out / "README.md").read_text()
    assert "pip install -e '.[torch]'" in readme and "unit07_gan" in readme and ".venv/bin/pytest" in readme
    assert not release.is_torch("torchvision") and release.is_torch("torch==2.13.0") and release.is_torch("torch")


def test_student_installs_release_and_runs_the_self_check(out):
    # A fresh venv with the project's packages linked in stands in for `pip install` offline. It
    # lives under /var/tmp: the sandbox mounts its own /tmp, which would hide a venv placed there.
    # numpy is hard-linked (the sandboxed worker cannot follow symlinks to the project venv).
    with tempfile.TemporaryDirectory(dir="/var/tmp", prefix="deepgrade-student-") as tmp:
        # a numpy unit's self-check runs without torch
        python = linked_venv(Path(tmp) / "venv", leave_out=TORCH_PACKAGES)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPGRADE", "PYTEST", "PYTHONPATH"))}
        subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", str(out)],
                       check=True, capture_output=True, env=env)
        where = subprocess.check_output([python, "-c", "import autograder; print(autograder.__file__)"], text=True,
                                        cwd=tmp, env=env)
        assert Path(where.strip()).is_relative_to(out)
        done = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:xdist", str(out / "assignments" / "unit01_foundations")],
                              capture_output=True, text=True, cwd=tmp, env=env, timeout=300)
    summary = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert " failed" in summary and "error" not in summary, summary
    assert "not implemented" in done.stdout
    assert "public test vectors" in done.stdout  # replayed from the shipped data, no reference needed
    assert "exited" not in done.stdout  # workers started: failures come from the stubs, not the setup
