"""Workers forked from a zygote keep submissions apart: a child cannot leave files or processes for
the next, read or change the zygote, or break the grading of the next submission; limits hold per
child; and a forked child grades as a freshly started worker does."""
from __future__ import annotations

import time

import pytest

from autograder import runner
from autograder.sandbox import bwrap
from autograder.sandbox.bwrap import CGROUP_ROOT, BwrapLauncher
from autograder.sandbox.launchers import Launcher, sandbox_problem
from autograder.sandbox.pool import Pool
from autograder.sandbox.worker_process import Limits, StudentError, Worker

from ..support import make_submission

UNIT = "unit01_foundations"
SALT = "zygote-salt"
SIGN_ERROR = {"activations.sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(z))\n"}

needs_sandbox = pytest.mark.skipif(bool(sandbox_problem()), reason=f"no sandbox here: {sandbox_problem()}")


@pytest.fixture(scope="module")
def pool():
    made = Pool(BwrapLauncher(), preloads=("numpy",))
    made.wait_ready("numpy")
    yield made
    made.close()


def run(worker: Worker, source: str, *args):
    """Load ``source`` as module ``m`` into ``worker`` and call ``m.f(*args)``: its answer's header and value."""
    def deadline():
        return time.monotonic() + 60  # generous: the machine may be busy

    try:
        worker.request("load", {"package": "sub", "files": {"m.py": source}, "limits": Limits().rlimits()},
                       deadline(), "load")
        header, _ = worker.request("import", "m", deadline(), "import")
        assert header["ok"], header
        return worker.request("call", {"target": "m.f", "args": list(args)}, deadline(), "m.f")
    finally:
        worker.kill()


def forked(pool: Pool, source: str, *args, preload="numpy"):
    header, value = run(pool.take(preload), source, *args)
    assert header["ok"], header
    return value


LEAVE_BEHIND = '''
import os, time
def f():
    for path in ("/tmp/left", "/tmp/work/left", "/dev/shm/left", os.path.expanduser("~/left")):
        with open(path, "w") as out:
            out.write("the first student's secret")
    os.mkdir("/tmp/locked")
    os.chmod("/tmp/locked", 0)
    for root, dirs, names in os.walk("/tmp"):  # also in the folders that hold binds (see LOOK_AROUND)
        dirs[:] = [d for d in dirs if os.stat(os.path.join(root, d)).st_dev == os.stat("/tmp").st_dev]
        if root != "/tmp/locked":
            with open(os.path.join(root, "left-here"), "w") as out:
                out.write("the first student's secret")
    written = []
    for path in ("/left", "/etc/left", "/opt/left", "/dev/left", "/opt/deepgrade/left"):
        try:
            with open(path, "w") as out:
                out.write("1000")
            written.append(path)
        except OSError:
            pass
    if os.fork() == 0:  # a daemon that keeps writing
        os.setsid()
        if os.fork() == 0:
            while True:
                try:
                    with open("/tmp/daemon", "w") as out:
                        out.write("alive")
                except OSError:
                    pass
                time.sleep(0.01)
        os._exit(0)
    time.sleep(0.1)
    return written
'''

LOOK_AROUND = '''
import os
def f():
    files = []
    for top in ("/tmp", "/dev/shm"):
        for root, dirs, names in os.walk(top):  # not into mounts (a venv under the host's /tmp is bound there)
            files += [os.path.join(root, name) for name in names + dirs if "__pycache__" not in root + name]
            dirs[:] = [d for d in dirs if os.stat(os.path.join(root, d)).st_dev == os.stat(top).st_dev]
    files.sort()
    others = sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid())
    return {"files": files, "processes": others,
            "left": [p for p in ("/left", "/etc/left", "/opt/left", "/dev/left") if os.path.exists(p)]}
'''


@needs_sandbox
def test_a_child_leaves_nothing_for_the_next(pool):
    """Files in every writable place, a locked folder, a daemonized grandchild: the next child sees
    only its own files and no process but the zygote (and what a fresh child sees: the folders
    bubblewrap made to hold binds that live under the host's /tmp, e.g. a CI clone's venv)."""
    fresh = forked(pool, LOOK_AROUND)
    assert [f for f in fresh["files"] if f.startswith("/tmp/work")] == [
        "/tmp/work", "/tmp/work/pkg", "/tmp/work/pkg/sub", "/tmp/work/pkg/sub/m.py"]
    assert fresh["processes"] == [1] and fresh["left"] == []
    assert forked(pool, LEAVE_BEHIND) == []  # everything outside /tmp and /dev/shm is read-only
    assert forked(pool, LOOK_AROUND) == fresh


