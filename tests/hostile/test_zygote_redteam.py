"""Attacks on the zygote's promise that one student's submission cannot see or change another's
grading, beyond ``test_zygote.py``: state on the scratch folders themselves (an ACL, attributes,
times), kernel settings, and sockets that leave the sandbox's network namespace."""
from __future__ import annotations

import shutil

import pytest

from autograder import gradebook as gb
from autograder.sandbox.bwrap import BwrapLauncher
from autograder.sandbox.pool import Pool

from ..support import make_submission, reference_def
from ..test_batch import UNIT, run_batch
from .test_zygote import forked, needs_sandbox

# A default ACL granting nothing to anyone: every file created below the folder afterwards is
# unreadable to its owner (the worker writes the next submission's files under its work folder).
# Only the sandbox's own /tmp and /dev/shm: a plain worker's /tmp is the machine's.
LOCK_OUT = '''def _lock_out():
    import os, struct
    acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, 0, 0xFFFFFFFF) for tag in (1, 4, 0x20))
    sandboxed = os.path.isdir("/opt/deepgrade")
    for folder in [os.getcwd()] + (["/tmp", "/dev/shm"] if sandboxed else []):
        try:
            os.setxattr(folder, "system.posix_acl_default", acl)
        except OSError:
            pass


def sigmoid(z):
    _lock_out()
'''


@pytest.mark.parametrize("sandbox", [pytest.param(True, marks=needs_sandbox), False], ids=["bubblewrap", "subprocess"])
def test_a_default_acl_left_on_a_scratch_folder_does_not_zero_the_next_students(sandbox, tmp_path):
    """Student a sets a default ACL on every scratch folder during grading (and still gets full
    marks); b and c, graded after a through the same zygote, keep their full marks."""
    subs = tmp_path / "submissions"
    subs.mkdir()
    attack = reference_def(UNIT, "activations", "sigmoid", {"def sigmoid(z):\n": LOCK_OUT})
    for student, changes in (("a", {"activations.sigmoid": attack}), ("b", None), ("c", None)):
        shutil.move(make_submission(tmp_path / student, UNIT, changes), subs / student)
    book = tmp_path / "book.sqlite"
    run_batch(subs, book, "--workers", "1", *([] if sandbox else ["--no-sandbox"]))
    with gb.Gradebook(book) as g:
        scores = {row[0]: (row[4], row[5]) for row in g.snapshot()}
    assert set(scores) == {"a", "b", "c"}
    assert all(score == full > 0 for score, full in scores.values()), scores


LEAVE_DATA = '''
import os
def f():
    for folder in ("/tmp", "/dev/shm"):
        os.setxattr(folder, "user.note", b"for the next student")
        os.utime(folder, ns=(4242424242123456789, 4242424242123456789))
'''

READ_DATA = '''
import os
def f():
    return {folder: [os.listxattr(folder), os.stat(folder).st_atime_ns, os.stat(folder).st_mtime_ns]
            for folder in ("/tmp", "/dev/shm")}
'''


@needs_sandbox
def test_attributes_and_times_of_the_scratch_folders_carry_nothing_to_the_next_child():
    own = Pool(BwrapLauncher(), preloads=("numpy",))
    try:
        forked(own, LEAVE_DATA)
        seen = forked(own, READ_DATA)
    finally:
        own.close()
    for folder, (names, atime, mtime) in seen.items():
        assert names == [] and 4242424242123456789 not in (atime, mtime), (folder, names, atime, mtime)


OUTSIDE = '''
import socket
def f():
    made = []
    path = "/proc/sys/kernel/printk_ratelimit_burst"
    with open(path) as current:
        value = current.read()
    try:
        with open(path, "w") as out:  # the value it has: a write that changes nothing if it lands
            out.write(value)
        made.append(path)
    except OSError:
        pass
    for family in range(1, 46):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_SEQPACKET):
            try:
                socket.socket(family, kind).close()
                made.append(family)
                break
            except OSError:
                pass
    return made
'''


@needs_sandbox
def test_a_child_writes_no_kernel_setting_and_opens_only_unix_sockets():
    """Started by root, the sandbox's user is root outside it: a kernel setting (``/proc/sys``)
    checks only that. AF_VSOCK, say, would reach the host of a virtual machine."""
    own = Pool(BwrapLauncher(), preloads=("numpy",))
    try:
        assert forked(own, OUTSIDE) == [1]
    finally:
        own.close()


MARK_ZYGOTE = '''
import os
def f():
    for name, value in (("coredump_filter", "0x1a5"), ("autogroup", "17")):
        try:
            with open(f"/proc/{os.getppid()}/{name}", "w") as out:
                out.write(value)
        except OSError:
            pass
'''

READ_MARKS = '''
import os
def f():
    with open("/proc/self/coredump_filter") as mine, open(f"/proc/{os.getppid()}/autogroup") as zygote:
        return [mine.read(), zygote.read().split()[-1]]
'''


@needs_sandbox
def test_what_root_outside_may_write_in_proc_1_never_reaches_the_next_child():
    """Where the sandbox's user is root outside it, a child may write the (non-dumpable, so
    root-owned) zygote's core dump filter, which its next fork inherits, and its autogroup's nice."""
    own = Pool(BwrapLauncher(), preloads=("numpy",))
    try:
        before = forked(own, READ_MARKS)
        forked(own, MARK_ZYGOTE)
        assert forked(own, READ_MARKS) == before
    finally:
        own.close()


LISTEN = '''
import socket
def f():
    kept = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    kept.bind(b"\\0left-by-a")
    kept.listen()
    hidden = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hidden.bind(b"\\0hidden-by-a")
    hidden.listen()
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    for end in (a, b):  # a cycle of sockets in flight that no process holds: only the kernel's GC frees it
        socket.send_fds(end, [b"x"], [hidden.fileno(), a.fileno(), b.fileno()])
    for sock in (hidden, a, b):
        sock.close()
    kept.detach()  # open until the worker is killed
'''

CONNECT = '''
import socket
def f():
    reached = [line.split()[-1] for line in open("/proc/net/unix").read().splitlines()[1:] if len(line.split()) > 7]
    for name in (b"\\0left-by-a", b"\\0hidden-by-a"):
        try:
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect(name)
            reached.append(name.decode()[1:])
        except OSError:
            pass
    return reached
'''


@needs_sandbox
def test_abstract_unix_sockets_a_child_left_are_gone_for_the_next():
    """Children of one zygote share its network namespace, where abstract Unix socket names live:
    a listener, even one hidden in a cycle of sockets in flight, is gone before the next fork."""
    own = Pool(BwrapLauncher(), preloads=("numpy",))
    try:
        forked(own, LISTEN)
        assert forked(own, CONNECT) == []
    finally:
        own.close()
