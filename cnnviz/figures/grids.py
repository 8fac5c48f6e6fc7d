"""Grids of small arrays (kernels, feature maps, galleries of images) drawn as one tiled trace, and single images."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import plotly.graph_objects as go

from .base import (
    DIVERGING,
    GREYS,
    _array,
    _channels_last,
    _empty,
    _finish,
    _image_axes,
    _image_trace,
    _plain,
    _sym,
    _titles,
    _to_display,
    t,
)

if TYPE_CHECKING:
    from collections.abc import Sequence


def _num(v: float) -> str:
    """Compact number with a typographic minus, for titles."""
    return f"{v:.2f}".replace("-", "\u2212")


# A grid of N small arrays is ONE trace, not N subplots (setting up subplots took ~95% of a 64-kernel grid's build,
# and the browser pays per axis pair too): the tiles are laid out row-major in one array with gaps of NaN cells
# between them (transparent; white pixels in a go.Image), and each title is an annotation above its tile. Per cell,
# `text` holds [tile index, row, col] (hover only: a heatmap draws no text without a texttemplate), and where the
# colours are not the values (tiles rescaled to their own ranges, colour kernels normalised to 0..255) customdata
# holds the true value(s), so hover always shows the true value. layout.meta["tiles"] = [[row0, col0, h, w], ...]
# places each tile in the array; tile_values(fig) reads the tiles back.

_GAP_PX, _TITLE_PX = 10, 18  # room wanted between two tiles, and above a tile for its title, at the planned size
_HOVER_TILE = "#%{text[0]} · row %{text[1]}, col %{text[2]}<br>"


class _Plan(NamedTuple):
    """Where the tiles of a grid go, in cells of the tiled array."""

    cols: int
    gap: tuple[int, int]  # NaN cells between rows of tiles, between columns of tiles
    top: int  # cells above the first row of tiles (room for its titles)
    px: float  # planned pixels per cell
    shape: tuple[int, int]  # the tiled array's height and width
    tiles: list[list[int]]  # [row0, col0, h, w] per tile


def _tile_plan(n: int, h: int, w: int, max_cols: int, titled: bool, cell_px: tuple[int, int] = (80, 260)) -> _Plan:
    """Row-major layout of n tiles of h x w cells in at most max_cols columns, each tile's longer side planned at
    900 px / columns (clipped to cell_px); the gaps are a whole number of cells, about _GAP_PX (and _TITLE_PX above
    a titled tile) at that size: 1 cell for a 5x5 kernel, 3 for a 28x28 image."""
    if max_cols < 1:
        raise ValueError(f"max_cols must be >= 1, got {max_cols}")
    cols = max(1, min(n, max_cols))
    rows = math.ceil(n / cols)
    cell = float(np.clip(900 / cols, *cell_px))
    px = cell / max(h, w)
    gx = max(1, math.ceil(_GAP_PX / px))
    gy = max(gx, math.ceil(_TITLE_PX / px)) if titled else gx
    shape = (rows * (h + gy) - gy, cols * (w + gx) - gx)
    tiles = [[i // cols * (h + gy), i % cols * (w + gx), h, w] for i in range(n)]
    return _Plan(cols, (gy, gx), gy if titled else 0, min(px, cols * cell / shape[1]), shape, tiles)


def _tile(stack: np.ndarray, plan: _Plan, fill) -> np.ndarray:
    """(N, h, w, ...) -> the plan's tiled (H, W, ...) array, `fill` in the gaps and in the unused last-row cells."""
    n, h, w = stack.shape[:3]
    (gy, gx), rest = plan.gap, stack.shape[3:]
    rows = math.ceil(n / plan.cols)
    out = np.full((rows * plan.cols, h + gy, w + gx) + rest, fill, dtype=stack.dtype)
    out[:n, :h, :w] = stack
    out = out.reshape((rows, plan.cols, h + gy, w + gx) + rest).swapaxes(1, 2)
    out = out.reshape((rows * (h + gy), plan.cols * (w + gx)) + rest)
    return np.ascontiguousarray(out[: plan.shape[0], : plan.shape[1]])


