"""Invariance: does a network still recognise a digit that is shifted, turned or scaled?

A convolution is equivariant to shifts: move the image and its feature maps move with it (the same kernel is
slid everywhere). A pooling layer forgives a shift smaller than its window, because the window's summary barely
changes; stacked, that gives a little shift invariance (LeCun and colleagues, 1998). Neither gives rotation or
scale invariance, and a large shift still changes what the dense layers at the end see (Azulay and Weiss, 2019).
An MLP has none of it: every pixel has its own weights. Everything here is measured on the test set, exactly:
each test image transformed by `robustness.transform`, then scored by `evaluate.predict`. No streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import data, evaluate, hooks, robustness, runs
from .arch import ArchSpec
from .i18n import Invalid
from .record import RunRecord
from .train import config_for
from .train_config import TrainConfig

if TYPE_CHECKING:
    from collections.abc import Sequence

KINDS = ("shift", "rotate", "scale")
AMOUNTS = {
    "shift": tuple(range(0, 9)),  # pixels to the right
    "rotate": tuple(range(-60, 61, 10)),  # degrees, clockwise
    "scale": tuple(round(0.5 + 0.1 * i, 1) for i in range(11)),
}  # zoom about the centre, 0.5..1.5
N_IMAGES = 1000  # test images each accuracy is measured on
FEATURE_SHIFTS = tuple(range(0, 9))  # pixels, for how much each layer's maps change


def transformed(images: torch.Tensor, kind: str, amount: float) -> torch.Tensor:
    """Every image moved the same way: uint8 (N, C, H, W) in and out; black (grey level 0) where the image left.

    Args: kind "shift" (amount pixels to the right), "rotate" (degrees clockwise) or "scale" (zoom factor).
    """
    if kind not in KINDS:
        raise Invalid("unknown transformation {got!r}; choose one of {names}", got=kind, names=", ".join(KINDS))
    x = np.asarray(images, dtype=np.uint8)
    n, c, h, w = x.shape
    settings = {"shift": dict(shift=(amount, 0)), "rotate": dict(angle=amount), "scale": dict(scale=amount)}[kind]
    # `transform` takes one (C, H, W) image; the same affine map applied to N*C channels at once is the same
    # as applying it to each image, and is one call instead of N
    out = robustness.transform(x.reshape(n * c, h, w), fill=0, **settings)
    return torch.from_numpy(out.reshape(n, c, h, w))


def accuracy_under(
    model: nn.Module, split: data.DataSplit, kind: str, amounts: Sequence[float], n_images: int = N_IMAGES
) -> np.ndarray:
    """Accuracy of the network on the first `n_images` test images, every one transformed by each amount.

    Returns: float64 (len(amounts),) in 0..1.
    """
    x, y = split.x_test[:n_images], split.y_test[:n_images].numpy()
    if len(y) == 0:
        raise Invalid("dataset {name} has no test images to evaluate on", name=split.info.name)
    out = []
    for amount in amounts:
        probs = evaluate.predict(model, data.normalize(transformed(x, kind, amount), split.info))  # (N, K)
        out.append(float((probs.argmax(1) == y).mean()))
    return np.array(out, dtype=np.float64)


@dataclass(frozen=True)
class Curves:
    """One network's accuracy under every transformation (`accuracy_under` for each kind of KINDS)."""

    amounts: dict[str, tuple]  # kind -> the amounts tried
    accuracy: dict[str, np.ndarray]  # kind -> float64 (len(amounts),)

    def at(self, kind: str, amount: float) -> float:
        return float(self.accuracy[kind][list(self.amounts[kind]).index(amount)])


def curves(
    model: nn.Module, split: data.DataSplit, n_images: int = N_IMAGES, amounts: dict[str, Sequence[float]] | None = None
) -> Curves:
    """The network's accuracy against every amount of every transformation (AMOUNTS unless given)."""
    amounts = amounts or AMOUNTS
    return Curves(dict(amounts), {kind: accuracy_under(model, split, kind, amounts[kind], n_images) for kind in KINDS})


def map_layers(model: nn.Module) -> list[str]:
    """The layers whose outputs are maps, input side first: each convolution (its activation's output where one
    follows, since that is what the next layer sees) and each pooling layer."""
    children = list(model.named_children())
    out = []
    for i, (name, module) in enumerate(children):
        if isinstance(module, nn.Conv2d):
            after = children[i + 1] if i + 1 < len(children) else None
            out.append(after[0] if after and isinstance(after[1], (nn.ReLU, nn.Tanh, nn.Sigmoid)) else name)
        elif isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            out.append(name)
    return out


def pooling_layers(model: nn.Module) -> list[str]:
    """The pooling layers, input side first."""
    return [name for name, module in model.named_children() if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d))]


