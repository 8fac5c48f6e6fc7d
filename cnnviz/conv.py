"""Convolution and pooling maths for the teaching screens: kernels (handcrafted or typed by hand), stride/padding,
formulas.

Pure numpy. Convolution here is the deep-learning kind (cross-correlation, as `F.conv2d`):
the kernel is laid on the image as it is, never flipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .i18n import N_, Invalid, Message


# ---------------------------------------------------------------- kernel registry


@dataclass(frozen=True)
class Kernel:
    """A handcrafted kernel: integer-friendly `values` divided by `divisor` (shown as "1/16 ×")."""

    name: str
    title: str
    explanation: str
    values: tuple[tuple[float, ...], ...]
    divisor: int = 1

    @property
    def weights(self) -> np.ndarray:
        """The kernel as a fresh float64 array, shape (kh, kw)."""
        return np.asarray(self.values, dtype=np.float64) / self.divisor

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.values), len(self.values[0]))


_GAUSS5 = ((1, 4, 6, 4, 1), (4, 16, 24, 16, 4), (6, 24, 36, 24, 6), (4, 16, 24, 16, 4), (1, 4, 6, 4, 1))

KERNELS: dict[str, Kernel] = {
    k.name: k
    for k in (
        Kernel(
            "identity",
            "Identity",
            "Copies the centre pixel: the output is the input.",
            ((0, 0, 0), (0, 1, 0), (0, 0, 0)),
        ),
        Kernel(
            "box_blur",
            "Box blur",
            "Averages the 3×3 neighbourhood (all weights 1/9), smoothing the image.",
            ((1, 1, 1), (1, 1, 1), (1, 1, 1)),
            9,
        ),
        Kernel(
            "gaussian_blur",
            "Gaussian blur 3×3",
            "A weighted average that trusts the centre most: a softer blur.",
            ((1, 2, 1), (2, 4, 2), (1, 2, 1)),
            16,
        ),
        Kernel(
            "gaussian_blur_5x5",
            "Gaussian blur 5×5",
            "A wider Gaussian average (weights / 256): a stronger blur.",
            _GAUSS5,
            256,
        ),
        Kernel(
            "edges",
            "Edges (Laplacian)",
            "Neighbours minus 8× the centre: zero on flat areas, large at outlines.",
            ((1, 1, 1), (1, -8, 1), (1, 1, 1)),
        ),
        Kernel(
            "sobel_vertical",
            "Sobel, vertical",
            "Right minus left column, centre doubled: finds vertical edges.",
            ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),
        ),
        Kernel(
            "sobel_horizontal",
            "Sobel, horizontal",
            "Bottom minus top row, centre doubled: finds horizontal edges.",
            ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),
        ),
        Kernel(
            "prewitt_vertical",
            "Prewitt, vertical",
            "Right minus left column, equal weights: finds vertical edges.",
            ((-1, 0, 1), (-1, 0, 1), (-1, 0, 1)),
        ),
        Kernel(
            "prewitt_horizontal",
            "Prewitt, horizontal",
            "Bottom minus top row, equal weights: finds horizontal edges.",
            ((-1, -1, -1), (0, 0, 0), (1, 1, 1)),
        ),
        Kernel(
            "sharpen",
            "Sharpen",
            "5× the centre minus its four neighbours: boosts local contrast.",
            ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
        ),
        Kernel(
            "emboss",
            "Emboss",
            "Bottom-right minus top-left: a relief lit from one corner.",
            ((-2, -1, 0), (-1, 1, 1), (0, 1, 2)),
        ),
        Kernel(
            "x_pattern",
            "X pattern",
            "Responds most where the image itself shows a small diagonal cross.",
            ((1, 0, 1), (0, 1, 0), (1, 0, 1)),
        ),
    )
}


def list_kernels() -> list[str]:
    """Names of the handcrafted kernels, in display order."""
    return list(KERNELS)


def get_kernel(name: str) -> Kernel:
    """The registry kernel called `name`; ValueError listing the known names otherwise."""
    if name not in KERNELS:
        raise Invalid("unknown kernel {got!r}; known kernels: {names}", got=name, names=", ".join(KERNELS))
    return KERNELS[name]


# ---------------------------------------------------------------- a kernel typed by hand

WEIGHT_LIMIT = 1e6  # beyond this a typed weight is a typo, and sums overflow the colour scale


def starting_cells(size: int) -> np.ndarray:
    """The kernel editor's first grid: the identity kernel as text, so changing a number shows its effect.

    Returns:
        object array (size, size) of "0", with "1" in the centre.
    """
    cells = np.full((size, size), "0", dtype=object)
    cells[size // 2, size // 2] = "1"
    return cells


def typed_kernel(cells: object) -> np.ndarray:
    """A kernel typed cell by cell: whole numbers, decimals or fractions such as 1/9.

    Args:
        cells: (kh, kw) of text or numbers; a cleared cell is None or NaN.
    Returns:
        float64 (kh, kw).
    Raises:
        Invalid naming the row and column (counted from 1) of the first cell that is empty, not a number,
        a division by zero, not finite or beyond ±WEIGHT_LIMIT.
    """
    grid = np.asarray(cells, dtype=object)
    return np.array(
        [[typed_weight(grid[r, c], r + 1, c + 1) for c in range(grid.shape[1])] for r in range(grid.shape[0])],
        dtype=np.float64,
    )


def typed_weight(text: Any, row: int, col: int) -> float:
    """One typed kernel weight (see `typed_kernel`); `row` and `col` only name the cell in the message."""
    blank = text is None or (isinstance(text, float) and np.isnan(text))  # a cleared cell arrives as None or NaN
    s = "" if blank else str(text).strip().replace("\u2212", "-")
    if not s:
        raise Invalid("row {r}, column {c} is empty", r=row, c=col)
    try:
        num, _, den = s.partition("/")
        v = float(num) / float(den) if den else float(num)
    except ValueError:
        raise Invalid(
            "row {r}, column {c}: {value} is not a number (write e.g. 2, -0.5 or 1/9)", r=row, c=col, value=repr(s)
        ) from None
    except ZeroDivisionError:
        raise Invalid("row {r}, column {c}: {value} divides by zero", r=row, c=col, value=repr(s)) from None
    if not np.isfinite(v):
        raise Invalid(
            "row {r}, column {c}: {value} is not a finite number (NaN or infinity)", r=row, c=col, value=repr(s)
        )
    if abs(v) > WEIGHT_LIMIT:
        raise Invalid(
            "row {r}, column {c}: {value} is too large (keep weights within ±1,000,000)", r=row, c=col, value=repr(s)
        )
    return v


# ---------------------------------------------------------------- validation helpers


def _hw(shape: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in shape)


def _pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2:
        raise Invalid("{name} must be an int or a pair (rows, cols), got {got!r}", name=Message(name), got=value)
    for v in pair:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise Invalid("{name} must be a whole number or a pair of them, got {got!r}", name=Message(name), got=value)
        if v < minimum:
            raise Invalid("{name} must be >= {minimum}, got {got!r}", name=Message(name), minimum=minimum, got=value)
    return int(pair[0]), int(pair[1])


def _show_pair(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]}, {pair[1]})"


def _as_array(x: Any, name: str, ndims: tuple[int, ...]) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise Invalid("{name} must be an array of numbers: {reason}", name=Message(name), reason=err) from None
    if arr.ndim not in ndims:
        want = " or ".join(f"{n}-D" for n in ndims)
        raise Invalid("{name} must be {want}, got shape {shape}", name=Message(name), want=want, shape=arr.shape)
    if arr.size == 0:
        raise Invalid("{name} is empty (shape {shape})", name=Message(name), shape=arr.shape)
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise Invalid(
            "{name} has {n} non-finite value(s) (NaN or inf), first at {first}",
            name=Message(name),
            n=int(bad.sum()),
            first=first,
        )
    return arr


def _finite(value: Any, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise Invalid("{name} must be a number, got {got!r}", name=Message(name), got=value) from None
    if not np.isfinite(out):
        raise Invalid("{name} must be finite, got {got!r}", name=Message(name), got=value)
    return out


def _prepare_conv(image, kernel, stride, padding):
    """Checked (C, H, W) image, (C, kh, kw) kernel, padded image, stride, padding."""
    if isinstance(kernel, str):
        kernel = get_kernel(kernel)
    if isinstance(kernel, Kernel):
        kernel = kernel.weights
    img = _as_array(image, N_("image"), (2, 3))
    ker = _as_array(kernel, N_("kernel"), (2, 3))
    if img.ndim == 2 and ker.ndim == 3:
        raise Invalid(
            "a 3-D kernel {kernel} needs a 3-D image (C, H, W), got image shape {image}",
            kernel=ker.shape,
            image=img.shape,
        )
    if img.ndim == 3 and ker.ndim == 2:
        raise Invalid(
            "a 3-D image with {c} channels needs a 3-D kernel ({c}, kh, kw), got kernel shape {kernel}",
            c=img.shape[0],
            kernel=ker.shape,
        )
    if img.ndim == 3 and img.shape[0] != ker.shape[0]:
        raise Invalid(
            "kernel has {kc} channels but the image has {ic} (kernel {kernel}, image {image})",
            kc=ker.shape[0],
            ic=img.shape[0],
            kernel=ker.shape,
            image=img.shape,
        )
    s, p = _pair(stride, N_("stride"), 1), _pair(padding, N_("padding"), 0)
    img3, ker3 = img.reshape((-1,) + img.shape[-2:]), ker.reshape((-1,) + ker.shape[-2:])
    padded = np.pad(img3, ((0, 0), (p[0], p[0]), (p[1], p[1])))  # (C, H + 2ph, W + 2pw)
    if ker3.shape[1] > padded.shape[1] or ker3.shape[2] > padded.shape[2]:
        raise Invalid(
            "kernel {kernel} is larger than the padded input {padded} (input {input}, padding {p})",
            kernel=_hw(ker3.shape[1:]),
            padded=_hw(padded.shape[1:]),
            input=_hw(img3.shape[1:]),
            p=_show_pair(p),
        )
    return img, img3, ker3, padded, s, p


def _windows(arr3: np.ndarray, size: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    # A view, no copy: every (row, col) output position sees its (kh, kw) patch.
    return sliding_window_view(arr3, size, axis=(1, 2))[:, :: stride[0], :: stride[1]]  # (C, OH, OW, kh, kw)


# ---------------------------------------------------------------- convolution and pooling


def convolve(
    image: np.ndarray,
    kernel: np.ndarray | Kernel | str,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    bias: float = 0.0,
    clip: bool = False,
) -> np.ndarray:
    """Deep-learning convolution (cross-correlation, as F.conv2d) with zero padding.

    Args:
        image: (H, W), or (C, H, W) with a 3-D kernel.
        kernel: (kh, kw) or (C, kh, kw) array, a `Kernel`, or a registry name.
        stride, padding: an int or a pair (rows, cols).
        bias: added to every output value.
        clip: clip the output to 0..255, as the hand-written loop in the book chapter does.
    Returns:
        float64 array (OH, OW), channels summed.
    """
    _, _, ker3, padded, s, _ = _prepare_conv(image, kernel, stride, padding)
    out = np.einsum("chwij,cij->hw", _windows(padded, ker3.shape[1:], s), ker3) + _finite(bias, N_("bias"))
    return np.clip(out, 0.0, 255.0) if clip else out


POOL_KINDS: dict[str, str] = {
    "max": "Max pooling: keep the largest value of each window.",
    "avg": "Average pooling: the mean of each window.",
    "l2": "L2 pooling: the square root of the sum of squares of each window.",
}
_POOL_ALIASES = {"average": "avg", "mean": "avg", "maximum": "max"}


def _pool_kind(kind: str) -> str:
    key = _POOL_ALIASES.get(kind, kind)
    if key not in POOL_KINDS:
        raise Invalid(
            "unknown pooling kind {got!r}; known kinds: {names} (or 'average')", got=kind, names=", ".join(POOL_KINDS)
        )
    return key


def _reduce(windows: np.ndarray, kind: str) -> np.ndarray:
    if kind == "max":
        return windows.max(axis=(-2, -1))
    if kind == "avg":
        return windows.mean(axis=(-2, -1))
    return np.sqrt((windows**2).sum(axis=(-2, -1)))


def _prepare_pool(image, kind, size, stride):
    key = _pool_kind(kind)
    img = _as_array(image, N_("image"), (2, 3))
    k = _pair(size, N_("pool size"), 1)
    s = k if stride is None else _pair(stride, N_("stride"), 1)
    img3 = img.reshape((-1,) + img.shape[-2:])
    if k[0] > img3.shape[1] or k[1] > img3.shape[2]:
        raise Invalid("pool window {k} is larger than the input {input}", k=_hw(k), input=_hw(img3.shape[1:]))
    return key, img, img3, k, s


def pool(
    image: np.ndarray, kind: str, size: int | tuple[int, int] = 2, stride: int | tuple[int, int] | None = None
) -> np.ndarray:
    """Pool each channel independently (no padding, windows that do not fit are dropped).

    Args:
        image: (H, W) or (C, H, W).
        kind: "max", "avg" ("average") or "l2" (F.lp_pool2d with norm_type=2).
        size: window, an int or a pair (rows, cols).
        stride: defaults to `size` (non-overlapping windows).
    Returns:
        float64 array (OH, OW) or (C, OH, OW).
    """
    key, img, img3, k, s = _prepare_pool(image, kind, size, stride)
    out = _reduce(_windows(img3, k, s), key)  # (C, OH, OW)
    return out[0] if img.ndim == 2 else out


# ---------------------------------------------------------------- one output value, step by step


@dataclass(frozen=True)
class ConvStep:
    """How one convolution output value is made: window × kernel, summed, plus bias."""

    padded: np.ndarray  # (Hp, Wp) or (C, Hp, Wp): the zero-padded input
    window: np.ndarray  # (kh, kw) or (C, kh, kw): the patch under the kernel
    kernel: np.ndarray  # same shape as window
    position: tuple[int, int]  # window top-left (row, col) in the padded input
    products: np.ndarray  # window * kernel, element-wise
    total: float  # products.sum()
    bias: float
    value: float  # total + bias


@dataclass(frozen=True)
class PoolStep:
    """How one pooling output value is made from its window."""

    kind: str
    window: np.ndarray  # (kh, kw) or (C, kh, kw)
    position: tuple[int, int]  # window top-left (row, col) in the input
    result: float | np.ndarray  # a float for (H, W) input, (C,) for (C, H, W)


def _check_position(row: Any, col: Any, out_shape: tuple[int, int]) -> None:
    for name, v, n in ((N_("row"), row, out_shape[0]), (N_("col"), col, out_shape[1])):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v < n:
            raise Invalid(
                "{name} {got!r} is outside the output {shape} (valid 0..{last})",
                name=Message(name),
                got=v,
                shape=_hw(out_shape),
                last=n - 1,
            )


def conv_step(
    image: np.ndarray,
    kernel: np.ndarray | Kernel | str,
    row: int,
    col: int,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    bias: float = 0.0,
) -> ConvStep:
    """The products, sum and bias behind `convolve(...)[row, col]`.

    Args: as `convolve`; row, col index the output.
    Returns:
        ConvStep; arrays keep the input's 2-D or 3-D layout.
    """
    img, _, ker3, padded, s, _ = _prepare_conv(image, kernel, stride, padding)
    kh, kw = ker3.shape[1:]
    _check_position(row, col, ((padded.shape[1] - kh) // s[0] + 1, (padded.shape[2] - kw) // s[1] + 1))
    r0, c0 = int(row) * s[0], int(col) * s[1]
    window = padded[:, r0 : r0 + kh, c0 : c0 + kw]  # (C, kh, kw)
    squeeze = (lambda a: a[0]) if img.ndim == 2 else (lambda a: a)
    products = window * ker3
    b = _finite(bias, N_("bias"))
    total = float(products.sum())
    return ConvStep(
        squeeze(padded), squeeze(window).copy(), squeeze(ker3), (r0, c0), squeeze(products), total, b, total + b
    )


def pool_step(
    image: np.ndarray,
    kind: str,
    size: int | tuple[int, int],
    row: int,
    col: int,
    stride: int | tuple[int, int] | None = None,
) -> PoolStep:
    """The window and result behind `pool(...)[..., row, col]`.

    Args: as `pool`; row, col index the output.
    Returns:
        PoolStep (result is a float for (H, W) input, a (C,) array for (C, H, W)).
    """
    key, img, img3, k, s = _prepare_pool(image, kind, size, stride)
    _check_position(row, col, ((img3.shape[1] - k[0]) // s[0] + 1, (img3.shape[2] - k[1]) // s[1] + 1))
    r0, c0 = int(row) * s[0], int(col) * s[1]
    window = img3[:, r0 : r0 + k[0], c0 : c0 + k[1]].copy()  # (C, kh, kw)
    result = _reduce(window, key)  # (C,)
    if img.ndim == 2:
        return PoolStep(key, window[0], (r0, c0), float(result[0]))
    return PoolStep(key, window, (r0, c0), result)


# ---------------------------------------------------------------- formulas


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


# Edge and blob detectors first: a small first layer should get the most distinct handcrafted features.
BANK_ORDER = (
    "sobel_vertical",
    "sobel_horizontal",
    "edges",
    "gaussian_blur",
    "prewitt_vertical",
    "prewitt_horizontal",
    "sharpen",
    "emboss",
    "x_pattern",
    "box_blur",
    "identity",
    "gaussian_blur_5x5",
)


def handcrafted_bank(filters: int, in_channels: int, size: int) -> np.ndarray:
    """A first conv layer made of handcrafted kernels, for comparing with a learned one.

    Kernels are taken in BANK_ORDER (repeating, the repeats negated so no two filters are equal),
    centred in a size x size window (zero border) or centre-cropped when smaller, scaled to unit
    L2 norm, and copied to every input channel divided by the channel count.
    Returns:
        float32 array (filters, in_channels, size, size).
    """
    bank = np.zeros((filters, in_channels, size, size), np.float32)
    for i in range(filters):
        w = KERNELS[BANK_ORDER[i % len(BANK_ORDER)]].weights * (-1) ** (i // len(BANK_ORDER))
        kh, kw = w.shape
        if kh > size:  # centre crop
            off = (kh - size) // 2
            w = w[off : off + size, off : off + size]
            kh = kw = size
        top, left = (size - kh) // 2, (size - kw) // 2
        k = np.zeros((size, size))
        k[top : top + kh, left : left + kw] = w
        k /= max(np.linalg.norm(k), 1e-12)
        bank[i] = k / in_channels
    return bank
