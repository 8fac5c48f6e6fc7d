"""Convolution and pooling maths for the teaching screens: stride, padding, and one output value step by step.

Pure numpy. Convolution here is the deep-learning kind (cross-correlation, as `F.conv2d`):
the kernel is laid on the image as it is, never flipped. The kernels to pick from are in `kernel_catalogue`,
the output-size and parameter formulas in `formulas`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .i18n import N_, Invalid, Message
from .kernel_catalogue import Kernel, get_kernel


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
