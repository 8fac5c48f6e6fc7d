"""What a filter looks for: inputs synthesised to excite it (activation maximisation), and the test images that
excite it most.

Both work on a private working copy of the network (see `attribution.working_copy`), so the shared network is
never given gradients; both take the network up to the layer looked at, as built by `arch.build`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import data, hooks
from .attribution import image_batch, working_copy
from .i18n import Invalid

if TYPE_CHECKING:
    from collections.abc import Sequence

Progress = Callable[[float, str], None]  # (fraction done 0..1, what is happening)
AM_STEPS, AM_LR = 80, 0.08  # activation maximisation defaults: readable 28x28 pictures in about a second
_MONOTONIC = (nn.ReLU, nn.Sigmoid, nn.Tanh)  # maximising their input maximises their output


@dataclass(frozen=True, eq=False)
class FilterImages:
    """Synthetic inputs that excite channels of one layer as much as possible."""

    layer: str
    channels: tuple[int, ...]
    images: np.ndarray  # (K, C, H, W) float32 pixel values in 0..1 (the network sees them normalised)
    activation: np.ndarray  # (K,) the layer's output the images reach (centre unit or mean, as optimised)
    box: tuple[int, int, int, int]  # (top, bottom, left, right): the pixels the objective depends on

    def crop(self, margin: int = 2) -> np.ndarray:
        """The images cut to `box` plus a margin: a centre unit only sees its receptive field. (K, C, h, w)."""
        top, bottom, left, right = self.box
        h, w = self.images.shape[2:]
        return self.images[
            :, :, max(0, top - margin) : min(h, bottom + margin), max(0, left - margin) : min(w, right + margin)
        ]


def _prefix(model: nn.Module, layer: str) -> nn.Sequential:
    """The network up to and including `layer` (an nn.Sequential slice: it shares the modules)."""
    if not isinstance(model, nn.Sequential):
        raise ValueError("expected an nn.Sequential network as built by arch.build")
    names = [name for name, _ in model.named_children()]
    if layer not in names:
        raise Invalid("no layer {layer!r} in this network; its layers: {names}", layer=layer, names=", ".join(names))
    return model[: names.index(layer) + 1]


def _gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Depthwise 3x3 Gaussian blur with reflected borders: (N, C, H, W) -> same shape."""
    g = torch.exp(-torch.tensor([1.0, 0.0, 1.0]) / (2 * sigma**2))
    k = (g[:, None] * g[None, :]) / (g.sum() ** 2)  # (3, 3)
    c = x.shape[1]
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), k.expand(c, 1, 3, 3).to(x), groups=c)