@needs_sandbox
def test_a_bind_under_the_hosts_tmp_is_kept_and_what_is_left_beside_it_goes(tmp_path, monkeypatch):
    """A clone in the host's /tmp has its venv there: bubblewrap binds it inside the sandbox's /tmp,
    in folders of its own making. The zygote keeps those folders and the bind, removes what a child
    leaves in them, and keeps serving (a zygote that tried to empty the bind refused every fork)."""
    extra = tmp_path / "clone" / ".venv" / "site-packages"
    extra.mkdir(parents=True)
    (extra / "installed.txt").write_text("a package")
    monkeypatch.setattr(bwrap, "site_paths", lambda real=bwrap.site_paths: [*real(), str(extra)])
    own = Pool(BwrapLauncher(), preloads=("numpy",))
    try:
        fresh = forked(own, LOOK_AROUND)
        assert str(extra) in fresh["files"] and str(extra / "installed.txt") not in fresh["files"]
        first = own.zygotes["numpy"]
        assert forked(own, LEAVE_BEHIND) == []
        assert forked(own, LOOK_AROUND) == fresh
        assert own.zygotes["numpy"] is first and not first.dead
        assert extra.joinpath("installed.txt").read_text() == "a package"
    finally:
        own.close()


PROBE_ZYGOTE = '''
import ctypes, os, signal
def f():
    reached = []
    for path, mode in (("/proc/1/mem", "rb"), ("/proc/1/mem", "r+b"), ("/proc/1/environ", "rb"),
                       ("/proc/1/maps", "rb"), ("/proc/1/cwd/x", "rb")):
        try:
            with open(path, mode) as f:
                f.read(1)
            reached.append(path)
        except OSError:
            pass
    for fd in os.listdir("/proc/1/fd"):
        try:
            os.close(os.open(f"/proc/1/fd/{fd}", os.O_RDWR))
            reached.append(f"fd {fd}")
        except OSError:
            pass
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(8)
    iov = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 8)
    remote = (ctypes.c_void_p * 2)(0x400000, 8)
    if libc.process_vm_writev(1, iov, 1, remote, 1, 0) >= 0:
        reached.append("process_vm_writev")
    if libc.shmget(0, 4096, 0o1600) >= 0:  # IPC_PRIVATE | IPC_CREAT: SysV memory outlives its maker
        reached.append("shmget")
    for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGCHLD):
        os.kill(1, sig)
    return reached
'''


@needs_sandbox
def test_a_child_cannot_read_change_or_kill_the_zygote(pool):
    first = pool.zygotes["numpy"]
    assert forked(pool, PROBE_ZYGOTE) == []
    assert forked(pool, LOOK_AROUND)["processes"] == [1]
    assert pool.zygotes["numpy"] is first and not first.dead  # signals from inside never reach it


TWEAK_ZYGOTE = '''
import os, resource
def f():
    done = []
    zygote = os.getppid()
    for what, change in (("stack", lambda: resource.prlimit(zygote, resource.RLIMIT_STACK, (1 << 20, 1 << 20))),
                         ("nice", lambda: os.setpriority(os.PRIO_PROCESS, zygote, 19)),
                         ("affinity", lambda: os.sched_setaffinity(zygote, {min(os.sched_getaffinity(0))})),
                         ("oom", lambda: open(f"/proc/{zygote}/oom_score_adj", "w").write("1000"))):
        try:
            change()
            done.append(what)
        except OSError:
            pass
    return done
'''

REPORT = '''
import os, resource
def f():
    with open("/proc/self/oom_score_adj") as oom:
        return [list(resource.getrlimit(resource.RLIMIT_STACK)), os.getpriority(os.PRIO_PROCESS, 0),
                len(os.sched_getaffinity(0)), oom.read()]
'''


@pytest.mark.parametrize("launcher", [pytest.param(BwrapLauncher(), marks=needs_sandbox), Launcher()],
                         ids=["bubblewrap", "subprocess"])
def test_limits_or_priority_a_child_sets_on_the_zygote_never_reach_the_next(launcher):
    """A same-uid process can prlimit, renice and pin another, and raise its OOM score: the zygote
    notices before its next fork, and a fresh zygote serves the next submission as before."""
    own = Pool(launcher, preloads=("numpy",))
    try:
        before = forked(own, REPORT)
        first = own.zygotes["numpy"]
        assert "stack" in forked(own, TWEAK_ZYGOTE)  # the attack took hold on the zygote
        assert forked(own, REPORT) == before
        assert own.zygotes["numpy"] is not first
    finally:
        own.close()


