"""The engine: wire format, bad submissions, the CLI's contract, stubs and the self-check."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from autograder import stubs
from autograder.suite import load_suite
from autograder.sandbox import wire
from autograder.sandbox.worker_process import Limits

from .support import ROOT, grade, make_submission

UNIT = "unit01_foundations"
CLI = [sys.executable, "-m", "autograder.cli"]


# ---------------------------------------------------------------- wire
def roundtrip(value):
    r, w = os.pipe()
    wire.send(w, {"op": "x"}, value)
    header, blobs = wire.Reader(r).read()
    os.close(r), os.close(w)
    return wire.decode(header["value"], blobs)


def test_wire_roundtrips_plain_data():
    value = (np.arange(6.0).reshape(2, 3), 1.5, 3, True, None, "s", [np.int64(2)], {"a": (float("nan"),)})
    out = roundtrip(value)
    assert type(out) is tuple and type(out[0]) is np.ndarray and out[0].shape == (2, 3)
    assert out[1:6] == (1.5, 3, True, None, "s") and out[6] == [2] and np.isnan(out[7]["a"][0])
    assert roundtrip(np.float64(2.5)) == 2.5 and type(roundtrip(np.float64(2.5))) is float
    assert roundtrip(np.zeros(())).shape == ()


def test_wire_refuses_objects_without_a_keeper_and_pickled_arrays():
    with pytest.raises(TypeError):
        wire.encode(object(), [])
    buf = io.BytesIO()
    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(wire.ProtocolError):
        wire._load_npy(buf.getvalue())


def test_wire_rejects_malformed_frames():
    for junk in (b"\x00" * 8, (1 << 40).to_bytes(8, "big"), (5).to_bytes(8, "big") + b"notjs"):
        r, w = os.pipe()
        os.write(w, junk)
        os.close(w)
        with pytest.raises((wire.ProtocolError, EOFError)):
            wire.Reader(r).read()
        os.close(r)
    with pytest.raises(wire.ProtocolError):
        wire.decode({"$nd": 5}, [])
    with pytest.raises(wire.ProtocolError):
        wire.decode({"$weird": 1}, [])


# ---------------------------------------------------------------- bad submissions
def outputs(report):
    return {r.name: r.output for r in report.results}


def test_syntax_error_fails_only_that_module(tmp_path):
    path = make_submission(tmp_path, UNIT, extra={"tensors.py": "def transpose(A)\n    return A\n"})
    report = grade(path, UNIT, only=["tensors", "activations"])
    out = outputs(report)
    text = out["rank_values"]
    assert "importing tensors.py raised SyntaxError" in text and text.count("raised") == 1, text
    assert "import import" not in text and "could not import" not in text
    assert report.by_name()["sigmoid_values"].status == "passed"


def test_missing_function_and_missing_module(tmp_path):
    source = (ROOT / "reference" / UNIT / "perceptron.py").read_text().replace("def predict(", "def predikt(")
    path = make_submission(tmp_path, UNIT, extra={"perceptron.py": source})
    (path / "network.py").unlink()
    out = outputs(grade(path, UNIT, only=["perceptron", "network"]))
    assert "`predict` is missing from perceptron.py" in out["predict_labels"], out["predict_labels"]
    assert "AttributeError" not in out["predict_labels"]
    assert "network.py is missing" in out["dense_forward_values"]


def test_wrong_type_shape_and_exception_messages(tmp_path):
    path = make_submission(tmp_path, UNIT, {
        "network.dense_forward": "def dense_forward(X, W, b):\n    return (X @ W + b).tolist()\n",
        "activations.step": "def step(z):\n    return (z >= 0)[None] * 1.0\n",
        "tensors.dot": "def dot(u, v):\n    return u[len(u) + 1]\n",
    })
    out = outputs(grade(path, UNIT, only=["dense_forward_values", "step_values", "dot_values"]))
    assert "should be a numpy array, but it is a list" in out["dense_forward_values"]
    assert "has shape (1, 16); expected shape (16,)" in out["step_values"]
    assert "tensors.dot raised IndexError" in out["dot_values"] and "line" in out["dot_values"]


def test_call_that_never_returns_fails_its_check_and_the_rest_still_run(tmp_path):
    path = make_submission(tmp_path, UNIT, {"activations.step": "def step(z):\n    while True:\n        pass\n"})
    later = "tanh_derivative_finite_differences"
    report = grade(path, UNIT, only=["step_values", later], limits=Limits(call_timeout=1.0))
    assert "activations.step did not finish within 1 s" in report.by_name()["step_values"].output
    assert report.by_name()[later].status == "passed"
    assert report.workers_started == 2


def test_printing_does_not_break_the_protocol(tmp_path):
    path = make_submission(tmp_path, UNIT, {"activations.relu": """
        def relu(z):
            print('{"ok": true}' * 1000)
            import sys; sys.stdout.flush()
            return np.maximum(z, 0)
    """})
    assert grade(path, UNIT, only=["relu_values"]).by_name()["relu_values"].status == "passed"


def test_a_call_that_floods_its_output_is_stopped_at_the_limit_and_given_up_on():
    """Output beyond what is kept is drained and dropped; past OUTPUT_LIMIT in one call the worker is
    stopped at once (not after the flood, or the call's time-out) and the function is not called again."""
    from autograder.sandbox.session import Session, Student
    from autograder.sandbox.worker_process import OUTPUT_LIMIT, StudentError

    files = {"__init__.py": "", "loud.py": "import os\n\ndef say(mb):\n    for _ in range(mb << 10):\n"
                                          "        os.write(2, b'x' * 1023 + b'\\n')\n    return mb\n"}
    session = Session("loud_output", files, limits=Limits(call_timeout=30))
    student = Student(session)
    try:
        session.begin_check(60)
        assert student.loud.say(2) == 2  # a few megabytes are fine
        with pytest.raises(StudentError) as flood:
            student.loud.say(100_000)  # 100 GB: only stopping it early ends this call in time
        assert str(flood.value) == f"loud.say wrote more than {OUTPUT_LIMIT >> 20} MB of output, so it was stopped " \
                                   "(printing in a loop?)"
        assert session.worker.stderr.total < 2 * OUTPUT_LIMIT
        with pytest.raises(StudentError) as again:
            student.loud.say(1)
        assert str(again.value) == f"not run: loud.say was given up on earlier (it wrote more than {OUTPUT_LIMIT >> 20} " \
                                   "MB of output)"
    finally:
        session.close()


def test_a_line_printed_many_times_in_a_row_is_shown_once_with_its_count():
    from autograder.report import CheckResult, feedback

    result = CheckResult("c", "1", "m.f", 0.0, 1.0, "failed", "visible", [], printed="loss 0.5\n" * 40 + "done\nloss 0.5\n")
    assert feedback(result) == "failed\nYour code printed:\n    loss 0.5   [40 times]\n    done\n    loss 0.5"


def test_every_failed_case_is_reported_under_its_label_and_identical_errors_collapse(tmp_path):
    path = make_submission(tmp_path, UNIT, {"tensors.rank": """
        def rank(A, tol=None):
            if A.shape[0] != A.shape[1]:
                raise ValueError("only square matrices")
            return int(np.linalg.matrix_rank(A)) + 1
    """})
    text = outputs(grade(path, UNIT, only=["rank_values"]))["rank_values"]
    lines = text.splitlines()
    assert lines[0].endswith("cases passed."), text
    same = [line for line in lines if "the same error" in line]
    assert same and all(label in same[0] for label in ("5x4", "3x6", "6x3")), text
    error = lines.index(same[0]) + 1
    assert lines[error] == "    tensors.rank raised ValueError: only square matrices", text
    assert text.count("raised ValueError") == 1 and "      at tensors.py" in text
    assert "- rank of a 4x4 matrix of rank 1:\n    rank of a 4x4 matrix built with rank 1 is 2; expected 1" in text


def test_a_function_raising_inside_a_driver_or_a_wrong_attribute_is_not_called_missing(tmp_path):
    path = make_submission(tmp_path, UNIT, {"tensors.dot": "def dot(u, v):\n    return np.dott(u, v)\n"})
    text = outputs(grade(path, UNIT, only=["dot_values"]))["dot_values"]
    assert "AttributeError" in text and "is missing" not in text


def test_float32_results_are_named_and_zero_one_answers_compared_as_equal(tmp_path):
    path = make_submission(tmp_path, UNIT, {
        "activations.sigmoid": "def sigmoid(z):\n    return (0.5 * (1 + np.tanh(z / 2))).astype(np.float32)\n",
        "activations.step": "def step(z):\n    return (z > 0) * 1.0\n",
    })
    out = outputs(grade(path, UNIT, only=["sigmoid_values", "step_values"]))
    assert "sigmoid(z): returned float32; compute in float64" in out["sigmoid_values"], out["sigmoid_values"]
    assert "rounding to float32" in out["sigmoid_values"]
    assert "within STRICT: rtol 1e-9, atol 1e-12" in out["sigmoid_values"]
    step = out["step_values"]
    assert "step(z) is wrong in 2 of 4 entries (every correct value here is 0 or 1)" in step, step
    assert "you returned 0, expected 1" in step and "relative difference" not in step


def test_hidden_checks_never_show_expected_values_even_when_a_failure_is_quoted(tmp_path):
    from autograder import runner
    from autograder.checks import compare
    from autograder.context import CheckFailure
    from autograder.suite import Check, load_suite

    def check(ctx):
        got = ctx.student.tensors.matmul(np.eye(2), np.eye(2))
        with ctx.case("plain"):
            compare.close(got, 2.5 * np.eye(2), "matmul(I, I)")
        with ctx.case("quoted"):
            try:
                compare.close_scalar(float(got[0, 0]), 7.25, "trace part")
            except CheckFailure as exc:
                raise CheckFailure(f"while checking: {exc}") from None

    session = runner.open_session(make_submission(tmp_path, UNIT), load_suite(UNIT))
    try:
        shown, hidden = (runner.run_check(Check("c", check, "tensors.matmul", 2.0, visibility), "1", session, None, 1)
                         for visibility in ("visible", "hidden"))
    finally:
        session.close()
    assert "expected 2.5" in shown.output and "expected 7.25" in shown.output
    assert "2.5" not in hidden.output and "7.25" not in hidden.output, hidden.output
    assert "which is not correct" in hidden.output and hidden.score == shown.score == 0


# ---------------------------------------------------------------- CLI
def run_cli(*args, cwd=None):
    env = {**os.environ, "DEEPGRADE_SALT": "cli-test-salt"}
    return subprocess.run(CLI + list(args), capture_output=True, text=True, cwd=cwd, timeout=300, env=env)


@pytest.mark.parametrize("args, message", [
    (["grade", "no/such/folder", "--no-sandbox"], "no such file or folder"),
    (["grade", "reference/unit01_foundations", "--unit", "unit99_nope", "--no-sandbox"], "unknown unit"),
    (["grade", "autograder/drivers", "--unit", UNIT, "--no-sandbox"], "holds none of the unit's modules"),
])
def test_cli_usage_errors_are_one_line(args, message):
    done = run_cli(*args, cwd=ROOT)
    assert done.returncode == 2 and message in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_cli_grade_writes_gradescope_json_and_exits_zero(tmp_path):
    out = tmp_path / "r.json"
    stub = tmp_path / UNIT
    subprocess.run(["cp", "-r", str(ROOT / "assignments" / UNIT), str(stub)], check=True)
    done = run_cli("grade", str(stub), "--json", str(out), "--no-sandbox", "--only", "activations")
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    assert results["score"] == 0 and isinstance(results["execution_time"], float)
    assert {"score", "execution_time", "output", "visibility", "tests"} <= set(results)
    for t in results["tests"]:
        assert set(t) == {"name", "number", "score", "max_score", "status", "output", "visibility", "tags"}
        assert isinstance(t["number"], str) and t["status"] in ("passed", "failed")


def test_cli_ends_without_teardown_yet_its_whole_output_reaches_a_pipe(tmp_path):
    """`autograder` exits by os._exit after main (cli.run): stdout must be flushed first."""
    stub = tmp_path / UNIT
    subprocess.run(["cp", "-r", str(ROOT / "assignments" / UNIT), str(stub)], check=True)
    done = run_cli("grade", str(stub), "--no-sandbox", "--format", "json")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)  # complete: a lost buffer would cut it short
    assert results["score"] == 0 and len(results["tests"]) == len(load_suite(UNIT).checks)


