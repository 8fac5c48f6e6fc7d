"""What a design costs before it is trained: parameters, multiply-adds, memory, and seconds per epoch here.

Parameters and multiply-adds are exact, from the spec (`receptive.fields`). Memory is the float32 training
footprint: weights, their gradients and the optimiser's state, every layer output kept for the backward pass,
and the gradients in flight. Seconds come from a calibration of this machine: a few seconds of timing single
layers (`layer_timing`: convolutions over a grid of kernel volumes and filter counts, dense layers over a grid
of sizes, pooling and activations per element, the optimiser per parameter). A design's step is the sum of its
layers, each read off the grid by interpolation, so the estimate is ready as soon as a slider moves. The
calibration is cached in $CNNVIZ_HOME/calibration.json and measured again when torch, the machine or the thread
count differs.

Convolutions are not timed by multiply-adds alone: on a CPU a layer with few filters or a small kernel volume
runs far below the machine's peak (LeNet-5's 6-filter 5x5 convolution on one channel is ~5x slower per
multiply-add than a 64-filter 3x3 one), so the grid keeps time per output position for each pair.
"""

from __future__ import annotations

import json
import math
import os
import platform
from dataclasses import dataclass
from typing import Callable

from . import arch, data, layer_timing, receptive, runs, settings
from .fits import split_sizes
from .layer_timing import CONV_K, CONV_N, DENSE_K, DENSE_N, FIRST_CONV_K
from .i18n import Message, Translated

BYTES = 4  # float32
OPTIMIZER_STATES = {"adam": 2, "rmsprop": 1, "adadelta": 2, "sgd": 1}  # buffers per parameter
EVAL_BATCH = 1000  # optim.evaluate's batch

CALIBRATION_VERSION = 1


def max_params() -> int:
    """The largest network this explorer builds: CNNVIZ_MAX_PARAMS, default 50 million."""
    return settings.whole_number("CNNVIZ_MAX_PARAMS", 50_000_000)


def max_memory_mb() -> int:
    """The largest estimated training footprint accepted: CNNVIZ_MAX_MEMORY_MB, default 4096."""
    return settings.whole_number("CNNVIZ_MAX_MEMORY_MB", 4096)


# ---------------------------------------------------------------- what the spec alone says


@dataclass(frozen=True)
class Op:
    """One operation a training step runs, with what the calibration needs to time it."""

    kind: str  # "conv", "conv_first" (no input gradient), "dense" or one of ELEMENTWISE
    rows: int  # per image: output positions (conv), 1 (dense), elements (elementwise; inputs for pooling)
    k: int = 0  # conv: cin * kernel^2; dense: inputs
    n: int = 0  # conv: filters; dense: units


def ops(spec: arch.ArchSpec) -> list[Op]:
    """The timed operations of a spec, in order (flatten is a view and costs nothing)."""
    out, shape = [], spec.input_shape
    for i, (row, layer) in enumerate(zip(arch.infer_shapes(spec), spec.layers)):
        n_in, n_out = math.prod(shape), math.prod(row.output_shape)
        if isinstance(layer, arch.Conv):
            kind = "conv_first" if i == 0 else "conv"
            out.append(Op(kind, n_out // layer.filters, shape[0] * layer.kernel_size**2, layer.filters))
        elif isinstance(layer, arch.Dense):
            out.append(Op("dense", 1, shape[0], layer.units))
        elif isinstance(layer, arch.Pool):
            out.append(Op(f"{layer.kind}pool", n_in))
        elif isinstance(layer, (arch.BatchNorm, arch.Dropout)):
            out.append(Op(layer.type, n_out))
        if getattr(layer, "activation", "none") != "none":
            out.append(Op(layer.activation, n_out))
        shape = row.output_shape
    return out


def macs_per_image(spec: arch.ArchSpec) -> int:
    return receptive.totals(receptive.fields(spec))["macs"]


def peak_memory_bytes(spec: arch.ArchSpec, batch_size: int, optimizer: str = "adam") -> int:
    """Estimated training footprint of one step: weights, gradients and optimiser state, every layer output
    kept for the backward pass (the input batch included), and the two largest gradients in flight."""
    params = arch.total_params(spec)
    kept = [math.prod(spec.input_shape)]
    for op in ops(spec):
        kept.append(op.rows * op.n if op.kind.startswith("conv") else op.n if op.kind == "dense" else op.rows)
    in_flight = sum(sorted(kept)[-2:])
    per_image = sum(kept) + in_flight
    return BYTES * (params * (2 + OPTIMIZER_STATES.get(optimizer, 2)) + batch_size * per_image)


class TooLarge(Translated, ValueError):
    """A design over a limit: `what` is "params" or "memory" (MB), with the value, the limit and the batch."""

    def __init__(self, what: str, value: float, limit: int, batch_size: int) -> None:
        self.what, self.value, self.limit, self.batch_size = what, value, limit, batch_size
        if what == "params":
            message = Message(
                "the network has {value:,} parameters, more than this explorer trains "
                "(at most {limit:,}; set CNNVIZ_MAX_PARAMS to raise it)",
                value=value,
                limit=limit,
            )
        else:
            message = Message(
                "training it at batch size {batch} needs about {value:,.0f} MB, more than the "
                "{limit:,} MB allowed (use a smaller batch or network, or set CNNVIZ_MAX_MEMORY_MB "
                "to raise it)",
                batch=batch_size,
                value=value,
                limit=limit,
            )
        super().__init__(message)


def check_limits(spec: arch.ArchSpec, batch_size: int, optimizer: str = "adam") -> None:
    """Raise TooLarge (a ValueError naming the number and the limit) for a design too large to train here."""
    params = arch.total_params(spec)
    if params > max_params():
        raise TooLarge("params", params, max_params(), batch_size)
    mb = peak_memory_bytes(spec, batch_size, optimizer) / 2**20
    if mb > max_memory_mb():
        raise TooLarge("memory", mb, max_memory_mb(), batch_size)


# ---------------------------------------------------------------- calibration of this machine


def machine_key(threads: int) -> dict:
    import torch

    return {
        "version": CALIBRATION_VERSION,
        "torch": torch.__version__,
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpus": os.cpu_count(),
        "threads": threads,
    }


def _cache_path():
    return runs.home() / "calibration.json"


def cached_calibration(threads: int) -> dict | None:
    """The stored calibration for this machine, torch and thread count, or None."""
    try:
        stored = json.loads(_cache_path().read_text())
        entry = stored.get(str(threads)) if isinstance(stored, dict) else None
        if isinstance(entry, dict) and entry.get("key") == machine_key(threads):
            return entry
    except (OSError, ValueError):
        pass
    return None


def calibration(threads: int, progress: Callable[[float], None] | None = None) -> dict:
    """The calibration for `threads` training threads: from the cache, else measured now (a few seconds)."""
    entry = cached_calibration(threads)
    if entry is None:
        entry = {"key": machine_key(threads), **layer_timing.measure(threads, progress)}
        try:
            stored = json.loads(_cache_path().read_text())
            stored = stored if isinstance(stored, dict) else {}
        except (OSError, ValueError):
            stored = {}
        stored[str(threads)] = entry
        path = _cache_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(stored))
        os.replace(tmp, path)
    return entry


# ---------------------------------------------------------------- the estimate


def _interpolate(table: dict, ks: tuple, ns: tuple, k: int, n: int) -> float:
    """Seconds per row at (k, n), bilinear in log-log between grid points, extrapolated linearly beyond."""

    def bracket(grid, v):
        i = max(0, min(len(grid) - 2, sum(g <= v for g in grid) - 1))
        lo, hi = grid[i], grid[i + 1]
        return lo, hi, (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo))

    k0, k1, a = bracket(ks, max(k, 1))
    n0, n1, b = bracket(ns, max(n, 1))

    def log_at(kk, nn):
        return math.log(max(table[f"{kk},{nn}"], 1e-15))

    value = (
        (1 - a) * (1 - b) * log_at(k0, n0)
        + a * (1 - b) * log_at(k1, n0)
        + (1 - a) * b * log_at(k0, n1)
        + a * b * log_at(k1, n1)
    )
    return math.exp(value)