def _where(n: int, h: int, w: int, gaps_hover: bool = False) -> np.ndarray:
    """[tile index, row, col] of every cell of n tiles of h x w, (N, h, w, 3), in the smallest integer type; signed
    when gaps_hover: a go.Image hovers its white gaps too, and its type's lowest value there (-128 for int8) reads as
    no tile, where 0 would read as tile 0. Not NaN (float32, four times the bytes of int8), not -1 (bytes 0xff are
    "////" in base64, and Plotly's JSON writes each "/" as six characters, "\\u002f")."""
    i, r, c = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), indexing="ij", sparse=True)
    big = max(n, h, w)
    dtype = np.min_scalar_type(-big if gaps_hover else big - 1)
    return np.stack(np.broadcast_arrays(i, r, c), axis=-1).astype(dtype)


def _own_range(x: np.ndarray, signed: bool) -> tuple[float, float]:
    """A tile's own colour range: symmetric around zero (±max |value|) when signed, else its min..max."""
    if signed:
        m = _sym(x)
        return -m, m
    finite = x[np.isfinite(x)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def _tiled_heatmap(
    values: np.ndarray,
    titles: list[str],
    max_cols: int,
    title: str,
    signed: bool,
    own_range: bool = True,
    cell_px: tuple[int, int] = (80, 260),
    **trace,
) -> go.Figure:
    """N tiles as one heatmap, each on its own range (own_range) or as given in `trace` (zmin/zmax, coloraxis...).

    Args: values (N, h, w) the true values; titles N strings ("" for none); signed: diverging scale centred at zero,
    else grey. Own ranges that differ are drawn by dividing each tile into -1..1 (signed) or 0..1 (grey) for colour,
    the true values kept in customdata for hover and tile_values; when every tile has the same range the
    true values are drawn on it directly.
    Returns: the figure, with layout.meta["tiles"].
    """
    n, h, w = values.shape
    plan = _tile_plan(n, h, w, max_cols, any(titles), cell_px)
    dtype = np.result_type(values.dtype, np.float32)  # NaN gaps; exact for every integer and float input
    colour, true = values.astype(dtype), None
    if own_range:
        ranges = [_own_range(x, signed) for x in values]
        lo, hi = ranges[0]
        if any(r != ranges[0] for r in ranges):  # each tile into -1..1 (by its max |value|) or 0..1 (min..max)
            low, high = (np.array(r, dtype=np.float64)[:, None, None] for r in zip(*ranges))
            if signed:
                lo, hi, colour = -1.0, 1.0, values / high
            else:
                with np.errstate(invalid="ignore", divide="ignore"):
                    lo, hi, colour = 0.0, 1.0, np.where(high > low, (values - low) / (high - low), 0.5)
            colour, true = colour.astype(np.float32), values
        trace = dict(zmin=lo, zmax=hi, **trace) if hi > lo else trace
        trace.update(colorscale=DIVERGING if signed else GREYS, showscale=False)
        if signed:
            trace.update(zmid=0)
    hover = _HOVER_TILE + ("value %{z:.4~g}" if true is None else "value %{customdata:.4~g}") + "<extra></extra>"
    # gaps never hover (hoverongaps=False), so any fill will do for text and customdata
    heat = go.Heatmap(
        z=_tile(colour, plan, np.nan),
        text=_tile(_where(n, h, w), plan, 0),
        hoverongaps=False,
        customdata=None if true is None else _tile(true, plan, 0),
        hovertemplate=hover,
        **trace,
    )
    return _tile_figure(heat, plan, titles, title)


def _tiled_image(
    pixels: np.ndarray,
    true: np.ndarray | None,
    titles: list[str],
    max_cols: int,
    title: str,
    cell_px: tuple[int, int] = (80, 260),
) -> go.Figure:
    """N colour tiles (N, h, w, 3) uint8 as one go.Image with white gaps; true (N, h, w, 3) the values behind the
    pixels when they differ from them (kept in customdata and shown on hover), else None."""
    n, h, w, _ = pixels.shape
    plan = _tile_plan(n, h, w, max_cols, any(titles), cell_px)
    if true is None:
        hover, values = _HOVER_TILE + "rgb %{z}<extra></extra>", None
    else:
        hover = _HOVER_TILE + "R %{customdata[0]:.4~g}, G %{customdata[1]:.4~g}, B %{customdata[2]:.4~g}<extra></extra>"
        values = _tile(true.astype(np.result_type(true.dtype, np.float32)), plan, np.nan)
    where = _where(n, h, w, gaps_hover=True)
    img = go.Image(
        z=_tile(pixels, plan, 255),
        text=_tile(where, plan, np.iinfo(where.dtype).min),
        customdata=values,
        hovertemplate=hover,
    )
    return _tile_figure(img, plan, titles, title)


def _tile_figure(trace: go.BaseTraceType, plan: _Plan, titles: list[str], title: str) -> go.Figure:
    """The figure around one tiled trace: a title above each tile, equal aspect, row 0 at the top, no ticks."""
    (height, width), top = plan.shape, plan.top
    small = {"font": {"size": 11}} if plan.cols > 6 else {}  # else the default 12
    # in data coordinates (the default xref "x", yref "y"), centred (xanchor "auto" without an arrow) above the tile;
    # Plotly validates every property of every annotation, so each sets only what differs from the defaults
    notes = [
        dict(text=text, x=c0 + (w - 1) / 2, y=r0 - 0.5, yanchor="bottom", showarrow=False, **small)
        for text, (r0, c0, h, w) in zip(titles, plan.tiles)
        if text
    ]
    axis = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="", constrain="domain")
    margin_top = 60 if title else 10
    fig = go.Figure(
        trace,
        layout=dict(
            annotations=notes,
            meta={"tiles": plan.tiles},
            xaxis=dict(range=[-0.5, width - 0.5], **axis),
            yaxis=dict(range=[height - 0.5, -0.5 - top], scaleanchor="x", scaleratio=1, **axis),
        ),
    )
    plot_px = (height + top) * plan.px
    return _finish(fig, title, plot_px + margin_top + 10, top=margin_top)


