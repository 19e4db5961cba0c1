"""The results folder while a job runs: its manifest, its status log and its stream parts.

Each run's tables are appended as Arrow IPC messages to stream part files (a torn tail still
leaves every earlier batch whole), and one line per finished or failed run goes to
``status.jsonl``, fsynced after the run's data. The status line records where the run's
batches are, so the log alone says what is done and where to find it: a rerun after a crash
writes new parts, and stale or torn copies are never read. ``.results`` turns the
parts into Parquet when the job ends.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from coprod.simulation.errors import CoprodError

MANIFEST = "manifest.json"
STATUS = "status.jsonl"
PARTS = "parts"
DATA_DICTIONARY = "DATA.md"
TABLES: tuple[str, ...] = ("runs", "timeseries", "agents", "survey")
"""The tables of every run, in the order they are written and consolidated."""
KEY_TYPES: dict[str, pa.DataType] = {
    "run_id": pa.string(),
    "scenario": pa.string(),
    "replicate": pa.int64(),
    "point": pa.int64(),
}
"""The columns in front of every table, with their types (also when a table has no rows)."""

LOCK_FILE = ".lock"
"""The job lock's file inside a results folder (see :mod:`.lock`): not a sign of use."""
VERSIONED = ("coprod_version", "numpy", "mesa", "model_code")
"""What a resumed job must share with the one that started it: another value of any of them
can change what a run gives, and a folder must not mix runs of two models."""

PART_NAME = re.compile(r"^[a-z]+-s\d+-p\d+\.arrows$")


@contextmanager
def system_memory() -> Iterator[None]:
    """While the block runs, Arrow allocates from the C library's ``malloc`` (its system
    pool), not from its default mimalloc pool; the caller's default comes back afterwards
    (the tables made meanwhile keep their own pool). A worker packs a run's tables in it too:
    a run with agent snapshots peaked 0.4 GiB lower for it (4.25 against 4.6 GiB, 208,000
    agents and 27 snapshots: mimalloc kept what compressing them had used).

    Reading the default comparison's tables (1.6 million snapshot rows) took 6.8-13.8 s on
    this 2-core machine with mimalloc, 5-9 s of them system time, against 1.4-1.9 s with the
    system pool (3 processes each, in turn); jemalloc did about as well as the system pool.
    mimalloc's memory came as transparent huge pages (about 600 huge-page faults a read,
    ``thp_fault_alloc`` in ``/proc/vmstat``), which cost this virtual machine's kernel 3-7 s
    of system time; the system pool's small pages cost well under one.
    """
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


class ResultsFolderError(CoprodError):
    """A results folder that cannot be used as asked."""


class ResultsExistError(ResultsFolderError):
    """A job would overwrite an existing results folder."""


class ResumeMismatchError(ResultsFolderError):
    """``--resume`` with a job different from the one recorded in the folder."""


