"""Learned kernels against handcrafted ones, and kernels set by hand.

Which handcrafted kernel (Sobel, Prewitt, Laplacian, ...) each learned kernel resembles, by Pearson
correlation; and a copy of a network with one kernel edited, to see what changes downstream. The network
given is never modified.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .kernel_catalogue import BANK_ORDER, handcrafted_bank
from .i18n import Invalid


@dataclass(frozen=True)
class KernelMatch:
    """A learned kernel's nearest handcrafted kernel."""

    channel: int  # output channel of the learned layer
    name: str | None  # kernel_catalogue.KERNELS name; None when the kernel is flat (constant) and matches nothing
    correlation: float  # |Pearson r| in 0..1
    sign: int  # +1: the same pattern, -1: the negated pattern (an edge of the opposite polarity)


def handcrafted_candidates(size: int) -> dict[str, np.ndarray]:
    """The handcrafted kernels placed in a size x size window exactly as `handcrafted_bank` places them.

    Kernels that become constant there (a 3x3 box blur) carry no pattern to correlate with and are left out.
    """
    bank = handcrafted_bank(len(BANK_ORDER), 1, size)[:, 0].astype(np.float64)  # (M, size, size)
    return {name: k for name, k in zip(BANK_ORDER, bank) if np.ptp(k) > 1e-12}


def correlations(kernels: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Pearson r of each learned kernel (averaged over input channels) with each handcrafted candidate.

    Args: kernels (N, C, k, k) or (N, k, k), square.
    Returns: (candidate names (M,), r (N, M) in -1..1; 0 for a flat learned kernel).
    """
    k = np.asarray(kernels, dtype=np.float64)
    k = k.mean(1) if k.ndim == 4 else k  # the bank copies one pattern to every input channel
    if k.ndim != 3 or k.shape[1] != k.shape[2] or k.shape[1] < 2:
        raise ValueError(f"kernels must be (N, C, k, k) or (N, k, k) with k >= 2, got shape {np.shape(kernels)}")
    cands = handcrafted_candidates(k.shape[1])
    names = list(cands)
    c = np.stack([v.ravel() - v.mean() for v in cands.values()])  # (M, k*k)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    f = k.reshape(len(k), -1)
    f = f - f.mean(1, keepdims=True)
    norm = np.linalg.norm(f, axis=1, keepdims=True)
    f = np.divide(f, norm, out=np.zeros_like(f), where=norm > 1e-12)
    return names, f @ c.T


def closest_handcrafted(kernels: np.ndarray) -> list[KernelMatch]:
    """For each learned kernel, the handcrafted kernel with the largest |Pearson r|, and the sign of r."""
    names, r = correlations(kernels)
    out = []
    for i, row in enumerate(r):
        j = int(np.argmax(np.abs(row)))
        flat = not np.any(row)
        out.append(KernelMatch(i, None if flat else names[j], float(abs(row[j])), 0 if flat else int(np.sign(row[j]))))
    return out


def checked_kernel(model: nn.Module, layer: str, out_ch: int, in_ch: int, new_kernel: np.ndarray) -> np.ndarray:
    """`new_kernel` as float64 (kh, kw) when it can replace kernel slice [out_ch, in_ch] of conv `layer`.

    Raises: Invalid saying plainly what is wrong (not a conv layer, no such channel, wrong size, an empty cell).
    """
    module = dict(model.named_children()).get(layer)
    if not isinstance(module, nn.Conv2d):
        raise Invalid("{layer!r} is not a convolution layer of this network", layer=layer)
    n_out, n_in, kh, kw = module.weight.shape
    if not (0 <= out_ch < n_out and 0 <= in_ch < n_in):
        raise Invalid(
            "{layer} has output channels 0..{last_out} and input channels 0..{last_in}, got {out_ch}, {in_ch}",
            layer=layer,
            last_out=n_out - 1,
            last_in=n_in - 1,
            out_ch=out_ch,
            in_ch=in_ch,
        )
    try:
        k = np.asarray(new_kernel, dtype=np.float64)
    except (TypeError, ValueError):
        raise Invalid("the kernel must hold numbers only") from None
    if k.shape != (kh, kw):
        raise Invalid("the kernel of {layer} is {kh}x{kw}, got shape {shape}", layer=layer, kh=kh, kw=kw, shape=k.shape)
    if not np.isfinite(k).all():
        raise Invalid("the kernel holds an empty cell, NaN or infinity: every cell needs a number")
    return k


def with_kernel(model: nn.Module, layer: str, out_ch: int, in_ch: int, new_kernel: np.ndarray) -> nn.Module:
    """A copy of `model` with one kernel slice replaced; `model` itself is never touched.

    Args: layer a conv layer name; new_kernel (kh, kw) finite numbers (see `checked_kernel`).
    Returns: a new nn.Module in eval mode.
    """
    k = checked_kernel(model, layer, out_ch, in_ch, new_kernel)
    edited = copy.deepcopy(model)
    weight = dict(edited.named_children())[layer].weight
    with torch.no_grad():
        weight[out_ch, in_ch] = torch.tensor(k, dtype=weight.dtype, device=weight.device)
    return edited.eval()
