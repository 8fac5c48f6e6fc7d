"""Training replayed: accuracy, weights, activations and kernels at every snapshot a run kept.

Everything takes a `LoadedRun` (its snapshots and `model_at`) and returns numpy arrays; nothing
modifies the networks it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import evaluate, hooks, kernels
from .arch import layer_names
from .i18n import Invalid
from .loaded import LoadedRun

PROBE_IMAGES = 256  # the fixed batch whose activations the timeline follows
MAX_TIMELINE_VALUES = 50_000  # per snapshot: a histogram keeps its shape, the page stays light


@dataclass(frozen=True)
class ClassTimeline:
    accuracy: np.ndarray  # (K, S): per-class accuracy at each snapshot, NaN for a class absent from the images
    steps: tuple[int, ...]  # (S,)
    classes: tuple[str, ...]  # (K,)
    n_images: int


def per_class_over_training(loaded: LoadedRun, max_images: int = 1000) -> ClassTimeline:
    """Per-class accuracy of every snapshot on the first `max_images` test images.

    Raises: Invalid when the run has no snapshots or keeps only conv kernels in them.
    """
    if not loaded.snapshots:
        raise Invalid("run {run_id} kept no snapshots during training", run_id=loaded.run_id)
    x, y = loaded.test_inputs(max_images), loaded.test_labels(max_images)  # (N, C, H, W), (N,)
    k = len(loaded.classes)
    support = np.bincount(y, minlength=k)
    acc = np.full((k, len(loaded.snapshots)), np.nan)
    for col, s in enumerate(loaded.snapshots):
        pred = evaluate.predict(loaded.model_at(s.index), x).argmax(1)  # (N,)
        hits = np.bincount(y[pred == y], minlength=k)
        acc[support > 0, col] = hits[support > 0] / support[support > 0]
    return ClassTimeline(acc, tuple(s.step for s in loaded.snapshots), loaded.classes, len(y))


def weight_layers(loaded: LoadedRun) -> list[str]:
    """Conv and dense layers whose weights the snapshots hold, in network order (conv only for large models)."""
    if not loaded.snapshots:
        return []
    state = loaded.state_at(0)
    return [n for n in layer_names(loaded.spec) if f"{n}.weight" in state and state[f"{n}.weight"].ndim >= 2]


def weight_timeline(loaded: LoadedRun, layer: str) -> tuple[list[np.ndarray], list[int]]:
    """The flattened weights of one layer (e.g. 'conv1', 'dense2') at every snapshot, and the snapshot steps."""
    values, steps = [], []
    for s in loaded.snapshots:
        state = loaded.state_at(s.index)
        if f"{layer}.weight" not in state:
            raise Invalid(
                "the snapshots of run {run_id} hold no weights for {layer!r}", run_id=loaded.run_id, layer=layer
            )
        values.append(state[f"{layer}.weight"].numpy().ravel())
        steps.append(s.step)
    return values, steps


def activation_layers(loaded: LoadedRun) -> list[str]:
    """The layers whose outputs `activation_timeline` can follow (all but flatten and dropout), in network order."""
    return [n for n, _ in loaded.model.named_children() if n != "flatten" and not n.startswith("dropout")]


def activation_timeline(
    loaded: LoadedRun, layer: str, x: torch.Tensor | np.ndarray
) -> tuple[list[np.ndarray], list[int]]:
    """One layer's outputs on a fixed probe batch at every snapshot, and the snapshot steps.

    Args: x: normalised images (N, C, H, W), the same at every snapshot.
    Returns: per snapshot the outputs flattened, evenly thinned to at most MAX_TIMELINE_VALUES values.
    Raises: Invalid when the snapshots keep only conv kernels, or for a layer the network does not have.
    """
    x = torch.as_tensor(x, dtype=torch.float32)
    values, steps = [], []
    for s in loaded.snapshots:
        kept, _ = hooks.layer_outputs(loaded.model_at(s.index), x, [layer])
        v = kept[layer].cpu().numpy().ravel()
        if v.size > MAX_TIMELINE_VALUES:  # an even thinning keeps every image and channel represented
            v = v[np.linspace(0, v.size - 1, MAX_TIMELINE_VALUES).astype(np.int64)]
        values.append(v)
        steps.append(s.step)
    return values, steps


def kernel_replay(loaded: LoadedRun, layer: str, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Kernels of `layer` at snapshot `index` and their change since snapshot 0: two (out, in, kh, kw) arrays."""
    now = kernels.of_layer(loaded.state_at(index), layer)
    return now, now - kernels.of_layer(loaded.state_at(0), layer)
