"""Batch grading on a Dask cluster (a ``distributed.LocalCluster`` of processes here): the same
grades as a local batch, the gradebook written only by the client, a killed client resumed
without losing or regrading anything, and workers started warm by the preload."""
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from autograder import gradebook as gb

from . import classroom
from .support import ROOT
from .test_batch import NO_SANDBOX, committed, run_batch

distributed = pytest.importorskip("distributed")
from autograder import distributed as dask_grading  # noqa: E402 (needs click, installed with distributed)

UNIT = "unit01_foundations"


@pytest.fixture(scope="module")
def cluster():
    # processes, one thread each, as a real deployment runs them (see autograder/distributed.py)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  scheduler_port=0, silence_logs=40) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def preloaded():
    """A worker process started as the docs say, with the preload warming UNIT; and a client."""
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  scheduler_port=0, silence_logs=40, preload=["autograder.distributed"],
                                  preload_argv=["--unit", UNIT, *NO_SANDBOX]) as local, \
            distributed.Client(local.scheduler_address) as client:
        yield local.scheduler_address, client


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class") / "submissions"
    return folder, classroom.build(folder, UNIT, 6, zipped_every=3)


@pytest.fixture(scope="module")
def local(klass, tmp_path_factory):
    """The rows of the same class graded by a local batch."""
    book = tmp_path_factory.mktemp("local") / "local.sqlite"
    run_batch(klass[0], book)
    return rows(book)


def rows(book) -> dict[str, tuple]:
    with gb.Gradebook(book) as g:
        return {s.student_id: (s.status, s.score, s.graded_at, s.content_hash) for s in g.current(UNIT)}


def pool_ids(client) -> dict:
    """Each worker's warm pools, ``{(unit, no_sandbox): id}`` (a lambda: cloudpickle sends it by value)."""
    return client.run(lambda: {key: id(pool) for key, pool in dask_grading._GRADERS.items()})


def test_cluster_grades_like_a_local_batch(klass, local, cluster, tmp_path):
    subs, kinds = klass
    out = run_batch(subs, tmp_path / "dask.sqlite", "--scheduler", cluster)
    remote = rows(tmp_path / "dask.sqlite")
    assert set(remote) == set(kinds), out
    assert {s: r[:2] for s, r in remote.items()} == {s: r[:2] for s, r in local.items()}
    assert {r[0] for r in remote.values()} == {gb.GRADED}
    full = [r[1] for s, r in remote.items() if kinds[s] == "correct"]
    assert full and all(score == full[0] > 0 for score in full)


def test_preloaded_worker_is_warm_before_any_submission_and_grades_with_that_pool(klass, local, preloaded, tmp_path):
    address, client = preloaded
    key = (UNIT, bool(NO_SANDBOX))
    assert list(client.run(dask_grading.warmed, *key, 60).values()) == [True]  # nothing submitted yet
    pools = pool_ids(client)
    assert [set(p) for p in pools.values()] == [{key}]
    out = run_batch(klass[0], tmp_path / "dask.sqlite", "--scheduler", address)
    assert {s: r[:2] for s, r in rows(tmp_path / "dask.sqlite").items()} == {s: r[:2] for s, r in local.items()}, out
    # graded by the preload's pool: the client's warm-up and the gradings made no second one
    assert pool_ids(client) == pools


def test_killed_client_resumes_without_regrading(klass, cluster, tmp_path):
    subs, kinds = klass
    book = tmp_path / "book.sqlite"
    client = run_batch(subs, book, "--scheduler", cluster, wait=False)
    deadline = time.monotonic() + 180
    while committed(book) < 2 and time.monotonic() < deadline and client.poll() is None:
        time.sleep(0.05)
    os.killpg(client.pid, signal.SIGKILL)
    client.wait()
    before = rows(book)
    assert 2 <= len(before), client.stdout.read()
    out = run_batch(subs, book, "--scheduler", cluster)
    after = rows(book)
    assert set(after) == set(kinds), out
    assert f"{len(before)} up to date" in out
    for sid, row in before.items():  # graded before the kill: recorded once, never regraded
        assert after[sid] == row
    with gb.Gradebook(book) as g:
        assert len(g.db.execute("SELECT * FROM submissions").fetchall()) == len(kinds)


def test_dask_sizes_messages_without_the_global_random_state():
    """A Dask worker's event loop sizes every message it sends while hypothesis grades in its task
    thread, seeding the global random state and checking it around each draw: the sizing (made as
    a worker makes its first pool) leaves that state alone."""
    from dask.sizeof import sizeof

    message = {f"metric-{i}": list(range(i + 12)) for i in range(30)}  # lists of over 10 items are sampled
    dask_grading._sizes_sampled_apart()
    before = random.getstate()
    assert sizeof(message) > sys.getsizeof(message)
    assert random.getstate() == before
