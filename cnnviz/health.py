"""Network health: dead filters, dead ReLUs, activation sparsity and gradient norms, said in plain words.

A ReLU unit that is never positive on any image passes no signal and gets no gradient: it is dead
weight the network carries. These checks run a trained network over a set of images, watching its ReLU
layers (`hooks.watching`) and reducing each batch as it passes; the gradient norms come from the metrics
training logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from . import hooks

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_IMAGES = 10_000  # a whole MNIST test set; enough to call a unit dead with some confidence


@dataclass(frozen=True)
class LayerHealth:
    """The ReLU after one conv or dense layer, over a set of images."""

    layer: str  # the conv or dense layer feeding the ReLU, e.g. "conv2"
    kind: str  # "conv" (units are filters) or "dense" (units are neurons)
    activity: np.ndarray  # (units,) fraction of images on which the unit is > 0 somewhere
    sparsity: float  # fraction of all the ReLU's outputs that are exactly 0

    @property
    def units(self) -> int:
        return len(self.activity)

    @property
    def dead(self) -> tuple[int, ...]:
        """Units never > 0 on any image."""
        return tuple(int(i) for i in np.flatnonzero(self.activity == 0))


@dataclass(frozen=True)
class HealthReport:
    layers: tuple[LayerHealth, ...]
    n_images: int

    def sentences(self, where: str = "the test set", tr: Callable[..., str] | None = None) -> list[str]:
        """One plain sentence per checked layer, e.g. '12 of 32 filters in conv2 never activate on the test set ...'.

        Args: where: the images checked, in words; tr: a translate function tr(template, **values)
        (the app's `t`), English by default.
        """
        tr = tr or _english
        out = []
        for h in self.layers:
            dead, noun = h.dead, tr("filters") if h.kind == "conv" else tr("units")
            if dead:
                shown = ", ".join(f"#{i}" for i in dead[:12]) + (", ..." if len(dead) > 12 else "")
                text = tr(
                    "{n} of {total} {noun} in {layer} never activate on {where} ({which}): they pass "
                    "nothing on and learn nothing.",
                    n=len(dead),
                    total=h.units,
                    noun=noun,
                    layer=h.layer,
                    where=where,
                    which=shown,
                )
            else:
                text = tr(
                    "All {total} {noun} in {layer} activate on {where}.",
                    total=h.units,
                    noun=noun,
                    layer=h.layer,
                    where=where,
                )
            out.append(text + " " + tr("{share:.0%} of its outputs after the ReLU are zero.", share=h.sparsity))
        return out


def _english(text: str, **values) -> str:
    return text.format(**values) if values else text


def relu_layers(model: nn.Module) -> list[tuple[str, str]]:
    """(layer, ReLU module name) for every conv or dense layer followed by a ReLU, in network order."""
    names = [name for name, _ in model.named_children()]
    return [
        (name[: -len("_relu")], name)
        for name, module in model.named_children()
        if isinstance(module, nn.ReLU) and name.endswith("_relu") and name[: -len("_relu")] in names
    ]


def check(model: nn.Module, x: np.ndarray | torch.Tensor, batch_size: int = 500) -> HealthReport:
    """Run `model` over normalised images and record which ReLU units ever fire, and how often outputs are 0.

    Args:
        model: an nn.Sequential from `arch.build` (ReLUs are children named '<layer>_relu').
        x: float images (N, C, H, W), normalised as in training (a LoadedRun's `test_inputs(MAX_IMAGES)`).
    Returns:
        HealthReport with one LayerHealth per ReLU layer (none for networks without ReLUs).
    """
    x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
    if x.ndim != 4 or not x.is_floating_point() or len(x) == 0:
        raise ValueError(f"expected a non-empty float batch (N, C, H, W), got {x.dtype} {tuple(x.shape)}")
    pairs = relu_layers(model)
    names = [name for _, name in pairs]
    zeros, total = dict.fromkeys(names, 0), dict.fromkeys(names, 0)
    batch_active: dict[str, list[torch.Tensor]] = {name: [] for name in names}  # (B, units) bool per batch

    def reduce(name: str, out: torch.Tensor) -> None:  # per batch: 10,000 images' outputs are never all kept
        flat = out.detach().flatten(2) if out.ndim == 4 else out.detach().unsqueeze(-1)  # (B, units, positions)
        batch_active[name].append((flat > 0).any(-1).cpu())  # (B, units)
        zeros[name] += int((flat == 0).sum())
        total[name] += flat.numel()

    device = hooks.device(model)
    was_training = model.training
    model.eval()
    try:
        with hooks.watching(model, names, reduce), torch.inference_mode():
            for i in range(0, len(x), batch_size):
                hooks.run(model, x[i : i + batch_size].float().to(device))
    finally:
        model.train(was_training)
    modules = dict(model.named_children())
    layers = []
    for layer, name in pairs:
        fired = torch.cat(batch_active[name]).float().mean(0).numpy().astype(np.float64)  # (units,)
        kind = "conv" if isinstance(modules[layer], nn.Conv2d) else "dense"
        layers.append(LayerHealth(layer, kind, fired, zeros[name] / max(total[name], 1)))
    return HealthReport(tuple(layers), len(x))


# ---------------------------------------------------------------- gradient norms over training


@dataclass(frozen=True)
class GradientHistory:
    """Per-layer L2 norms of the weight gradients at each logged training step."""

    steps: np.ndarray  # (T,) int
    epochs: np.ndarray  # (T,) float
    norms: dict  # {layer: (T,) float, NaN where not logged}

    def curves(self) -> dict[str, dict]:
        """{layer: {'epoch': [...], 'grad_norm': [...]}}: the histories `figures.compare_curves` overlays."""
        return {
            layer: {
                "epoch": self.epochs.tolist(),
                "grad_norm": [None if not np.isfinite(v) else float(v) for v in values],
            }
            for layer, values in self.norms.items()
        }

    def sentences(self, tr: Callable[..., str] | None = None) -> list[str]:
        """Per layer: the gradient norm early in training (first tenth) against at the end (last tenth), in words."""
        tr, out = tr or _english, []
        for layer, v in self.norms.items():
            finite = v[np.isfinite(v)]
            if len(finite) < 2:
                continue
            tenth = max(1, len(finite) // 10)
            start, end = float(finite[:tenth].mean()), float(finite[-tenth:].mean())
            if end > 0 and start >= end:
                change = tr("{x:.1f}x smaller", x=start / end)
            else:
                change = tr("{x:.1f}x larger", x=end / start) if start > 0 else tr("up from zero")
            out.append(
                tr(
                    "{layer}: gradient norm {start:.3g} early in training, {end:.3g} at the end ({change}).",
                    layer=layer,
                    start=start,
                    end=end,
                    change=change,
                )
            )
        return out


def gradient_history(records: list[dict]) -> GradientHistory:
    """The gradient norms among a run's metric records (empty for runs trained before they were logged).

    Args: records: `metrics.read_metrics(run_id, max_steps=metrics.HISTORY_POINTS)`; only 'step' records with
        'grad_norms' count.
    """
    records = [r for r in records if r.get("kind") == "step" and isinstance(r.get("grad_norms"), dict)]
    layers: list[str] = []
    for r in records:
        layers += [k for k in r["grad_norms"] if k not in layers]
    norms = {k: np.array([float(r["grad_norms"].get(k, np.nan)) for r in records]) for k in layers}
    return GradientHistory(
        np.array([int(r.get("step", 0)) for r in records], dtype=np.int64),
        np.array([float(r.get("epoch", 0.0)) for r in records]),
        norms,
    )
