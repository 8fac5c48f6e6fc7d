"""The run store: one folder per training run under $CNNVIZ_HOME/runs.

    runs/<run-id>/
      run.json             spec, dataset, config, versions, status, final metrics (rewritten atomically)
      metrics.jsonl        one JSON object per logged step or epoch (append-only)
      snapshots/NNN.safetensors   weights at ~20 points of training, for timelines
      weights.safetensors  final weights, written to a temp file then renamed, checked by sha256
      .lock                held (flock) by the training process while it runs
      control.json         pause / learning rate / stop requests from any other process (the app)
      worker.log           what a training process started by the app printed (its errors)

A run is created under a hidden temporary name and renamed into place, so a listing never sees a
half-made run. A run queued by the app exists from the moment it is asked for (status "queued");
the process that trains it claims it by taking its lock. A run that says "starting" or "running"
but whose lock is free lost its process: it is listed as "interrupted". Nothing here unpickles:
weights are safetensors, metadata is JSON.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
STATUSES = ("queued", "starting", "running", "finished", "stopped", "failed", "interrupted")
ACTIVE = ("starting", "running")  # a process holds the lock
LIVE = ("queued", *ACTIVE)  # not ended yet: screens keep polling these
WEIGHTS = "weights.safetensors"
CONTROL = "control.json"  # {"paused": bool, "lr": float | None, "stop": bool}, written by anyone, read by the trainer


class RunError(ValueError):
    """A run that cannot be found, read or written, with the reason."""


def home() -> Path:
    """$CNNVIZ_HOME, default ~/.cache/cnnviz."""
    return Path(os.environ.get("CNNVIZ_HOME") or Path.home() / ".cache" / "cnnviz")


def runs_root() -> Path:
    return home() / "runs"


def run_path(run_id: str) -> Path:
    """The folder of a run, refusing any id that could name a path outside the store."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id) or ".." in run_id:
        raise RunError(f"invalid run id {run_id!r}: use letters, digits, '-', '_' and '.' only")
    return runs_root() / run_id


@dataclass
class RunInfo:
    """What a listing shows of a run; `damaged` says why a run cannot be used (None when it can)."""

    run_id: str
    path: Path
    status: str = "damaged"
    meta: dict = field(default_factory=dict)
    damaged: str | None = None

    @property
    def test_accuracy(self) -> float | None:
        return self.meta.get("test_accuracy")

    @property
    def has_weights(self) -> bool:
        return self.damaged is None and "weights_sha256" in self.meta

    def label(self) -> str:
        """A short human label for pickers: id, dataset, status, accuracy."""
        if self.damaged:
            return f"{self.run_id} · damaged"
        acc = f" · {self.test_accuracy:.2%}" if self.test_accuracy is not None else ""
        return f"{self.run_id} · {self.meta.get('dataset', '?')} · {self.status}{acc}"


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


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
        _write_json_atomic(tmp / "run.json", meta)
        (tmp / "metrics.jsonl").touch()
        lock = open(tmp / ".lock", "w")
        if status == "running":
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            lock.close()
            lock = None
        os.replace(tmp, root / run_id)
    except OSError as e:
        raise RunError(f"cannot write to the run store {root}: {e.strerror or e}") from None
    return run_id, root / run_id, lock


def create_queued(meta: dict, label: str = "run") -> str:
    """A run that waits for a training process (see `jobs`); returns its id."""
    return _make_run(dict(meta), label, "queued")[0]


def lock_run(run_id: str):
    """Take a run's lock (the open lock file), or None when another process holds it."""
    lock = open(run_path(run_id) / ".lock", "a")
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

    def __init__(self, meta: dict, label: str = "run", run_id: str | None = None, lock=None):
        self.meta = {**meta, "pid": os.getpid(), "host": socket.gethostname()}
        if run_id is None:
            self.run_id, self.path, self._lock = _make_run(self.meta, label, "running")
        else:
            self.run_id, self.path = run_id, run_path(run_id)
            self._lock = lock or lock_run(run_id)
            if self._lock is None:
                raise RunError(f"run {run_id} is already being trained by another process")
            try:
                queued = json.loads((self.path / "run.json").read_text())
                self.meta = {**queued, **self.meta, "status": "running", "started": _now()}
                _write_json_atomic(self.path / "run.json", self.meta)
            except (OSError, ValueError) as e:
                self._lock.close()
                raise RunError(f"run {run_id} cannot be claimed: {e}") from None
        self._metrics = open(self.path / "metrics.jsonl", "a")
        self.snapshot_count = 0

    def log(self, record: dict) -> None:
        self._metrics.write(json.dumps(record) + "\n")
        self._metrics.flush()

    def snapshot(self, step: int, epoch: float, tensors: dict[str, torch.Tensor]) -> None:
        """Save a snapshot of (some of) the weights; metadata says when it was taken."""
        name = self.path / "snapshots" / f"{self.snapshot_count:03d}.safetensors"
        tmp = name.with_name(f".{name.name}.tmp")  # a kill mid-write leaves a hidden file, never a torn snapshot
        tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in tensors.items()}
        save_file(tensors, str(tmp), metadata={"step": str(step), "epoch": f"{epoch:.6f}"})
        os.replace(tmp, name)
        self.snapshot_count += 1

    def save_weights(self, state: dict[str, torch.Tensor]) -> None:
        """Write the final weights atomically and record their checksum."""
        tmp = self.path / f".{WEIGHTS}.tmp"
        save_file({k: v.detach().cpu().contiguous() for k, v in state.items()}, str(tmp))
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        self.meta["weights_sha256"] = _sha256(tmp)
        self.meta["weights_bytes"] = tmp.stat().st_size
        os.replace(tmp, self.path / WEIGHTS)

    def update(self, **fields) -> None:
        self.meta.update(fields)
        _write_json_atomic(self.path / "run.json", self.meta)

    def close(self) -> None:
        for f in (self._metrics, self._lock):
            if not f.closed:
                f.close()