@pytest.mark.parametrize("redirect, message", [("| true", ""), ("> /dev/full", "could not write the output")])
def test_cli_output_that_cannot_be_written_is_one_line_not_a_traceback(redirect, message):
    """A reader that left (`| head` once it has its lines; `true` reads nothing, so the grading's
    first write finds the pipe closed, whatever the timing) ends it quietly; a full disk says so
    once; both exit 1."""
    command = " ".join(CLI + ["grade", "reference/unit01_foundations", "--only", "activations", "--no-sandbox"])
    done = subprocess.run(["bash", "-c", f"{command} {redirect}; exit ${{PIPESTATUS[0]}}"], cwd=ROOT, text=True,
                          capture_output=True, timeout=300, env={**os.environ, "DEEPGRADE_SALT": "cli-test-salt"})
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == bool(message)


def test_cli_list_shows_units_and_points():
    done = run_cli("list")
    assert done.returncode == 0 and UNIT in done.stdout and "activations.sigmoid" in done.stdout


def test_cli_list_checks_shows_one_row_per_check():
    done = run_cli("list", "--checks", "--unit", UNIT)
    assert done.returncode == 0, done.stderr
    for word in ("visibility", "ships", "false failure", "rank_values", "training_matches_reference",
                 "needs it", "instructor only"):
        assert word in done.stdout, word


