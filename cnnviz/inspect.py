"""Taking a trained network apart: kernels, activations, predictions, evaluation, mistakes, your own images.

Everything returns numpy arrays or small dataclasses; figures are made in `figures.py`. Images that
people upload or draw come in through `load_image_bytes` and `prepare_image`, which turn anything
Pillow can read into exactly what the network saw in training, and say what they changed.
"""
from __future__ import annotations

import io
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import data, runs
from .arch import ArchSpec, Conv, layer_names

MAX_PIXELS = 40_000_000  # larger uploads are refused before they are decoded
MAX_APPLY_PIXELS = 4_000_000  # convolving a bigger photo with 32 kernels would take gigabytes
DIGIT_BOX = 20  # MNIST digits were scaled to fit 20x20 and centred by mass in 28x28
_CHANNEL_COUNTS = (1, 2, 3, 4)  # grey, grey + alpha, RGB, RGBA


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
        raise ValueError(f"no convolution layer {layer_name!r}; conv layers here: {', '.join(known) or 'none'}")
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
        raise ValueError(f"an input of shape {tuple(x.shape)} does not fit this network: {str(e)[:200]}") from None


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
            raise ValueError("this network has no convolution layer (an MLP has no kernels to apply)")
        weight, bias, stride, padding = conv.weight, conv.bias, conv.stride, conv.padding
    else:
        weight = torch.as_tensor(np.asarray(model_or_kernels, dtype=np.float32))
        if weight.ndim != 4:
            raise ValueError(f"kernels must be (M, C, kh, kw), got shape {tuple(weight.shape)}")
        bias = None if bias is None else torch.as_tensor(np.asarray(bias, dtype=np.float32))
    img = torch.as_tensor(np.asarray(image, dtype=np.float32))
    img = img.unsqueeze(0) if img.ndim == 2 else img
    if img.ndim != 3 or img.shape[0] != weight.shape[1]:
        raise ValueError(f"the kernels take {weight.shape[1]}-channel images (C, H, W), got shape {tuple(img.shape)}")
    if img.shape[1] * img.shape[2] > MAX_APPLY_PIXELS:
        raise ValueError(f"the image is {img.shape[2]}x{img.shape[1]}: scale it to at most "
                         f"{MAX_APPLY_PIXELS // 1_000_000} megapixels first")
    with torch.inference_mode():
        weight = weight.detach().cpu().float()
        bias = None if bias is None else bias.detach().cpu().float()
        try:
            out = F.conv2d(img.unsqueeze(0), weight, bias, stride, padding)  # (1, M, H', W')
        except RuntimeError as e:
            raise ValueError(f"cannot convolve an image of shape {tuple(img.shape)} with kernels "
                             f"{tuple(weight.shape)}: {str(e)[:200]}") from None
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
        raise ValueError(f"dataset {split.info.name} has no test images to evaluate on")
    device = _device(model)
    log_probs = []
    with torch.inference_mode():
        for i in range(0, n, batch_size):
            x = data.normalize(split.x_test[i:i + batch_size], split.info).to(device)  # (B, C, H, W)
            log_probs.append(torch.log_softmax(model(x).float(), dim=1).cpu())
    log_p = torch.cat(log_probs)  # (N, K)
    if log_p.shape[1] != len(classes):
        raise ValueError(f"run {run_id} predicts {log_p.shape[1]} classes but its dataset has {len(classes)}")
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


def report(evaluation: Evaluation) -> str:
    """One sentence, e.g. '79 of 10,000 misclassified; best digit 3 at 99.60%, worst 9 at 98.71%'."""
    e, noun = evaluation, "digit" if evaluation.is_digits else "class"
    best, worst = e.best_class, e.worst_class
    return (f"{e.n_wrong:,} of {e.n_test:,} misclassified; best {noun} {e.class_names[best]} at "
            f"{e.per_class_accuracy[best]:.2%}, worst {e.class_names[worst]} at {e.per_class_accuracy[worst]:.2%}")


