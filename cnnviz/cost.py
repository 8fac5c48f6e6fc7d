"""What a design costs before it is trained: parameters, multiply-adds, memory, and seconds per epoch here.

Parameters and multiply-adds are exact, from the spec (`receptive.fields`). Memory is the float32 training
footprint: weights, their gradients and the optimiser's state, every layer output kept for the backward pass,
and the gradients in flight. Seconds come from a calibration of this machine: a few seconds of timing single
layers (convolutions over a grid of kernel volumes and filter counts, dense layers over a grid of sizes,
pooling and activations per element, the optimiser per parameter). A design's step is the sum of its layers,
each read off the grid by interpolation, so the estimate is ready as soon as a slider moves. The calibration
is cached in $CNNVIZ_HOME/calibration.json and measured again when torch, the machine or the thread count
differs.

Convolutions are not timed by multiply-adds alone: on a CPU a layer with few filters or a small kernel volume
runs far below the machine's peak (LeNet-5's 6-filter 5x5 convolution on one channel is ~5x slower per
multiply-add than a 64-filter 3x3 one), so the grid keeps time per output position for each pair.
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from dataclasses import dataclass
from typing import Callable

from . import arch, data, receptive, runs, settings
from .i18n import Message, Translated

BYTES = 4  # float32
OPTIMIZER_STATES = {"adam": 2, "rmsprop": 1, "adadelta": 2, "sgd": 1}  # buffers per parameter
EVAL_BATCH = 1000  # train.evaluate's batch

# the calibration grids: conv (kernel volume cin*k*k, filters), dense (inputs, units)
CONV_K = (9, 25, 75, 150, 288, 576, 1600)
CONV_N = (6, 16, 32, 64, 128)
FIRST_CONV_K = (9, 25, 75)  # a first layer sees 1 or 3 channels and needs no gradient for its input
DENSE_K = (64, 256, 1024, 4096, 16384)
DENSE_N = (10, 64, 256, 1024)
ELEMENTWISE = ("relu", "sigmoid", "tanh", "maxpool", "avgpool", "batchnorm", "dropout")
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
        entry = {"key": machine_key(threads), **measure(threads, progress)}
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


def measure(threads: int, progress: Callable[[float], None] | None = None) -> dict:
    """Time single layers forward and backward (and forward alone) at this thread count.

    Returns seconds per row (see `Op.rows`) for each grid point and elementwise kind, the optimiser's
    seconds per parameter and per tensor, and the fixed cost of a step.
    """
    import torch
    from torch import nn

    old_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    probes: list[tuple[str, tuple, Callable]] = []
    for k in CONV_K:
        for n in CONV_N:
            probes.append(("conv", (k, n), lambda k=k, n=n: _conv_probe(k, n)))
    for k in FIRST_CONV_K:
        for n in CONV_N:
            probes.append(("conv_first", (k, n), lambda k=k, n=n: _conv_probe(k, n, first=True)))
    for k in DENSE_K:
        for n in DENSE_N:
            probes.append(("dense", (k, n), lambda k=k, n=n: (nn.Linear(k, n), (64, k), 64)))
    for kind in ELEMENTWISE:
        probes.append((kind, (), lambda kind=kind: _elementwise_probe(kind)))
    result: dict = {kind + suffix: {} for kind in ("conv", "conv_first", "dense") for suffix in ("", "_fwd")}
    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            for i, (kind, grid, make) in enumerate(probes):
                module, shape, rows, *first = make()
                both, forward = _time_layer(module, shape, input_grad=not first)
                if grid:
                    result[kind][f"{grid[0]},{grid[1]}"] = both / rows
                    result[f"{kind}_fwd"][f"{grid[0]},{grid[1]}"] = forward / rows
                else:
                    result[kind], result[f"{kind}_fwd"] = both / rows, forward / rows
                if progress:
                    progress((i + 1) / (len(probes) + 2))
            result["optimizer"] = _time_optimizer()
            result["step"] = _time_fixed_step()
            if progress:
                progress(1.0)
    finally:
        torch.set_num_threads(old_threads)
    return result


def _conv_probe(k: int, n: int, first: bool = False):
    from torch import nn

    # kernel volume k = cin * size^2 with the common sizes: 3x3 when it divides, else 5x5, else 1x1
    size = 3 if k % 9 == 0 else 5 if k % 25 == 0 else 1
    cin = k // size**2
    side = 12
    batch = max(4, min(64, int(1e8 // (side * side * k * n))))  # about 100 M multiply-adds a pass
    shape = (batch, cin, side + size - 1, side + size - 1)
    return (nn.Conv2d(cin, n, size), shape, batch * side * side) + ((True,) if first else ())


def _elementwise_probe(kind: str):
    from torch import nn

    make = {
        "relu": nn.ReLU,
        "sigmoid": nn.Sigmoid,
        "tanh": nn.Tanh,
        "maxpool": lambda: nn.MaxPool2d(2),
        "avgpool": lambda: nn.AvgPool2d(2),
        "batchnorm": lambda: nn.BatchNorm2d(32),
        "dropout": lambda: nn.Dropout(0.25),
    }[kind]
    shape = (64, 32, 16, 16)
    return make(), shape, math.prod(shape)


def _time_layer(module, shape, input_grad: bool = True, repeats: int = 4) -> tuple[float, float]:
    """Best-of seconds for (forward + backward, forward alone in eval mode) of one layer on a batch."""
    import torch

    x = torch.randn(*shape, requires_grad=input_grad)
    with torch.no_grad():
        grad = torch.ones_like(module(x))
    both = forward = math.inf
    for i in range(repeats + 1):
        module.train()
        x.grad = None
        module.zero_grad(set_to_none=True)
        t = time.perf_counter()
        module(x).backward(grad)
        elapsed = time.perf_counter() - t
        if i:  # the first pass warms up the kernels
            both = min(both, elapsed)
        module.eval()
        with torch.no_grad():
            t = time.perf_counter()
            module(x)
            if i:
                forward = min(forward, time.perf_counter() - t)
    return both, forward


def _time_optimizer() -> dict:
    import torch

    def seconds(tensors: list) -> float:
        for p in tensors:
            p.grad = torch.randn_like(p)
        opt = torch.optim.Adam(tensors, lr=1e-3)
        best = math.inf
        for i in range(6):
            t = time.perf_counter()
            opt.step()
            if i:
                best = min(best, time.perf_counter() - t)
        return best

    big = seconds([torch.zeros(1_000_000, requires_grad=True)])
    many = seconds([torch.zeros(10, requires_grad=True) for _ in range(100)])
    per_tensor = many / 100
    return {"per_param": max(big - per_tensor, 0.0) / 1_000_000, "per_tensor": per_tensor}


def _time_fixed_step() -> float:
    """A whole step of a tiny network (one 10-unit dense layer) as `train._loop` runs it: indexing, loss,
    zero_grad, backward, the optimiser, the running sums (the tiny layer itself is left in: microseconds)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    model = nn.Linear(16, 10)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(6400, 16), torch.randint(0, 10, (6400,))
    order = torch.randperm(6400)
    loss_sum, correct_sum = torch.zeros(()), torch.zeros((), dtype=torch.long)
    best = math.inf
    for i in range(21):
        t = time.perf_counter()
        idx = order[(i % 100) * 64 : (i % 100 + 1) * 64]
        xb, yb = x[idx], y[idx]
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_sum += loss.detach() * len(yb)
        correct_sum += (logits.detach().argmax(1) == yb).sum()
        if i:
            best = min(best, time.perf_counter() - t)
    return best


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
    from .train import split_sizes  # train imports this module

    train_images, val_images = split_sizes(info.train_size) if info.train_size else (None, 0)
    return estimate(spec, batch_size, train_images, val_images, cal)
