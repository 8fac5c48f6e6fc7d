"""The formulas of a conv layer: its output size, its parameter count, and what a dense layer would need instead.

O = floor((I - F + 2P) / S) + 1 along each dimension, (F_w x F_h x D + 1) x M parameters, and the comparison
with a dense layer reading the same image (parameter sharing), each with a one-line explanation the screens
print.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .conv import _pair
from .i18n import N_, Invalid, Message


@dataclass(frozen=True)
class OutputSize:
    """O = floor((I − F + 2P) / S) + 1 along one dimension, with the leftover."""

    input_size: int
    kernel_size: int
    stride: int
    padding: int
    size: int
    exact: bool  # S divides (I − F + 2P)
    unused: int  # (I − F + 2P) mod S: pixels (counting padding) after the last window
    explanation: str  # the formula, then (when S does not divide) a note on the unused pixels
    formula: str = ""  # the formula alone, e.g. "O = ⌊(28 − 5 + 2·0) / 1⌋ + 1 = 24"


@dataclass(frozen=True)
class ParamCount:
    """A layer's parameter count split into weights and biases."""

    weights: int
    biases: int
    total: int
    explanation: str


@dataclass(frozen=True)
class DenseVsConv:
    """Parameters a dense layer needs against a conv layer, for the same image."""

    image_shape: tuple[int, int]
    inputs: int
    dense_units: int
    dense: ParamCount
    conv: ParamCount
    ratio: float  # dense.total / conv.total
    explanation: str


def _whole(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise Invalid("{name} must be a whole number, got {got!r}", name=Message(name), got=value)
    if value < minimum:
        raise Invalid("{name} must be >= {minimum}, got {got}", name=Message(name), minimum=minimum, got=value)
    return int(value)


def output_size(input_size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> OutputSize:
    """Output length of a conv (or pool) along one dimension.

    Args: I, F, S, P of the formula, all whole numbers.
    Returns: OutputSize with the numbers and a one-line explanation.
    """
    i, f = _whole(input_size, N_("input size"), 1), _whole(kernel_size, N_("kernel size"), 1)
    s, p = _whole(stride, N_("stride"), 1), _whole(padding, N_("padding"), 0)
    if f > i + 2 * p:
        raise Invalid(
            "kernel {f} is larger than the padded input {padded} (input {i}, padding {p})",
            f=f,
            padded=i + 2 * p,
            i=i,
            p=p,
        )
    span = i - f + 2 * p
    size, unused = span // s + 1, span % s
    formula = text = f"O = ⌊({i} − {f} + 2·{p}) / {s}⌋ + 1 = {size}"
    if unused:
        text += (
            f"; {span} is not a multiple of the stride {s}, so the last {unused} "
            f"{'pixels (counting padding) fit' if unused > 1 else 'pixel (counting padding) fits'} no window"
        )
    return OutputSize(i, f, s, p, size, unused == 0, unused, text, formula)


def pool_output_size(input_size: int, pool_size: int, stride: int | None = None, padding: int = 0) -> OutputSize:
    """Output length of a pooling layer: the conv formula, stride defaulting to the pool size."""
    return output_size(input_size, pool_size, pool_size if stride is None else stride, padding)


def conv_params(kernel_w: int, kernel_h: int, in_channels: int, filters: int, bias: bool = True) -> ParamCount:
    """Parameters of a conv layer: (F_w × F_h × D + 1) × M, independent of stride and padding."""
    fw, fh = _whole(kernel_w, N_("kernel width"), 1), _whole(kernel_h, N_("kernel height"), 1)
    d, m = _whole(in_channels, N_("input channels"), 1), _whole(filters, N_("filters"), 1)
    weights, biases = fw * fh * d * m, m if bias else 0
    total = weights + biases
    if bias:
        text = f"({fw} × {fh} × {d} + 1) × {m} = {total:,}"
    else:
        text = f"{fw} × {fh} × {d} × {m} = {total:,} (no bias)"
    return ParamCount(weights, biases, total, text)


def dense_params(inputs: int, units: int, bias: bool = True) -> ParamCount:
    """Parameters of a dense layer: inputs × units weights plus one bias per unit."""
    n, u = _whole(inputs, N_("inputs"), 1), _whole(units, N_("units"), 1)
    weights, biases = n * u, u if bias else 0
    total = weights + biases
    if bias:
        text = f"{n:,} × {u:,} weights + {u:,} biases = {total:,}"
    else:
        text = f"{n:,} × {u:,} = {total:,} (no bias)"
    return ParamCount(weights, biases, total, text)


def dense_vs_conv(
    image_size: int | tuple[int, int],
    kernel_size: int | tuple[int, int] = 3,
    filters: int = 1,
    in_channels: int = 1,
    dense_units: int | None = None,
    bias: bool = True,
) -> DenseVsConv:
    """Compare a dense layer with a conv layer reading the same image (parameter sharing).

    Args:
        image_size: side of a square image or (H, W).
        kernel_size: side of a square kernel or (kh, kw).
        filters, in_channels: M and D of the conv layer.
        dense_units: hidden units of the dense layer; default, as many as the conv layer's
            outputs (OH × OW × filters). The video lesson keeps 4 units for every image size.
    Returns:
        DenseVsConv with both counts and a one-line explanation.
    """
    h, w = _pair(image_size, N_("image size"), 1)
    kh, kw = _pair(kernel_size, N_("kernel size"), 1)
    oh, ow = output_size(h, kh).size, output_size(w, kw).size
    units = (
        oh * ow * _whole(filters, N_("filters"), 1)
        if dense_units is None
        else _whole(dense_units, N_("dense units"), 1)
    )
    inputs = h * w * _whole(in_channels, N_("input channels"), 1)
    dense = dense_params(inputs, units, bias)
    conv = conv_params(kw, kh, in_channels, filters, bias)
    plural = "s" if filters > 1 else ""
    conv_text = f"{filters} filter{plural} of {kh}×{kw}{(' with biases' if plural else ' with bias') if bias else ''}"
    text = (
        f"{h}×{w} image: a dense layer from {inputs:,} inputs to {units:,} units needs {dense.total:,} "
        f"parameters; {conv_text} need{'' if plural else 's'} {conv.total:,}, shared at every position"
    )
    return DenseVsConv((h, w), inputs, units, dense, conv, dense.total / conv.total, text)


def lesson_comparisons() -> list[DenseVsConv]:
    """The comparisons the source lessons make: 68, 260, 3,140 vs 10; 39,250 vs 20."""
    return [
        dense_vs_conv(4),  # 16 inputs -> the 2×2 conv output: 68 vs 10
        dense_vs_conv(8, dense_units=4),  # still 4 outputs: 260 vs 10
        dense_vs_conv(28, dense_units=4),  # an MNIST digit, 4 outputs: 3,140 vs 10
        dense_vs_conv(28, filters=2, dense_units=50),  # 50 hidden neurons vs blur + edges: 39,250 vs 20
    ]