def map_similarity(
    model: nn.Module, split: data.DataSplit, shifts: Sequence[int] = FEATURE_SHIFTS, n_images: int = 200
) -> dict[str, np.ndarray]:
    """How alike each map layer's output stays when the image is shifted: the cosine similarity of the maps of
    the shifted image and of the image itself, compared position by position, averaged over the test images.

    A map that moves with the image (a convolution) loses similarity at once; a pooled map keeps most of it for a
    shift smaller than its window. Returns: {layer: float64 (len(shifts),)}, 1.0 at a shift of 0.
    """
    layers = map_layers(model)
    x = split.x_test[:n_images]
    plain, _ = hooks.layer_outputs(model, data.normalize(x, split.info), layers)
    out = {name: [] for name in layers}
    for d in shifts:
        moved, _ = hooks.layer_outputs(model, data.normalize(transformed(x, "shift", d), split.info), layers)
        for name in layers:
            cos = F.cosine_similarity(plain[name].flatten(1), moved[name].flatten(1), dim=1, eps=1e-12)  # (N,)
            out[name].append(float(cos.mean()))
    return {name: np.array(v, dtype=np.float64) for name, v in out.items()}


# ---------------------------------------------------------------- the network to compare with

PARTNER_SETTINGS = ("optimizer", "lr", "batch_size", "epochs", "seed", "val_fraction", "schedule")


def is_convolutional(spec: ArchSpec) -> bool:
    """Whether the network has a convolution layer (an MLP has none)."""
    return any(layer.type == "conv" for layer in spec.layers)


def partner_config(record: RunRecord) -> TrainConfig:
    """The training that makes this run's partner: the MLP baseline for a CNN, LeNet-5 for an MLP, on the same
    dataset with the same settings (the app's quick-start settings for a run that did not record its own)."""
    preset = "lenet5" if not is_convolutional(record.spec) else "mlp"
    config = record.config or TrainConfig(record.spec, record.dataset, epochs=3)
    kept = {k: getattr(config, k) for k in PARTNER_SETTINGS}
    return config_for(preset, record.dataset, **kept, snapshots=config.snapshots)


def same_settings(record: RunRecord, want: TrainConfig) -> bool:
    """Whether a run was trained with `want`'s settings (PARTNER_SETTINGS; the network may differ)."""
    have = record.config.to_dict() if record.config else {}
    return all(have.get(k) == v for k, v in want.to_dict().items() if k in PARTNER_SETTINGS)


def find_partners(record: RunRecord, listing: list[runs.RunInfo]) -> list[runs.RunInfo]:
    """Runs of `listing` this run can be compared with: the other kind of network (an MLP for a CNN, a CNN for an
    MLP) on the same dataset and classes, any status. The best first: those trained with the same settings, then
    those of the partner's preset, then the newest (`listing`'s order, as `runs.list_runs()` gives it)."""
    want = partner_config(record)
    mine = is_convolutional(record.spec)
    found = [
        r
        for r in listing
        if r.record is not None
        and r.run_id != record.run_id
        and r.record.dataset == record.dataset
        and is_convolutional(r.record.spec) != mine
        and (not r.record.classes or not record.classes or r.record.classes == record.classes)
    ]
    return sorted(found, key=lambda r: (not same_settings(r.record, want), r.record.preset != want.preset))


def ready_partner(partners: list[runs.RunInfo]) -> runs.RunInfo | None:
    """The partner to compare with: the best of `partners` (as `find_partners` orders them) that finished with
    weights, or None."""
    return next((r for r in partners if r.status == "finished" and r.has_weights), None)


def live_partner(partners: list[runs.RunInfo]) -> runs.RunInfo | None:
    """The best of `partners` still queued or training (its progress is shown instead of a train button), or None."""
    return next((r for r in partners if r.status in runs.LIVE), None)


def distinct_names(names: Sequence[str], run_ids: Sequence[str]) -> list[str]:
    """The compared networks' names as the charts show them: as given, or each followed by its run id when two
    coincide (two runs of one preset are never compared, one being an MLP, but runs' own names can clash)."""
    if len(set(names)) == len(names):
        return list(names)
    return [f"{name} ({run_id})" for name, run_id in zip(names, run_ids)]


def example_index(labels: np.ndarray, digits: bool) -> int:
    """The test image the screen shows moved, turned and scaled: the first 7 of a digit dataset (a 7 shows a turn
    plainly), else the first test image."""
    sevens = np.flatnonzero(np.asarray(labels) == 7) if digits else []
    return int(sevens[0]) if len(sevens) else 0


def examples(image: np.ndarray, kind: str, amounts: Sequence[float]) -> np.ndarray:
    """One uint8 image (C, H, W) transformed by each amount, as the accuracy test does: uint8 (n, C, H, W)."""
    x = torch.as_tensor(np.asarray(image, dtype=np.uint8))[None]  # (1, C, H, W)
    return np.stack([transformed(x, kind, a)[0].numpy() for a in amounts])
