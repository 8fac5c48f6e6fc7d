"""A run's metrics.jsonl: one JSON record per logged step or epoch, written by the trainer, read by the screens.

Only records a screen can trust are kept (a torn last line, a damaged one or a wrong type is skipped). A file is
read incrementally while its run trains, and a long one is thinned before it is parsed, so a 100 MB history opens
in well under a second. `history` turns records into the aligned lists the curve figures draw.
"""

from __future__ import annotations

import os
from pathlib import Path

from .runs import MAX_METRICS_BYTES, run_path
from .safe_files import open_regular, parse_json

_NUMBERS = (
    "epoch",
    "train_loss",
    "train_acc",
    "val_loss",
    "val_acc",
    "lr",
    "images_per_second",
    "elapsed",
    "active",
    "eta",
)


def _checked_record(record) -> dict | None:
    """A parsed metrics line if it is a record the screens can use, else None (`1`, `null`, a wrong type)."""
    if type(record) is not dict or record.get("kind") not in ("step", "epoch") or type(record.get("step")) is not int:
        return None
    for key in _NUMBERS:
        value = record.get(key)
        if value is not None and (type(value) not in (int, float) or value != value):
            return None
    norms = record.get("grad_norms")
    if norms is not None and not (
        type(norms) is dict and all(type(k) is str and (v is None or type(v) in (int, float)) for k, v in norms.items())
    ):
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
    data = data[: data.rfind(b"\n") + 1]  # whole lines only
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
    lines = [data[a : data.find(b"\n", a)] for a in sorted(starts)]
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
