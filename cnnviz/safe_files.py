"""Files read and written safely: a regular file only (no symlink followed, no FIFO or device waited on), within a
size, JSON that cannot crash the parser, and files replaced atomically. The run store reads every file through here.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import IO, Any

from .i18n import Invalid, Translated


class FileProblem(Translated, OSError):
    """A store file refused before it is read (not a regular file, too large): an OSError whose reason ends up in
    a damaged run's reason, so it is translated where shown."""


def _open_checked(path: Path, flags: int, mode: str):
    """Open `path` only if it is a regular file: O_NOFOLLOW never follows a symlink, and O_NONBLOCK never waits
    on a FIFO, socket or device (opening one plainly would block the caller for ever)."""
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileProblem("{file} is not a regular file", file=path.name)
        os.set_blocking(fd, True)
        return os.fdopen(fd, mode)
    except BaseException:
        os.close(fd)
        raise


def open_regular(path: Path, mode: str = "rb") -> IO:
    """A regular file of the store (or a dataset), opened for reading."""
    return _open_checked(path, os.O_RDONLY, mode)


def open_append(path: Path, mode: str = "a") -> IO:
    """A file of the store opened for appending (created if missing): a planted link must not make the app write
    outside the store, and a planted FIFO must not block it."""
    return _open_checked(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file (see `open_regular`) of at most `max_bytes`."""
    with open_regular(path) as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileProblem("{file} is larger than {limit:,} bytes", file=path.name, limit=max_bytes)
    return data


def parse_json(data: bytes | str) -> Any:
    """JSON from a file; ValueError for anything that is not (too deep, a number of thousands of digits, bad
    UTF-8 included)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise Invalid("it is nested too deeply") from None
    except UnicodeDecodeError as e:
        raise Invalid("it is not UTF-8 text ({reason})", reason=e.reason) from None


def write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open_regular(path) as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def is_regular(path: Path) -> bool:
    """A regular file that is not a symlink (never follows one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
