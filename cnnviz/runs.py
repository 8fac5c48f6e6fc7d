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
import stat
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .i18n import Invalid, Message, Translated
from .record import RunRecord

RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
STATUSES = ("queued", "starting", "running", "finished", "stopped", "failed", "interrupted")
ACTIVE = ("starting", "running")  # a process holds the lock
LIVE = ("queued", *ACTIVE)  # not ended yet: screens keep polling these
WEIGHTS = "weights.safetensors"
CONTROL = "control.json"  # {"paused": bool, "lr": float | None, "stop": bool}, written by anyone, read by the trainer
MAX_RUN_JSON_BYTES = 1 << 20  # a real run.json is a few kB
MAX_METRICS_BYTES = 512 << 20
MAX_CLASSES = 1000


class RunError(Translated, ValueError):
    """A run that cannot be found, read or written, with the reason."""


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


def open_regular(path: Path, mode: str = "rb"):
    """A regular file of the store (or a dataset), opened for reading."""
    return _open_checked(path, os.O_RDONLY, mode)


def open_append(path: Path, mode: str = "a"):
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


def parse_json(data: bytes | str):
    """JSON from a file; ValueError for anything that is not (too deep, a number of thousands of digits, bad
    UTF-8 included)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise Invalid("it is nested too deeply") from None
    except UnicodeDecodeError as e:
        raise Invalid("it is not UTF-8 text ({reason})", reason=e.reason) from None


def home() -> Path:
    """$CNNVIZ_HOME, default ~/.cache/cnnviz."""
    return Path(os.environ.get("CNNVIZ_HOME") or Path.home() / ".cache" / "cnnviz")


def runs_root() -> Path:
    return home() / "runs"


def run_path(run_id: str) -> Path:
    """The folder of a run, refusing any id that could name a path outside the store."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id) or ".." in run_id:
        raise RunError("invalid run id {run_id!r}: use letters, digits, '-', '_' and '.' only", run_id=run_id)
    return runs_root() / run_id


@dataclass
class RunInfo:
    """What a listing shows of a run; `damaged` says why a run cannot be used (None when it can): an
    i18n.Message, so the English str everywhere and translated by screens (`ui.reason`)."""

    run_id: str
    path: Path
    status: str = "damaged"
    meta: dict = field(default_factory=dict)  # the raw run.json: the store writes it, everyone else reads `record`
    damaged: str | None = None
    record: RunRecord | None = None  # the checked, typed run.json (None when damaged)

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
    with open_regular(path) as f:
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
        raise RunError("cannot write to the run store {root}: {reason}", root=root, reason=e.strerror or e) from None
    return run_id, root / run_id, lock


def create_queued(meta: dict, label: str = "run") -> str:
    """A run that waits for a training process (see `jobs`); returns its id."""
    return _make_run(dict(meta), label, "queued")[0]


def lock_run(run_id: str):
    """Take a run's lock (the open lock file), or None when another process holds it."""
    try:
        lock = open_append(run_path(run_id) / ".lock")
    except OSError as e:
        raise RunError("run {run_id}: its .lock cannot be opened: {reason}", run_id=run_id,
                       reason=e.strerror or e) from None
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
                raise RunError("run {run_id} is already being trained by another process", run_id=run_id)
            try:
                queued = parse_json(read_regular(self.path / "run.json", MAX_RUN_JSON_BYTES))
                if not isinstance(queued, dict):
                    raise Invalid("run.json is not an object")
                self.meta = {**queued, **self.meta, "status": "running", "started": _now()}
                _write_json_atomic(self.path / "run.json", self.meta)
            except (OSError, ValueError) as e:
                self._lock.close()
                raise RunError("run {run_id} cannot be claimed: {reason}", run_id=run_id, reason=e) from None
        try:
            self._metrics = open_append(self.path / "metrics.jsonl")
        except OSError as e:
            if self._lock is not None:
                self._lock.close()
            raise RunError("run {run_id}: metrics.jsonl cannot be opened: {reason}", run_id=self.run_id,
                           reason=e.strerror or e) from None
        self.snapshot_count = 0

    @contextmanager
    def _writing(self, what: str):
        """A failed write (the run folder removed or the disk full while training) is a RunError that says so."""
        try:
            yield
        except (OSError, SafetensorError) as e:
            raise RunError("run {run_id}: cannot write its {what} (was the run folder removed or the disk full?): "
                           "{reason}", run_id=self.run_id, what=what,
                           reason=getattr(e, "strerror", None) or e) from None

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
            self.meta["weights_sha256"] = _sha256(tmp)
            self.meta["weights_bytes"] = tmp.stat().st_size
            os.replace(tmp, self.path / WEIGHTS)

    def update(self, **fields) -> None:
        self.meta.update(fields)
        with self._writing("run.json"):
            _write_json_atomic(self.path / "run.json", self.meta)

    def close(self) -> None:
        for f in (self._metrics, self._lock):
            if not f.closed:
                f.close()


