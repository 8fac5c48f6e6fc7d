"""The embedding map: what the classifier sees of each test image, squeezed to two dimensions, and how that map
formed during training.

PCA is computed with numpy's SVD: no scikit-learn, t-SNE or UMAP dependency, and PCA is linear, so snapshots
projected onto the final network's axes can be compared frame by frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from . import hooks
from .attribution import image_batch, working_copy
from .i18n import Invalid
from .loaded import LoadedRun

Progress = Callable[[float, str], None]  # (fraction done 0..1, what is happening)
EMBEDDING_IMAGES = 1000  # the embedding map uses the first test images, for speed


@dataclass(frozen=True, eq=False)
class PCA:
    """A fitted 2-D PCA: project with `project`."""

    mean: np.ndarray  # (D,)
    components: np.ndarray  # (2, D) unit rows; the largest-|loading| entry of each row is positive
    explained_ratio: np.ndarray  # (2,) share of the total variance along each component


def fit_pca(features: np.ndarray) -> PCA:
    """PCA by the SVD of the centred data (numpy only), with a deterministic sign per component.

    Args: features (N, D) with N >= 2.
    """
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2 or f.shape[1] < 1:
        raise Invalid("PCA needs features (N, D) with at least 2 rows, got shape {shape}", shape=f.shape)
    if not np.isfinite(f).all():
        raise Invalid("the features hold NaN or infinite values")
    mean = f.mean(0)
    _, s, vt = np.linalg.svd(f - mean, full_matrices=False)
    comps = np.zeros((2, f.shape[1]))
    comps[: min(2, len(vt))] = vt[:2]
    for row in comps:
        if row.any():
            row *= np.sign(row[np.argmax(np.abs(row))])
    var = np.zeros(2)
    var[: min(2, len(s))] = s[:2] ** 2
    total = float((s**2).sum())
    return PCA(mean, comps, var / total if total > 0 else np.zeros(2))


def project(pca: PCA, features: np.ndarray) -> np.ndarray:
    """Coordinates of features (N, D) on a fitted PCA: float32 (N, 2)."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[1] != pca.mean.shape[0]:
        raise ValueError(f"features must be (N, {pca.mean.shape[0]}), got shape {f.shape}")
    return ((f - pca.mean) @ pca.components.T).astype(np.float32)


def standardise(points: np.ndarray) -> np.ndarray:
    """Points (N, 2) centred and scaled to unit RMS distance from their centre (all zeros stay zeros).

    Early in training the features are tiny; scaling each frame alike lets the eye compare how the
    classes are arranged rather than how large the numbers are.
    """
    p = np.asarray(points, dtype=np.float64)
    p = p - p.mean(0)
    rms = float(np.sqrt((p**2).sum(1).mean())) if len(p) else 0.0
    return (p / rms if rms > 0 else p).astype(np.float32)


def pca_2d(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features (N, D) projected on their first two principal components: ((N, 2) points, (2,) variance ratio)."""
    pca = fit_pca(features)
    return project(pca, features), pca.explained_ratio


def penultimate_features(
    model: nn.Module, x: torch.Tensor | np.ndarray, batch_size: int = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """The input of the last dense layer (what the classifier sees) and the predicted classes.

    Args: x normalised images (N, C, H, W).  Returns: (float32 (N, D) features, int64 (N,) predictions).
    """
    work, xb = working_copy(model), image_batch(x, single=False)
    if not isinstance(work, nn.Sequential):
        raise ValueError("expected an nn.Sequential network as built by arch.build")
    last = max((i for i, m in enumerate(work) if isinstance(m, nn.Linear)), default=None)
    if last is None:
        raise Invalid("this network has no dense layer to take features from")
    head, tail = work[:last], work[last:]  # features = head(x); the classifier = tail(features)
    feats, preds = [], []
    with torch.inference_mode():
        for i in range(0, len(xb), batch_size):
            f = hooks.run(head, xb[i : i + batch_size]).flatten(1)  # (B, D)
            feats.append(f)
            preds.append(tail(f).argmax(1))
    return torch.cat(feats).numpy(), torch.cat(preds).numpy().astype(np.int64)


@dataclass(frozen=True, eq=False)
class Embedding:
    """Images placed by their penultimate features on the features' own first two principal components."""

    pca: PCA
    points: np.ndarray  # (N, 2) float32
    predictions: np.ndarray  # (N,) int64
    dims: int  # D: the numbers per image the classifier sees


def embed(model: nn.Module, x: torch.Tensor | np.ndarray) -> Embedding:
    """The embedding map of images x (normalised, (N, C, H, W)) by a network with a dense classifier."""
    features, predictions = penultimate_features(model, x)
    pca = fit_pca(features)
    return Embedding(pca, project(pca, features), predictions, features.shape[1])


@dataclass(frozen=True, eq=False)
class Timeline:
    """The embedding at each training snapshot, projected on the final network's PCA axes."""

    points: np.ndarray  # (T, N, 2), each frame standardised (see `standardise`)
    predictions: np.ndarray  # (T, N) int64
    steps: tuple[int, ...]
    epochs: tuple[float, ...]


def embedding_timeline(
    loaded: LoadedRun, x: torch.Tensor | np.ndarray, pca: PCA, progress: Progress | None = None
) -> Timeline:
    """Penultimate features of x at every snapshot of a run, projected with `pca` (fit it on the final weights).

    Fitting the axes once, on the final network, and projecting every snapshot onto them keeps the picture
    still while the points move: refitting per snapshot would rotate and flip the axes from frame to frame.
    Each frame is then standardised (centred, unit RMS spread), so frames share one plotting range.

    Args: x normalised images (N, C, H, W).
    Raises: Invalid when the run has no snapshots or they hold only the conv kernels (see `loaded.full_snapshots`).
    """
    snaps = loaded.snapshots
    if not snaps:
        raise Invalid("run {run_id} has no snapshots", run_id=loaded.run_id)
    if not loaded.full_snapshots:
        raise Invalid(
            "the snapshots of run {run_id} keep only the convolution kernels (the network is too large "
            "for full snapshots), so its embedding cannot be replayed",
            run_id=loaded.run_id,
        )
    points, preds = [], []
    for i, snap in enumerate(snaps):
        feats, pred = penultimate_features(loaded.model_at(snap.index), x)
        points.append(standardise(project(pca, feats)))
        preds.append(pred)
        if progress:
            progress((i + 1) / len(snaps), f"snapshot {i + 1} of {len(snaps)}")
    return Timeline(np.stack(points), np.stack(preds), tuple(s.step for s in snaps), tuple(s.epoch for s in snaps))
