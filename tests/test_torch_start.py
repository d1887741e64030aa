"""Unit 5 grades without importing TorchDynamo (1.2 s of a cold grading), and nothing it computes
changes: meta-device summaries are the same with and without :func:`skip_dynamo_import`, and the
super-resolution driver's functional Adam steps exactly as ``torch.optim.Adam``."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from autograder.drivers import unit05_cnn as driver  # noqa: E402

from .support import ROOT  # noqa: E402

NETWORKS = ["AlexNet", "VGG16", "ResNet18", "GoogLeNet"]
SUMMARIZE = """
import json, sys
from autograder.drivers.unit05_cnn import meta_summary
from autograder.sandbox.meta_device import skip_dynamo_import
from autograder.units.unit05_cnn.architectures import BLOCKS, LAYERS, ODD_IMAGE
from reference.unit05_cnn import architectures as A
skipped = skip_dynamo_import() if sys.argv[1] == "skip" else 0
out = {cls: meta_summary(getattr(A, cls), (), ODD_IMAGE, LAYERS[cls]) for cls in LAYERS}
out.update({f"{cls}{args}": meta_summary(getattr(A, cls), args, shape, [])
            for cls, cases in BLOCKS.items() for args, shape, _, _ in cases})
print(json.dumps({"summaries": out, "skipped": skipped, "dynamo": "torch._dynamo" in sys.modules}))
"""


def summaries(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", SUMMARIZE, mode], cwd=ROOT, capture_output=True, text=True,
                          check=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    return json.loads(done.stdout)


def test_meta_summaries_are_the_same_without_importing_dynamo():
    skipped, plain = summaries("skip"), summaries("plain")
    assert skipped["skipped"] > 0 and not skipped["dynamo"], "a meta-device forward imported torch._dynamo"
    assert plain["dynamo"], "torch no longer imports torch._dynamo on the meta device: skip_dynamo_import is dead code"
    assert skipped["summaries"] == plain["summaries"]
    assert set(skipped["summaries"]) >= set(NETWORKS)


class Net(torch.nn.Module):
    """Two convolutions, one of them unused (its parameters never get a gradient)."""

    def __init__(self):
        super().__init__()
        self.conv, self.unused = torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.Linear(2, 2)

    def forward(self, x):
        return self.conv(x)


def train(step_with, steps=12, lr=0.05):
    torch.manual_seed(3)
    model, x = Net(), torch.randn(4, 2, 5, 5)
    step = step_with(model)
    for n in range(steps):
        model.zero_grad()
        torch.mean((model(x) - 1.0) ** 2).backward()
        step(lr / 10 if n >= steps // 2 else lr)
    return [p.detach().clone() for p in model.parameters()]


def optim_adam(model):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)

    def step(lr):
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.step()
    return step


def test_the_drivers_adam_steps_exactly_as_torch_optim_adam():
    ours, theirs = train(lambda m: driver.adam_stepper(list(m.parameters()))), train(optim_adam)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs))
    assert not torch.equal(ours[0], train(lambda m: lambda lr: None)[0]), "no step was taken"


LAUNCH_SPY = """
import sys
from autograder.sandbox import pool
launch = pool.Pool.__init__
def spy(self, *args, **kwargs):
    print("loaded at launch:", sorted(m for m in ("autograder.runner", "rich", "torch") if m in sys.modules))
    launch(self, *args, **kwargs)
pool.Pool.__init__ = spy
from autograder import cli
print("loaded with the CLI:", sorted(m for m in ("autograder.runner", "rich", "torch") if m in sys.modules))
cli.run()
"""


def test_grade_starts_its_worker_before_the_grader_imports_the_runner_and_torch(tmp_path):
    """A cold ``autograder grade``: the worker (python, torch: 1.5 s) starts first, and the grader's
    own imports and the reference import run while it starts."""
    done = subprocess.run([sys.executable, "-c", LAUNCH_SPY, "grade", "reference/unit05_cnn", "--only",
                           "output_size_key", "--submission-id", "spy", "--json", str(tmp_path / "r.json")],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "DEEPGRADE_SALT": "spy"})
    assert done.returncode == 0, done.stderr
    assert "loaded with the CLI: []" in done.stdout and "loaded at launch: []" in done.stdout
    assert json.loads((tmp_path / "r.json").read_text())["score"] > 0


def test_a_unit5_grading_reads_the_reference_summaries_and_needs_no_meta_device(tmp_path):
    """The reference networks' summaries come from reference/unit05_cnn/.derived.json: the grader
    builds no network on the meta device, whose first use imports sympy (0.7 s of CPU in all)."""
    probe = ("import json, sys\nfrom autograder import runner\n"
             "report = runner.grade('reference/unit05_cnn', 'unit05_cnn', only=[c for c in sys.argv[1:]], "
             "submission_id='probe', salt='probe')\n"
             "print(json.dumps([report.score, report.max_score, sorted(m for m in ('sympy', "
             "'torch.fx.experimental.symbolic_shapes') if m in sys.modules)]))")
    checks = [f"{cls}_layers_match_reference" for cls in NETWORKS]
    done = subprocess.run([sys.executable, "-c", probe, *checks], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    score, most, imported = json.loads(done.stdout.splitlines()[-1])
    assert score == most > 0 and imported == []

