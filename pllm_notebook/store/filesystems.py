"""Is a resume directory on a network filesystem? Said once, when it is opened, with what is safe there.

On NFS, SMB/CIFS and FUSE mounts (sshfs, cloud drives) file locks may not reach other machines, and
DuckDB's own file lock and fsync behave differently from a local disk: two machines writing one
directory can damage it. One process at a time is safe; to share between processes and machines, use
``cache_url=`` (Redis). On Linux the mount is read from ``/proc/self/mountinfo``; elsewhere nothing is
detected (the documentation says what to avoid).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from ..settings import setting

log = logging.getLogger("pllm_notebook")

MOUNTINFO = Path("/proc/self/mountinfo")
NETWORK_TYPES = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs", "lustre", "gpfs"}
)
_warned: set[Path] = set()
_warned_lock = threading.Lock()


def _unescape(field: str) -> str:
    """mountinfo escapes spaces, tabs, newlines and backslashes as octal (``\\040``)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def mount_of(path: Path, mountinfo: str) -> tuple[str, str]:
    """The mount point holding ``path`` and its filesystem type, from the text of a mountinfo file.

    Each line is ``id parent major:minor root mount-point options [optional...] - type source super``;
    the longest mount point that contains ``path`` wins (the last one listed if mounted over).
    """
    best = ("", "")
    text = str(path)
    for line in mountinfo.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        point = _unescape(fields[4])
        fs_type = line.split(" - ", 1)[1].split()[0]
        inside = text == point or text.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best[0]):
            best = (point, fs_type)
    return best


def is_network(fs_type: str) -> bool:
    """Whether a filesystem type is one where locks and fsync may not be what a local disk gives."""
    return fs_type in NETWORK_TYPES or fs_type == "fuse" or fs_type.startswith("fuse.")


def network_warning(directory: Path, mountinfo: str) -> str | None:
    """What to tell the user about ``directory``, or None when it is on a local filesystem."""
    point, fs_type = mount_of(directory, mountinfo)
    if not is_network(fs_type):
        return None
    return (
        f"pllm_notebook: the resume directory {directory} is on a network filesystem ({fs_type} mounted at "
        f"{point}). Locks there may not reach other machines: use the directory from one process at a "
        "time (one kernel, or one script), or share results between processes and machines with "
        "cache_url='redis://...' (see docs/reliability.md). Set PLLM_NETWORK_FS_OK=1 to silence this."
    )


def warn_if_network(directory: Path) -> None:
    """Log :func:`network_warning` once per directory per process (Linux only)."""
    if setting("network_fs_ok"):
        return
    with _warned_lock:
        if directory in _warned:
            return
        _warned.add(directory)
    try:
        mountinfo = MOUNTINFO.read_text()
    except OSError:  # not Linux
        return
    message = network_warning(directory, mountinfo)
    if message:
        log.warning("%s", message)
