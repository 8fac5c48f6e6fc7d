"""The sanity check for explanations (Adebayo and colleagues, 2018): does an attribution map depend on what the
network learned?

Randomise the trained network's learned layers one by one from the top (the last dense layer first, until none
is left trained) and compute each method's map again at every stage. A method that explains the network must
change as its weights are destroyed; one whose map stays the same is showing the image, not the network. The
change is measured by the rank correlation of the two maps (1: the same pixels matter in the same order).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from . import attribution

if TYPE_CHECKING:
    from collections.abc import Sequence

LEARNED = (nn.Conv2d, nn.Linear)  # the layers whose weights are randomised (batch norm is left as trained)


def learned_layers(model: nn.Module) -> list[str]:
    """Names of the convolution and dense layers, input side first."""
    return [name for name, module in model.named_modules() if isinstance(module, LEARNED)]


def randomised(model: nn.Module, layers: Sequence[str], seed: int = 0) -> nn.Module:
    """A copy of the model whose `layers` have fresh random weights (as PyTorch initialises them); the rest is
    left exactly as trained."""
    out = copy.deepcopy(model).eval()
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        modules = dict(out.named_modules())
        for name in layers:
            modules[name].reset_parameters()
    finally:
        torch.random.set_rng_state(generator_state)  # the caller's random numbers are not disturbed
    return out


def _ranks(values) -> np.ndarray:
    """Ranks 0..n-1 of the values, tied values sharing their average rank (maps have many exact zeros)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    ranks = np.empty(len(v))
    ranks[np.argsort(v, kind="stable")] = np.arange(len(v))
    _, tie, count = np.unique(v, return_inverse=True, return_counts=True)
    return (np.bincount(tie, weights=ranks) / count)[tie]


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation of two maps' values (pixel by pixel); 0 when either map is constant."""
    if np.ptp(np.asarray(a)) == 0 or np.ptp(np.asarray(b)) == 0:
        return 0.0
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


@dataclass(frozen=True)
class Cascade:
    """Every method's map for one image and class, as the network's layers are randomised from the top."""

    stages: list[str]  # "trained", then the layer randomised at each stage (cumulatively)
    methods: tuple[str, ...]
    maps: dict[str, list[np.ndarray]]  # method -> one heat map (H, W) in 0..1 per stage
    similarity: dict[str, np.ndarray]  # method -> rank correlation with the trained map, per stage (1.0 first)


def cascade(
    model: nn.Module,
    x: torch.Tensor | np.ndarray,
    target: int,
    methods: Sequence[str] = attribution.METHODS,
    seed: int = 0,
) -> Cascade:
    """Randomise the learned layers one at a time, the output side first, and recompute every method's map.

    Args: x (C, H, W) normalised as in training; target the class explained. Grad-CAM looks at the last
    convolution layer (a network without one leaves Grad-CAM out).
    """
    layers = learned_layers(model)
    convs = [name for name in layers if isinstance(model.get_submodule(name), nn.Conv2d)]
    methods = tuple(m for m in methods if m != "gradcam" or convs)
    stages = ["trained", *reversed(layers)]
    maps: dict[str, list[np.ndarray]] = {m: [] for m in methods}
    for k in range(len(stages)):
        network = randomised(model, stages[1 : k + 1], seed) if k else model
        for method in methods:
            heat = attribution.attribute(
                method, network, x, target, layer=convs[-1] if method == "gradcam" else None
            ).heat
            maps[method].append(heat)
    similarity = {m: np.array([rank_correlation(maps[m][0], heat) for heat in maps[m]]) for m in methods}
    return Cascade(stages, methods, maps, similarity)
