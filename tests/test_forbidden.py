"""What a solution may use: forbidden APIs found in the syntax tree and seen in the worker."""
from __future__ import annotations

import pytest

from autograder.forbidden import Scan
from autograder.suite import Forbidden, load_suite

from .support import grade, make_submission

HAND_WRITTEN = "the numpy exercises of this unit are written by hand; torch's autograd would do the exercise"
NUMPY_ONLY = "unit 1 is written with numpy alone"

AUTOGRAD_CONV_BACKWARD = '''
def conv_backward(dout, cache):
    import torch
    x, w, stride, pad = cache
    dout = np.asarray(dout, dtype=np.float64)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.zeros(w.shape[0], dtype=torch.float64, requires_grad=True)
    out = torch.conv2d(xt, wt, bt, stride=stride, padding=pad)
    if dout.shape != tuple(out.shape):
        raise ValueError(f"dout must have shape {tuple(out.shape)}, got {dout.shape}")
    dx, dw, db = {grad}(out, (xt, wt, bt), torch.tensor(dout))
    return dx.numpy(), dw.numpy(), db.numpy()
'''
CONV = "unit05_cnn"
CONV_CHECKS = ["conv_backward_adjoint", "conv_backward_gradients"]


@pytest.fixture
def rules(monkeypatch):
    """Declare forbidden APIs on a unit's suite for one test: ``rules(unit, Forbidden(...), ...)``."""
    def declare(unit, *forbidden):
        monkeypatch.setattr(load_suite(unit), "forbidden", list(forbidden))
    return declare


def conv_rule():
    return Forbidden(("torch.autograd", "torch.func", "torch.nn.functional", "torch.Tensor.backward"),
                     ("layers",), HAND_WRITTEN)


def test_scan_follows_aliases_strings_and_helpers():
    source = '''
import importlib
import numpy as np
import torch as t
from torch.autograd import grad as g
NAME = "sci" + "py"

def aliased(x):
    return t.autograd.grad(x, x)

def shadowed(F):
    return F.sum()

def by_string(x):
    return importlib.import_module(NAME + ".special").expit(x)

def dunder(x):
    return __import__("sympy").diff(x)

def dynamic(x):
    return getattr(t, "func").vjp(x)

def backward(x):
    x.backward()

def helper(x):
    return g(x)

def through_helper(x):
    return helper(x)
'''
    scan = Scan(source, ["torch.autograd", "torch.func", "torch.Tensor.backward", "scipy", "sympy",
                         "torch.nn.functional"])
    first = {name: next(iter(scan.hits_of(name)), (None, None)) for name in
             ("aliased", "shadowed", "by_string", "dunder", "dynamic", "backward", "through_helper")}
    assert first["aliased"][0].api == "torch.autograd.grad" and first["aliased"][0].line == 9
    assert first["shadowed"][1] == "<module>"  # only the module-level import, not the argument F
    assert ("scipy.special", "imports") in {(hit.api, hit.verb) for hit, _ in scan.hits_of("by_string")}
    assert first["dunder"][0].api == "sympy.diff"
    assert first["dynamic"][0].api == "torch.func.vjp"
    assert first["backward"][0].api == "torch.Tensor.backward"
    assert first["through_helper"] == (first["through_helper"][0], "helper")
    assert first["through_helper"][0].api == "torch.autograd.grad"


def test_autograd_conv_backward_scores_zero_naming_the_api(tmp_path, rules):
    path = make_submission(tmp_path, CONV, {"layers.conv_backward": AUTOGRAD_CONV_BACKWARD.replace(
        "{grad}", "torch.autograd.grad")})
    rules(CONV, conv_rule())  # without the rule it keeps full marks on these checks
    report = grade(path, CONV, only=CONV_CHECKS)
    for name in CONV_CHECKS:
        result = report.by_name()[name]
        assert result.score == 0, result.output
        assert result.output.startswith("conv_backward calls torch.autograd.grad (line ") and HAND_WRITTEN in result.output
    assert report.workers_started == 0  # an exercise that breaks a rule is not run at all


def test_autograd_reached_by_a_computed_name_is_seen_at_run_time(tmp_path, rules):
    hidden = 'getattr(getattr(torch, "".join(map(chr, [97, 117, 116, 111, 103, 114, 97, 100]))), "grad")'
    path = make_submission(tmp_path, CONV, {"layers.conv_backward": AUTOGRAD_CONV_BACKWARD.replace("{grad}", hidden)})
    rules(CONV, conv_rule())
    report = grade(path, CONV, only=CONV_CHECKS)
    assert report.score == 0
    for result in report.results:
        assert "conv_backward used torch.autograd.grad while it ran (layers.py, line " in result.output, result.output


@pytest.mark.parametrize("how, seen", [
    ('importlib.import_module("sci" + "py.special")', "sigmoid imports scipy.special (line"),
    ('importlib.import_module(chr(115) + "cipy.special")', "sigmoid used scipy while it ran"),
    ('__import__(chr(115) + "ympy")', "sigmoid used sympy while it ran"),
    ('__import__("sympy")', "sigmoid imports sympy (line"),
], ids=["import_module-constant", "import_module-computed", "dunder-computed", "dunder-constant"])
def test_imports_by_string_are_caught(tmp_path, rules, how, seen):
    sigmoid = f'''
def sigmoid(z):
    import importlib
    {how}
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
'''
    unit = "unit01_foundations"
    rules(unit, Forbidden(("torch", "scipy", "sympy", "sklearn"), ("*",), NUMPY_ONLY))
    report = grade(make_submission(tmp_path, unit, {"activations.sigmoid": sigmoid}), unit,
                   only=["activations.sigmoid", "activations.relu"])
    for result in report.results:
        if result.exercise == "activations.sigmoid":
            assert result.score == 0 and seen in result.output and NUMPY_ONLY in result.output, result.output
        else:
            assert result.status == "passed", result.output


def test_trusted_driver_may_backpropagate_through_a_covered_exercise(tmp_path, rules):
    """The vjp driver calls torch.autograd.grad itself after the student's loss returned."""
    unit = "unit08_autoencoders"
    rules(unit, Forbidden(("torch.autograd", "torch.Tensor.backward"), ("autoencoder.reconstruction_loss",),
                          "the loss is written with tensor operations"))
    report = grade(make_submission(tmp_path, unit), unit, only=["reconstruction_loss_keys"])
    assert report.score == report.max_score > 0, [r.output for r in report.results]


def test_a_student_backward_inside_a_covered_exercise_is_seen(tmp_path, rules):
    unit = "unit08_autoencoders"
    rules(unit, Forbidden(("torch.autograd", "torch.Tensor.backward"), ("autoencoder.reconstruction_loss",),
                          "the loss is written with tensor operations"))
    loss = '''
def reconstruction_loss(x, x_hat):
    probe = torch.ones(1, requires_grad=True)
    getattr(probe * 2, "back" + chr(119) + "ard")()
    return ((x - x_hat) ** 2).sum(dim=1).mean()
'''
    report = grade(make_submission(tmp_path, unit, {"autoencoder.reconstruction_loss": loss}), unit,
                   only=["reconstruction_loss_keys"])
    assert report.score == 0 and "used torch.Tensor.backward while it ran" in report.results[0].output