# ---------------------------------------------------------------- stubs and self-check
def test_assignments_are_up_to_date_with_reference():
    assert stubs.stale() == [], "run `make stubs`"


def test_derived_reference_results_are_up_to_date():
    """Each ``reference/<unit>/.derived.json`` is what its suite computes from the reference now."""
    from autograder import derived

    assert derived.stale() == [], "run `make stubs`"


def test_a_derived_result_is_read_only_while_its_digest_matches(monkeypatch):
    """A stored result is used while its digest (the reference's modules, the computing module, the
    drivers, torch's version) is unchanged, and computed again once anything changed."""
    import types

    import reference.unit01_foundations as reference
    from autograder import derived

    computed = []

    def answer(ref):
        computed.append(ref)
        return {"live": 1}
    suite = types.SimpleNamespace(derived={"answer": answer}, drivers={"tools": "def f():\n    pass\n"})
    fresh = derived.digest(suite, reference, answer)
    monkeypatch.setattr(derived, "_stored", lambda ref: {"answer": {"digest": fresh, "value": {"stored": 1}}})
    assert derived.value(suite, reference, "answer") == {"stored": 1} and computed == []
    suite.drivers["tools"] += "# edited\n"
    assert derived.digest(suite, reference, answer) != fresh
    assert derived.value(suite, reference, "answer") == {"live": 1} and computed == [reference]


