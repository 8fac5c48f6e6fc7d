"""Augmentation for tiny datasets: every training batch is shown slightly shifted and turned.

A learner's own dataset may hold twenty pictures per class. A network trained on so few learns the exact pixels;
moved by a pixel or two and turned by a few degrees, each picture becomes many, and the network has to learn the
shape instead. The moves are drawn from a seeded generator, so a run with augmentation is still repeatable.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

MAX_SHIFT_PX = 2.0  # up to 2 pixels in each direction: a 28-pixel digit stays inside its frame
MAX_TURN_DEGREES = 10.0  # a 6 still reads as a 6, not a 9


def shift_and_turn(x: torch.Tensor, shift_px: torch.Tensor, degrees: torch.Tensor) -> torch.Tensor:
    """Each image moved by shift_px (N, 2: right, down) pixels and turned by degrees (N,) clockwise about its
    centre, sampled bilinearly; what comes in at the edges repeats the edge pixels (black for digits).

    x: (N, C, H, W) float. A shift by whole pixels with no turn moves every pixel exactly.
    """
    n, _, h, w = x.shape
    angle = torch.deg2rad(degrees.to(x.dtype))
    cos, sin = angle.cos(), angle.sin()
    theta = torch.zeros(n, 2, 3, dtype=x.dtype)
    # affine_grid maps each output pixel to where it is read from, in coordinates -1..1 across the image:
    # reading from (x - shift) moves the picture by +shift
    theta[:, 0, 0], theta[:, 0, 1] = cos, sin * h / w
    theta[:, 1, 0], theta[:, 1, 1] = -sin * w / h, cos
    theta[:, 0, 2] = -2 * shift_px[:, 0].to(x.dtype) / w
    theta[:, 1, 2] = -2 * shift_px[:, 1].to(x.dtype) / h
    grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def random_moves(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(shift_px (n, 2), degrees (n,)), uniform within the limits above."""
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * MAX_SHIFT_PX
    degrees = (torch.rand(n, generator=generator) * 2 - 1) * MAX_TURN_DEGREES
    return shift, degrees


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A batch (N, C, H, W) with a fresh random move for every image."""
    return shift_and_turn(x, *random_moves(len(x), generator))