def op_seconds(op: Op, cal: dict, batch: int, forward_only: bool = False) -> float:
    suffix = "_fwd" if forward_only else ""
    if op.kind == "conv":
        return batch * op.rows * _interpolate(cal["conv" + suffix], CONV_K, CONV_N, op.k, op.n)
    if op.kind == "conv_first":
        return batch * op.rows * _interpolate(cal["conv_first" + suffix], FIRST_CONV_K, CONV_N, op.k, op.n)
    if op.kind == "dense":
        return batch * _interpolate(cal["dense" + suffix], DENSE_K, DENSE_N, op.k, op.n)
    return batch * op.rows * cal[op.kind + suffix]


def step_seconds(spec: arch.ArchSpec, batch_size: int, cal: dict) -> float:
    """Estimated seconds of one training step (forward, backward, optimiser) at `batch_size`."""
    params = [row.params for row in arch.infer_shapes(spec) if row.params]
    optimizer = cal["optimizer"]["per_param"] * sum(params) + cal["optimizer"]["per_tensor"] * 2 * len(params)
    return cal["step"] + optimizer + sum(op_seconds(op, cal, batch_size) for op in ops(spec))


def epoch_seconds(spec: arch.ArchSpec, train_images: int, val_images: int, batch_size: int, cal: dict) -> float:
    """Estimated seconds of one epoch as `train.train` runs it: the full batches, then the validation pass."""
    steps = train_images // batch_size
    evaluation = sum(op_seconds(op, cal, val_images, forward_only=True) for op in ops(spec))
    return steps * step_seconds(spec, batch_size, cal) + evaluation


@dataclass(frozen=True)
class Cost:
    """What the design costs: exact counts, and the estimates for one batch size on this machine."""

    params: int
    macs_per_image: int
    peak_memory_mb: float
    batch_size: int
    seconds_per_epoch: float | None  # None without a calibration or a dataset size
    train_images: int | None = None  # the images an epoch trains on, when known


def estimate(
    spec: arch.ArchSpec,
    batch_size: int = 64,
    train_images: int | None = None,
    val_images: int = 0,
    cal: dict | None = None,
    optimizer: str = "adam",
) -> Cost:
    """What training `spec` costs: exact counts, memory at `batch_size`, and seconds per epoch with a calibration.

    Args:
        train_images, val_images: an epoch's training and validation images (no seconds without them).
        cal: this machine's calibration (`calibration`), or None.
    """
    params = arch.total_params(spec)
    seconds = None
    if cal is not None and train_images:
        seconds = epoch_seconds(spec, train_images, val_images, batch_size, cal)
    return Cost(
        params,
        macs_per_image(spec),
        peak_memory_bytes(spec, batch_size, optimizer) / 2**20,
        batch_size,
        seconds,
        train_images,
    )


def estimate_for(spec: arch.ArchSpec, batch_size: int, info: data.DatasetInfo, cal: dict | None = None) -> Cost:
    """`estimate` for training on a dataset, split as `train.train` splits it (part of the training images held
    out for validation); a dataset of unknown size gets no seconds."""
    train_images, val_images = split_sizes(info.train_size) if info.train_size else (None, 0)
    return estimate(spec, batch_size, train_images, val_images, cal)