def _is_locked(path: Path) -> bool:
    """True while some process holds the run's lock (that is, it is really training)."""
    try:
        with open_regular(path / ".lock") as f:
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
        raise RunError("no run {run_id!r} in {root}", run_id=run_id, root=runs_root())
    try:
        st = os.lstat(path / "run.json")  # before reading: a file replaced meanwhile is checked again next time
        version = (st.st_ino, st.st_mtime_ns, st.st_size)
        meta = parse_json(read_regular(path / "run.json", MAX_RUN_JSON_BYTES))
    except FileNotFoundError:
        info.damaged = Message("run.json is missing")
        return info
    except (OSError, ValueError) as e:
        info.damaged = Message("run.json cannot be read: {reason}", reason=getattr(e, "strerror", None) or e)
        return info
    problem, info.record = _checked(path / "run.json", version, meta)
    if problem:
        info.damaged = Message("run.json {problem}", problem=problem)
        return info
    info.meta, info.status = meta, meta["status"]
    if info.status in LIVE and os.path.lexists(path / ".lock") and not _regular(path / ".lock"):
        info.damaged = Message("its .lock is not a regular file")  # never waited on, never claimed by the queue
        return info
    if info.status in ACTIVE and not _is_locked(path) and not (meta.get("executor") == "ray" and
                                                               info.status == "starting"):
        info.status = "interrupted"  # its process died (a Ray run waits in Ray's own queue until it claims the lock)
    if not _regular(path / "metrics.jsonl"):
        info.damaged = Message("metrics.jsonl is missing or not a regular file")
    elif "weights_sha256" in meta:
        weights = path / WEIGHTS
        if not _regular(weights):
            info.damaged = Message("the weights file is missing or not a regular file")
        elif weights.stat().st_size != meta["weights_bytes"]:
            info.damaged = Message("the weights file has {size:,} bytes, expected {expected:,}",
                                   size=weights.stat().st_size, expected=meta["weights_bytes"])
    elif info.status == "finished":
        info.damaged = Message("finished but without weights")
    return info


