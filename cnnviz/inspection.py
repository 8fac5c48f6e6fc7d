"""Taking a trained network apart: kernels, activations, predictions, evaluation, mistakes.

Everything returns numpy arrays or small dataclasses; figures are made in `figures.py`. Uploaded and
drawn images come in through `images.py`.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import data, runs
from .arch import ArchSpec, Conv, layer_names
from .i18n import Invalid, Message

MAX_APPLY_PIXELS = 4_000_000  # convolving a bigger photo with 32 kernels would take gigabytes


# ---------------------------------------------------------------- kernels


def conv_layers(spec: ArchSpec) -> list[str]:
    """Names of the convolution layers of a spec, in network order (conv1, conv2, ...)."""
    return [name for name, layer in zip(layer_names(spec), spec.layers) if isinstance(layer, Conv)]


def kernels(model_or_state: nn.Module | dict, layer_name: str) -> np.ndarray:
    """The kernels of one conv layer.

    Args:
        model_or_state: a built network or a state dict (a snapshot, say).
        layer_name: e.g. "conv1".
    Returns:
        float32 array (out_channels, in_channels, kh, kw).
    """
    state = model_or_state.state_dict() if isinstance(model_or_state, nn.Module) else model_or_state
    weight = state.get(f"{layer_name}.weight")
    if weight is None or weight.ndim != 4:
        known = sorted(k[:-len(".weight")] for k, v in state.items() if k.endswith(".weight") and v.ndim == 4)
        raise Invalid("no convolution layer {layer!r}; conv layers here: {names}", layer=layer_name,
                      names=", ".join(known) or Message("none"))
    return weight.detach().to("cpu", torch.float32).numpy().copy()


def kernels_at(run_id: str, layer_name: str, snapshot_index: int) -> np.ndarray:
    """The kernels of `layer_name` in snapshot `snapshot_index` of a run: (out, in, kh, kw) float32."""
    return kernels(runs.load_snapshot(run_id, snapshot_index), layer_name)


# ---------------------------------------------------------------- activations and predictions


def _as_batch(x, single: bool) -> torch.Tensor:
    """A float tensor (N, C, H, W) from a tensor or array; (C, H, W) gets a batch dimension."""
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
    if not t.is_floating_point():
        raise ValueError(f"the network wants normalised float input (see data.normalize), got {t.dtype}")
    if t.ndim == 3:
        t = t.unsqueeze(0)
    if t.ndim != 4 or (single and t.shape[0] != 1):
        want = "one image (C, H, W) or (1, C, H, W)" if single else "a batch (N, C, H, W)"
        raise ValueError(f"expected {want}, got shape {tuple(t.shape)}")
    return t.float()


def _device(model: nn.Module) -> torch.device:
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


def _forward(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    try:
        return model(x.to(_device(model)))
    except RuntimeError as e:  # a shape mismatch surfaces deep inside torch; say it plainly
        raise Invalid("an input of shape {shape} does not fit this network: {reason}", shape=tuple(x.shape),
                      reason=str(e)[:200]) from None


def activations(model: nn.Module, x) -> dict[str, np.ndarray]:
    """Every layer's output for one input, by forward hooks, plus the class probabilities.

    Args:
        model: an nn.Sequential as built by `arch.build`.
        x: one normalised image (C, H, W) or (1, C, H, W).
    Returns:
        {layer name: float32 output with the batch dimension removed}, in network order, e.g.
        conv1 (6, 24, 24), conv1_relu, pool1, ..., dense3 (10,), then "softmax" (K,) summing to 1.
    """
    x = _as_batch(x, single=True)  # (1, C, H, W)
    children = list(model.named_children())
    if not children:
        raise ValueError("the model has no layers to hook (expected an nn.Sequential from arch.build)")
    outputs: dict[str, np.ndarray] = {}

    def hook_for(name):
        def hook(_module, _inputs, output):
            outputs[name] = output[0].detach().to("cpu", torch.float32).numpy().copy()
        return hook

    handles = [module.register_forward_hook(hook_for(name)) for name, module in children]
    was_training = model.training
    try:
        model.eval()
        with torch.inference_mode():
            logits = _forward(model, x)  # (1, K)
            outputs["softmax"] = torch.softmax(logits.float(), dim=1)[0].cpu().numpy()
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return outputs


def predict(model: nn.Module, x, batch_size: int = 1000) -> np.ndarray:
    """Class probabilities for a normalised batch.

    Args:
        x: float (N, C, H, W) (a single (C, H, W) image counts as N = 1).
    Returns:
        float32 array (N, K), each row summing to 1.
    """
    x = _as_batch(x, single=False)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            parts = [torch.softmax(_forward(model, x[i:i + batch_size]).float(), 1).cpu()
                     for i in range(0, len(x), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(parts).numpy() if parts else np.zeros((0, 0), np.float32)


def apply_first_layer(model_or_kernels, image, bias=None, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The first conv layer's kernels convolved with any image (before the activation), as F.conv2d does.

    Args:
        model_or_kernels: a network (its first nn.Conv2d gives weights, bias, stride and padding), or
            kernels (M, C, kh, kw) used with `bias` (M,), `stride` and `padding`.
        image: float (C, H, W) or (H, W), normalised the dataset's way; any size.
    Returns:
        float32 feature maps (M, H', W').
    """
    if isinstance(model_or_kernels, nn.Module):
        conv = next((m for m in model_or_kernels.modules() if isinstance(m, nn.Conv2d)), None)
        if conv is None:
            raise Invalid("this network has no convolution layer (an MLP has no kernels to apply)")
        weight, bias, stride, padding = conv.weight, conv.bias, conv.stride, conv.padding
    else:
        weight = torch.as_tensor(np.asarray(model_or_kernels, dtype=np.float32))
        if weight.ndim != 4:
            raise ValueError(f"kernels must be (M, C, kh, kw), got shape {tuple(weight.shape)}")
        bias = None if bias is None else torch.as_tensor(np.asarray(bias, dtype=np.float32))
    img = torch.as_tensor(np.asarray(image, dtype=np.float32))
    img = img.unsqueeze(0) if img.ndim == 2 else img
    if img.ndim != 3 or img.shape[0] != weight.shape[1]:
        raise Invalid("the kernels take {c}-channel images (C, H, W), got shape {shape}", c=weight.shape[1],
                      shape=tuple(img.shape))
    if img.shape[1] * img.shape[2] > MAX_APPLY_PIXELS:
        raise Invalid("the image is {w}x{h}: scale it to at most {mp} megapixels first", w=img.shape[2],
                      h=img.shape[1], mp=MAX_APPLY_PIXELS // 1_000_000)
    with torch.inference_mode():
        weight = weight.detach().cpu().float()
        bias = None if bias is None else bias.detach().cpu().float()
        try:
            out = F.conv2d(img.unsqueeze(0), weight, bias, stride, padding)  # (1, M, H', W')
        except RuntimeError as e:
            raise Invalid("cannot convolve an image of shape {image} with kernels {kernels}: {reason}",
                          image=tuple(img.shape), kernels=tuple(weight.shape), reason=str(e)[:200]) from None
    return out[0].numpy()


# ---------------------------------------------------------------- evaluation on the test set


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A trained run scored on its dataset's test set (arrays are read-only: evaluations are cached and shared)."""

    run_id: str
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


def confusion_matrix(y_true, y_pred, k: int) -> np.ndarray:
    """Count (true, predicted) pairs.

    Args:
        y_true, y_pred: integer labels (N,) in 0..k-1.
    Returns:
        int64 array (k, k): rows = true class, columns = predicted class.
    """
    t, p = np.asarray(y_true, np.int64).ravel(), np.asarray(y_pred, np.int64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}")
    for name, v in (("y_true", t), ("y_pred", p)):
        if v.size and (v.min() < 0 or v.max() >= k):
            raise ValueError(f"{name} holds labels outside 0..{k - 1}: {v.min()}..{v.max()}")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)


