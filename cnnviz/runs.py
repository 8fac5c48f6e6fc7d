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
from typing import IO, TYPE_CHECKING, Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .i18n import Invalid, Message, Translated
from .record import RunRecord, meta_problem

if TYPE_CHECKING:
    from torch import nn

    from .arch import ArchSpec

RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
ACTIVE = ("starting", "running")  # a process holds the lock
LIVE = ("queued", *ACTIVE)  # not ended yet: screens keep polling these
WEIGHTS = "weights.safetensors"
CONTROL = "control.json"  # {"paused": bool, "lr": float | None, "stop": bool}, written by anyone, read by the trainer
MAX_RUN_JSON_BYTES = 1 << 20  # a real run.json is a few kB
MAX_METRICS_BYTES = 512 << 20


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
                _write_json_atomic(self.path / "run.json", self.meta)
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
    if (
        info.status in ACTIVE
        and not _is_locked(path)
        and not (meta.get("executor") == "ray" and info.status == "starting")
    ):
        info.status = "interrupted"  # its process died (a Ray run waits in Ray's own queue until it claims the lock)
    if not _regular(path / "metrics.jsonl"):
        info.damaged = Message("metrics.jsonl is missing or not a regular file")
    elif "weights_sha256" in meta:
        weights = path / WEIGHTS
        if not _regular(weights):
            info.damaged = Message("the weights file is missing or not a regular file")
        elif weights.stat().st_size != meta["weights_bytes"]:
            info.damaged = Message(
                "the weights file has {size:,} bytes, expected {expected:,}",
                size=weights.stat().st_size,
                expected=meta["weights_bytes"],
            )
    elif info.status == "finished":
        info.damaged = Message("finished but without weights")
    return info


def _regular(path: Path) -> bool:
    """A regular file that is not a symlink (never follows one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


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
        raise RunError(
            "run {run_id} is damaged: the weights cannot be read: {reason}", run_id=run_id, reason=e
        ) from None
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
            out.append(
                {
                    "index": len(out),
                    "step": int(meta.get("step", 0)),
                    "epoch": float(meta.get("epoch", 0)),
                    "path": path,
                }
            )
        except (SafetensorError, OSError, ValueError):
            continue  # a snapshot cut short by a kill
    return out


def load_snapshot(run_id: str, index: int) -> dict[str, torch.Tensor]:
    snaps = list_snapshots(run_id)
    if not 0 <= index < len(snaps):
        raise RunError(
            "run {run_id} has {n} snapshots; there is no snapshot {index}", run_id=run_id, n=len(snaps), index=index
        )
    path = snaps[index]["path"]
    try:
        if not _regular(path):
            raise FileProblem("it is not a regular file")
        return load_file(str(path))
    except (SafetensorError, OSError) as e:
        raise RunError(
            "run {run_id}: snapshot {index} cannot be read: {reason}", run_id=run_id, index=index, reason=e
        ) from None


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


def load_model(run_id: str) -> tuple[ArchSpec, nn.Module]:
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
        raise RunError(
            "run {run_id}: the weights do not fit the architecture: {reason}", run_id=run_id, reason=str(e)[:200]
        ) from None
    return spec, model.eval()
