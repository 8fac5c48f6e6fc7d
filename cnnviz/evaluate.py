"""A network scored on a test set: batched predictions, the confusion matrix, accuracy per class, the mistakes.

Everything takes a network and images (or a dataset split), never a run id: the same code scores a run's
final weights, a snapshot of them (time travel) or a test's toy network. Callers cache (`ui.evaluation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from . import data
from .hooks import device, run
from .i18n import Invalid

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

BATCH = 1000


def _batch(x) -> torch.Tensor:
    """A float tensor (N, C, H, W) from a tensor or array; one image (C, H, W) gets a batch dimension."""
    t = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if not t.is_floating_point():
        raise ValueError(f"the network wants normalised float input (see data.normalize), got {t.dtype}")
    t = t.unsqueeze(0) if t.ndim == 3 else t
    if t.ndim != 4:
        raise ValueError(f"expected a batch (N, C, H, W), got shape {tuple(t.shape)}")
    return t.float()


def logits(model: nn.Module, x: torch.Tensor | np.ndarray, batch_size: int = BATCH) -> torch.Tensor:
    """The network's raw class scores for normalised images, in eval mode: float (N, K) on the CPU."""
    x = _batch(x)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            parts = [
                run(model, x[i : i + batch_size].to(device(model))).float().cpu() for i in range(0, len(x), batch_size)
            ]
    finally:
        model.train(was_training)
    return torch.cat(parts) if parts else torch.zeros(0, 0)


def predict(model: nn.Module, x: torch.Tensor | np.ndarray, batch_size: int = BATCH) -> np.ndarray:
    """Class probabilities for normalised images (N, C, H, W) (one (C, H, W) image counts as N = 1).

    Returns: float32 (N, K), each row summing to 1.
    """
    scores = logits(model, x, batch_size)
    return torch.softmax(scores, 1).numpy() if scores.numel() else np.zeros((0, 0), np.float32)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A network scored on a test set (arrays are read-only: evaluations are cached and shared)."""

    dataset: str
    class_names: tuple[str, ...]
    is_digits: bool
    accuracy: float
    loss: float  # mean cross-entropy
    confusion: np.ndarray  # (K, K) int64, rows = true class, columns = predicted
    per_class_accuracy: np.ndarray  # (K,) float64, NaN for a class without test images
    best_class: int
    worst_class: int
    predictions: np.ndarray  # (N,) int64
    labels: np.ndarray  # (N,) int64
    confidence: np.ndarray  # (N,) float32: probability of the predicted class
    probs: np.ndarray  # (N, K) float32
    n_test: int
    n_wrong: int


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """Count (true, predicted) pairs.

    Args: y_true, y_pred integer labels (N,) in 0..k-1.
    Returns: int64 (k, k): rows = true class, columns = predicted class.
    """
    t, p = np.asarray(y_true, np.int64).ravel(), np.asarray(y_pred, np.int64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}")
    for name, v in (("y_true", t), ("y_pred", p)):
        if v.size and (v.min() < 0 or v.max() >= k):
            raise ValueError(f"{name} holds labels outside 0..{k - 1}: {v.min()}..{v.max()}")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)


def evaluate(
    model: nn.Module, split: data.DataSplit, classes: Sequence[str] | None = None, batch_size: int = BATCH
) -> Evaluation:
    """Score a network on a split's whole test set.

    Args: classes the class names the network was trained with (default the dataset's).
    Raises: Invalid when the test set is empty or the network predicts another number of classes.
    """
    classes = tuple(map(str, classes or split.info.classes))
    n = len(split.y_test)
    if n == 0:
        raise Invalid("dataset {name} has no test images to evaluate on", name=split.info.name)
    log_p = torch.cat(
        [
            torch.log_softmax(
                logits(model, data.normalize(split.x_test[i : i + batch_size], split.info), batch_size), 1
            )
            for i in range(0, n, batch_size)
        ]
    )  # (N, K)
    if log_p.shape[1] != len(classes):
        raise Invalid("this network predicts {got} classes but its dataset has {n}", got=log_p.shape[1], n=len(classes))
    labels = split.y_test.numpy().astype(np.int64)
    probs = log_p.exp().numpy().astype(np.float32)
    predictions = probs.argmax(1).astype(np.int64)
    loss = float(-log_p[torch.arange(n), split.y_test].double().mean())
    confusion = confusion_matrix(labels, predictions, len(classes))
    support = confusion.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(support > 0, np.diag(confusion) / support, np.nan)
    arrays = dict(
        confusion=confusion,
        per_class_accuracy=per_class,
        predictions=predictions,
        labels=labels,
        confidence=probs[np.arange(n), predictions],
        probs=probs,
    )
    for a in arrays.values():
        a.setflags(write=False)
    n_wrong = int((predictions != labels).sum())
    return Evaluation(
        split.info.name,
        classes,
        split.info.is_digits,
        (n - n_wrong) / n,
        loss,
        best_class=int(np.nanargmax(per_class)),
        worst_class=int(np.nanargmin(per_class)),
        n_test=n,
        n_wrong=n_wrong,
        **arrays,
    )


def mistakes(
    evaluation: Evaluation, limit: int | None = None, true_class: int | None = None, predicted_class: int | None = None
) -> list[int]:
    """Test-set indices of misclassified images, most confident mistakes first.

    Args: true_class, predicted_class: keep only one cell of the confusion matrix (or one row/column).
    """
    wrong = evaluation.predictions != evaluation.labels
    if true_class is not None:
        wrong &= evaluation.labels == true_class
    if predicted_class is not None:
        wrong &= evaluation.predictions == predicted_class
    idx = np.flatnonzero(wrong)
    idx = idx[np.argsort(-evaluation.confidence[idx], kind="stable")]
    return [int(i) for i in idx[:limit]]


def worst_confusion(confusion: np.ndarray) -> tuple[int, int]:
    """(true, predicted) of the most frequent mistake in a confusion matrix, the first such cell on a tie; (0, 1)
    when there is no mistake ((0, 0) for a single class)."""
    off = np.array(confusion, copy=True)
    np.fill_diagonal(off, 0)
    if off.max() == 0:
        return 0, min(1, len(off) - 1)
    i, j = np.unravel_index(int(off.argmax()), off.shape)
    return int(i), int(j)


def report(evaluation: Evaluation, tr: Callable[..., str] | None = None) -> str:
    """One sentence, e.g. '79 of 10,000 misclassified; best digit 3 at 99.60%, worst 9 at 98.71%'.

    Args: tr a translate function tr(template, **values) for the app's language (English without it).
    """
    tr = tr or (lambda text, **values: text)
    e, best, worst = evaluation, evaluation.best_class, evaluation.worst_class
    template = (
        tr("{wrong} of {n} misclassified; best digit {best} at {best_acc}, worst {worst} at {worst_acc}")
        if e.is_digits
        else tr("{wrong} of {n} misclassified; best class {best} at {best_acc}, worst {worst} at {worst_acc}")
    )
    return template.format(
        wrong=f"{e.n_wrong:,}",
        n=f"{e.n_test:,}",
        best=e.class_names[best],
        best_acc=f"{e.per_class_accuracy[best]:.2%}",
        worst=e.class_names[worst],
        worst_acc=f"{e.per_class_accuracy[worst]:.2%}",
    )