def test_image(split: data.DataSplit, class_index: int, index: int) -> tuple[np.ndarray, int, int]:
    """The index-th test image of a class.

    Returns:
        (uint8 image (C, H, W), label, its index in the whole test set).
    """
    classes = split.info.classes
    if not 0 <= class_index < len(classes):
        raise ValueError(f"class index {class_index} is out of range: {split.info.name} has {len(classes)} classes")
    where = np.flatnonzero(split.y_test.numpy() == class_index)
    if not 0 <= index < len(where):
        raise ValueError(f"class {classes[class_index]} has {len(where)} test images; "
                         f"there is no image {index} (use 0..{len(where) - 1})")
    g = int(where[index])
    return split.x_test[g].numpy().copy(), int(class_index), g


test_image.__test__ = False  # not a pytest test, despite its name


# ---------------------------------------------------------------- your own images


@dataclass(frozen=True, eq=False)
class PreparedImage:
    """An image made ready for a network: what it sees, what it is fed, and what was done to get there."""

    image: np.ndarray  # (C, H, W) uint8, before normalisation
    tensor: torch.Tensor  # (1, C, H, W) float32, normalised the dataset's way
    notes: tuple[str, ...]  # e.g. "converted colour to grey", "inverted: dark digit on light background"


class ImageError(ValueError):
    """An image that cannot be used, with the reason in plain words."""


def load_image_bytes(data_bytes: bytes, max_pixels: int = MAX_PIXELS):
    """Decode an uploaded file into a PIL image in mode L, LA, RGB or RGBA.

    Animated images give their first frame, CMYK and other colour spaces become RGB, 16-bit images
    are scaled to 8 bits, and EXIF rotation is applied; what was done is kept in `image.info["cnnviz_notes"]`.

    Raises:
        ImageError (a ValueError) for empty input, non-images, damaged or truncated files and images
        over `max_pixels`.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not isinstance(data_bytes, (bytes, bytearray, memoryview)):
        raise ImageError(f"expected the bytes of an image file, got {type(data_bytes).__name__}")
    if len(data_bytes) == 0:
        raise ImageError("the file is empty (0 bytes): there is no image to read")
    notes: list[str] = []
    too_big = f"too large to open safely (the limit is {max_pixels / 1e6:g} megapixels)"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Corrupt EXIF data" etc.: the pixels decide
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # Pillow only warns below 2x its limit
            im = Image.open(io.BytesIO(bytes(data_bytes)))
            w, h = im.size
            if w * h > max_pixels:  # checked on the header, before anything is decoded
                raise ImageError(f"the image is {w:,}x{h:,} pixels: {too_big}")
            frames = getattr(im, "n_frames", 1)
            if frames > 1:
                im.seek(0)
                notes.append(f"used the first of {frames} frames")
            im.load()
            if im.getexif().get(0x0112, 1) in range(2, 9):  # EXIF orientation: phones store photos sideways
                im = ImageOps.exif_transpose(im)
                notes.append("turned upright as its EXIF orientation says")
            im = _standard_mode(im, notes).copy()  # a copy no longer refers to the file
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"the image is {too_big}") from None
    except UnidentifiedImageError:
        raise ImageError("this file is not an image, or not in a format Pillow can read (try PNG or JPEG)") from None
    except Exception as e:  # Pillow raises OSError, SyntaxError, struct.error, ... for damaged files
        raise ImageError(f"the image file is damaged or cut short: {e}") from None
    im.info["cnnviz_notes"] = tuple(notes)
    return im


def _standard_mode(im, notes: list[str]):
    """A PIL image in mode L, LA, RGB or RGBA (palette, 1-bit, 16-bit, float and CMYK images converted)."""
    from PIL import Image

    mode = im.mode
    if mode in ("L", "LA", "RGB", "RGBA"):
        return im
    if mode == "1":
        return im.convert("L")
    if mode in ("P", "PA"):
        return im.convert("RGBA" if mode == "PA" or "transparency" in im.info else "RGB")
    if mode in ("La", "RGBa"):  # premultiplied alpha
        return im.convert("RGBA")
    if mode.startswith("I") or mode == "F":
        grey, note = _scale_255(np.asarray(im))
        if note:
            notes.append(note)
        return Image.fromarray(np.clip(np.round(grey), 0, 255).astype(np.uint8))
    notes.append(f"converted {mode} to RGB")
    return im.convert("RGB")


def _scale_255(a: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Pixel values of any number type as float64 in 0..255, and a note when they had to be rescaled."""
    if a.dtype == bool:
        return a * 255.0, None
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise ImageError(f"image pixels must be numbers, got dtype {a.dtype}")
    f = a.astype(np.float64)
    if a.dtype == np.uint8:
        return f, None
    if not np.isfinite(f).all():
        raise ImageError("the image holds NaN or infinite values")
    lo, hi = float(f.min()), float(f.max())
    if a.dtype == np.uint16 or (np.issubdtype(a.dtype, np.integer) and lo >= 0 and 255 < hi <= 65535):
        return f / 257.0, "scaled 16-bit values to 8-bit"
    if np.issubdtype(a.dtype, np.floating) and lo >= 0 and hi <= 1:
        return f * 255.0, "scaled values 0..1 to 0..255"
    if lo >= 0 and hi <= 255:
        return f, None
    span = hi - lo
    return (f - lo) * (255.0 / span), f"stretched values {lo:g}..{hi:g} to 0..255"