def test_strip_solutions_keeps_signature_and_docstring():
    source = 'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n'
    assert stubs.strip_solutions(source) == 'def f(x):\n    """Doc."""\n    # YOUR CODE HERE\n    raise NotImplementedError\n'
    with pytest.raises(stubs.StubError):
        stubs.strip_solutions("### BEGIN SOLUTION\nx = 1\n")


def test_pytest_self_check_on_the_stub_reports_failures_and_skips(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
                           str(ROOT / "assignments" / UNIT)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 1, done.stdout[-2000:]
    assert "not implemented yet" in done.stdout
    assert "needs the reference solution" in done.stdout
    suite = load_suite(UNIT)
    not_run = sum(c.needs_reference or not c.ships or c.visibility == "hidden" for c in suite.checks)
    assert f"{not_run} skipped" in done.stdout
    assert "instructor-only (compares with a key)" in done.stdout or all(c.ships for c in suite.checks)
    assert "public test vectors" in done.stdout


@pytest.mark.parametrize("fork", [False, True], ids=["exec", "zygote"])
def test_the_self_checks_head_start_worker_is_the_one_it_uses(fork):
    """Pool(refill=False), started before the suite is imported: a take while that worker (or zygote)
    still starts waits for it (no second start). Without a zygote no replacement follows and a
    later take starts cold; with one, a later take is forked from it too."""
    from autograder.sandbox.plain import Launcher
    from autograder.sandbox.pool import Pool

    spawned = []

    class Counting(Launcher):
        def spawn(self, *args, **kwargs):
            spawned.append(args[1])
            return super().spawn(*args, **kwargs)

    pool = Pool(Counting(), preloads=("numpy",), refill=False, fork=fork)
    first = pool.take("numpy")
    try:
        assert first.alive and spawned == ["numpy"]
        first.kill()
        second = pool.take("numpy")  # after a crash, say
        assert second.alive and second is not first and spawned == ["numpy"] * (1 if fork else 2)
        second.kill()
    finally:
        pool.close()
    assert spawned == ["numpy"] * (1 if fork else 2)


@pytest.mark.parametrize("refill", [False, True], ids=["one grading", "many"])
def test_only_a_pool_serving_many_gradings_preloads_what_pays_across_workers(refill):
    """torch.optim's first step imports TorchDynamo (1.1 s): a zygote forking many workers imports it
    once for all; a one-shot pool (a self-check, whose public checks step no optimizer) leaves it out.
    Either way the worker is taken under the unit's preload name."""
    from autograder import units
    from autograder.sandbox.plain import Launcher
    from autograder.sandbox.pool import Pool

    spawned = []

    class Counting(Launcher):
        def spawn(self, *args, **kwargs):
            spawned.append(args[1])
            return super().spawn(*args, **kwargs)

    preload = units.preload("unit08_autoencoders")
    assert "dynamo" in preload.split(",")
    pool = Pool(Counting(), preloads=(preload,), refill=refill)
    try:
        worker = pool.take(preload)
        assert worker.alive
        worker.kill()
    finally:
        pool.close()
    assert spawned == [preload if refill else "numpy,torch"]


def test_autograder_check_counts_its_round_trips_and_workers():
    """The footer of ``autograder check`` says what the self-check cost, as ``grade``'s does."""
    from rich.console import Console

    from autograder import selfcheck
    from autograder.sandbox.plain import Launcher

    report = selfcheck.run(ROOT / "reference" / UNIT, UNIT, launcher=Launcher())
    assert report.workers_started == 1 and report.round_trips > 0, (report.workers_started, report.round_trips)
    out = io.StringIO()
    report.table(Console(file=out, width=200))
    assert f"{report.round_trips} round trips; 1 worker(s)" in out.getvalue()


# ---------------------------------------------------------------- what a check calls
RECORDED_FILES = {"__init__.py": "", "shapes.py": """
class Square:
    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side ** 2


def make(side):
    return Square(side)


def double(x):
    return 2 * x
"""}
RECORDED_DRIVER = {"probe": "def twice(x):\n    return student('shapes.double')(x)\n"}


def test_session_records_the_exercises_a_check_calls():
    from autograder.sandbox.session import Session, Student

    session = Session("recorded", RECORDED_FILES, drivers=RECORDED_DRIVER)
    student = Student(session)
    try:
        session.begin_check(10)
        square = student.shapes.make(3)
        assert session.calls == {"shapes.make"}
        session.begin_check(10)  # a method of a handle counts as the exercise that returned it
        assert student.method(square, "area")() == 9 and session.calls == {"shapes.make"}
        session.begin_check(10)  # a trusted driver's calls through student(...) count too
        assert student.driver("probe", "twice")(4) == 8 and session.calls == {"shapes.double"}
        session.begin_check(10)
        assert student.shapes.double.map([(1,), (2,)]) == [2, 4] and session.calls == {"shapes.double"}
    finally:
        session.close()


# ---------------------------------------------------------------- warnings and broken modules
def test_a_warning_in_student_code_fails_its_case(tmp_path):
    path = make_submission(tmp_path, UNIT, {"activations.sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"})
    result = grade(path, UNIT, only=["sigmoid_values"]).results[0]
    assert 0 < result.score < result.max_score
    assert "activations.sigmoid raised a warning: RuntimeWarning: overflow encountered in exp" in result.output


EXITS = "import os\n\n" + "".join(f"def {f}(*args):\n    os._exit(0)\n\n" for f in (
    "sigmoid", "sigmoid_derivative", "relu", "relu_derivative", "tanh", "tanh_derivative", "step"))


def test_a_module_whose_first_two_functions_exit_before_any_returned_fails_its_remaining_calls_at_once(tmp_path):
    path = make_submission(tmp_path, UNIT, extra={"activations.py": EXITS})
    report = grade(path, UNIT, only=["activations", "tensors"])
    activations = [r for r in report.results if r.exercise.startswith("activations.")]
    assert report.workers_started <= 3 and all(r.score == 0 for r in activations)
    assert activations[-1].output == (
        "not run: activations.py was given up on earlier (no call into it ever returned: activations.sigmoid "
        "exited the worker: exit status 0, as os._exit does; activations.sigmoid_derivative exited the worker: "
        "exit status 0, as os._exit does)")
    assert all(r.status == "passed" for r in report.results if r.exercise.startswith("tensors."))


def test_after_one_module_was_given_up_on_one_crash_is_enough_elsewhere(tmp_path):
    import ast

    source = (ROOT / "reference" / UNIT / "perceptron.py").read_text()
    names = [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    exits = source + "\n\nimport os\n" + "".join(f"\ndef {n}(*args, **kwargs):\n    os._exit(0)\n" for n in names)
    path = make_submission(tmp_path, UNIT, extra={"activations.py": EXITS, "perceptron.py": exits})
    report = grade(path, UNIT, only=["activations", "perceptron"])
    perceptron = [r for r in report.results if r.exercise.startswith("perceptron.")]
    assert all(r.score == 0 for r in report.results) and report.workers_started <= 4
    assert perceptron[-1].output.endswith(
        "not run: perceptron.py was given up on earlier (no call into it ever returned: perceptron.train_perceptron "
        "exited the worker: exit status 0, as os._exit does; activations.py was given up on before)")


def test_a_driver_entering_a_function_that_exits_is_stopped_after_one_crash():
    from autograder.sandbox.session import Session, Student
    from autograder.sandbox.worker_process import StudentError

    files = {"__init__.py": "", "dies.py": "import os\n\ndef now():\n    os._exit(3)\n"}
    session = Session("drivers_exit", files, drivers={"probe": "def run():\n    return student('dies.now')()\n"})
    student = Student(session)
    try:
        for attempt in range(3):
            session.begin_check(10)
            with pytest.raises(StudentError) as failure:
                student.driver("probe", "run")()
        assert str(failure.value) == "not run: dies.now was given up on earlier (it exited the worker: exit status 3, " \
                                     "as os._exit does)"
        assert session.workers_started == 2  # the later calls failed at once, in the second worker
    finally:
        session.close()


def test_an_object_lost_with_a_worker_that_exited_is_refused_not_mistaken_for_a_new_one():
    """Handle ids restart in each worker: an object from the worker an os._exit ended must not be
    read as the new worker's object of the same id (generator_step_update's step 2 read
    "call raised KeyError: 'no object #1 in the worker'")."""
    from autograder.sandbox.session import Session, Student
    from autograder.sandbox.worker_process import StudentError

    files = {"__init__.py": "", "objs.py": "import os\n\nclass Box:\n    def __init__(self, v):\n"
             "        self.v = v\n\n    def get(self):\n        return self.v\n\n\ndef make(v):\n"
             "    return Box(v)\n\n\ndef read(box):\n    return box.get()\n\n\ndef die():\n    os._exit(0)\n"}
    session = Session("lost_objects", files)
    student = Student(session)
    try:
        session.begin_check(30)
        old = student.objs.make(1)
        with pytest.raises(StudentError):
            student.objs.die()
        new = student.objs.make(2)
        assert new.id == old.id  # the fresh worker reuses the id
        for call in (lambda: student.objs.read(old), lambda: student.method(old, "get")()):
            with pytest.raises(StudentError) as failure:
                call()
            assert str(failure.value) == ("not run: the Box it uses was lost when the worker ended (objs.die exited "
                                          "the worker: exit status 0, as os._exit does)")
        assert student.objs.read(new) == 2 and student.method(new, "get")() == 2
    finally:
        session.close()


# ---------------------------------------------------------------- salt and where grading runs
def salt_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DEEPGRADE_SALT", "DEEPGRADE_SALT_FILE")}
    return {**env, "DEEPGRADE_SALT_FILE": str(tmp_path / "course" / "salt"), **extra}


def test_salt_is_created_only_on_request_and_grading_without_one_says_how(tmp_path):
    env = salt_env(tmp_path)
    submission = make_submission(tmp_path, UNIT)
    done = subprocess.run(CLI + ["grade", str(submission), "--no-sandbox", "--only", "tensors.dot"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 2 and "autograder salt --create" in done.stderr, done.stderr
    assert not (tmp_path / "course").exists()
    done = subprocess.run(CLI + ["salt", "--create"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 0 and str(tmp_path / "course" / "salt") in done.stdout
    assert len((tmp_path / "course" / "salt").read_text().strip()) == 32
    assert (tmp_path / "course" / "salt").stat().st_mode & 0o077 == 0
    again = subprocess.run(CLI + ["salt", "--create"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_same_submission_id_grades_the_same_from_any_directory_and_writes_nothing_there(tmp_path):
    env = salt_env(tmp_path)
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "salt").write_text("0123456789abcdef\n")
    submission = make_submission(tmp_path, UNIT, {"activations.sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-1.01 * z))\n"})
    before = sorted(p.relative_to(submission) for p in submission.rglob("*"))
    results = []
    for name in ("first", "second"):
        here = tmp_path / name
        here.mkdir()
        out = tmp_path / f"{name}.json"
        done = subprocess.run(CLI + ["grade", str(submission), "--no-sandbox", "--submission-id", "ada", "--json", str(out),
                                     "--only", "activations", "tensors.rank"],
                              capture_output=True, text=True, cwd=here, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        assert list(here.iterdir()) == [], f"grading wrote into the current directory: {list(here.iterdir())}"
        data = json.loads(out.read_text())
        data.pop("execution_time")
        results.append(data)
    assert results[0] == results[1]
    assert 0 < results[0]["score"] < sum(t["max_score"] for t in results[0]["tests"])
    assert sorted(p.relative_to(submission) for p in submission.rglob("*")) == before



def test_grade_without_an_id_takes_the_paths_name_and_says_how_to_regrade(tmp_path, monkeypatch, capsys):
    """``grade PATH`` drew a random id, shown only in the HTML report: the terminal's grading could not
    be reproduced. Now the id is the entry's name (as ``batch`` names it), printed with the option
    that regrades any copy identically; another id gives other inputs (so the messages tell them apart)."""
    from autograder.cli import main

    from .classroom import zip_folder

    monkeypatch.setenv("DEEPGRADE_SALT", "id-test-salt")
    wrong = {"activations.sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-1.01 * z))\n"}
    ada = make_submission(tmp_path / "w", UNIT, wrong).rename(tmp_path / "ada")
    upload = tmp_path / "upload.zip"  # the same work under another name
    zip_folder(ada, upload)
    options = ["--unit", UNIT, "--no-sandbox", "--only", "activations.sigmoid"]

    def graded(*argv):
        capsys.readouterr()
        assert main(["grade", *argv, *options, "--format", "json"]) == 0
        data = json.loads(capsys.readouterr().out)
        return data["extra_data"]["submission_id"], [(t["score"], t["output"]) for t in data["tests"]]

    first, again = graded(str(ada)), graded(str(ada))
    assert first == again and first[0] == "ada" and first[1][0][0] == 0  # same id, same inputs, same messages
    assert graded(str(upload), "--submission-id", "ada") == first  # any copy, given the id
    other = graded(str(upload))
    assert other[0] == "upload" and other[1] != first[1]
    assert main(["grade", str(ada), *options]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "submission id: ada (its name, as batch uses); " in said and "`--submission-id ada` regrades" in said


# ---------------------------------------------------------------- the repository's own tables and imports
TABLES = ("MUTANTS", "ALTERNATIVES", "NARROWING", "MISCONCEPTIONS")


def duplicate_keys(path) -> list[str]:
    """``TABLE: 'key' (lines a and b)`` for each key written twice in a table's dict literal (the
    second silently replaces the first, so an entry would go untested)."""
    import ast

    found = []
    for node in ast.parse(path.read_text()).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        names = [t.id for t in targets if isinstance(t, ast.Name) and t.id in TABLES]
        if not names or not isinstance(node.value, ast.Dict):
            continue
        seen: dict = {}
        for key in node.value.keys:
            if key is None:  # **other: merged at run time, nothing to see here
                continue
            value = ast.literal_eval(key)
            if value in seen:
                found.append(f"{names[0]}: {value!r} (lines {seen[value]} and {key.lineno})")
            seen[value] = key.lineno
    return found


def test_mutant_tables_have_no_duplicate_keys():
    problems = {path.name: dup for path in sorted((ROOT / "tests" / "units").glob("test_unit*.py"))
                if (dup := duplicate_keys(path))}
    assert not problems, problems


def test_duplicate_key_guard_sees_a_duplicate(tmp_path):
    path = tmp_path / "test_unit99.py"
    path.write_text('MUTANTS = {\n    "a": ("m.f", "x"),\n    "b": ("m.g", "y"),\n    "a": ("m.h", "z"),\n}\n')
    assert duplicate_keys(path) == ["MUTANTS: 'a' (lines 2 and 4)"]


# Import cycles left to other work in progress, each through an import inside a function:
# submission grading through runner and notebooks (the intake work); gradescope borrowing the CLI's stream setup. Remove an entry when its cycle is gone; add none.
KNOWN_CYCLES = {
    ("autograder.notebooks", "autograder.runner", "autograder.submission"),
    ("autograder.notebooks", "autograder.submission"),
    ("autograder.runner", "autograder.submission"),
    ("autograder.cli", "autograder.gradescope"),
}


def import_cycles(package) -> set[tuple[str, ...]]:
    """Cycles among the package's modules, counting imports inside functions too."""
    import ast

    graph = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        base = parts[:-1]
        module = ".".join(base if path.name == "__init__.py" else parts)
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                target = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
                for alias in node.names:
                    name = f"{target}.{alias.name}"
                    deps.add(name if (package.parent / (name.replace(".", "/") + ".py")).exists() else target)
        graph[module] = deps
    cycles = set()

    def visit(module, stack):
        if module in stack:
            cycle = stack[stack.index(module):]
            first = cycle.index(min(cycle))
            cycles.add(tuple(cycle[first:] + cycle[:first]))
            return
        for dep in graph.get(module, ()):
            visit(dep, stack + [module])

    for module in graph:
        visit(module, [])
    return cycles


def test_no_import_cycles_in_the_engine():
    cycles = import_cycles(ROOT / "autograder")
    assert cycles - KNOWN_CYCLES == set(), "a new import cycle"
    assert KNOWN_CYCLES - cycles == set(), "a known cycle is gone: remove it from KNOWN_CYCLES"


# ---------------------------------------------------------------- warm-ups
def test_warm_ups_run_in_the_background_and_one_that_fails_costs_nothing(monkeypatch):
    import dataclasses
    import threading

    from autograder import runner

    release, ran = threading.Event(), []
    suite = dataclasses.replace(load_suite(UNIT), warmups=[
        lambda reference: 1 / 0, lambda reference: (release.wait(30), ran.append(reference))])
    monkeypatch.setattr(runner, "_WARMED", set())
    reference = runner.load_reference(suite)  # returns while the second warm-up still waits
    assert reference is not None and ran == []
    release.set()
    for thread in threading.enumerate():
        if thread.name == "warm-up":
            thread.join(30)
    assert ran == [reference]
    runner.load_reference(suite)  # once per process
    assert ran == [reference]