def _objective(maps: torch.Tensor, where: str) -> torch.Tensor:
    """(K, h, w) channel maps -> (K,): the centre unit's output, or the mean over all positions."""
    if where == "centre":
        return maps[:, maps.shape[1] // 2, maps.shape[2] // 2]
    return maps.flatten(1).mean(1)


def activation_maximisation(
    model: nn.Module,
    layer: str,
    info: data.DatasetInfo,
    channels: Sequence[int] | None = None,
    steps: int = AM_STEPS,
    lr: float = AM_LR,
    where: str = "centre",
    jitter: int = 1,
    blur_every: int = 4,
    blur_sigma: float = 0.5,
    l2: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
    progress: Progress | None = None,
) -> FilterImages:
    """Synthesise, by gradient ascent on the input, an image that excites each channel of a layer most.

    All channels are optimised at once, as one batch. The objective is the channel's unit at the centre of
    its map (`where="centre"`: the pattern it looks for, in context) or its mean over all positions
    ("mean": a texture; on a first layer this degenerates to a flat image). For an activation layer
    (conv1_relu) the input of the activation is maximised: same maximiser, but the gradient survives
    where a ReLU is off. Starting from small noise around the mean image, each step rolls the image by
    up to `jitter` pixels and decays it towards the mean (L2), every `blur_every` steps blurs it, and
    always clamps it to the valid pixel range; the last quarter of the steps runs without jitter and
    blur to sharpen. This keeps 28x28 pictures smooth and readable in ~60-100 steps.

    Args: layer a conv layer (or its activation) name; info the dataset (normalisation, input shape);
    channels indices (default all); progress(fraction, message) called as it goes.
    Returns: FilterImages with images (K, C, H, W) in 0..1 and the activation each reached.
    """
    _check_settings(where, steps, lr, jitter, blur_every, l2)
    shown = _prefix(working_copy(model), layer)
    work = shown[:-1] if len(shown) > 1 and isinstance(shown[-1], _MONOTONIC) else shown
    c, h, w = info.input_shape
    mean = torch.tensor(info.mean, dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(info.std, dtype=torch.float32).view(1, -1, 1, 1)
    lo, hi = (0 - mean) / std, (1 - mean) / std  # the valid pixel range in normalised units
    channels = _chosen_channels(work, layer, info, channels)
    gen = torch.Generator().manual_seed(seed)
    images, reached, field = [], [], torch.zeros(h, w, dtype=torch.bool)
    ascent = _Ascent(work, where, steps, lr, jitter, blur_every, blur_sigma, l2, lo, hi, gen, progress)
    for start in range(0, len(channels), batch_size):
        chunk = torch.tensor(channels[start : start + batch_size])
        x = ascent.run(chunk, info.input_shape, start * steps, len(channels) * steps)  # (K, C, H, W)
        probe = x.detach().clone().requires_grad_()
        grad = torch.autograd.grad(_objective(work(probe)[torch.arange(len(chunk)), chunk], where).sum(), probe)[0]
        field |= grad.abs().sum((0, 1)) > 0  # (H, W): where the objective looks
        with torch.no_grad():
            reached.append(_objective(shown(x)[torch.arange(len(chunk)), chunk], where))
            images.append((x * std + mean).clamp(0, 1))
    rows, cols = torch.nonzero(field.any(1)).flatten(), torch.nonzero(field.any(0)).flatten()
    box = (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1) if len(rows) else (0, h, 0, w)
    return FilterImages(
        layer,
        tuple(channels),
        torch.cat(images).numpy().astype(np.float32),
        torch.cat(reached).numpy().astype(np.float32),
        box,
    )


def _check_settings(where: str, steps: int, lr: float, jitter: int, blur_every: int, l2: float) -> None:
    """Refuse settings activation maximisation cannot use (see `activation_maximisation`)."""
    if where not in ("centre", "mean"):
        raise ValueError(f"where must be 'centre' or 'mean', got {where!r}")
    if not 1 <= steps <= 5000 or not 0 < lr <= 10 or jitter < 0 or blur_every < 0 or l2 < 0:
        raise Invalid(
            "unusable settings: steps {steps} (1..5000), lr {lr} (0..10], jitter {jitter}, "
            "blur_every {blur_every}, l2 {l2} (all >= 0)",
            steps=steps,
            lr=lr,
            jitter=jitter,
            blur_every=blur_every,
            l2=l2,
        )


def _chosen_channels(work: nn.Module, layer: str, info: data.DatasetInfo, channels: Sequence[int] | None) -> list[int]:
    """The channels to synthesise (all when None), checked against the layer's output on a blank image."""
    with torch.no_grad():
        out = hooks.run(work, torch.zeros(1, *info.input_shape))
    if out.ndim != 4:
        raise Invalid(
            "{layer} has no channels to visualise (its output shape is {shape})",
            layer=layer,
            shape=tuple(out.shape[1:]),
        )
    n_channels = out.shape[1]
    channels = list(range(n_channels)) if channels is None else [int(ch) for ch in channels]
    if not channels or min(channels) < 0 or max(channels) >= n_channels:
        raise Invalid("{layer} has channels 0..{last}, got {got}", layer=layer, last=n_channels - 1, got=channels)
    return channels


@dataclass(frozen=True, eq=False)
class _Ascent:
    """The gradient ascent of `activation_maximisation`, one batch of channels at a time, from one generator."""

    work: nn.Module
    where: str
    steps: int
    lr: float
    jitter: int
    blur_every: int
    blur_sigma: float
    l2: float
    lo: torch.Tensor  # (1, C, 1, 1) the valid pixel range in normalised units
    hi: torch.Tensor
    gen: torch.Generator
    progress: Progress | None

    def run(self, chunk: torch.Tensor, shape: tuple[int, int, int], done_before: int, total: int) -> torch.Tensor:
        """The images (K, C, H, W), normalised, that excite the K channels of `chunk` most."""
        steps, jitter, lo, hi, gen = self.steps, self.jitter, self.lo, self.hi, self.gen
        x = (0.1 * torch.randn(len(chunk), *shape, generator=gen)).clamp(lo, hi).requires_grad_()  # (K, C, H, W)
        optimiser = torch.optim.Adam([x], lr=self.lr)
        for step in range(steps):
            settle = step >= 0.75 * steps  # the last quarter sharpens without regularisers
            dy, dx = (0, 0) if settle else (int(v) for v in torch.randint(-jitter, jitter + 1, (2,), generator=gen))
            acts = self.work(torch.roll(x, (dy, dx), dims=(2, 3)))  # (K, channels, h', w')
            objective = _objective(acts[torch.arange(len(chunk)), chunk], self.where)  # (K,)
            loss = -objective.sum() + self.l2 * x.pow(2).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            with torch.no_grad():
                if self.blur_every and (step + 1) % self.blur_every == 0 and not settle:
                    x.copy_(_gaussian_blur(x, self.blur_sigma))
                x.copy_(torch.maximum(torch.minimum(x, hi), lo))
            done = done_before + (step + 1) * len(chunk)
            if self.progress and (step % max(1, steps // 20) == 0 or step == steps - 1):
                self.progress(done / total, f"channel {int(chunk[0])}-{int(chunk[-1])}: step {step + 1} of {steps}")
        return x


def channel_max_activation(
    model: nn.Module, x: torch.Tensor | np.ndarray, layer: str, channel: int, batch_size: int = 500
) -> np.ndarray:
    """Each image's strongest response of one channel: the max of its output map over positions.

    Args: x normalised images (N, C, H, W).  Returns: float32 (N,).
    """
    work, xb = _prefix(working_copy(model), layer), image_batch(x, single=False)
    parts = []
    with torch.inference_mode():
        for i in range(0, len(xb), batch_size):
            out = hooks.run(work, xb[i : i + batch_size])
            if out.ndim != 4 or not 0 <= channel < out.shape[1]:
                raise Invalid(
                    "{layer} has no channel {channel} (its output shape is {shape})",
                    layer=layer,
                    channel=channel,
                    shape=tuple(out.shape[1:]),
                )
            parts.append(out[:, channel].flatten(1).amax(1))
    return torch.cat(parts).numpy() if parts else np.zeros(0, np.float32)


def top_activating(
    model: nn.Module, x: torch.Tensor | np.ndarray, layer: str, channel: int, k: int = 8, batch_size: int = 500
) -> np.ndarray:
    """Indices of the k images (of x) that excite a channel most, strongest first.

    Args: x normalised images (N, C, H, W).  Returns: int64 (min(k, N),).
    """
    scores = channel_max_activation(model, x, layer, channel, batch_size)
    return np.argsort(-scores, kind="stable")[: max(0, int(k))].astype(np.int64)