def tile_values(fig: go.Figure) -> list[np.ndarray]:
    """The true values of each tile of a grid figure (kernel_grid, kernel_grid_rgb, feature_map_grid, image_gallery).

    Args: fig as those functions return it (its layout.meta["tiles"] and one trace).
    Returns: N arrays, (h, w) for heatmap tiles, (h, w, 3) for colour ones; [] for an empty grid.
    """
    meta = fig.layout.meta
    if not isinstance(meta, dict) or "tiles" not in meta:
        return []
    trace = fig.data[0]
    z = np.asarray(trace.z if trace.customdata is None else trace.customdata)  # customdata: colours rescaled
    return [np.array(z[r0 : r0 + h, c0 : c0 + w]) for r0, c0, h, w in meta["tiles"]]


def kernel_grid(
    kernels: np.ndarray,
    titles: Sequence[str] | None = None,
    shared_scale: bool = True,
    max_cols: int = 8,
    title: str = "",
    zmax: float | None = None,
) -> go.Figure:
    """Grid of single-channel kernels on a diverging scale centred at zero.

    Args: kernels (N, kh, kw); titles N strings (default "k i"); shared_scale: one colour range and colorbar
    for all kernels, else each kernel symmetric around zero on its own range; zmax: a fixed shared range
    [-zmax, zmax] (keeps a training timeline on one scale).
    Returns: figure with one heatmap of the N kernels tiled (layout.meta["tiles"]; values: tile_values).
    """
    k = _array(kernels, (3,), "kernels")  # (N, kh, kw)
    titles = _titles(titles, len(k), "k {i}", "kernel_grid")
    if len(k) == 0:
        return _empty(title)
    if not shared_scale:
        return _tiled_heatmap(k, titles, max_cols, title, signed=True)
    fig = _tiled_heatmap(k, titles, max_cols, title, signed=True, own_range=False, coloraxis="coloraxis")
    m = float(zmax) if zmax else _sym(k)
    fig.update_layout(
        coloraxis=dict(
            colorscale=DIVERGING, cmin=-m, cmax=m, colorbar=dict(thickness=12, len=min(1.0, 300 / fig.layout.height))
        )
    )
    return fig