_eval_cache: OrderedDict[tuple[str, str], Evaluation] = OrderedDict()
_eval_lock = threading.Lock()
EVAL_CACHE_SIZE = 8


def evaluate_run(run_id: str, batch_size: int = 1000) -> Evaluation:
    """Score a run's final weights on its test set (cached per run folder and weights checksum).

    Raises:
        RunError (a ValueError) for a missing or damaged run or one without weights.
    """
    info = runs.read_run(run_id)
    key = (str(info.path.resolve()), str(info.meta.get("weights_sha256")))
    with _eval_lock:
        if key in _eval_cache:
            _eval_cache.move_to_end(key)
            return _eval_cache[key]
    evaluation = _evaluate(run_id, info, batch_size)
    with _eval_lock:
        _eval_cache[key] = evaluation
        while len(_eval_cache) > EVAL_CACHE_SIZE:
            _eval_cache.popitem(last=False)
    return evaluation


def clear_cache() -> None:
    """Forget cached evaluations (tests, or after runs were deleted)."""
    with _eval_lock:
        _eval_cache.clear()


def _evaluate(run_id: str, info: runs.RunInfo, batch_size: int) -> Evaluation:
    _, model = runs.load_model(run_id)
    split = data.load(info.meta["dataset"])
    classes = tuple(info.meta.get("classes") or split.info.classes)
    n = len(split.y_test)
    if n == 0:
        raise Invalid("dataset {name} has no test images to evaluate on", name=split.info.name)
    device = _device(model)
    log_probs = []
    with torch.inference_mode():
        for i in range(0, n, batch_size):
            x = data.normalize(split.x_test[i:i + batch_size], split.info).to(device)  # (B, C, H, W)
            log_probs.append(torch.log_softmax(model(x).float(), dim=1).cpu())
    log_p = torch.cat(log_probs)  # (N, K)
    if log_p.shape[1] != len(classes):
        raise Invalid("run {run_id} predicts {got} classes but its dataset has {n}", run_id=run_id,
                      got=log_p.shape[1], n=len(classes))
    labels = split.y_test.numpy().astype(np.int64)
    probs = log_p.exp().numpy().astype(np.float32)
    predictions = probs.argmax(1).astype(np.int64)
    loss = float(-log_p[torch.arange(n), split.y_test].double().mean())
    confusion = confusion_matrix(labels, predictions, len(classes))
    support = confusion.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(support > 0, np.diag(confusion) / support, np.nan)
    arrays = dict(confusion=confusion, per_class_accuracy=per_class, predictions=predictions, labels=labels,
                  confidence=probs[np.arange(n), predictions], probs=probs)
    for a in arrays.values():
        a.setflags(write=False)
    n_wrong = int((predictions != labels).sum())
    return Evaluation(run_id, split.info.name, classes, split.info.is_digits, (n - n_wrong) / n, loss,
                      best_class=int(np.nanargmax(per_class)), worst_class=int(np.nanargmin(per_class)),
                      n_test=n, n_wrong=n_wrong, **arrays)


