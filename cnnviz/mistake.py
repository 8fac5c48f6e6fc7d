"""Why this mistake: one misclassified test image taken apart.

Where the network looked (Grad-CAM for the class it chose), how sure it was (its top three classes), which training
images it thinks the test image is like (the nearest ones in its own embedding: the input of its last dense layer,
where it does its classifying) and how its answer changed over training (the step where it went wrong, if it was
ever right).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from . import attribution, data, evaluate, kernels
from .embedding import penultimate_features
from .loaded import LoadedRun

NEIGHBOURS = 6
TOP = 3


@dataclass(frozen=True, eq=False)
class History:
    """One test image's answer at each moment of training (every snapshot, then the final weights)."""

    label: int  # the true class
    steps: np.ndarray  # (S,) int64
    predicted: np.ndarray  # (S,) int64: the class the network chose
    true_probability: np.ndarray  # (S,) float32: its probability for the true class
    chosen_probability: np.ndarray  # (S,) float32: its probability for the class it chose

    @property
    def went_wrong_at(self) -> int | None:
        """The step from which the answer stayed wrong, when it was right at some earlier moment (None: it was
        never right, or it is right at the end)."""
        right = self.predicted == self.label
        if right[-1] or not right.any():
            return None
        last_right = int(np.flatnonzero(right)[-1])
        return int(self.steps[last_right + 1])


@dataclass(frozen=True, eq=False)
class Story:
    """A misclassified test image, explained."""

    index: int  # in the test set
    label: int
    predicted: int
    top: tuple[tuple[int, float], ...]  # (class, probability), most probable first
    heat: np.ndarray | None  # (H, W) in 0..1: Grad-CAM of the chosen class at the last conv layer (None: no conv)
    neighbours: np.ndarray  # (k,) int64 indices into the training images, nearest first
    neighbour_labels: np.ndarray  # (k,) int64
    distances: np.ndarray  # (k,) float32 Euclidean distances in the embedding
    history: History | None  # None for a run without whole-network snapshots


def nearest(features: np.ndarray, query: np.ndarray, k: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
    """The k rows of `features` (N, D) nearest to `query` (D,) by Euclidean distance, nearest first (ties: lower
    index first). Returns: (int64 (k,) indices, float32 (k,) distances)."""
    f = np.asarray(features, dtype=np.float64)
    d = np.sqrt(((f - np.asarray(query, dtype=np.float64)) ** 2).sum(1))
    order = np.argsort(d, kind="stable")[:k]
    return order.astype(np.int64), d[order].astype(np.float32)


def history(loaded: LoadedRun, index: int) -> History | None:
    """The answer for test image `index` at every snapshot and at the end (None when snapshots keep only kernels)."""
    if not loaded.snapshots or not loaded.full_snapshots:
        return None
    x = loaded.test_inputs()[index : index + 1]  # (1, C, H, W)
    models = [loaded.model_at(s.index) for s in loaded.snapshots] + [loaded.model]
    probs = np.stack([evaluate.predict(m, x)[0] for m in models])  # (S, K)
    label = int(loaded.split.y_test[index])
    steps = [s.step for s in loaded.snapshots] + [loaded.record.steps_done or loaded.snapshots[-1].step]
    predicted = probs.argmax(1).astype(np.int64)
    return History(
        label,
        np.asarray(steps, np.int64),
        predicted,
        probs[:, label].astype(np.float32),
        probs[np.arange(len(probs)), predicted].astype(np.float32),
    )


def training_features(model: nn.Module, loaded: LoadedRun) -> np.ndarray:
    """What the classifier of `model` sees of every training image: float32 (N_train, D)."""
    x = data.normalize(loaded.split.x_train, loaded.info)
    return penultimate_features(model, x)[0]


def story(loaded: LoadedRun, index: int, features: np.ndarray, at: int | None = None, k: int = NEIGHBOURS) -> Story:
    """Explain test image `index` as the network at snapshot `at` (None: the end) sees it.

    Args: features the training images' embedding by that same network (`training_features`).
    """
    model = loaded.model_at(at)
    x = loaded.test_inputs()[index : index + 1]  # (1, C, H, W)
    probs = evaluate.predict(model, x)[0]  # (K,)
    order = np.argsort(-probs, kind="stable")[:TOP]
    predicted = int(order[0])
    convs = kernels.conv_layers(loaded.spec)
    heat = attribution.grad_cam(model, x[0], predicted, convs[-1]).heat if convs else None
    query = penultimate_features(model, x)[0][0]
    near, dist = nearest(features, query, k)
    return Story(
        index,
        int(loaded.split.y_test[index]),
        predicted,
        tuple((int(c), float(probs[c])) for c in order),
        heat,
        near,
        loaded.split.y_train[torch.as_tensor(near)].numpy().astype(np.int64),
        dist,
        history(loaded, index),
    )