def _is_locked(path: Path) -> bool:
    """True while some process holds the run's lock (that is, it is really training)."""
    try:
        with open(path / ".lock", "r") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(f, fcntl.LOCK_UN)
            return False
    except OSError:
        return False


def read_run(run_id: str) -> RunInfo:
    """Read one run's metadata and check its files; a damaged run comes back with `damaged` set."""
    path = run_path(run_id)
    info = RunInfo(run_id, path)
    if not path.is_dir():
        raise RunError(f"no run {run_id!r} in {runs_root()}")
    try:
        meta = json.loads((path / "run.json").read_text())
    except FileNotFoundError:
        info.damaged = "run.json is missing"
        return info
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        info.damaged = f"run.json cannot be read: {e}"
        return info
    if not isinstance(meta, dict) or meta.get("status") not in STATUSES or not isinstance(meta.get("spec"), dict):
        info.damaged = "run.json lacks a valid status or architecture"
        return info
    info.meta, info.status = meta, meta["status"]
    if info.status in ACTIVE and not _is_locked(path) and not (meta.get("executor") == "ray" and
                                                               info.status == "starting"):
        info.status = "interrupted"  # its process died (a Ray run waits in Ray's own queue until it claims the lock)
    if not (path / "metrics.jsonl").is_file():
        info.damaged = "metrics.jsonl is missing"
    elif "weights_sha256" in meta:
        weights = path / WEIGHTS
        if not weights.is_file():
            info.damaged = "the weights file is missing"
        elif weights.stat().st_size != meta.get("weights_bytes"):
            info.damaged = f"the weights file has {weights.stat().st_size:,} bytes, expected {meta.get('weights_bytes'):,}"
    elif info.status == "finished":
        info.damaged = "finished but without weights"
    return info


def list_runs() -> list[RunInfo]:
    """Every run in the store, newest first; damaged runs are included and marked, never fatal."""
    root = runs_root()
    if not root.is_dir():
        return []
    runs = []
    for entry in root.iterdir():
        if entry.name.startswith(".") or not entry.is_dir() or not RUN_ID_PATTERN.match(entry.name):
            continue
        try:
            runs.append(read_run(entry.name))
        except (RunError, OSError):
            continue  # removed while we were listing
    return sorted(runs, key=lambda r: r.run_id, reverse=True)


def read_metrics(run_id: str) -> list[dict]:
    """All metric records of a run; a torn last line (a run killed mid-write) is ignored."""
    records = []
    try:
        with open(run_path(run_id) / "metrics.jsonl") as f:
            for line in f:
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    except (OSError, UnicodeDecodeError):
        return records
    return records


def last_records(run_id: str, tail_bytes: int = 1 << 16) -> list[dict]:
    """The metric records in the last `tail_bytes` of a run's metrics.jsonl: the live state, read cheaply."""
    records = []
    try:
        with open(run_path(run_id) / "metrics.jsonl", "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - tail_bytes))
            lines = f.read().splitlines()
    except OSError:
        return records
    for line in lines[1:] if size > tail_bytes else lines:  # the first line of a tail may be cut
        try:
            record = json.loads(line)
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def metrics_version(run_id: str) -> tuple[int, int] | None:
    """(mtime, size) of a run's metrics.jsonl: a cache key that changes whenever a record is added."""
    try:
        stat = os.stat(run_path(run_id) / "metrics.jsonl")
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def last_step(run_id: str) -> dict | None:
    """The newest 'step' record of a run (None before its first logged step)."""
    return next((r for r in reversed(last_records(run_id)) if r.get("kind") == "step"), None)


HISTORY_KEYS = ("step", "epoch", "train_loss", "train_acc", "val_loss", "val_acc")


def history(records: list[dict]) -> dict[str, list]:
    """Metric records as aligned lists for the curve figures: one position per step or epoch record.

    'step' records carry train_loss/train_acc, 'epoch' records val_loss/val_acc; a record lacking a
    metric has None there, so every list lines up on `epoch` and the figures skip the gaps.
    """
    kept = [r for r in records if r.get("kind") in ("step", "epoch")]
    return {key: [r.get(key) for r in kept] for key in HISTORY_KEYS}


def load_weights(run_id: str) -> dict[str, torch.Tensor]:
    """The final weights of a run, after checking their sha256 against run.json."""
    info = read_run(run_id)
    if info.damaged:
        raise RunError(f"run {run_id} is damaged: {info.damaged}")
    if "weights_sha256" not in info.meta:
        raise RunError(f"run {run_id} has no weights ({info.status})")
    path = info.path / WEIGHTS
    if _sha256(path) != info.meta["weights_sha256"]:
        raise RunError(f"run {run_id} is damaged: the weights file does not match its checksum")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError) as e:
        raise RunError(f"run {run_id} is damaged: {e}") from None


