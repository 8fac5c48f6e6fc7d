"""The handcrafted kernels users pick from, and a kernel typed by hand.

A registry of classic kernels (blurs, edge detectors, sharpen, emboss) with their titles and explanations;
the kernel editor's cells read as numbers and fractions; and a first conv layer made of these kernels
(`handcrafted_bank`), for comparing with a learned one. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .i18n import Invalid


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


# ---------------------------------------------------------------- a first layer of handcrafted kernels

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