def _pixels_hwc(image, notes: list[str]) -> np.ndarray:
    """Any PIL image, numpy array or tensor as float64 (H, W, C) in 0..255, with C = 1, 2, 3 or 4."""
    from PIL import Image

    if isinstance(image, Image.Image):
        notes.extend(image.info.get("cnnviz_notes", ()))
        w, h = image.size
        if w * h > MAX_PIXELS:
            raise ImageError(f"the image is {w:,}x{h:,} pixels; the limit is {MAX_PIXELS / 1e6:g} megapixels")
        try:
            a = np.asarray(_standard_mode(image, notes))
        except ImageError:
            raise
        except Exception as e:  # a lazily loaded file may turn out damaged only now
            raise ImageError(f"the image cannot be read: {e}") from None
    else:
        a = image.detach().cpu().numpy() if isinstance(image, torch.Tensor) else np.asarray(image)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 2:
        a = a[..., None]
    elif a.ndim == 3 and a.shape[0] in _CHANNEL_COUNTS and a.shape[-1] not in _CHANNEL_COUNTS:
        a = a.transpose(1, 2, 0)  # (C, H, W), the layout of this project's datasets
    if a.ndim != 3 or a.shape[-1] not in _CHANNEL_COUNTS:
        raise ImageError(f"an image must be (H, W), (H, W, C) or (C, H, W) with 1 to 4 channels, got {a.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ImageError(f"the image has no pixels (shape {a.shape})")
    if a.shape[0] * a.shape[1] > MAX_PIXELS:
        raise ImageError(f"the image is {a.shape[1]:,}x{a.shape[0]:,} pixels; the limit is "
                         f"{MAX_PIXELS / 1e6:g} megapixels")
    f, note = _scale_255(a)
    if note:
        notes.append(note)
    return f


def _resize(channel: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize one float channel with an antialiasing Lanczos filter (Pillow's), clipped to 0..255."""
    from PIL import Image

    im = Image.fromarray(np.ascontiguousarray(channel, dtype=np.float32))  # mode F keeps the precision
    return np.clip(np.asarray(im.resize((width, height), Image.LANCZOS), dtype=np.float64), 0.0, 255.0)


def _centre_digit(g: np.ndarray, height: int, width: int, notes: list[str]) -> np.ndarray:
    """A grey image (H0, W0) made into an MNIST-style digit: light ink on black, 20 px box, centred by mass."""
    if min(g.shape) >= 3:
        border = np.concatenate([g[0], g[-1], g[1:-1, 0], g[1:-1, -1]])
        background = float(np.median(border))
    else:
        background = 0.0  # too small to have a border: assume MNIST's black
    if background > 127.5:
        g, background = 255.0 - g, 255.0 - background
        notes.append("inverted: dark digit on light background")
    ink = np.clip(g - background, 0.0, None)
    peak = float(ink.max())
    if peak < 24:  # under a tenth of the full scale: paper texture or noise, not a stroke
        raise ImageError("the image is empty: no ink stands out from the background (draw or upload a digit)")
    if background >= 8 or peak < 250:
        notes.append(f"removed the background level {background:.0f} and stretched the contrast")
    ink *= 255.0 / peak
    ink[ink < 25.5] = 0.0  # faint specks would widen the bounding box
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]  # (h, w)
    ch, cw = crop.shape
    notes.append(f"cropped {g.shape[1]}x{g.shape[0]} to the ink: {cw}x{ch} px")
    box = max(1, round(DIGIT_BOX * min(height, width) / 28))
    longer = max(ch, cw)
    nw, nh = max(1, round(cw * box / longer)), max(1, round(ch * box / longer))
    small = _resize(crop, nw, nh)  # (nh, nw)
    notes.append(f"scaled to {nw}x{nh} (longer side {box} px)")
    total = small.sum()
    cy = (np.arange(nh) @ small.sum(1)) / total if total > 0 else (nh - 1) / 2
    cx = (np.arange(nw) @ small.sum(0)) / total if total > 0 else (nw - 1) / 2
    top = int(np.clip(np.floor(height / 2 - cy + 0.5), 0, height - nh))
    left = int(np.clip(np.floor(width / 2 - cx + 0.5), 0, width - nw))
    out = np.zeros((height, width))
    out[top:top + nh, left:left + nw] = small
    notes.append(f"centred by its centre of mass in {width}x{height}")
    return out


def prepare_image(image, info: data.DatasetInfo) -> PreparedImage:
    """Turn any image into the input a network trained on `info` expects.

    Digits are made the way MNIST was: light ink on black, cropped to the ink, longer side 20 px,
    centred by centre of mass in 28x28. Other datasets get their channel count and size.

    Args:
        image: a PIL image, or an array / tensor (H, W), (H, W, C) or (C, H, W) of any number type and size.
        info: the dataset the network was trained on (or its name).
    Returns:
        PreparedImage with uint8 (C, H, W), the normalised tensor (1, C, H, W) and notes.
    Raises:
        ImageError (a ValueError) for unreadable, oversized, fully transparent or (for digits) blank images.
    """
    info = data.get_info(info) if isinstance(info, str) else info
    notes: list[str] = []
    px = _pixels_hwc(image, notes)  # (H0, W0, C0) float 0..255
    h0, w0 = px.shape[:2]
    channels, height, width = info.input_shape
    if px.shape[-1] in (2, 4):
        alpha = px[..., -1:] / 255.0
        if alpha.max() == 0:
            raise ImageError("the image is empty: it is fully transparent")
        visible = alpha[..., 0] > 0.5
        if info.is_digits and visible.any():
            # MNIST draws light ink on black, but a canvas may hold dark strokes on nothing: keep them visible
            on_black = px[..., :-1].mean(-1)[visible].mean() >= 128
        else:
            on_black = channels == 1  # grey MNIST-style datasets sit on black, photos on white
        px = px[..., :-1] * alpha + (0.0 if on_black else 255.0) * (1 - alpha)
        if alpha.min() < 1:
            notes.append(f"composited the transparent parts onto {'black' if on_black else 'white'}")
    if px.shape[-1] == 3 and (channels == 1 or info.is_digits):
        if not (np.array_equal(px[..., 0], px[..., 1]) and np.array_equal(px[..., 1], px[..., 2])):
            notes.append("converted colour to grey")
        px = px @ np.array([[0.299], [0.587], [0.114]])  # ITU-R 601 luma, as Pillow's convert("L")
    if info.is_digits:
        px = _centre_digit(px[..., 0], height, width, notes)[..., None]  # (H, W, 1)
    elif (h0, w0) != (height, width):
        stretched = abs(w0 / h0 - width / height) > 0.01 * width / height
        px = np.stack([_resize(px[..., c], width, height) for c in range(px.shape[-1])], axis=-1)
        notes.append(f"resized {w0}x{h0} -> {width}x{height}" + (" (aspect ratio not kept)" if stretched else ""))
    if px.shape[-1] != channels:
        if channels != 3:
            raise ImageError(f"cannot make a {channels}-channel image from {px.shape[-1]} channel(s)")
        px = np.repeat(px, 3, axis=-1)
        notes.append("copied grey into the 3 colour channels")
    u8 = np.clip(np.round(px), 0, 255).astype(np.uint8).transpose(2, 0, 1).copy()  # (C, H, W)
    tensor = data.normalize(torch.from_numpy(u8).unsqueeze(0), info)  # (1, C, H, W)
    return PreparedImage(u8, tensor, tuple(notes))
