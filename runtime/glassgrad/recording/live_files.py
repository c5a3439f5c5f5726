"""The live channel's token files: ``.glassgrad/live/<pid>.json``, readable by the user only.

The token in these files is the only guard of a program's live channel, so they are made
with care: in a folder that is a real directory (not a symlink) owned by the user and kept at
mode 0700, created exclusively (``O_EXCL | O_NOFOLLOW``, mode 0600) through that folder's file
descriptor. Files of programs that are gone are removed by the next server and skipped (and
removed) by :func:`read_info`; only well-formed token files of dead processes are removed.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from typing import Any

LIVE_DIR = os.path.join(".glassgrad", "live")
_NAME = re.compile(r"^([1-9][0-9]{0,9})\.json$")
_MAX_SIZE = 4096  # a token file is ~200 bytes: anything bigger is not one


class UnsafeLiveDirError(RuntimeError):
    """The token folder cannot be trusted (a symlink, not a folder, another user's)."""


class NotLiveError(FileNotFoundError):
    """The named program is not running any more (its stale token file was removed)."""


def open_dir(directory: str) -> int:
    """A file descriptor of ``directory``, made if missing, checked and set to mode 0700."""
    os.makedirs(os.path.dirname(directory) or ".", exist_ok=True)
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        pass
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as e:  # ELOOP (a symlink) or ENOTDIR
        kind = "a symlink" if os.path.islink(directory) else "not a directory"
        raise UnsafeLiveDirError(
            f"refusing to keep live-channel tokens in {directory!r}: it is {kind} "
            f"({e.strerror}); remove it and start again") from None
    try:
        st = os.fstat(fd)
        if st.st_uid != os.geteuid():
            raise UnsafeLiveDirError(
                f"refusing to keep live-channel tokens in {directory!r}: it belongs to user "
                f"{st.st_uid}, not to you ({os.geteuid()}); remove it and start again")
        if stat.S_IMODE(st.st_mode) != 0o700:
            os.fchmod(fd, 0o700)
    except BaseException:
        os.close(fd)
        raise
    return fd


_held: set[str] = set()  # token files this process's servers hold


def write_info(directory: str, info: dict[str, Any]) -> str:
    """Create ``<pid>.json`` exclusively (mode 0600) after removing stale files; its path."""
    dir_fd = open_dir(directory)
    name = f"{info['pid']}.json"
    path = os.path.join(directory, name)
    try:
        remove_stale(directory)
        if os.path.realpath(path) not in _held and _parse(path) is not None:
            _unlink(path)  # left by an earlier process that had our pid
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW |
                         os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
        except FileExistsError:
            raise FileExistsError(
                f"{path} exists: this process already serves a live channel (one per "
                "process), or the file is not a glassgrad token file") from None
        with os.fdopen(fd, "w") as f:
            json.dump(info, f)
    finally:
        os.close(dir_fd)
    _held.add(os.path.realpath(path))
    return path


def remove_info(path: str, token: str) -> None:
    """Remove our token file, only if it is still ours (same token)."""
    _held.discard(os.path.realpath(path))
    info = _parse(path)
    if info is not None and info["token"] == token:
        _unlink(path)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_stale(directory: str) -> list[int]:
    """Remove the token files of programs that are gone; the pids removed."""
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        path = os.path.join(directory, name)
        info = _parse(path)
        if info is not None and not pid_alive(info["pid"]) and _unlink(path):
            removed.append(info["pid"])
    return removed


def read_info(pid: int | None = None, directory: str = LIVE_DIR) -> dict[str, Any]:
    """Connection details of a running live program: ``pid``'s, or the newest one's.

    Token files of programs that are gone are removed on the way; asking for a ``pid`` that
    is gone raises :class:`NotLiveError` (a ``FileNotFoundError``)."""
    if pid is not None:
        path = os.path.join(directory, f"{pid}.json")
        info = _parse(path)
        if info is None:
            if os.path.lexists(path):
                raise ValueError(f"{path} is not a glassgrad live token file")
            raise FileNotFoundError(f"no live glassgrad program with pid {pid} under "
                                    f"{directory}")
        if not pid_alive(pid):
            _unlink(path)
            raise NotLiveError(f"glassgrad program {pid} is not running any more (removed "
                               f"its stale token file {path})")
        return info
    remove_stale(directory)
    found = []
    for name in os.listdir(directory) if os.path.isdir(directory) else []:
        info = _parse(os.path.join(directory, name))
        if info is not None:
            found.append(info)
    if not found:
        raise FileNotFoundError(f"no live glassgrad program under {directory}")
    return max(found, key=lambda i: i.get("started") or 0)


def _parse(path: str) -> dict[str, Any] | None:
    """The content of a well-formed token file of ours, else None: a regular file (not a
    symlink) we own, named ``<pid>.json``, holding the fields a server writes."""
    m = _NAME.match(os.path.basename(path))
    if m is None:
        return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_size > _MAX_SIZE:
        return None
    info = _load(path)
    ok = info.get("pid") == int(m.group(1)) and type(info.get("port")) is int and \
        isinstance(info.get("token"), str) and isinstance(info.get("host"), str)
    return info if ok else None


def _load(path: str) -> dict[str, Any]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd) as f:
            info = json.loads(f.read(_MAX_SIZE))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def info_record(host: str, port: int, token: str, run: str | None) -> dict[str, Any]:
    """What a token file holds."""
    return {"pid": os.getpid(), "host": host, "port": port, "token": token, "run": run,
            "started": time.time()}