class CorruptResultsError(ResultsFolderError):
    """A file of a results folder that cannot be read."""


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON so that a crash leaves either the old file or the new one, never half."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as file:
        json.dump(data, file, indent=2)
        file.write("\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)


def now() -> str:
    """The time for the manifest and the status log: UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def provenance() -> dict[str, Any]:
    """What made these results: code version and commit, interpreter and key libraries."""
    versions: dict[str, str | None] = {}
    for name in ("coprod", "mesa", "numpy", "pandas", "pyarrow"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "format": FORMAT,
        "coprod_version": versions.pop("coprod"),
        "model_code": model_code(),
        "git": _git(),
        "python": platform.python_version(),
        "versions": versions,
        "created": now(),
    }


FORMAT = "coprod-results/1"


def model_code() -> str:
    """A hash of the model's source (``coprod.simulation`` without the page): the code identity
    of a run, also for an installed copy that has no git commit to record."""
    import coprod.simulation

    root = Path(coprod.simulation.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "page" not in path.relative_to(root).parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return f"sha256:{digest.hexdigest()[:16]}"


def check_versions(folder: ResultsFolder, manifest: dict[str, Any], allow_change: bool) -> None:
    """Refuse to resume a job begun by other code (listing both), unless ``allow_change``: then
    the change is recorded in the manifest and the job goes on."""
    if manifest.get("format") != FORMAT:
        raise ResumeMismatchError(
            f"{folder.manifest} was written by a coprod with another results format "
            f"({manifest.get('format')!r}, this one writes {FORMAT!r}): resume it with the "
            "coprod that started it, or rerun the job into a new --out."
        )
    recorded, current = _identity(manifest), _identity(provenance())
    changed = [key for key in VERSIONED if recorded.get(key) != current.get(key)]
    if not changed:
        return
    if not allow_change:
        listed = "\n".join(
            f"  - {key}: {recorded.get(key)} in the folder, {current.get(key)} now"
            for key in changed
        )
        raise ResumeMismatchError(
            f"cannot resume {folder.path}: it was begun by other code, and its runs would mix "
            f"two versions:\n{listed}\nResume with the versions that began it, rerun into a new "
            "--out, or add --allow-version-change to go on anyway (both are recorded)."
        )
    manifest.setdefault("version_changes", []).append(
        {"at": now(), **{key: [recorded.get(key), current.get(key)] for key in changed}}
    )


def _identity(record: dict[str, Any]) -> dict[str, Any]:
    """The versioned values of a manifest or of :func:`provenance`."""
    versions = record.get("versions") or {}
    return {
        "coprod_version": record.get("coprod_version"),
        "model_code": record.get("model_code"),
        **{name: versions.get(name) for name in ("numpy", "mesa")},
    }


def _git() -> dict[str, Any] | None:
    """The commit of the source tree the code runs from, if it is a git checkout."""

    def git(*args: str) -> str:
        here = str(Path(__file__).resolve().parent)
        command = ["git", "-C", here, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=5, check=True).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        dirty = bool(git("status", "--porcelain", "--untracked-files=no").strip())
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


class ResultsFolder:
    """One job's results folder (``results/<name>/``) and where each of its files lives."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.manifest = self.path / MANIFEST
        self.status = self.path / STATUS
        self.parts = self.path / PARTS

    def table(self, name: str) -> Path:
        """The consolidated Parquet file of one table."""
        return self.path / f"{name}.parquet"

    def create(self) -> None:
        """Make the folder for a new job, refusing to reuse one that holds anything."""
        refuse_used(
            self.path,
            f"{self.path} already exists and is not empty: choose another --out, or add "
            "--resume to continue the job recorded there",
        )
        self.parts.mkdir(parents=True, exist_ok=True)

    def read_manifest(self) -> dict[str, Any]:
        """The manifest, or an error naming the file when it is missing or unreadable."""
        if not self.manifest.is_file():
            raise CorruptResultsError(
                f"{self.path} is not a coprod results folder: it has no {MANIFEST}"
            )
        try:
            manifest = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CorruptResultsError(
                f"{self.manifest} cannot be read ({error}); the folder cannot be resumed or "
                "loaded: rerun the job into a new --out"
            ) from error
        keys = ("state", "job", "runs", "sessions")
        missing = [key for key in keys if not isinstance(manifest, dict) or key not in manifest]
        if missing:
            raise CorruptResultsError(
                f"{self.manifest} is not a coprod manifest (missing {missing}); rerun the job "
                "into a new --out"
            )
        return manifest

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace the manifest atomically."""
        write_json_atomic(self.manifest, manifest)

    def recover_status(self) -> dict[str, dict[str, Any]]:
        """The last status entry of every logged run, after cutting off a torn last line.

        A crash can tear only the line being written, the last one, which is cut off so the
        next entry starts on a line of its own. A damaged line elsewhere (an editor, a disk
        fault) is skipped with a warning: the runs it stood for are made again, the others
        are not.
        """
        if not self.status.exists():
            return {}
        data = self.status.read_bytes()
        lines = data.split(b"\n")
        tail = lines.pop()  # what follows the last newline: empty, or a line cut off mid-write
        if not tail and lines and _status_entry(lines[-1]) is None:
            tail = lines.pop() + b"\n"  # a last line torn, then ended by the next write
        entries: dict[str, dict[str, Any]] = {}
        damaged = []
        for number, line in enumerate(lines, start=1):
            entry = _status_entry(line)
            if entry is None:
                damaged.append(number)
            else:
                entries[entry["run_id"]] = entry
        if damaged:
            warn(
                f"{self.status}: line(s) {', '.join(map(str, damaged[:10]))} are not status "
                "entries and were skipped; the runs they logged, if any, are made again."
            )
        if tail:
            with self.status.open("r+b") as file:
                file.truncate(len(data) - len(tail))
        return entries

    def forget_lost_parts(self, status: dict[str, dict[str, Any]]) -> None:
        """Before any run starts, drop from ``status`` the finished runs whose stream part is
        gone (deleted, a copy of the folder without ``parts/``): they are made again, rather
        than found missing after the rest of the job has run."""
        if not self.parts.is_dir():  # every run was consolidated and the parts removed
            return
        lost = [
            run_id
            for run_id, entry in status.items()
            if entry.get("status") == "done"
            and any(
                not (self.parts / part).is_file() for part, _ in entry.get("parts", {}).values()
            )
        ]
        for run_id in lost:
            del status[run_id]
        if lost:
            warn(
                f"{len(lost)} finished runs of {self.path} lost their data in {self.parts} "
                f"(e.g. {lost[0]}): they are made again."
            )

    def writer(self, session: int) -> RunWriter:
        """The single writer of this session's runs."""
        return RunWriter(self, session)

    def remove_parts(self) -> None:
        """Drop the stream parts once every run is consolidated and none needs a retry."""
        shutil.rmtree(self.parts, ignore_errors=True)


class RunWriter:
    """Appends each arriving run to the stream parts and logs it: the only process writing.

    A table's part changes when a run's schema differs from the open part's (say a column
    that is all missing in one run); the new part starts with its own schema message.
    """

    def __init__(self, folder: ResultsFolder, session: int) -> None:
        self._folder = folder
        self._session = session
        self._open: dict[str, tuple[str, pa.Schema, IO[bytes]]] = {}
        self._count = 0
        folder.parts.mkdir(parents=True, exist_ok=True)
        earlier = [int(p.name.split("-s")[1][:3]) for p in folder.parts.glob("*-s*-p*.arrows")]
        self._session = max([session, *(s + 1 for s in earlier)])  # after a rebuilt manifest
        self._status = folder.status.open("ab")

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for _, _, file in self._open.values():
            file.close()
        self._status.close()

    def record(self, entry: dict[str, Any], tables: dict[str, bytes]) -> dict[str, Any]:
        """Store a run's tables (none for a failed run), then log ``entry`` for it; return
        the entry as logged (with where its data is)."""
        return self.record_many([(entry, tables)])[0]

    def record_many(
        self, runs: list[tuple[dict[str, Any], dict[str, bytes]]]
    ) -> list[dict[str, Any]]:
        """Store the tables of runs that arrived together, then log them: one group commit.

        The data is fsynced before the status lines, so a logged run's data is on disk even
        after a power cut; a run whose line is missing is simply made again on resume. One
        fsync of each file per group, not per run, keeps the single writer ahead of many
        workers where an fsync is slow (a network filesystem).
        """
        logged = [
            {**entry, "parts": {name: self._append(name, tables[name]) for name in TABLES}}
            if tables
            else entry
            for entry, tables in runs
        ]
        if any(tables for _, tables in runs):
            for _, _, file in self._open.values():
                _sync(file)
        self._status.write(b"".join(json.dumps(entry).encode("utf-8") + b"\n" for entry in logged))
        _sync(self._status)
        return logged

    def _append(self, name: str, data: bytes) -> tuple[str, int | None]:
        """Append one run's batch of a table; return its part file and byte offset."""
        source = pa.BufferReader(data)
        schema_message = pa.ipc.read_message(source)
        schema = pa.ipc.read_schema(schema_message)
        batches = list(_messages(source))
        current = self._open.get(name)
        if current is None or (batches and not current[1].equals(schema)):
            if current is not None:  # its last batches may be in the group being committed
                _sync(current[2])
                current[2].close()
            part = f"{name}-s{self._session:03d}-p{self._count:03d}.arrows"
            self._count += 1
            file = (self._folder.parts / part).open("xb")
            file.write(schema_message.serialize())
            current = self._open[name] = (part, schema, file)
        part, _, file = current
        if not batches:
            return part, None
        if len(batches) > 1:
            raise ValueError(f"run table {name} arrived as {len(batches)} batches, expected 1")
        offset = file.tell()
        file.write(batches[0].serialize())
        return part, offset


def refuse_used(path: Path, message: str) -> None:
    """Raise :class:`ResultsExistError` with ``message`` if ``path`` is a file or a folder
    that holds anything: a new job never writes over what is there."""
    if path.exists() and (
        not path.is_dir() or any(item.name != LOCK_FILE for item in path.iterdir())
    ):
        raise ResultsExistError(message)


def warn(message: str) -> None:
    """A warning about a results folder, on stderr where the progress bar is."""
    print(f"coprod: warning: {message}", file=sys.stderr)


def _sync(file: IO[bytes]) -> None:
    """Push a file's writes to the disk itself."""
    file.flush()
    os.fsync(file.fileno())


def _status_entry(line: bytes) -> dict[str, Any] | None:
    """One status line as a dict, or None when it is not a whole entry."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if isinstance(entry, dict) and isinstance(entry.get("run_id"), str):
        return entry
    return None


def _messages(source: pa.NativeFile) -> Iterator[pa.ipc.Message]:
    """The messages of an IPC stream up to its end marker or a torn tail."""
    while True:
        try:
            yield pa.ipc.read_message(source)
        except (EOFError, OSError, pa.ArrowInvalid):
            return