def kernel_grid_rgb(
    kernels: np.ndarray, titles: Sequence[str] | None = None, max_cols: int = 8, title: str = ""
) -> go.Figure:
    """First-layer colour kernels as RGB composites, each min-max normalised to 0..255.

    Args: kernels (N, 3, kh, kw).  Returns: figure with one go.Image of the N composites tiled, white between them
    (layout.meta["tiles"]); the true weights are in customdata (tile_values gives them, (kh, kw, 3) each).
    """
    k = _array(kernels, (4,), "kernels")  # (N, 3, kh, kw)
    if k.shape[1] != 3:
        raise ValueError(f"kernel_grid_rgb needs (N, 3, kh, kw) kernels, got shape {k.shape}")
    titles = _titles(titles, len(k), "k {i}", "kernel_grid_rgb")
    if len(k) == 0:
        return _empty(title)
    true = np.moveaxis(k, 1, -1)  # (N, kh, kw, 3)
    f = true.astype(np.float64)
    lo, hi = f.min(axis=(1, 2, 3), keepdims=True), f.max(axis=(1, 2, 3), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rgb = np.where(hi > lo, (f - lo) / (hi - lo), 0.5)
    return _tiled_image(np.round(rgb * 255).astype(np.uint8), true, titles, max_cols, title)


def feature_map_grid(
    maps: np.ndarray, titles: Sequence[str] | None = None, max_cols: int = 8, title: str = ""
) -> go.Figure:
    """Feature maps of one layer, each on its own colour range.

    Args: maps (N, H, W); titles default to "ch i [min, max]".  Returns: figure with one heatmap of the N maps tiled
    (grey when all maps are non-negative, diverging centred at zero when any value is negative; layout.meta["tiles"],
    true values: tile_values).
    """
    m = _array(maps, (3,), "maps")  # (N, H, W)
    if titles is None:
        titles = [t("ch {i} [{lo}, {hi}]", i=i, lo=_num(x.min()), hi=_num(x.max())) for i, x in enumerate(m)]
    titles = _titles(titles, len(m), "", "feature_map_grid")
    if len(m) == 0:
        return _empty(title)
    return _tiled_heatmap(m, titles, max_cols, title, signed=bool((m < 0).any()))


def image(img: np.ndarray, title: str = "", colorscale: str = "gray") -> go.Figure:
    """One image: (H, W) grey of any range, (H, W, 3) uint8 RGB or (3, H, W) float."""
    _, a = _to_display(img)
    trace = _image_trace(a, colorscale=colorscale, showscale=True, colorbar=dict(thickness=12))
    fig = go.Figure(trace)
    _image_axes(fig)
    h, w = a.shape[:2]
    return _finish(fig, title, int(np.clip(480 * h / max(w, 1), 200, 640)) + (60 if title else 30))


def image_gallery(
    images: np.ndarray | Sequence[np.ndarray], captions: Sequence[str], max_cols: int = 8, title: str = ""
) -> go.Figure:
    """Grid of images with a caption above each; N = 0 gives a 'nothing to show' figure.

    Args: images (N, H, W) or (N, H, W, 3); captions N strings.
    Returns: figure with one trace of the N images tiled (layout.meta["tiles"]; values: tile_values): a grey heatmap,
    each image on its own min..max, or a go.Image for colour images.
    """
    captions = [_plain(c) for c in captions]
    if len(images) == 0:
        return _empty(title)
    imgs = _array(images, (3, 4), "images")
    if len(captions) != len(imgs):
        raise ValueError(f"image_gallery: {len(imgs)} images but {len(captions)} captions")  # no default captions
    shown = [_to_display(img) for img in imgs]
    if shown[0][0] == "grey":
        return _tiled_heatmap(
            np.stack([a for _, a in shown]), captions, max_cols, title, signed=False, cell_px=(80, 200)
        )
    true = None if imgs.dtype == np.uint8 else np.stack([_channels_last(img) for img in imgs])
    return _tiled_image(np.stack([a for _, a in shown]), true, captions, max_cols, title, cell_px=(80, 200))
