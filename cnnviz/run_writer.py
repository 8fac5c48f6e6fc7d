"""Runs written: a new run made under a hidden name and renamed into place (`RunWriter` while it trains), a queued
run for a training process to claim (`create_queued`), and a run's lock (`lock_run`)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import torch
from safetensors import SafetensorError
from safetensors.torch import save_file

from .i18n import Invalid
from .runs import MAX_RUN_JSON_BYTES, WEIGHTS, RunError, run_path, runs_root
from .safe_files import open_append, parse_json, read_regular, sha256, write_json_atomic


def new_run_id(label: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", label).strip("-")[:40] or "run"
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{safe}-{secrets.token_hex(2)}"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _make_run(meta: dict, label: str, status: str) -> tuple[str, Path, object | None]:
    """Create a run folder atomically; a "running" one comes back with its lock held (else None)."""
    root = runs_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        run_id = new_run_id(label)
        tmp = root / f".tmp-{run_id}"
        (tmp / "snapshots").mkdir(parents=True)
        meta.update(run_id=run_id, status=status, created=_now())
        write_json_atomic(tmp / "run.json", meta)
        (tmp / "metrics.jsonl").touch()
        lock = open(tmp / ".lock", "w")
        if status == "running":
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            lock.close()
            lock = None
        os.replace(tmp, root / run_id)
    except OSError as e:
        raise RunError("cannot write to the run store {root}: {reason}", root=root, reason=e.strerror or e) from None
    return run_id, root / run_id, lock


def create_queued(meta: dict, label: str = "run") -> str:
    """A run that waits for a training process (see `jobs`); returns its id."""
    return _make_run(dict(meta), label, "queued")[0]


def lock_run(run_id: str) -> IO | None:
    """Take a run's lock (the open lock file), or None when another process holds it."""
    try:
        lock = open_append(run_path(run_id) / ".lock")
    except OSError as e:
        raise RunError(
            "run {run_id}: its .lock cannot be opened: {reason}", run_id=run_id, reason=e.strerror or e
        ) from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


class RunWriter:
    """Writes one run while it trains; holds the run's lock until `close`.

    A new run by default; with `run_id`, a queued run is claimed instead (its lock already held by this
    process through `lock`, when the launcher took it and passed it on, else taken here).
    """

    def __init__(self, meta: dict, label: str = "run", run_id: str | None = None, lock: IO | None = None) -> None:
        self.meta = {**meta, "pid": os.getpid(), "host": socket.gethostname()}
        if run_id is None:
            self.run_id, self.path, self._lock = _make_run(self.meta, label, "running")
        else:
            self.run_id, self.path = run_id, run_path(run_id)
            self._lock = lock or lock_run(run_id)
            if self._lock is None:
                raise RunError("run {run_id} is already being trained by another process", run_id=run_id)
            try:
                queued = parse_json(read_regular(self.path / "run.json", MAX_RUN_JSON_BYTES))
                if not isinstance(queued, dict):
                    raise Invalid("run.json is not an object")
                self.meta = {**queued, **self.meta, "status": "running", "started": _now()}
                write_json_atomic(self.path / "run.json", self.meta)
            except (OSError, ValueError) as e:
                self._lock.close()
                raise RunError("run {run_id} cannot be claimed: {reason}", run_id=run_id, reason=e) from None
        try:
            self._metrics = open_append(self.path / "metrics.jsonl")
        except OSError as e:
            if self._lock is not None:
                self._lock.close()
            raise RunError(
                "run {run_id}: metrics.jsonl cannot be opened: {reason}", run_id=self.run_id, reason=e.strerror or e
            ) from None
        self.snapshot_count = 0

    @contextmanager
    def _writing(self, what: str):
        """A failed write (the run folder removed or the disk full while training) is a RunError that says so."""
        try:
            yield
        except (OSError, SafetensorError) as e:
            raise RunError(
                "run {run_id}: cannot write its {what} (was the run folder removed or the disk full?): {reason}",
                run_id=self.run_id,
                what=what,
                reason=getattr(e, "strerror", None) or e,
            ) from None

    def log(self, record: dict) -> None:
        with self._writing("metrics"):
            self._metrics.write(json.dumps(record) + "\n")
            self._metrics.flush()

    def snapshot(self, step: int, epoch: float, tensors: dict[str, torch.Tensor]) -> None:
        """Save a snapshot of (some of) the weights; metadata says when it was taken."""
        name = self.path / "snapshots" / f"{self.snapshot_count:03d}.safetensors"
        tmp = name.with_name(f".{name.name}.tmp")  # a kill mid-write leaves a hidden file, never a torn snapshot
        tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in tensors.items()}
        with self._writing("snapshot"):
            save_file(tensors, str(tmp), metadata={"step": str(step), "epoch": f"{epoch:.6f}"})
            os.replace(tmp, name)
        self.snapshot_count += 1

    def save_weights(self, state: dict[str, torch.Tensor]) -> None:
        """Write the final weights atomically and record their checksum."""
        tmp = self.path / f".{WEIGHTS}.tmp"
        with self._writing("weights"):
            save_file({k: v.detach().cpu().contiguous() for k, v in state.items()}, str(tmp))
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            self.meta["weights_sha256"] = sha256(tmp)
            self.meta["weights_bytes"] = tmp.stat().st_size
            os.replace(tmp, self.path / WEIGHTS)

    def update(self, **fields) -> None:
        self.meta.update(fields)
        with self._writing("run.json"):
            write_json_atomic(self.path / "run.json", self.meta)

    def close(self) -> None:
        for f in (self._metrics, self._lock):
            if not f.closed:
                f.close()
