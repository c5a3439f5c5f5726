"""Files the adapter leaves for other processes: where they go, how they are made private, and
how those of dead adapters are removed.

- the per-user folder (``$XDG_RUNTIME_DIR/glassgrad`` or ``<tmp>/glassgrad-<uid>``), mode 0700
  and owned by the user, checked and corrected each time it is used: connection files
  (``dap-<pid>.json``) and the default Unix socket (``dap-<pid>.sock``);
- NaN/Inf control files in the temp folder (``glassgrad-dap-<pid>-<random>.nonfinite``), read
  by the debuggee at ``import glassgrad``.

Names carry the pid of the adapter that made them, so a later adapter removes only files of
processes that are gone, and only regular files (or sockets) the user owns.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from typing import Any

CONTROL_PREFIX = "glassgrad-dap-"
CONTROL_SUFFIX = ".nonfinite"
_CONTROL = re.compile(r"^glassgrad-dap-(\d+)-[A-Za-z0-9_]+\.nonfinite$")
_RUNFILE = re.compile(r"^\.?dap-(\d+)\.(?:json|sock|json\.tmp)$")


def _uid() -> int | None:
    return os.getuid() if hasattr(os, "getuid") else None


def private_dir() -> str:
    """The user's private folder for connection files, created or corrected to mode 0700."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        path = os.path.join(runtime, "glassgrad")
    else:
        path = os.path.join(tempfile.gettempdir(), f"glassgrad-{_uid() or 'user'}")
    ensure_private_dir(path)
    return path


def ensure_private_dir(path: str) -> None:
    """``path`` is a real folder (not a link) owned by the user, with mode 0700; another
    user's folder or a link there is an error, never followed."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise PermissionError(f"{path} is not a folder (a link or a file): refusing to use it")
    if _uid() is not None and st.st_uid != _uid():
        raise PermissionError(f"{path} belongs to another user: refusing to use it")
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(path, 0o700)


def check_private_parent(path: str) -> None:
    """The folder of ``path`` (created 0700 when missing) is the user's and closed to others:
    for a Unix socket, whose permissions are the folder's."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(folder):
        os.makedirs(folder, 0o700)
    st = os.stat(folder)
    if _uid() is not None and st.st_uid != _uid():
        raise PermissionError(f"{folder} belongs to another user")
    if st.st_mode & 0o077:
        raise PermissionError(f"{folder} can be opened by other users (mode "
                              f"{stat.S_IMODE(st.st_mode):o}): use a folder of mode 0700")


def _flags() -> int:
    return (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) |
            getattr(os, "O_CLOEXEC", 0))


def remove_own(path: str) -> None:
    """Remove ``path`` if it is a regular file or socket the user owns (never a link's
    target, never another user's file)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISSOCK(st.st_mode)):
        raise PermissionError(f"{path} is not a regular file: refusing to replace it")
    if _uid() is not None and st.st_uid != _uid():
        raise PermissionError(f"{path} belongs to another user: refusing to replace it")
    os.unlink(path)


def write_private_json(path: str, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path``, readable by the user only (0600), all at once: a reader
    polling for the file sees nothing or the whole of it. The file is made with
    O_EXCL|O_NOFOLLOW under a temporary name, then renamed into place."""
    folder, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, "." + name + ".tmp")
    remove_own(tmp)
    fd = os.open(tmp, _flags(), 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        remove_own(path)
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def sweep(folder: str, pattern: re.Pattern[str]) -> list[str]:
    """Remove the files in ``folder`` named by ``pattern`` (its group 1: a pid) whose process
    is gone: only regular files or sockets the user owns."""
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = pattern.match(name)
        if m is None or pid_alive(int(m.group(1))):
            continue
        path = os.path.join(folder, name)
        try:
            remove_own(path)
        except OSError:
            continue
        removed.append(path)
    return removed


def sweep_runfiles(folder: str) -> list[str]:
    """Remove connection files and sockets of adapters that are no longer running."""
    return sweep(folder, _RUNFILE)


def new_control_file() -> str:
    """A new, empty NaN/Inf control file (0600, O_EXCL) in the temp folder; first removes
    those that adapters killed before they could clean up left behind."""
    folder = tempfile.gettempdir()
    sweep(folder, _CONTROL)
    fd, path = tempfile.mkstemp(prefix=f"{CONTROL_PREFIX}{os.getpid()}-",
                                suffix=CONTROL_SUFFIX)
    os.close(fd)
    return path


def write_control_file(path: str, text: str) -> None:
    """Replace the control file's content (never following a link put in its place)."""
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "w") as f:
        f.write(text)
