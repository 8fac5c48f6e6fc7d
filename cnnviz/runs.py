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
weights are safetensors, metadata is JSON. Runs are made and written by `run_writer`; every file is
read through `safe_files`.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from .i18n import Message, Translated
from .record import RunRecord, meta_problem
from .safe_files import FileProblem, is_regular, open_regular, parse_json, read_regular, sha256, write_json_atomic

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
    if info.status in LIVE and os.path.lexists(path / ".lock") and not is_regular(path / ".lock"):
        info.damaged = Message("its .lock is not a regular file")  # never waited on, never claimed by the queue
        return info
    if (
        info.status in ACTIVE
        and not _is_locked(path)
        and not (meta.get("executor") == "ray" and info.status == "starting")
    ):
        info.status = "interrupted"  # its process died (a Ray run waits in Ray's own queue until it claims the lock)
    if not is_regular(path / "metrics.jsonl"):
        info.damaged = Message("metrics.jsonl is missing or not a regular file")
    elif "weights_sha256" in meta:
        weights = path / WEIGHTS
        if not is_regular(weights):
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
        matches = sha256(path) == info.meta["weights_sha256"]
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
        if not is_regular(path):
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
        if not is_regular(path):
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
    write_json_atomic(path, meta)


def read_control(run_id: str) -> dict:
    """The requests waiting for a run's trainer: {'paused': bool, 'lr': float | None, 'stop': bool}."""
    state = {"paused": False, "lr": None, "stop": False}
    path = run_path(run_id) / CONTROL
    try:
        if is_regular(path):
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
    write_json_atomic(path / CONTROL, state)
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
