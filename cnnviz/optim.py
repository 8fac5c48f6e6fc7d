"""What a training step is made of: the device, the optimisers and the one-cycle schedule (the exported script copies
both), the frozen handcrafted first layer, gradient norms, the weights a snapshot keeps, and a network's loss and
accuracy on held-out images (`evaluate`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from .arch import count_torch_params
from .evaluate import logits

if TYPE_CHECKING:
    from collections.abc import Iterable

FULL_SNAPSHOT_MAX_PARAMS = 500_000  # above this, snapshots keep conv kernels only


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def make_optimizer(name: str, params: Iterable[nn.Parameter], lr: float) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr=lr)
    return torch.optim.RMSprop(params, lr=lr)


def one_cycle_lr(peak: float, step: int, total: int, warmup: float = 0.25) -> float:
    """Linear warm-up to `peak` over the first quarter of training, then cosine decay to peak/1000."""
    t = step / max(total, 1)
    if t < warmup:
        return peak * (0.04 + 0.96 * t / warmup)
    progress = (t - warmup) / (1 - warmup)
    return peak * (0.001 + 0.999 * 0.5 * (1 + math.cos(math.pi * progress)))


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1000) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of `model` on normalised inputs x (N, C, H, W) and labels y (N,)."""
    if len(x) == 0:
        return 0.0, 0.0
    scores, y = logits(model, x, batch_size), y.cpu()  # (N, K)
    return float(F.cross_entropy(scores, y)), float((scores.argmax(1) == y).double().mean())


def snapshot_tensors(model: nn.Module) -> dict[str, torch.Tensor]:
    state = model.state_dict()
    if count_torch_params(model) <= FULL_SNAPSHOT_MAX_PARAMS:
        return state
    return {k: v for k, v in state.items() if v.ndim == 4}


def fix_first_layer(model: nn.Module) -> None:
    """Set the first conv layer to handcrafted kernels (zero bias) and freeze it."""
    from .kernel_catalogue import handcrafted_bank

    first = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    out_c, in_c, k, _ = first.weight.shape
    with torch.no_grad():
        first.weight.copy_(torch.from_numpy(handcrafted_bank(out_c, in_c, k)))
        first.bias.zero_()
    first.weight.requires_grad_(False)
    first.bias.requires_grad_(False)


def grad_norms(model: nn.Module) -> dict[str, float]:
    """L2 norm of each layer's weight gradient (layers with weights only), after a backward pass."""
    return {
        name.rsplit(".", 1)[0]: p.grad.norm().item()
        for name, p in model.named_parameters()
        if name.endswith("weight") and p.grad is not None
    }
