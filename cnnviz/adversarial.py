"""The adversarial nudge: the smallest gradient-sign change to an image that flips a trained network's answer.

One step of the fast gradient sign method (Goodfellow and colleagues, 2015): the gradient of the loss for the
true class, taken at the image, says for every pixel whether brightening or darkening it raises the loss; move
every pixel by the same small amount in that direction. The amount is counted in grey levels (0..255), so a
learner can judge it against what the eye can see. Pure torch and numpy, no streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import data

MAX_GREY = 64  # the largest nudge tried: a quarter of the brightness range, clearly visible


def _standardise(pixels: torch.Tensor, info: data.DatasetInfo) -> torch.Tensor:
    """Pixels in 0..1 (N, C, H, W) as the network's input, as `data.normalize` does for uint8."""
    mean = torch.tensor(info.mean, dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(info.std, dtype=torch.float32).view(1, -1, 1, 1)
    return (pixels - mean) / std


def gradient_sign(model: nn.Module, image: np.ndarray, label: int, info: data.DatasetInfo) -> np.ndarray:
    """The sign (−1, 0, 1) of d loss / d pixel for one uint8 image (C, H, W) and its true label. Returns (C, H, W)."""
    model.eval()
    pixels = (torch.as_tensor(np.asarray(image, dtype=np.uint8)).float() / 255.0)[None].requires_grad_(True)
    loss = F.cross_entropy(model(_standardise(pixels, info)), torch.tensor([int(label)]))
    (grad,) = torch.autograd.grad(loss, pixels)
    return grad[0].sign().numpy()


@dataclass(frozen=True)
class Nudge:
    """What the smallest flipping nudge of one image did (grey is None when no nudge up to MAX_GREY flips it)."""

    grey: int | None  # grey levels each pixel moved by (at most), 1..MAX_GREY
    original: np.ndarray  # (C, H, W) float 0..255
    nudged: np.ndarray  # (C, H, W) float 0..255, clipped to the valid range
    probs_before: np.ndarray  # (K,)
    probs_after: np.ndarray  # (K,) at the flipping nudge (at MAX_GREY when nothing flips)
    predicted_before: int
    predicted_after: int

    @property
    def difference(self) -> np.ndarray:
        """nudged − original, (C, H, W) in grey levels."""
        return self.nudged - self.original


@torch.no_grad()
def _predict(model: nn.Module, pixels: torch.Tensor, info: data.DatasetInfo) -> torch.Tensor:
    return torch.softmax(model(_standardise(pixels, info)), 1)


def smallest_flip(
    model: nn.Module, image: np.ndarray, label: int, info: data.DatasetInfo, max_grey: int = MAX_GREY
) -> Nudge:
    """Nudge the image by 1, 2, ... max_grey grey levels along the gradient's sign; the first that changes the
    network's answer. Every size is tried in one batch."""
    original = torch.as_tensor(np.asarray(image, dtype=np.uint8)).float() / 255.0  # (C, H, W)
    sign = torch.from_numpy(gradient_sign(model, image, label, info))
    sizes = torch.arange(0, max_grey + 1, dtype=torch.float32).view(-1, 1, 1, 1) / 255.0  # 0 = the image itself
    nudged = (original[None] + sizes * sign[None]).clamp(0.0, 1.0)  # (max_grey + 1, C, H, W)
    probs = _predict(model, nudged, info)  # (max_grey + 1, K)
    answers = probs.argmax(1)
    flipped = torch.nonzero(answers[1:] != answers[0]).flatten()
    at = int(flipped[0]) + 1 if len(flipped) else max_grey
    return Nudge(
        at if len(flipped) else None,
        original.numpy() * 255.0,
        nudged[at].numpy() * 255.0,
        probs[0].numpy(),
        probs[at].numpy(),
        int(answers[0]),
        int(answers[at]),
    )


def flips(model: nn.Module, split: data.DataSplit, count: int = 100, max_grey: int = MAX_GREY) -> np.ndarray:
    """The smallest flipping nudge of each of the first `count` test images the network gets right (grey levels;
    0 where no nudge up to max_grey flips it). Returns int64 (n,), n <= count."""
    out = []
    for x, y in zip(split.x_test[:count], split.y_test[:count]):
        nudge = smallest_flip(model, x.numpy(), int(y), split.info, max_grey)
        if nudge.predicted_before == int(y):
            out.append(nudge.grey or 0)
    return np.array(out, dtype=np.int64)