def mistakes(evaluation: Evaluation, limit: int | None = None, true_class: int | None = None,
             predicted_class: int | None = None) -> list[int]:
    """Test-set indices of misclassified images, most confident mistakes first.

    Args:
        true_class, predicted_class: keep only one cell of the confusion matrix (or one row/column).
    """
    wrong = evaluation.predictions != evaluation.labels
    if true_class is not None:
        wrong &= evaluation.labels == true_class
    if predicted_class is not None:
        wrong &= evaluation.predictions == predicted_class
    idx = np.flatnonzero(wrong)
    idx = idx[np.argsort(-evaluation.confidence[idx], kind="stable")]
    return [int(i) for i in idx[:limit]]


def report(evaluation: Evaluation, tr=None) -> str:
    """One sentence, e.g. '79 of 10,000 misclassified; best digit 3 at 99.60%, worst 9 at 98.71%'.

    Args: tr: a translate function tr(template, **values) for the app's language (English without it).
    """
    tr = tr or (lambda text, **values: text)
    e, best, worst = evaluation, evaluation.best_class, evaluation.worst_class
    template = (tr("{wrong} of {n} misclassified; best digit {best} at {best_acc}, worst {worst} at {worst_acc}")
                if e.is_digits else
                tr("{wrong} of {n} misclassified; best class {best} at {best_acc}, worst {worst} at {worst_acc}"))
    return template.format(wrong=f"{e.n_wrong:,}", n=f"{e.n_test:,}", best=e.class_names[best],
                           best_acc=f"{e.per_class_accuracy[best]:.2%}", worst=e.class_names[worst],
                           worst_acc=f"{e.per_class_accuracy[worst]:.2%}")


def test_image(split: data.DataSplit, class_index: int, index: int) -> tuple[np.ndarray, int, int]:
    """The index-th test image of a class.

    Returns:
        (uint8 image (C, H, W), label, its index in the whole test set).
    """
    classes = split.info.classes
    if not 0 <= class_index < len(classes):
        raise Invalid("class index {index} is out of range: {name} has {n} classes", index=class_index,
                      name=split.info.name, n=len(classes))
    where = np.flatnonzero(split.y_test.numpy() == class_index)
    if not 0 <= index < len(where):
        raise Invalid("class {name} has {n} test images; there is no image {index} (use 0..{last})",
                      name=classes[class_index], n=len(where), index=index, last=len(where) - 1)
    g = int(where[index])
    return split.x_test[g].numpy().copy(), int(class_index), g


test_image.__test__ = False  # not a pytest test, despite its name
