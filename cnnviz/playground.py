"""The convolution playground's worked examples: the pictures it starts from, the numbers of its sums as they
are written out, and the output filled in up to the step being explained.

The maths is `conv` (convolution, pooling, formulas, a kernel typed by hand); uploads become pixels in `images`.
What is here is teaching material built on them: pixel values chosen so the sums stay easy to follow, a colour
kernel assembled from a 2-D one, the walk over an output, and the numbers as the screen prints them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import conv
from .i18n import N_, Invalid

EXAMPLES: dict[str, str] = {
    "edge": N_("8×8: a vertical edge"),
    "cross": N_("8×8: a diagonal cross"),
    "square": N_("8×8: a bright square"),
    "four": N_("4×4: the video lesson's size"),
}


# ---------------------------------------------------------------- pictures


def example(name: str) -> np.ndarray:
    """A tiny grey picture (values 0..9) from EXAMPLES, small enough to follow every sum.

    Returns:
        float64 (8, 8); (4, 4) for "four", the video lesson's picture (a 3×3 kernel leaves a 2×2 output).
    Raises:
        Invalid for a name not in EXAMPLES.
    """
    if name == "four":
        return np.array([[1, 2, 0, 3], [4, 9, 8, 1], [0, 7, 9, 2], [5, 1, 3, 6]], dtype=np.float64)
    img = np.zeros((8, 8))
    if name == "edge":
        img[:, 4:] = 9
    elif name == "cross":
        img = np.maximum(np.eye(8), np.fliplr(np.eye(8))) * 9
    elif name == "square":
        img[2:6, 2:6] = 9
    else:
        raise Invalid("unknown example {got!r}; known examples: {names}", got=name, names=", ".join(EXAMPLES))
    return img


def colour_shapes() -> np.ndarray:
    """A 32×32 colour picture: red square, green disc, yellow bar, blue bar on dark grey.

    Returns:
        float64 (3, 32, 32), values 0..255.
    """
    img = np.full((3, 32, 32), 25.0)
    yy, xx = np.mgrid[:32, :32]
    img[:, 3:13, 3:13] = np.array([230, 30, 30])[:, None, None]
    img[:, (yy - 9) ** 2 + (xx - 23) ** 2 <= 36] = np.array([40, 200, 60])[:, None]
    img[:, 17:21, 16:29] = np.array([230, 220, 40])[:, None, None]
    img[:, 24:29, 3:29] = np.array([40, 70, 230])[:, None, None]
    return img


def channel_views(rgb: np.ndarray) -> np.ndarray:
    """A colour picture, then each of its channels alone in its own colour (the others black).

    Args:
        rgb: (3, H, W), values 0..255.
    Returns:
        uint8 (4, H, W, 3): the picture, its red, green and blue channels.
    """
    u8 = np.clip(np.round(rgb), 0, 255).astype(np.uint8).transpose(1, 2, 0)  # (H, W, 3)
    return np.stack([u8] + [np.where(np.arange(3) == c, u8, 0).astype(np.uint8) for c in range(3)])


def colour_kernel(kernel: np.ndarray, multipliers: Sequence[float]) -> np.ndarray:
    """A 3-D kernel whose slice for each colour channel is one 2-D kernel times that channel's multiplier.

    Args:
        kernel: (kh, kw).
        multipliers: three numbers, for red, green and blue.
    Returns:
        float64 (3, kh, kw).
    """
    return np.stack([float(m) * np.asarray(kernel, dtype=np.float64) for m in multipliers])


def colour_maps(rgb: np.ndarray, kernel3: np.ndarray, bias: float = 0.0) -> np.ndarray:
    """What a 3-D kernel makes of a colour picture: each slice on its own channel, then their sum plus the bias.

    Args:
        rgb: (3, H, W); kernel3: (3, kh, kw).
    Returns:
        float64 (4, OH, OW): the red, green and blue slices' maps, then the layer's one output map.
    Raises:
        ValueError (from `conv.convolve`) for a kernel larger than the picture or values that are not finite.
    """
    parts = [conv.convolve(rgb[c], kernel3[c]) for c in range(3)]  # each (OH, OW)
    return np.stack(parts + [conv.convolve(rgb, kernel3, bias=bias)])


# ---------------------------------------------------------------- the walk, one output value at a time


def strongest(out: np.ndarray) -> int:
    """The row-by-row position of the strongest response (largest magnitude): where a walk starts, not a blank
    corner."""
    return int(np.argmax(np.abs(out)))


def filled_until(out: np.ndarray, position: int) -> np.ndarray:
    """The output as it stands after computing it row by row up to `position` (0-based, included).

    Returns:
        float64 of out's shape, NaN where nothing is computed yet.
    """
    partial = np.array(out, dtype=np.float64).ravel()
    partial[position + 1 :] = np.nan
    return partial.reshape(np.shape(out))


# ---------------------------------------------------------------- numbers as the sums print them


def number(v: float) -> str:
    """A value rounded to 4 decimals without trailing zeros: 12, -0.5, 0.1111 (never "-0")."""
    s = f"{float(v):.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def ratio(r: float) -> str:
    """How many times larger, e.g. 26.0× or 3,925×: one decimal below 100."""
    return f"{r:,.1f}×" if r < 100 else f"{r:,.0f}×"


def products(window: np.ndarray, kernel: np.ndarray) -> str:
    """The sum behind one output value written out, pixel × weight: "0×1 + 9×(-8) + ..." (3 significant digits,
    negative weights in brackets)."""
    return " + ".join(_term(x, w) for x, w in zip(np.ravel(window), np.ravel(kernel)))


def _term(x: float, w: float) -> str:
    w_text = f"{w:.3g}"
    return f"{x:.3g}×" + (f"({w_text})" if w < 0 else w_text)
