"""Timing single layers on this machine: the measurements behind the cost estimate's calibration (`cost`).

Convolutions are timed over a grid of kernel volumes and filter counts, dense layers over a grid of sizes,
pooling, activations, batch norm and dropout per element, the optimiser per parameter and per tensor, and the
fixed cost of a training step; each forward and backward, and forward alone. The estimate reads a design's
layers off these grids, so they span the layers the builder makes.
"""

from __future__ import annotations

import math
import time
from typing import Callable

# the calibration grids: conv (kernel volume cin*k*k, filters), dense (inputs, units)
CONV_K = (9, 25, 75, 150, 288, 576, 1600)
CONV_N = (6, 16, 32, 64, 128)
FIRST_CONV_K = (9, 25, 75)  # a first layer sees 1 or 3 channels and needs no gradient for its input
DENSE_K = (64, 256, 1024, 4096, 16384)
DENSE_N = (10, 64, 256, 1024)
ELEMENTWISE = ("relu", "sigmoid", "tanh", "maxpool", "avgpool", "batchnorm", "dropout")


def measure(threads: int, progress: Callable[[float], None] | None = None) -> dict:
    """Time single layers forward and backward (and forward alone) at this thread count.

    Returns seconds per row (see `cost.Op.rows`) for each grid point and elementwise kind, the optimiser's
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
