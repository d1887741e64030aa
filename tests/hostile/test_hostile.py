"""Every hostile submission is contained: its cheated checks score 0, the grader returns in time
with its own valid results, nothing is left behind, and an honest submission graded right after
still scores full marks. Each corpus file replaces unit 1's activations.py."""
from __future__ import annotations

import json
import os
import resource
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from autograder import runner
from autograder.sandbox.bwrap import CGROUP_ROOT, BwrapLauncher
from autograder.sandbox.launchers import sandbox_problem, site_paths
from autograder.sandbox.worker_process import Limits

from ..support import ROOT, make_submission

UNIT = "unit01_foundations"
CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.py"))
SALT = "hostile-salt"
LIMITS = Limits(call_timeout=1.0, start_timeout=30)
BUDGET = 45.0
PORTS = range(47000, 47010)
FORGED = ("results.json", "HOSTILE_MARKER")

pytestmark = pytest.mark.skipif(bool(sandbox_problem()), reason=f"no sandbox here: {sandbox_problem()}")


@pytest.fixture(scope="module")
def listener():
    """Real listeners on loopback; any connection from a worker is recorded."""
    hits, servers = [], []
    for port in PORTS:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        s.listen()
        s.settimeout(0.2)
        servers.append(s)

    stop = threading.Event()

    def accept():
        while not stop.is_set():
            for s in servers:
                try:
                    hits.append(s.accept())
                except OSError:
                    pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield hits
    stop.set()
    thread.join()
    for s in servers:
        s.close()


def descendants() -> set[int]:
    """Processes below this one (grading's workers, and anything they left behind)."""
    parent = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        parent[int(pid)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, ppid in parent.items() if ppid in frontier} - found
        found |= frontier
    return found


def our_cgroups() -> list[Path]:
    return list(CGROUP_ROOT.glob(f"*/deepgrade/{os.getpid()}-*"))


@pytest.mark.parametrize("attack", CORPUS, ids=[p.stem for p in CORPUS])
def test_attack_is_contained(attack, tmp_path, listener, monkeypatch):
    monkeypatch.setenv("DEEPGRADE_SALT", SALT)
    monkeypatch.chdir(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where workers' private folders go
    path = make_submission(tmp_path, UNIT, extra={"activations.py": attack.read_text()})

    existing = descendants()  # e.g. the zygotes of tests.support's pool, from this process's other tests
    start = time.monotonic()
    report = runner.grade(path, UNIT, only=["activations"], salt=SALT, launcher=BwrapLauncher(),
                          limits=LIMITS, budget=BUDGET)
    elapsed = time.monotonic() - start

    assert elapsed < BUDGET + 25, f"grading took {elapsed:.1f} s"
    results = json.loads(json.dumps(report.gradescope()))
    assert results["extra_data"]["isolation"] == "bubblewrap"
    assert results["tests"] and all(t["status"] in ("passed", "failed") for t in results["tests"])
    cheated = {t["name"]: t["score"] for t in results["tests"] if t["score"] > 0}
    assert not cheated, f"the attack earned points: {cheated}"
    assert all(t["output"].strip() for t in results["tests"]), "every failed check explains itself"

    assert not descendants() - existing, "a process outlived grading"
    assert not our_cgroups(), "a worker's cgroup still holds processes"
    assert not list(scratch.iterdir()), "grading left temporary files behind"
    for folder in (tmp_path, ROOT, Path("/tmp")):
        for name in FORGED:
            assert not (folder / name).exists(), f"{folder / name} was written"
    for site in site_paths():
        for name in ("sitecustomize.py", "usercustomize.py", "hostile.pth"):
            assert not (Path(site) / name).exists()
    assert not listener, "a worker reached a listener on the host's loopback"
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak_mb < 1500, f"the grader's peak memory reached {peak_mb:.0f} MB"

    honest = runner.grade(make_submission(tmp_path / "honest", UNIT), UNIT, only=["activations"], salt=SALT,
                          launcher=BwrapLauncher())
    assert honest.score == honest.max_score > 0, [r.output for r in honest.results if r.status == "failed"]


def test_corpus_covers_every_category():
    """The corpus is a list of attack classes, not a handful of examples."""
    assert len(CORPUS) >= 30
