"""Robustness: move, turn, zoom, blur or cover part of an image, and watch what the network still predicts.

`transform` changes a uint8 image the way a learner would by hand; `occlusion_map` slides a patch over
the image and measures how much hiding each place lowers a class's probability (the evidence relied on).
"""

from __future__ import annotations

import numpy as np
import torch
import torchvision.transforms.v2.functional as TF
from torch import nn
from torchvision.transforms import InterpolationMode

from . import data, evaluate
from .i18n import Invalid


def transform(
    image: np.ndarray,
    shift: tuple[float, float] = (0, 0),
    angle: float = 0.0,
    scale: float = 1.0,
    noise_std: float = 0.0,
    occlude: tuple[int, int, int] | None = None,
    seed: int = 0,
    fill: int = 0,
    occlude_fill: int | None = None,
) -> np.ndarray:
    """Shift, rotate, scale, add noise to and occlude an image, in that order.

    Args:
        image: uint8 (C, H, W).
        shift: (dx, dy) pixels, right and down. angle: degrees, clockwise (torchvision's sense).
        scale: zoom factor about the centre (1 = unchanged). noise_std: Gaussian noise, as a fraction of the
        full brightness range (0.1 = 25.5 grey levels). occlude: (row, col, size) square set to `fill`, or None.
        seed: seeds the noise. fill: the grey level (0..255) shown where the image moved away.
        occlude_fill: the grey level of the occluding square (default: fill).
    Returns:
        uint8 (C, H, W); with all settings at their defaults, the image itself (a copy).
    """
    a = np.asarray(image)
    if a.ndim != 3 or a.dtype != np.uint8:
        raise ValueError(f"transform expects a uint8 image (C, H, W), got {a.dtype} {a.shape}")
    if not (np.isfinite([angle, scale, noise_std, *shift]).all() and scale > 0 and noise_std >= 0):
        raise ValueError(
            f"bad settings: scale must be > 0 and noise_std >= 0 (got scale={scale}, "
            f"noise_std={noise_std}, shift={shift}, angle={angle})"
        )
    x = torch.from_numpy(a.copy())  # (C, H, W)
    if tuple(shift) != (0, 0) or angle != 0 or scale != 1:
        x = TF.affine(
            x,
            angle=float(angle),
            translate=[float(shift[0]), float(shift[1])],
            scale=float(scale),
            shear=[0.0, 0.0],
            interpolation=InterpolationMode.BILINEAR,
            fill=[float(fill)] * x.shape[0],
        )
    out = x.numpy()
    if noise_std > 0:
        noise = np.random.default_rng(seed).normal(0.0, noise_std * 255.0, out.shape)
        out = np.clip(np.round(out + noise), 0, 255).astype(np.uint8)
    if occlude is not None:
        r, c, size = (int(v) for v in occlude)
        if size < 1:
            raise ValueError(f"the occluding square needs a size of at least 1, got {size}")
        out[:, max(r, 0) : max(r + size, 0), max(c, 0) : max(c + size, 0)] = (
            fill if occlude_fill is None else occlude_fill
        )
    return out


def to_input(image: np.ndarray, info: data.DatasetInfo) -> np.ndarray:
    """A uint8 image (C, H, W) as the network's float32 input (C, H, W), normalised the dataset's way."""
    return data.normalize(torch.as_tensor(np.asarray(image, dtype=np.uint8))[None], info)[0].numpy()


def fill_value(info: data.DatasetInfo, grey: int = 0) -> tuple[float, ...]:
    """A grey level 0..255 in the network's normalised units, per channel (0 = black, for `occlusion_map`)."""
    return tuple((grey / 255.0 - m) / s for m, s in zip(info.mean, info.std))


def occlusion_map(
    model: nn.Module,
    x: np.ndarray | torch.Tensor,
    target: int,
    patch: int = 4,
    stride: int = 2,
    fill: float | tuple[float, ...] = 0.0,
    batch_size: int = 256,
) -> np.ndarray:
    """How much hiding each patch lowers the probability of `target`.

    Args:
        x: one normalised image (1, C, H, W) or (C, H, W). fill: the patch value in normalised units
        (a float or one per channel; see `fill_value`).
    Returns:
        float32 (H', W') with H' = (H - patch) // stride + 1: p(target | x) - p(target | x with the patch at
        (i*stride, j*stride) hidden). Positive = the patch helped the prediction.
    """
    x = torch.as_tensor(x, dtype=torch.float32)
    x = x.unsqueeze(0) if x.ndim == 3 else x
    if x.ndim != 4 or len(x) != 1:
        raise ValueError(f"occlusion_map takes one image (1, C, H, W), got shape {tuple(x.shape)}")
    _, c, h, w = x.shape
    if not (1 <= patch <= min(h, w) and stride >= 1):
        raise Invalid(
            "patch must be 1..{most} and stride >= 1, got patch={patch}, stride={stride}",
            most=min(h, w),
            patch=patch,
            stride=stride,
        )
    rows, cols = range(0, h - patch + 1, stride), range(0, w - patch + 1, stride)
    value = torch.as_tensor(fill, dtype=torch.float32).reshape(-1, 1, 1).expand(c, patch, patch)
    batch = x.repeat(len(rows) * len(cols), 1, 1, 1)  # (H'*W', C, H, W): one occluded copy per position
    for n, (r, q) in enumerate((r, q) for r in rows for q in cols):
        batch[n, :, r : r + patch, q : q + patch] = value
    probs = evaluate.predict(model, torch.cat([x, batch]), batch_size)  # (1 + H'*W', K)
    if not 0 <= target < probs.shape[1]:
        raise Invalid("target {target} is not a class index in 0..{last}", target=target, last=probs.shape[1] - 1)
    return (probs[0, target] - probs[1:, target]).reshape(len(rows), len(cols)).astype(np.float32)


def spread_map(drops: np.ndarray, size: tuple[int, int], patch: int, stride: int) -> np.ndarray:
    """Occlusion drops (H', W') back on the image grid (H, W): each pixel the mean drop of the patches covering it."""
    total, count = np.zeros(size), np.zeros(size)
    for i, r in enumerate(range(0, size[0] - patch + 1, stride)):
        for j, c in enumerate(range(0, size[1] - patch + 1, stride)):
            total[r : r + patch, c : c + patch] += drops[i, j]
            count[r : r + patch, c : c + patch] += 1
    return np.divide(total, count, out=np.zeros(size), where=count > 0)
