"""The live channel's token files (live_files.py): private, exclusive, never through a
symlink, in a folder kept at 0700, and cleaned up after programs that are gone."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys

import pytest
from rec_helpers import spawn, wait_for

from glassgrad.recording import live_files
from glassgrad.recording.live import LiveServer, NotLiveError, read_info
from glassgrad.recording.live_files import UnsafeLiveDirError

LIVE = os.path.join(".glassgrad", "live")


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def token_file(pid: int, started: float = 1.0, directory: str = LIVE) -> str:
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, f"{pid}.json")
    with open(path, "w") as f:
        json.dump({"pid": pid, "host": "127.0.0.1", "port": 1, "token": "t" * 43, "run": None,
                   "started": started}, f)
    return path


def test_an_existing_folder_is_set_to_0700():
    os.makedirs(LIVE, mode=0o755)
    os.chmod(LIVE, 0o755)
    srv = LiveServer().start()
    try:
        assert stat.S_IMODE(os.stat(LIVE).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(srv.info_path).st_mode) == 0o600
    finally:
        srv.stop()


def test_a_symlinked_folder_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    elsewhere.chmod(0o777)
    os.makedirs(".glassgrad")
    os.symlink(elsewhere, LIVE)
    with pytest.raises(UnsafeLiveDirError, match="is a symlink"):
        LiveServer().start()
    assert list(elsewhere.iterdir()) == []
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o777  # not chmod-ed through the link


def test_a_file_where_the_folder_should_be_is_refused():
    os.makedirs(".glassgrad")
    open(LIVE, "w").close()
    with pytest.raises(UnsafeLiveDirError, match="not a directory"):
        LiveServer().start()


@pytest.mark.skipif(os.geteuid() != 0, reason="making a folder of another user needs root")
def test_a_folder_of_another_user_is_refused():
    os.makedirs(LIVE, mode=0o700)
    os.chown(LIVE, 4242, 4242)
    with pytest.raises(UnsafeLiveDirError, match="belongs to user 4242"):
        LiveServer().start()


def test_the_token_file_is_never_written_through_a_symlink(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.makedirs(LIVE, mode=0o700)
    os.symlink(victim, os.path.join(LIVE, f"{os.getpid()}.json"))
    with pytest.raises(FileExistsError, match="not a glassgrad token file"):
        LiveServer().start()
    assert victim.read_text() == "precious"


def test_one_server_per_process_and_a_stale_file_of_our_pid_is_replaced():
    stale = token_file(os.getpid())  # left by an earlier process that had our pid
    srv = LiveServer().start()
    try:
        assert read_info(os.getpid())["token"] == srv.token
        with pytest.raises(FileExistsError, match="one per process"):
            LiveServer().start()
    finally:
        srv.stop()
    assert not os.path.exists(stale)


def test_a_server_removes_token_files_of_dead_programs_only():
    dead = token_file(dead_pid())
    alive = token_file(os.getppid())
    os.makedirs(LIVE, exist_ok=True)
    odd = {name: os.path.join(LIVE, name) for name in (f"{dead_pid()}.json", "notes.json",
                                                       f"{dead_pid()}.txt")}
    for path in odd.values():
        with open(path, "w") as f:
            f.write("not a token file")
    srv = LiveServer().start()
    srv.stop()
    assert not os.path.exists(dead)
    assert os.path.exists(alive) and all(os.path.exists(p) for p in odd.values())


def test_read_info_never_returns_a_dead_program():
    with pytest.raises(FileNotFoundError):
        read_info()
    alive = token_file(os.getppid(), started=1.0)
    pid = dead_pid()
    dead = token_file(pid, started=2.0)  # newer, but gone
    assert read_info()["pid"] == os.getppid()
    assert not os.path.exists(dead)
    token_file(pid)
    with pytest.raises(NotLiveError, match=f"{pid} is not running any more"):
        read_info(pid)
    assert not os.path.exists(dead)
    with pytest.raises(FileNotFoundError, match="no live glassgrad program with pid"):
        read_info(pid)
    assert read_info(os.getppid())["port"] == 1
    os.remove(alive)


def test_stop_removes_only_its_own_file():
    srv = LiveServer().start()
    path = srv.info_path
    token_file(os.getpid())  # someone replaced it meanwhile
    srv.stop()
    assert os.path.exists(path)
    os.remove(path)
    assert live_files._held == set()


SERVE = """
import time
from glassgrad.recording.live import serve_live
serve_live()
print("serving", flush=True)
{end}
"""


@pytest.mark.parametrize("end", ["time.sleep(60)", "pass"])
def test_a_killed_program_leaves_a_file_the_next_server_removes(tmp_path, end):
    """SIGTERM skips atexit: the file stays until the next server starts; a program that just
    ends without stopping its server removes its file at exit."""
    proc = spawn("-c", SERVE.format(end=end), cwd=tmp_path)
    assert proc.stdout.readline().strip() == "serving"
    path = tmp_path / LIVE / f"{proc.pid}.json"
    if end == "pass":
        proc.wait(10)
        assert not path.exists()
        return
    assert path.exists()
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)
    assert path.exists()
    srv = LiveServer().start()
    srv.stop()
    wait_for(lambda: not path.exists(), 5, "the stale file to go")
