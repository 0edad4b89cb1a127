"""The directory lock (flock or the portable filelock, forced by PLLM_LOCK=portable) and the detection of
network filesystems when a directory is opened."""

from __future__ import annotations

import ast
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pllm_notebook
from pllm_notebook.store import Database, filesystems
from pllm_notebook.store.locking import FlockLock, PortableLock, lock_kind, make_lock

HOLDER = """
import sys, time
from pathlib import Path
from pllm_notebook.store.locking import make_lock
lock = make_lock(Path(sys.argv[1]))
assert lock.try_acquire()
print("HELD", flush=True)
sys.stdin.readline()
lock.release()
"""


@pytest.mark.parametrize("kind", ["flock", "portable"])
def test_a_lock_held_by_another_process_is_not_taken(tmp_path, monkeypatch, kind):
    monkeypatch.setenv("PLLM_LOCK", kind)
    path = tmp_path / "lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "HELD"
    lock = make_lock(path)
    assert isinstance(lock, PortableLock if kind == "portable" else FlockLock)
    assert not lock.try_acquire()
    holder.communicate("\n", timeout=30)
    assert lock.try_acquire()
    lock.release()


def test_a_killed_holder_frees_the_lock(tmp_path, monkeypatch):
    monkeypatch.setenv("PLLM_LOCK", "portable")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "HELD"
    holder.kill()
    holder.wait()
    lock = make_lock(tmp_path / "lock")
    assert lock.try_acquire()
    lock.release()


def test_a_wrong_lock_setting_is_named(monkeypatch):
    monkeypatch.setenv("PLLM_LOCK", "fcntl")
    with pytest.raises(ValueError, match="PLLM_LOCK='fcntl'.*'flock' or 'portable'"):
        lock_kind()


def test_no_module_imports_a_posix_only_module_at_import_time():
    posix_only = {"fcntl", "termios", "resource", "pwd", "grp", "posix"}
    root = Path(pllm_notebook.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:  # module level only: inside functions is on first use
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not posix_only & {n.split(".")[0] for n in names}, f"{path} imports {names} at import time"


NFS = "36 25 0:52 / /home rw,relatime shared:30 - nfs4 fileserver:/export/home rw,vers=4.2\n"
SMB = "37 25 0:53 / /mnt/team\\040share rw - cifs //nas/team rw,vers=3.0\n"
SSHFS = "38 25 0:54 / /mnt/remote rw - fuse.sshfs me@host:/data rw\n"
ROOT = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
LOCAL_UNDER_NFS = "39 36 0:55 / /home/me/scratch rw - tmpfs tmpfs rw\n"


@pytest.mark.parametrize(
    ("mounts", "directory", "warned"),
    [
        (ROOT + NFS, "/home/me/.pllm", "nfs4 mounted at /home"),
        (ROOT + SMB, "/mnt/team share/proj/.pllm", "cifs mounted at /mnt/team share"),
        (ROOT + SSHFS, "/mnt/remote/.pllm", "fuse.sshfs"),
        (ROOT + NFS, "/homework/.pllm", None),  # /homework is not under /home
        (ROOT + NFS + LOCAL_UNDER_NFS, "/home/me/scratch/.pllm", None),  # the innermost mount decides
        (ROOT, "/data/.pllm", None),
    ],
)
def test_network_filesystems_are_recognised(mounts, directory, warned):
    message = filesystems.network_warning(Path(directory), mounts)
    if warned is None:
        assert message is None
    else:
        assert warned in message and "one process at a time" in message and "cache_url=" in message


def test_the_mount_of_a_real_tmpfs_is_detected(tmp_path, caplog):
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    point = tmp_path / "mnt"
    point.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(point)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        mountinfo = filesystems.MOUNTINFO.read_text()
        assert filesystems.mount_of(point / ".pllm", mountinfo) == (str(point), "tmpfs")
        with caplog.at_level(logging.WARNING, logger="pllm_notebook"):
            Database(point / ".pllm")  # local: nothing said
        assert "network filesystem" not in caplog.text
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_opening_a_directory_on_nfs_warns_once(tmp_path, monkeypatch, caplog):
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(ROOT + f"40 22 0:60 / {tmp_path} rw - nfs fileserver:/export rw\n")
    monkeypatch.setattr(filesystems, "MOUNTINFO", mountinfo)
    with caplog.at_level(logging.WARNING, logger="pllm_notebook"):
        Database(tmp_path / ".pllm")
        Database(tmp_path / ".pllm")
    assert caplog.text.count("is on a network filesystem (nfs mounted at") == 1