def list_snapshots(run_id: str) -> list[dict]:
    """Snapshots of a run in training order: [{'index', 'step', 'epoch', 'path'}]."""
    from safetensors import safe_open

    out = []
    for path in sorted((run_path(run_id) / "snapshots").glob("[0-9][0-9][0-9].safetensors")):
        try:
            with safe_open(str(path), "pt") as f:
                meta = f.metadata() or {}
            out.append({"index": len(out), "step": int(meta.get("step", 0)), "epoch": float(meta.get("epoch", 0)),
                        "path": path})
        except (SafetensorError, OSError, ValueError):
            continue  # a snapshot cut short by a kill
    return out


def load_snapshot(run_id: str, index: int) -> dict[str, torch.Tensor]:
    snaps = list_snapshots(run_id)
    if not 0 <= index < len(snaps):
        raise RunError(f"run {run_id} has {len(snaps)} snapshots; there is no snapshot {index}")
    try:
        return load_file(str(snaps[index]["path"]))
    except (SafetensorError, OSError) as e:
        raise RunError(f"run {run_id}: snapshot {index} cannot be read: {e}") from None


def update_meta(run_id: str, **fields) -> None:
    """Change fields of a run's run.json atomically (for the queue; a training process uses its RunWriter)."""
    path = run_path(run_id) / "run.json"
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise RunError(f"run {run_id}: run.json cannot be read: {e}") from None
    if not isinstance(meta, dict):
        raise RunError(f"run {run_id}: run.json is not an object")
    meta.update(fields)
    _write_json_atomic(path, meta)


def read_control(run_id: str) -> dict:
    """The requests waiting for a run's trainer: {'paused': bool, 'lr': float | None, 'stop': bool}."""
    state = {"paused": False, "lr": None, "stop": False}
    path = run_path(run_id) / CONTROL
    try:
        if path.is_file() and not path.is_symlink():
            loaded = json.loads(path.read_text())
            if isinstance(loaded, dict):
                state.update({k: loaded[k] for k in state if k in loaded})
    except (OSError, ValueError):
        pass  # a torn or odd file asks for nothing
    return state


def write_control(run_id: str, **changes) -> dict:
    """Ask the process that trains a run to pause, resume, stop or use a new learning rate.

    The trainer looks at the file about ten times a second, so any process (any tab, any server, the CLI)
    can steer any run. Raises RunError when nothing is training the run.
    """
    path = run_path(run_id)
    if not _is_locked(path):
        raise RunError(f"run {run_id} is not training")
    state = {**read_control(run_id), **changes}
    if (path / CONTROL).is_symlink():
        raise RunError(f"run {run_id}: {CONTROL} is a link; refusing to follow it")
    _write_json_atomic(path / CONTROL, state)
    return state


def request_stop(run_id: str) -> None:
    """Ask whichever process trains this run to stop (it checks several times a second)."""
    write_control(run_id, stop=True, paused=False)


def delete_run(run_id: str) -> None:
    """Remove a run folder (damaged ones too); a run still training must be stopped first."""
    path = run_path(run_id)
    if not path.is_dir():
        raise RunError(f"no run {run_id!r}")
    if _is_locked(path):
        raise RunError(f"run {run_id} is still training: stop it first")
    trash = path.with_name(f".del-{run_id}-{secrets.token_hex(2)}")
    os.replace(path, trash)  # vanish from listings at once, then remove at leisure
    shutil.rmtree(trash, ignore_errors=True)


def load_model(run_id: str):
    """Rebuild a finished (or stopped) run's network with its final weights, in eval mode.

    Returns:
        (spec, model) with model an nn.Sequential on the CPU.
    """
    from .arch import ArchSpec, build

    weights = load_weights(run_id)
    spec = ArchSpec.from_dict(read_run(run_id).meta["spec"])
    model = build(spec)
    try:
        model.load_state_dict(weights)
    except RuntimeError as e:
        raise RunError(f"run {run_id}: the weights do not fit the architecture: {str(e)[:200]}") from None
    return spec, model.eval()