def _regular(path: Path) -> bool:
    """A regular file that is not a symlink (never follows one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _is_number(value, lo: float = 0.0, hi: float = float("inf")) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and lo <= value <= hi


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _optional_number(value) -> bool:
    return value is None or _is_number(value)


# run.json fields the screens read: the check each must pass when present (None allowed where a run may lack it)
_META_CHECKS = {
    "dataset": lambda v: isinstance(v, str) and 0 < len(v) <= 4096,
    "dataset_title": lambda v: isinstance(v, str) and len(v) <= 4096,
    "preset": lambda v: v is None or (isinstance(v, str) and len(v) <= 100),
    "config": lambda v: isinstance(v, dict),
    "test_accuracy": lambda v: v is None or _is_number(v, 0, 1),
    "val_accuracy": lambda v: v is None or _is_number(v, 0, 1),
    "test_loss": _optional_number,
    "weights_sha256": lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) is not None,
    "weights_bytes": _count,
    "params": _count,
    "train_seconds": _optional_number,
    "active_seconds": _optional_number,
    "paused_seconds": _optional_number,
    "images_per_second": _optional_number,
    "estimated_seconds_per_epoch": _optional_number,
    "epochs_done": _is_number,
    "steps_done": _count,
    "steps_per_epoch": _count,
    "total_steps": _count,
    "train_images": _count,
    "val_images": _count,
    "threads": _count,
    "device": lambda v: isinstance(v, str) and len(v) <= 100,
    "submitted": _optional_number,
    "message": lambda v: isinstance(v, str),
    "owner": lambda v: isinstance(v, str),
    "executor": lambda v: isinstance(v, str),
    "created": lambda v: isinstance(v, str),
    "ended": lambda v: isinstance(v, str),
}


# run.json -> ((inode, mtime, size), its problem, its record)
def _text(value) -> bool:
    return isinstance(value, str) and len(value) <= 4096


# the stored training settings (TrainConfig.to_dict): the check each must pass when present
_CONFIG_CHECKS = {
    "dataset": _text, "optimizer": _text, "schedule": _text, "device": _text, "lr": lambda v: _is_number(v),
    "batch_size": lambda v: _count(v) and v >= 1, "epochs": _count, "snapshots": _count,
    "seed": lambda v: isinstance(v, int) and not isinstance(v, bool), "val_fraction": lambda v: _is_number(v, 0, 0.5),
    "preset": lambda v: v is None or _text(v), "first_layer": lambda v: v in ("learned", "handcrafted"),
}


def _config_problem(config: dict) -> Message | None:
    for key, ok in _CONFIG_CHECKS.items():
        if key in config and not ok(config[key]):
            return Message("has invalid training settings: {key!r} is {got!r}", key=key, got=str(config[key])[:60])
    return None


_CHECKED: dict[Path, tuple[tuple, Message | None, RunRecord | None]] = {}


def _checked(path: Path, version: tuple, meta) -> tuple[Message | None, RunRecord | None]:
    """`meta_problem` and the typed record, remembered per version of the file (listings check hundreds of runs
    every few seconds)."""
    cached = _CHECKED.get(path)
    if cached is None or cached[0] != version:
        if len(_CHECKED) > 10_000:
            _CHECKED.clear()
        problem = meta_problem(meta)
        record = None if problem else RunRecord.from_meta({**meta, "run_id": path.parent.name})
        cached = _CHECKED[path] = (version, problem, record)
    return cached[1], cached[2]


def meta_problem(meta) -> Message | None:
    """What is wrong with a run.json's content (None when every field a screen reads has the right type,
    its architecture can be built within the limits, and it ends in one output per class)."""
    from . import arch, cost

    if not isinstance(meta, dict):
        return Message("is not a JSON object")
    if meta.get("status") not in STATUSES:
        return Message("has no valid status (got {got!r})", got=str(meta.get("status"))[:40])
    for key, ok in _META_CHECKS.items():
        if key in meta and not ok(meta[key]):
            return Message("has an invalid {key!r}: {got!r}", key=key, got=str(meta[key])[:60])
    if "weights_sha256" in meta and "weights_bytes" not in meta:
        return Message("has a weights checksum but no weights size")
    classes = meta.get("classes")
    # a run not yet claimed by its process (or that ended before) has no classes, and nothing reads them
    unclaimed = classes is None and meta["status"] != "running" and "weights_sha256" not in meta
    if not unclaimed and not (isinstance(classes, list) and 1 <= len(classes) <= MAX_CLASSES
                              and all(isinstance(c, str) for c in classes)):
        return Message("has no valid list of class names (got {got!r})", got=str(classes)[:60])
    try:
        spec = arch.ArchSpec.from_dict(meta.get("spec"))
        rows = arch.infer_shapes(spec)
        cost.check_limits(spec, 1)
    except ValueError as e:  # SpecError and TooLarge are ValueErrors
        # a planted run.json may hold values of any length: a long reason is cut, at the cost of its translation
        return Message("has an architecture that cannot be used: {reason}",
                       reason=e if len(str(e)) <= 200 else str(e)[:200])
    if "config" in meta:
        problem = _config_problem(meta["config"])
        if problem:
            return problem
        try:
            from .train import TrainConfig  # train writes runs, so it imports the store: not at the top

            TrainConfig.from_dict(meta["config"])
        except ValueError as e:
            return Message("has training settings that cannot be read: {reason}", reason=e)
    if list(meta.get("input_shape", spec.input_shape)) != list(spec.input_shape):
        return Message("has an input shape that differs from its architecture's")
    out = rows[-1].output_shape if rows else tuple(spec.input_shape)
    if classes is not None and out != (len(classes),):
        return Message("has an architecture with output {shape} for {n} classes", shape="x".join(map(str, out)),
                       n=len(classes))
    return None


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


_NUMBERS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "images_per_second", "elapsed", "active",
            "eta")


def _checked_record(record) -> dict | None:
    """A parsed metrics line if it is a record the screens can use, else None (`1`, `null`, a wrong type)."""
    if type(record) is not dict or record.get("kind") not in ("step", "epoch") or type(record.get("step")) is not int:
        return None
    for key in _NUMBERS:
        value = record.get(key)
        if value is not None and (type(value) not in (int, float) or value != value):
            return None
    norms = record.get("grad_norms")
    if norms is not None and not (type(norms) is dict and all(
            type(k) is str and (v is None or type(v) in (int, float)) for k, v in norms.items())):
        del record["grad_norms"]  # the curves stay; only the gradient view loses this point
    return record


def _records(lines: list[bytes]) -> list[dict]:
    """The records among metrics lines: parsed in one pass when every line is JSON, else line by line."""
    lines = [line for line in lines if line.strip()]
    try:
        parsed = parse_json(b"[" + b",".join(lines) + b"]") if lines else []
    except ValueError:
        parsed = []
        for line in lines:
            try:
                parsed.append(parse_json(line))
            except ValueError:
                continue  # a torn or damaged line
    return [r for r in map(_checked_record, parsed) if r is not None]


_METRICS: dict[Path, tuple[int, int, list[dict]]] = {}  # metrics.jsonl -> (inode, bytes parsed, records)
_THINNED: dict[Path, tuple[tuple, list[dict]]] = {}  # metrics.jsonl -> ((inode, size, max_steps), records)
HISTORY_POINTS = 4000  # step records a curve shows at most
THIN_FROM_BYTES = 4 << 20  # below this, parsing every line is cheap (a 5-epoch full-MNIST run is ~1 MB)


def read_metrics(run_id: str, max_steps: int | None = None) -> list[dict]:
    """All metric records of a run; lines that are not records (a torn last line, damage) are skipped.

    Read incrementally: the records parsed so far are kept per file, and a later call parses only the lines
    added since (the live screens call this every few seconds while a run trains).

    With `max_steps`, a long file (over THIN_FROM_BYTES) is thinned *before* parsing: every epoch record and
    `max_steps` lines evenly spaced through the file (the last one included), so a 100 MB history costs a few
    thousand parses, not 400k."""
    path = run_path(run_id) / "metrics.jsonl"
    if max_steps is not None:
        try:
            st = os.lstat(path)
        except OSError:
            return []
        if st.st_size > THIN_FROM_BYTES:
            return _thinned_metrics(path, max_steps)
    try:
        with open_regular(path) as f:
            st = os.fstat(f.fileno())
            inode, size = st.st_ino, min(st.st_size, MAX_METRICS_BYTES)
            cached = _METRICS.get(path)
            offset, records = (cached[1], cached[2]) if cached and cached[0] == inode and cached[1] <= size else (0, [])
            f.seek(offset)
            chunk = f.read(size - offset)
    except OSError:
        return []
    end = chunk.rfind(b"\n") + 1  # whole lines only: a line still being written is read next time
    records = records + _records(chunk[:end].splitlines())
    if len(_METRICS) >= 64 and path not in _METRICS:
        _METRICS.pop(next(iter(_METRICS)))
    _METRICS[path] = (inode, offset + end, records)
    return list(records)


def _thinned_metrics(path: Path, max_steps: int) -> list[dict]:
    try:
        with open_regular(path) as f:
            st = os.fstat(f.fileno())
            key = (st.st_ino, st.st_size, max_steps)
            cached = _THINNED.get(path)
            if cached and cached[0] == key:
                return list(cached[1])
            data = f.read(min(st.st_size, MAX_METRICS_BYTES))
    except OSError:
        return []
    data = data[:data.rfind(b"\n") + 1]  # whole lines only
    # every epoch record (our writer's json.dumps spells the kind this way), then the lines at evenly spaced
    # bytes: records are alike in size, so that is every k-th step, found without splitting 400k lines
    starts = set()
    at = data.find(b'"kind": "epoch"')
    while at >= 0:
        starts.add(data.rfind(b"\n", 0, at) + 1)
        at = data.find(b'"kind": "epoch"', at + 1)
    for i in range(1, max_steps + 1):
        starts.add(data.rfind(b"\n", 0, len(data) * i // max_steps - 1) + 1)  # the line holding that byte
    end = len(data) - 1
    for _ in range(3):  # and the last step record, which an epoch record may follow
        start = data.rfind(b"\n", 0, end) + 1
        starts.add(start)
        if b'"kind": "epoch"' not in data[start:end]:
            break
        end = start - 1
    lines = [data[a:data.find(b"\n", a)] for a in sorted(starts)]
    records = _records(lines)
    if len(_THINNED) >= 16 and path not in _THINNED:
        _THINNED.pop(next(iter(_THINNED)))
    _THINNED[path] = (key, records)
    return list(records)


def read_history(run_id: str, max_points: int = HISTORY_POINTS) -> dict[str, list]:
    """A run's curves as `history` lists, at most `max_points` step records (read thinned when the file is long)."""
    return history(read_metrics(run_id, max_steps=max_points), max_points)


