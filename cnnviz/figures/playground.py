"""The convolution playground: one step of a convolution, a kernel applied, small matrices, pooling."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .base import _array, _finish, _image_axes, _image_trace, _signed, _titles, t

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np


def _outline(fig: go.Figure, r: int, c: int, h: int, w: int, row: int, col: int, colour: str = "#ff7f0e") -> None:
    """Rectangle around cells [r, r+h) x [c, c+w) of the heatmap at subplot (row, col)."""
    fig.add_shape(
        type="rect",
        x0=c - 0.5,
        x1=c + w - 0.5,
        y0=r - 0.5,
        y1=r + h - 0.5,
        line=dict(color=colour, width=3),
        row=row,
        col=col,
    )


def _panels(titles: list[str], widths: list[float]) -> go.Figure:
    """One row of image panels side by side with the given relative widths."""
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, column_widths=widths, horizontal_spacing=0.05)
    fig.update_annotations(font_size=13)
    return fig


def conv_step(
    padded_input: np.ndarray,
    kernel: np.ndarray,
    window_rc: tuple[int, int],
    products: np.ndarray,
    total: float,
    output: np.ndarray,
    out_rc: tuple[int, int],
    title: str = "",
) -> go.Figure:
    """CNN-Explainer style view of one output value: input window, kernel, products, output cell.

    Args: padded_input (H, W); kernel (kh, kw); window_rc (row, col) of the window's top-left in padded_input;
    products (kh, kw) = window * kernel; total their sum (+ bias if any); output (Ho, Wo), NaN where not
    computed yet; out_rc (row, col) of the current output cell.
    """
    x = _array(padded_input, (2,), "padded_input")  # (H, W)
    k = _array(kernel, (2,), "kernel")  # (kh, kw)
    p = _array(products, (2,), "products")  # (kh, kw)
    out = _array(output, (2,), "output")  # (Ho, Wo)
    if p.shape != k.shape:
        raise ValueError(f"products shape {p.shape} must equal kernel shape {k.shape}")
    (r, c), (orow, ocol) = (int(v) for v in window_rc), (int(v) for v in out_rc)
    if not (0 <= r <= x.shape[0] - k.shape[0] and 0 <= c <= x.shape[1] - k.shape[1]):
        raise ValueError(f"window at {tuple(window_rc)} of size {k.shape} falls outside the input {x.shape}")
    if not (0 <= orow < out.shape[0] and 0 <= ocol < out.shape[1]):
        raise ValueError(f"output cell {tuple(out_rc)} falls outside the output {out.shape}")
    fig = _panels(
        [
            t("input {h}×{w}", h=x.shape[0], w=x.shape[1]),
            t("kernel {h}×{w}", h=k.shape[0], w=k.shape[1]),
            t("window × kernel"),
            t("output {h}×{w}", h=out.shape[0], w=out.shape[1]),
        ],
        [1, 1, 1, 1],
    )
    small = x.size <= 100  # numbers stay legible only on small inputs
    fig.add_trace(_image_trace(x, texttemplate="%{z:.2~f}" if small else None), row=1, col=1)
    fig.add_trace(_signed(k, numbers=True), row=1, col=2)
    fig.add_trace(_signed(p, numbers=True), row=1, col=3)
    fig.add_trace(_signed(out, numbers=out.size <= 100), row=1, col=4)
    _outline(fig, r, c, k.shape[0], k.shape[1], row=1, col=1)
    _outline(fig, orow, ocol, 1, 1, row=1, col=4)
    fig.add_shape(
        type="rect",
        x0=-0.5,
        x1=out.shape[1] - 0.5,
        y0=-0.5,
        y1=out.shape[0] - 0.5,
        layer="below",
        fillcolor="#eef0f3",
        line=dict(width=0),
        row=1,
        col=4,
    )  # cells not computed yet (NaN) show grey
    _image_axes(fig)
    head = t("sum of products = {total}", total=f"{float(total):.4g}")
    return _finish(fig, f"{title} \u2014 {head}" if title else head, 360)


def kernel_applied(image: np.ndarray, kernel: np.ndarray, output: np.ndarray, title: str = "") -> go.Figure:
    """Input image, kernel (values printed) and the resulting output map side by side.

    Args: image (H, W); kernel (kh, kw); output (Ho, Wo).
    """
    x = _array(image, (2,), "image")  # (H, W)
    k = _array(kernel, (2,), "kernel")  # (kh, kw)
    out = _array(output, (2,), "output")  # (Ho, Wo)
    fig = _panels(
        [
            t("input {h}×{w}", h=x.shape[0], w=x.shape[1]),
            t("kernel {h}×{w}", h=k.shape[0], w=k.shape[1]),
            t("output {h}×{w}", h=out.shape[0], w=out.shape[1]),
        ],
        [0.4, 0.2, 0.4],
    )
    fig.add_trace(_image_trace(x), row=1, col=1)
    fig.add_trace(_signed(k, numbers=True), row=1, col=2)
    # a blur of a photo has no negative values: grey reads as an image, red/blue would suggest signs
    fig.add_trace(_signed(out) if (out < 0).any() else _image_trace(out), row=1, col=3)
    _image_axes(fig)
    return _finish(fig, title, 380)


def number_grids(matrices: Sequence[np.ndarray], titles: Sequence[str], title: str = "") -> go.Figure:
    """Small signed matrices side by side, each on its own scale centred at zero, every value printed.

    Args: matrices a list of (R, C) arrays (a kernel, an output, its error...); titles one per matrix.
    """
    mats = [_array(m, (2,), "matrix") for m in matrices]
    names = _titles(titles, len(mats), "", "number_grids")
    fig = _panels(names, [float(m.shape[1]) for m in mats])
    for i, m in enumerate(mats, start=1):
        fig.add_trace(_signed(m, numbers=True), row=1, col=i)
    _image_axes(fig)
    return _finish(fig, title, 300)


def pooling_view(
    image: np.ndarray,
    output: np.ndarray,
    kind: str,
    size: int,
    stride: int,
    title: str = "",
    window_rc: tuple[int, int] = (0, 0),
    out_rc: tuple[int, int] = (0, 0),
) -> go.Figure:
    """Input and pooled output side by side, one pooling window and its output cell outlined.

    Args: image (H, W); output (Ho, Wo); kind "max", "avg" or "l2"; size, stride ints;
        window_rc top-left (row, col) of the outlined window in the input; out_rc its output cell.
    """
    if kind not in ("max", "avg", "l2"):
        raise ValueError(f"pooling kind must be 'max', 'avg' or 'l2', got {kind!r}")
    if int(size) < 1 or int(stride) < 1:
        raise ValueError(f"pooling size and stride must be >= 1, got size={size}, stride={stride}")
    x = _array(image, (2,), "image")  # (H, W)
    out = _array(output, (2,), "output")  # (Ho, Wo)
    name = {"max": t("max pool"), "avg": t("average pool"), "l2": t("L2 pool")}[kind]
    fig = _panels(
        [
            t("input {h}×{w}", h=x.shape[0], w=x.shape[1]),
            t("{name} {k}×{k}, stride {s} → {h}×{w}", name=name, k=size, s=stride, h=out.shape[0], w=out.shape[1]),
        ],
        [0.5, 0.5],
    )
    fmt = "%{z:.2~f}"
    fig.add_trace(_image_trace(x, texttemplate=fmt if x.size <= 100 else None), row=1, col=1)
    fig.add_trace(_image_trace(out, texttemplate=fmt if out.size <= 100 else None), row=1, col=2)
    if int(size) <= min(x.shape):
        _outline(fig, int(window_rc[0]), int(window_rc[1]), int(size), int(size), row=1, col=1)
        _outline(fig, int(out_rc[0]), int(out_rc[1]), 1, 1, row=1, col=2)
    _image_axes(fig)
    return _finish(fig, title, 380)