BOMB = '''
import os, time
def f():
    count = 0
    while count < 200:
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(1000)
        count += 1
    with open("/dev/shm/fill", "wb") as out:
        try:
            for _ in range(300):  # past the 256 MiB tmpfs
                out.write(b"x" * (1 << 20))
        except OSError:
            pass
    return count
'''

NEEDS_ROOM = '''
import os, numpy as np
def f():
    kids = []
    for _ in range(30):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        kids.append(pid)
    for pid in kids:
        os.waitpid(pid, 0)
    block = np.ones(1 << 25)  # 256 MiB
    return [len(kids), float(block.sum())]
'''


@needs_sandbox
def test_a_fork_bomb_and_a_full_tmpfs_do_not_starve_the_next_child(pool):
    forks = forked(pool, BOMB)
    if list(CGROUP_ROOT.glob("pids/deepgrade/*")):
        assert forks < 64  # the pids cgroup held
    assert forked(pool, NEEDS_ROOM) == [30, float(1 << 25)]


KILL_PARENT = "import os, signal, time\ndef f():\n    os.kill(os.getppid(), signal.SIGKILL)\n    time.sleep(30)\n"


@pytest.mark.parametrize("launcher", [pytest.param(BwrapLauncher(), marks=needs_sandbox), Launcher()],
                         ids=["bubblewrap", "subprocess"])
def test_after_the_zygote_dies_the_next_submission_is_graded_normally(launcher, tmp_path):
    """A plain child can kill its zygote (nothing inside the sandbox can: there it is killed from
    outside): the running call fails as a crash, a fresh zygote serves the next submission, which
    gets full marks."""
    own = Pool(launcher, preloads=("numpy",))
    try:
        own.wait_ready("numpy")
        first = own.zygotes["numpy"]
        worker = own.take("numpy")
        if isinstance(launcher, BwrapLauncher):
            first.stop()
        with pytest.raises(StudentError, match="exited"):
            run(worker, KILL_PARENT)
        report = runner.grade(make_submission(tmp_path, UNIT), UNIT, only=["activations"], salt=SALT, pool=own,
                              launcher=launcher)
        assert report.score == report.max_score > 0
        assert own.zygotes["numpy"] is not first
    finally:
        own.close()


SEEDS = '''
import random, numpy as np
def f():
    return [hash("deepgrade"), random.random(), float(np.random.random()), float(np.random.default_rng().random())]
'''

TORCH_SEEDS = '''
import torch
def f():
    conv = torch.nn.Conv2d(2, 3, 3)
    out = conv(torch.ones(1, 2, 5, 5)).sum()
    out.backward()
    return [torch.initial_seed(), float(out), float(conv.weight.grad.sum())]
'''


@pytest.mark.parametrize("preload, source", [("numpy", SEEDS), ("numpy,torch", TORCH_SEEDS)], ids=["numpy", "torch"])
def test_a_forked_child_draws_as_a_fresh_worker_does(preload, source):
    """Global generators (Python's, numpy's, torch's) reseeded from the OS per child, as each fresh
    exec seeds its own: two children draw differently, as two fresh workers do; torch works after
    the fork (no hang in its thread pools). String hashes: ``-I`` ignores PYTHONHASHSEED, so each
    fresh exec draws its own hash secret; children share their zygote's (as unpredictable to them)."""
    launcher = Launcher()
    own = Pool(launcher, preloads=(preload,))
    try:
        children = [forked(own, source, preload=preload) for _ in range(2)]
        fresh = []
        for _ in range(2):
            header, value = run(Worker(launcher, preload, Limits()), source)
            assert header["ok"], header
            fresh.append(value)
    finally:
        own.close()
    if preload == "numpy":
        assert children[0][0] == children[1][0]
        for drawn in (children, fresh):
            assert all(a != b for a, b in zip(drawn[0][1:], drawn[1][1:]))
    else:  # the same computation, weights drawn afresh
        for drawn in (children, fresh):
            assert drawn[0][0] != drawn[1][0] and drawn[0][1:] != drawn[1][1:]


def test_grades_from_a_forked_worker_equal_a_fresh_one(tmp_path):
    path = make_submission(tmp_path, UNIT, SIGN_ERROR)
    own = Pool(Launcher(), preloads=("numpy",))
    try:
        forked_report = runner.grade(path, UNIT, submission_id="same", salt=SALT, pool=own, launcher=own.launcher)
    finally:
        own.close()
    fresh_report = runner.grade(path, UNIT, submission_id="same", salt=SALT, launcher=Launcher())
    assert forked_report.score < forked_report.max_score
    assert ([(r.name, r.score, r.output) for r in forked_report.results] ==
            [(r.name, r.score, r.output) for r in fresh_report.results])
