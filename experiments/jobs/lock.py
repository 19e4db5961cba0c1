"""One job at a time in a results folder: an OS file lock held for the life of the job.

Two ``--resume`` on one folder used to make every unfinished run twice and could strand the
folder in state "running". The lock is ``fcntl.flock`` on ``.lock`` inside the folder: the
kernel releases it when its holder dies however it dies (SIGKILL, a power cut of a client on a
network filesystem aside), so a stale lock file is simply taken over; the pid, host and start
time written in it only say who holds a live lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from coprod.experiments.jobs.storage import LOCK_FILE, ResultsFolderError, now


class FolderInUseError(ResultsFolderError):
    """Another live process holds the folder's lock."""


class FolderLock:
    """The exclusive lock of one results folder, as a context manager.

    Entering makes the folder if it does not exist (the lock file must live somewhere) and
    raises :class:`FolderInUseError`, naming the holder, when another process holds it.
    """

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_FILE
        self._file: IO[str] | None = None

    def __enter__(self) -> FolderLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(file)
            file.close()
            raise FolderInUseError(
                f"{self.path.parent} is in use by another coprod job ({holder}): one job at a "
                "time writes a results folder. Wait for it to finish (or stop it), then run "
                "your command again; its finished runs are kept."
            ) from None
        file.seek(0)
        file.truncate()
        json.dump({"pid": os.getpid(), "host": socket.gethostname(), "since": now()}, file)
        file.flush()
        self._file = file
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._file is not None:
            self._file.truncate(0)  # no stale name for the next job's refusals to read
            self._file.flush()
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def _holder(file: IO[str], wait: float = 1.0) -> str:
    """Who holds the lock, from what the holder wrote in the lock file. A holder takes the
    lock before it writes its name, so for up to ``wait`` seconds a name that is missing, or
    is that of a process of this host that has ended (a job killed outright leaves its name),
    is read again: refusing a race's loser had named the interrupted job before them."""
    deadline = time.monotonic() + wait
    while True:
        file.seek(0)
        try:
            info = json.loads(file.read() or "{}")
        except ValueError:
            info = {}
        if (info and _alive(info)) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    if not info:
        return "its holder has not written its name yet"
    return f"pid {info.get('pid')} on {info.get('host')}, since {info.get('since')}"


def _alive(info: dict) -> bool:
    """Whether the process a lock file names may still run (it does, or is on another host)."""
    if info.get("host") != socket.gethostname() or not isinstance(info.get("pid"), int):
        return True
    try:
        os.kill(info["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