def last_records(run_id: str, tail_bytes: int = 1 << 16) -> list[dict]:
    """The metric records in the last `tail_bytes` of a run's metrics.jsonl: the live state, read cheaply."""
    try:
        with open_regular(run_path(run_id) / "metrics.jsonl") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - tail_bytes))
            lines = f.read(tail_bytes).splitlines()
    except OSError:
        return []
    lines = lines[1:] if size > tail_bytes else lines  # the first line of a tail may be cut
    return _records(lines)


def metrics_version(run_id: str) -> tuple[int, int] | None:
    """(mtime, size) of a run's metrics.jsonl: a cache key that changes whenever a record is added."""
    try:
        st = os.stat(run_path(run_id) / "metrics.jsonl")
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def last_step(run_id: str) -> dict | None:
    """The newest 'step' record of a run (None before its first logged step)."""
    return next((r for r in reversed(last_records(run_id)) if r.get("kind") == "step"), None)


HISTORY_KEYS = ("step", "epoch", "train_loss", "train_acc", "val_loss", "val_acc")


def history(records: list[dict], max_points: int = HISTORY_POINTS) -> dict[str, list]:
    """Metric records as aligned lists for the curve figures: one position per step or epoch record.

    'step' records carry train_loss/train_acc, 'epoch' records val_loss/val_acc; a record lacking a
    metric has None there, so every list lines up on `epoch` and the figures skip the gaps.
    """
    kept = [r for r in records if r.get("kind") in ("step", "epoch")]
    steps = sum(r["kind"] == "step" for r in kept)
    if steps > max_points:  # a long history is thinned for display: every k-th step record, every epoch record
        every, seen, thinned = -(-steps // max_points), 0, []
        for r in kept:
            if r["kind"] == "step":
                seen += 1
                if seen % every and seen != steps:
                    continue
            thinned.append(r)
        kept = thinned
    return {key: [r.get(key) for r in kept] for key in HISTORY_KEYS}


def load_weights(run_id: str) -> dict[str, torch.Tensor]:
    """The final weights of a run, after checking their sha256 against run.json."""
    info = read_run(run_id)
    if info.damaged:
        raise RunError("run {run_id} is damaged: {reason}", run_id=run_id, reason=info.damaged)
    if "weights_sha256" not in info.meta:
        raise RunError("run {run_id} has no weights ({status})", run_id=run_id, status=Message(info.status))
    path = info.path / WEIGHTS
    try:
        matches = _sha256(path) == info.meta["weights_sha256"]
    except OSError as e:
        raise RunError("run {run_id} is damaged: the weights cannot be read: {reason}", run_id=run_id,
                       reason=e) from None
    if not matches:
        raise RunError("run {run_id} is damaged: the weights file does not match its checksum", run_id=run_id)
    try:
        return load_file(str(path))
    except (SafetensorError, OSError) as e:
        raise RunError("run {run_id} is damaged: {reason}", run_id=run_id, reason=e) from None


def list_snapshots(run_id: str) -> list[dict]:
    """Snapshots of a run in training order: [{'index', 'step', 'epoch', 'path'}]."""
    from safetensors import safe_open

    out = []
    for path in sorted((run_path(run_id) / "snapshots").glob("[0-9][0-9][0-9].safetensors")):
        if not _regular(path):
            continue  # never follow a link or open a FIFO planted among the snapshots
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
        raise RunError("run {run_id} has {n} snapshots; there is no snapshot {index}", run_id=run_id, n=len(snaps),
                       index=index)
    path = snaps[index]["path"]
    try:
        if not _regular(path):
            raise FileProblem("it is not a regular file")
        return load_file(str(path))
    except (SafetensorError, OSError) as e:
        raise RunError("run {run_id}: snapshot {index} cannot be read: {reason}", run_id=run_id, index=index,
                       reason=e) from None


def update_meta(run_id: str, **fields) -> None:
    """Change fields of a run's run.json atomically (for the queue; a training process uses its RunWriter)."""
    path = run_path(run_id) / "run.json"
    try:
        meta = parse_json(read_regular(path, MAX_RUN_JSON_BYTES))
    except (OSError, ValueError) as e:
        raise RunError("run {run_id}: run.json cannot be read: {reason}", run_id=run_id, reason=e) from None
    if not isinstance(meta, dict):
        raise RunError("run {run_id}: run.json is not an object", run_id=run_id)
    meta.update(fields)
    _write_json_atomic(path, meta)


def read_control(run_id: str) -> dict:
    """The requests waiting for a run's trainer: {'paused': bool, 'lr': float | None, 'stop': bool}."""
    state = {"paused": False, "lr": None, "stop": False}
    path = run_path(run_id) / CONTROL
    try:
        if _regular(path):
            loaded = parse_json(read_regular(path, 4096))
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
        raise RunError("run {run_id} is not training", run_id=run_id)
    state = {**read_control(run_id), **changes}
    if (path / CONTROL).is_symlink():
        raise RunError("run {run_id}: {file} is a link; refusing to follow it", run_id=run_id, file=CONTROL)
    _write_json_atomic(path / CONTROL, state)
    return state


def request_stop(run_id: str) -> None:
    """Ask whichever process trains this run to stop (it checks several times a second)."""
    write_control(run_id, stop=True, paused=False)


def delete_run(run_id: str) -> None:
    """Remove a run folder (damaged ones too); a run still training must be stopped first."""
    path = run_path(run_id)
    if not path.is_dir():
        raise RunError("no run {run_id!r}", run_id=run_id)
    if _is_locked(path):
        raise RunError("run {run_id} is still training: stop it first", run_id=run_id)
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
        raise RunError("run {run_id}: the weights do not fit the architecture: {reason}", run_id=run_id,
                       reason=str(e)[:200]) from None
    return spec, model.eval()
