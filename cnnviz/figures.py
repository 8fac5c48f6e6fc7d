"""Every Plotly figure of the app, built from numpy arrays and plain values (never torch, never streamlit)."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import plotly.colors as pcolors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .i18n import N_, current_language, translate

TEMPLATE = "plotly_white"
DIVERGING = "RdBu"
GREYS = "gray"  # black -> white, so MNIST digits look like the dataset (white on black)
GREEN, RED, NEUTRAL, ACCENT = "#2ca02c", "#d62728", "#a3acb9", "#1f77b4"
TRAIN_COLOUR, VAL_COLOUR = "#1f77b4", "#ff7f0e"
_HOVER_CELL = "row %{y}, col %{x}<br>value %{z:.4g}<extra></extra>"


# ---------------------------------------------------------------- helpers


def _array(x, ndims: tuple[int, ...], name: str) -> np.ndarray:
    """np.asarray with a clear ValueError when the number of dimensions is wrong or the array is empty."""
    a = np.asarray(x)
    if a.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {want}, got shape {a.shape}")
    if a.size == 0 and a.ndim > 0 and a.shape[0] != 0:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    return a


def _plain(text) -> str:
    """A name from a file or a folder as text: Plotly reads <b>, <a href=...> and entities in labels, titles and
    hover text, so a class named "<a href=...>" must show as typed."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _labels(names, k: int, what: str) -> list[str]:
    names = [_plain(n) for n in names]
    if len(names) != k:
        raise ValueError(f"{what}: expected {k} class names, got {len(names)}")
    return names


def _titles(titles, n: int, default: str, what: str) -> list[str]:
    """Subplot titles: the given ones (exactly n) or default.format(i=i)."""
    titles = [_plain(x) for x in titles] if titles is not None else [default.format(i=i) for i in range(n)]
    if len(titles) != n:
        raise ValueError(f"{what}: {n} panels but {len(titles)} titles")
    return titles


def _num(v: float) -> str:
    """Compact number with a typographic minus, for titles."""
    return f"{v:.2f}".replace("-", "\u2212")


def _sym(a: np.ndarray) -> float:
    """Half-width of a colour range symmetric around zero (never 0, so constant arrays still render)."""
    finite = np.abs(a[np.isfinite(a)])  # partial outputs (NaN = not computed yet) still get a range
    m = float(finite.max()) if finite.size else 0.0
    return m if m > 0 else 1.0


def _finish(fig: go.Figure, title: str, height: int, top: int | None = None, **layout) -> go.Figure:
    margin = dict(l=10, r=10, t=top if top is not None else (60 if title else 30), b=10)
    margin.update(layout.pop("margin", {}))
    fig.update_layout(template=TEMPLATE, height=int(height), margin=margin,
                      title=dict(text=_plain(title), x=0.01, xanchor="left") if title else None, **layout)
    return fig


def _image_axes(fig: go.Figure) -> None:
    """Equal aspect, row 0 at the top (reversed y range), no ticks or grid on every axis pair that holds a trace."""
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, ticks="", constrain="domain")
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, ticks="", constrain="domain")
    for trace in fig.data:
        xa, ya = trace.xaxis or "x", trace.yaxis or "y"
        h, w = np.shape(trace.z)[:2]  # explicit ranges: autorange would drop all-NaN edge rows
        fig.layout["xaxis" + xa[1:]].update(range=[-0.5, w - 0.5])
        fig.layout["yaxis" + ya[1:]].update(range=[h - 0.5, -0.5], scaleanchor=xa, scaleratio=1)


def _channels_last(img, name: str = "image") -> np.ndarray:
    """(H, W) grey or (H, W, 3) colour, as given (no conversion), from (H, W), (H, W, 3|1) or (3|1, H, W)."""
    a = _array(img, (2, 3), name)
    if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3):
        a = np.moveaxis(a, 0, -1)  # (C, H, W) -> (H, W, C)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim == 3 and a.shape[-1] != 3:
        raise ValueError(f"{name} must be (H, W), (H, W, 3) or (3, H, W), got shape {a.shape}")
    return a


def _to_display(img, name: str = "image") -> tuple[str, np.ndarray]:
    """('grey', (H, W)) or ('rgb', (H, W, 3) uint8) from (H, W), (H, W, 3|1) uint8/float or (3|1, H, W)."""
    a = _channels_last(img, name)
    if a.ndim == 2:
        return "grey", a
    if a.dtype == np.uint8:
        return "rgb", a
    a = a.astype(np.float64)
    lo, hi = float(a.min()), float(a.max())
    if lo < 0 or hi > 1:  # not a 0..1 image: stretch to the full range
        a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return "rgb", np.round(np.clip(a, 0, 1) * 255).astype(np.uint8)


def _image_trace(img, name: str = "image", **heat) -> go.BaseTraceType:
    kind, a = _to_display(img, name)
    if kind == "rgb":
        return go.Image(z=a, hovertemplate="row %{y}, col %{x}<br>rgb %{z}<extra></extra>")
    opts = dict(colorscale=GREYS, showscale=False, hovertemplate=_HOVER_CELL)
    opts.update(heat)
    return go.Heatmap(z=a, **opts)


def _signed(z: np.ndarray, numbers: bool = False, **kw) -> go.Heatmap:
    """Diverging heatmap centred at zero (symmetric zmin/zmax), optionally with the values printed."""
    m = _sym(z)
    opts = dict(colorscale=DIVERGING, zmid=0, zmin=-m, zmax=m, showscale=False, hovertemplate=_HOVER_CELL)
    if numbers:
        opts.update(texttemplate="%{z:.2~f}", textfont=dict(size=11))
    opts.update(kw)
    return go.Heatmap(z=z, **opts)


def _outline(fig: go.Figure, r: int, c: int, h: int, w: int, row: int, col: int, colour: str = "#ff7f0e") -> None:
    """Rectangle around cells [r, r+h) x [c, c+w) of the heatmap at subplot (row, col)."""
    fig.add_shape(type="rect", x0=c - 0.5, x1=c + w - 0.5, y0=r - 0.5, y1=r + h - 0.5,
                  line=dict(color=colour, width=3), row=row, col=col)


def _panels(titles: list[str], widths: list[float]) -> go.Figure:
    """One row of image panels side by side with the given relative widths."""
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, column_widths=widths,
                        horizontal_spacing=0.05)
    fig.update_annotations(font_size=13)
    return fig


def t(text: str, **values) -> str:
    """A label in the language of the app session drawing the figure (English elsewhere)."""
    return translate(text, current_language(), **values)


def _empty(title: str, message: str | None = None, height: int = 200) -> go.Figure:
    message = message or t("nothing to show")
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=16, color="#888"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _finish(fig, title, height)


# ---------------------------------------------------------------- kernels and feature maps
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
    return np.ascontiguousarray(out[:plan.shape[0], :plan.shape[1]])


def _where(n: int, h: int, w: int, gaps_hover: bool = False) -> np.ndarray:
    """[tile index, row, col] of every cell of n tiles of h x w, (N, h, w, 3), in the smallest unsigned type; float32
    when gaps_hover (a go.Image hovers its white gaps too: NaN there reads as no tile, where 0 would read as tile 0)."""
    i, r, c = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), indexing="ij", sparse=True)
    big = max(n, h, w)
    dtype = np.float32 if gaps_hover or big > 65535 else np.uint8 if big <= 255 else np.uint16
    return np.stack(np.broadcast_arrays(i, r, c), axis=-1).astype(dtype)


def _own_range(x: np.ndarray, signed: bool) -> tuple[float, float]:
    """A tile's own colour range: symmetric around zero (±max |value|) when signed, else its min..max."""
    if signed:
        m = _sym(x)
        return -m, m
    finite = x[np.isfinite(x)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def _tiled_heatmap(values: np.ndarray, titles: list[str], max_cols: int, title: str, signed: bool,
                   own_range: bool = True, cell_px: tuple[int, int] = (80, 260), **trace) -> go.Figure:
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
    heat = go.Heatmap(z=_tile(colour, plan, np.nan), text=_tile(_where(n, h, w), plan, 0), hoverongaps=False,
                      customdata=None if true is None else _tile(true, plan, 0), hovertemplate=hover, **trace)
    return _tile_figure(heat, plan, titles, title)


def _tiled_image(pixels: np.ndarray, true: np.ndarray | None, titles: list[str], max_cols: int, title: str,
                 cell_px: tuple[int, int] = (80, 260)) -> go.Figure:
    """N colour tiles (N, h, w, 3) uint8 as one go.Image with white gaps; true (N, h, w, 3) the values behind the
    pixels when they differ from them (kept in customdata and shown on hover), else None."""
    n, h, w, _ = pixels.shape
    plan = _tile_plan(n, h, w, max_cols, any(titles), cell_px)
    if true is None:
        hover, values = _HOVER_TILE + "rgb %{z}<extra></extra>", None
    else:
        hover = _HOVER_TILE + "R %{customdata[0]:.4~g}, G %{customdata[1]:.4~g}, B %{customdata[2]:.4~g}<extra></extra>"
        values = _tile(true.astype(np.result_type(true.dtype, np.float32)), plan, np.nan)
    img = go.Image(z=_tile(pixels, plan, 255), text=_tile(_where(n, h, w, gaps_hover=True), plan, np.nan),
                   customdata=values, hovertemplate=hover)
    return _tile_figure(img, plan, titles, title)


def _tile_figure(trace: go.BaseTraceType, plan: _Plan, titles: list[str], title: str) -> go.Figure:
    """The figure around one tiled trace: a title above each tile, equal aspect, row 0 at the top, no ticks."""
    (height, width), top = plan.shape, plan.top
    small = {"font": {"size": 11}} if plan.cols > 6 else {}  # else the default 12
    # in data coordinates (the default xref "x", yref "y"), centred (xanchor "auto" without an arrow) above the tile;
    # Plotly validates every property of every annotation, so each sets only what differs from the defaults
    notes = [dict(text=text, x=c0 + (w - 1) / 2, y=r0 - 0.5, yanchor="bottom", showarrow=False, **small)
             for text, (r0, c0, h, w) in zip(titles, plan.tiles) if text]
    axis = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="", constrain="domain")
    margin_top = 60 if title else 10
    fig = go.Figure(trace, layout=dict(
        annotations=notes, meta={"tiles": plan.tiles},
        xaxis=dict(range=[-0.5, width - 0.5], **axis),
        yaxis=dict(range=[height - 0.5, -0.5 - top], scaleanchor="x", scaleratio=1, **axis)))
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
    return [np.array(z[r0:r0 + h, c0:c0 + w]) for r0, c0, h, w in meta["tiles"]]


def kernel_grid(kernels, titles=None, shared_scale=True, max_cols=8, title="", zmax=None) -> go.Figure:
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
    fig.update_layout(coloraxis=dict(colorscale=DIVERGING, cmin=-m, cmax=m,
                                     colorbar=dict(thickness=12, len=min(1.0, 300 / fig.layout.height))))
    return fig


def kernel_grid_rgb(kernels, titles=None, max_cols=8, title="") -> go.Figure:
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


def feature_map_grid(maps, titles=None, max_cols=8, title="") -> go.Figure:
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


def image(img, title="", colorscale="gray") -> go.Figure:
    """One image: (H, W) grey of any range, (H, W, 3) uint8 RGB or (3, H, W) float."""
    _, a = _to_display(img)
    trace = _image_trace(a, colorscale=colorscale, showscale=True, colorbar=dict(thickness=12))
    fig = go.Figure(trace)
    _image_axes(fig)
    h, w = a.shape[:2]
    return _finish(fig, title, int(np.clip(480 * h / max(w, 1), 200, 640)) + (60 if title else 30))


def image_gallery(images, captions, max_cols=8, title="") -> go.Figure:
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
        return _tiled_heatmap(np.stack([a for _, a in shown]), captions, max_cols, title, signed=False,
                              cell_px=(80, 200))
    true = None if imgs.dtype == np.uint8 else np.stack([_channels_last(img) for img in imgs])
    return _tiled_image(np.stack([a for _, a in shown]), true, captions, max_cols, title, cell_px=(80, 200))


# ---------------------------------------------------------------- convolution playground


def conv_step(padded_input, kernel, window_rc, products, total, output, out_rc, title="") -> go.Figure:
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
    fig = _panels([t("input {h}×{w}", h=x.shape[0], w=x.shape[1]), t("kernel {h}×{w}", h=k.shape[0], w=k.shape[1]),
                   t("window × kernel"), t("output {h}×{w}", h=out.shape[0], w=out.shape[1])], [1, 1, 1, 1])
    small = x.size <= 100  # numbers stay legible only on small inputs
    fig.add_trace(_image_trace(x, texttemplate="%{z:.2~f}" if small else None), row=1, col=1)
    fig.add_trace(_signed(k, numbers=True), row=1, col=2)
    fig.add_trace(_signed(p, numbers=True), row=1, col=3)
    fig.add_trace(_signed(out, numbers=out.size <= 100), row=1, col=4)
    _outline(fig, r, c, k.shape[0], k.shape[1], row=1, col=1)
    _outline(fig, orow, ocol, 1, 1, row=1, col=4)
    fig.add_shape(type="rect", x0=-0.5, x1=out.shape[1] - 0.5, y0=-0.5, y1=out.shape[0] - 0.5, layer="below",
                  fillcolor="#eef0f3", line=dict(width=0), row=1, col=4)  # cells not computed yet (NaN) show grey
    _image_axes(fig)
    head = t("sum of products = {total}", total=f"{float(total):.4g}")
    return _finish(fig, f"{title} \u2014 {head}" if title else head, 360)


def kernel_applied(image, kernel, output, title="") -> go.Figure:
    """Input image, kernel (values printed) and the resulting output map side by side.

    Args: image (H, W); kernel (kh, kw); output (Ho, Wo).
    """
    x = _array(image, (2,), "image")  # (H, W)
    k = _array(kernel, (2,), "kernel")  # (kh, kw)
    out = _array(output, (2,), "output")  # (Ho, Wo)
    fig = _panels([t("input {h}×{w}", h=x.shape[0], w=x.shape[1]), t("kernel {h}×{w}", h=k.shape[0], w=k.shape[1]),
                   t("output {h}×{w}", h=out.shape[0], w=out.shape[1])], [0.4, 0.2, 0.4])
    fig.add_trace(_image_trace(x), row=1, col=1)
    fig.add_trace(_signed(k, numbers=True), row=1, col=2)
    # a blur of a photo has no negative values: grey reads as an image, red/blue would suggest signs
    fig.add_trace(_signed(out) if (out < 0).any() else _image_trace(out), row=1, col=3)
    _image_axes(fig)
    return _finish(fig, title, 380)


def number_grids(matrices, titles, title="") -> go.Figure:
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


def pooling_view(image, output, kind, size, stride, title="", window_rc=(0, 0), out_rc=(0, 0)) -> go.Figure:
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
    fig = _panels([t("input {h}×{w}", h=x.shape[0], w=x.shape[1]),
                   t("{name} {k}×{k}, stride {s} → {h}×{w}", name=name, k=size, s=stride, h=out.shape[0],
                     w=out.shape[1])],
                  [0.5, 0.5])
    fmt = "%{z:.2~f}"
    fig.add_trace(_image_trace(x, texttemplate=fmt if x.size <= 100 else None), row=1, col=1)
    fig.add_trace(_image_trace(out, texttemplate=fmt if out.size <= 100 else None), row=1, col=2)
    if int(size) <= min(x.shape):
        _outline(fig, int(window_rc[0]), int(window_rc[1]), int(size), int(size), row=1, col=1)
        _outline(fig, int(out_rc[0]), int(out_rc[1]), 1, 1, row=1, col=2)
    _image_axes(fig)
    return _finish(fig, title, 380)


# ---------------------------------------------------------------- training curves


def _points(history: dict, x_key: str, y_key: str) -> tuple[list, list]:
    """(x, y) pairs of a history where both are present (None marks a metric not logged at that step)."""
    xs, ys = (list(history.get(k) if history.get(k) is not None else []) for k in (x_key, y_key))
    if len(ys) and len(xs) != len(ys):
        raise ValueError(f"history[{y_key!r}] has {len(ys)} points but history[{x_key!r}] has {len(xs)}")
    pairs = [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def training_curves(history: dict, title="") -> go.Figure:
    """Loss and accuracy vs (fractional) epoch, train and validation, side by side.

    Args: history dict of lists: step, epoch, train_loss and optional val_loss, train_acc, val_acc
    (None entries are skipped).  Returns: figure with one trace per metric that has points.
    """
    for key in ("epoch", "train_loss"):
        if key not in history:
            raise ValueError(f"history needs a {key!r} list, got keys {sorted(history)}")
    fig = make_subplots(rows=1, cols=2, subplot_titles=[t("loss"), t("accuracy")], horizontal_spacing=0.1)
    for col, metric in ((1, "loss"), (2, "acc")):
        for split, colour in (("train", TRAIN_COLOUR), ("val", VAL_COLOUR)):
            x, y = _points(history, "epoch", f"{split}_{metric}")
            if not y:
                continue
            name = t("train") if split == "train" else t("validation")
            fig.add_trace(go.Scatter(x=x, y=y, name=name, legendgroup=name, mode="lines+markers" if len(y) < 30
                                     else "lines", line=dict(color=colour, width=2), marker=dict(size=5),
                                     showlegend=not any(trace.name == name for trace in fig.data),
                                     hovertemplate=f"{name} {metric}<br>epoch %{{x:.2f}}<br>%{{y:.4g}}<extra></extra>"),
                          row=1, col=col)
    fig.update_xaxes(title_text=t("epoch"))
    fig.update_yaxes(title_text=t("loss"), row=1, col=1)
    fig.update_yaxes(title_text=t("accuracy"), tickformat=".0%", row=1, col=2)
    return _finish(fig, title, 380, legend=dict(orientation="h", y=-0.2, x=0.5, xanchor="center"),
                   margin=dict(b=70))


METRIC_NAMES = {"train_loss": N_("training loss"), "val_loss": N_("validation loss"),
                "train_acc": N_("training accuracy"),
                "val_acc": N_("validation accuracy")}


def compare_curves(histories: dict, metric="val_acc", title="") -> go.Figure:
    """One metric of several runs overlaid against epoch.

    Args: histories {run label: history dict as in training_curves}; metric a history key.
    """
    fig = go.Figure()
    palette = pcolors.qualitative.D3
    for i, (label, hist) in enumerate(histories.items()):
        x, y = _points(hist, "epoch", metric)
        if y:
            fig.add_trace(go.Scatter(x=x, y=y, name=str(label), mode="lines+markers" if len(y) <= 12 else "lines",
                                     line=dict(color=palette[i % len(palette)], width=2),
                                     hovertemplate=f"{label}<br>epoch %{{x:.2f}}<br>{metric} %{{y:.4g}}"
                                                   "<extra></extra>"))
    if not fig.data:
        return _empty(title, t("no run has logged {metric}", metric=metric))
    fig.update_xaxes(title_text=t("epoch"))
    fig.update_yaxes(title_text=t(METRIC_NAMES[metric]) if metric in METRIC_NAMES else metric.replace("_", " "),
                     tickformat=".0%" if metric.endswith("acc") else None)
    return _finish(fig, title, 400, hovermode="x unified" if len(fig.data) <= 6 else "closest")


def accuracy_against(xs, series: dict, x_title: str, title="") -> go.Figure:
    """Accuracy (0..1) of several networks against one setting (a shift, a noise level), one line each.

    Args: xs the setting's values; series {name: accuracies, one per x}.
    """
    fig = go.Figure()
    palette = pcolors.qualitative.D3
    for i, (name, ys) in enumerate(series.items()):
        y = _array(ys, (1,), "accuracies").astype(np.float64)
        if len(y) != len(xs):
            raise ValueError(f"accuracy_against: {len(xs)} settings but {len(y)} accuracies for {name}")
        fig.add_trace(go.Scatter(x=list(xs), y=y, name=_plain(name), mode="lines+markers",
                                 line=dict(color=palette[i % len(palette)], width=2),
                                 hovertemplate=f"{_plain(name)}: %{{y:.1%}}<extra></extra>"))
    fig.update_xaxes(title_text=_plain(x_title))
    fig.update_yaxes(title_text=t("accuracy"), range=[0, 1.02], tickformat=".0%")
    return _finish(fig, title, 360, hovermode="x unified")


def similarity_cascade(stages, series: dict, title="") -> go.Figure:
    """How alike each method's map stays to its trained one (rank correlation, 1 = the same) as the network is
    randomised stage by stage. Args: stages the x labels (the first is the trained network); series
    {method name: one correlation per stage}."""
    labels = [_plain(s) for s in stages]
    fig = go.Figure()
    palette = pcolors.qualitative.D3
    for i, (name, ys) in enumerate(series.items()):
        y = _array(ys, (1,), "correlations").astype(np.float64)
        if len(y) != len(labels):
            raise ValueError(f"similarity_cascade: {len(labels)} stages but {len(y)} values for {name}")
        fig.add_trace(go.Scatter(x=labels, y=y, name=_plain(name), mode="lines+markers",
                                 line=dict(color=palette[i % len(palette)], width=2),
                                 hovertemplate=f"{_plain(name)}: %{{y:.2f}}<extra></extra>"))
    fig.update_xaxes(type="category", title_text=t("randomised up to this layer (from the output side)"))
    fig.update_yaxes(title_text=t("rank correlation with the trained map"), range=[-1.05, 1.05])
    return _finish(fig, title, 380, hovermode="x unified")


# ---------------------------------------------------------------- evaluation


def _square_height(k: int) -> int:
    return int(np.clip(40 * k, 260, 640)) + 90


def confusion_matrix(cm, class_names, normalize=False, title="") -> go.Figure:
    """Confusion matrix, rows = true class (class 0 at the top), columns = predicted class.

    Args: cm (K, K) int counts; normalize: show row-normalised fractions (as %) instead of counts.
    Returns: one heatmap whose z is the counts, or the row fractions when normalize.
    """
    cm = _array(cm, (2,), "cm")  # (K, K)
    if cm.shape[0] != cm.shape[1]:
        raise ValueError(f"confusion matrix must be square, got shape {cm.shape}")
    names = _labels(class_names, cm.shape[0], "confusion_matrix")
    if normalize:
        z = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)  # empty rows stay at 0 instead of NaN
        text, hover = "%{z:.0%}", "true %{y}<br>predicted %{x}<br>%{z:.1%} of row (%{customdata} images)"
    else:
        z, text, hover = cm, "%{z}", "true %{y}<br>predicted %{x}<br>%{z} images"
    fig = go.Figure(go.Heatmap(z=z, x=names, y=names, customdata=cm, colorscale="Blues", texttemplate=text,
                               textfont=dict(size=12 if len(names) <= 12 else 8), hoverinfo="skip",
                               colorbar=dict(thickness=12, tickformat=".0%" if normalize else None)))
    # Streamlit reports no selection for clicks on a heatmap; an invisible marker on every cell makes
    # a click return that cell's (x, y), and carries the hover text.
    k = len(names)
    xs, ys = [names[j] for _ in range(k) for j in range(k)], [names[i] for i in range(k) for _ in range(k)]
    height = _square_height(k)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", showlegend=False, customdata=np.stack(
        [z.reshape(-1), cm.reshape(-1)], axis=1), marker=dict(symbol="square", size=max(6, (height - 160) / k * 0.9),
                                                                opacity=0),
        hovertemplate=hover.replace("%{z", "%{customdata[0]").replace("%{customdata}", "%{customdata[1]}")
        + "<extra></extra>"))
    _label_axes(fig, t("predicted"), t("true"))
    # fixed ranges: autorange would pad for the (invisible) markers and push the labels away from the cells
    fig.update_xaxes(range=[-0.5, k - 0.5])
    fig.update_yaxes(range=[k - 0.5, -0.5], autorange=False)
    return _finish(fig, title, height, clickmode="event+select")


def _label_axes(fig: go.Figure, x_title: str, y_title: str) -> None:
    fig.update_xaxes(title_text=x_title, type="category", side="bottom", showgrid=False, constrain="domain")
    fig.update_yaxes(title_text=y_title, type="category", autorange="reversed", showgrid=False,
                     scaleanchor="x", constrain="domain")


def confusion_diff(cm_a, cm_b, class_names, title="") -> go.Figure:
    """Difference a - b of two confusion matrices on a diverging scale centred at zero.

    Args: cm_a, cm_b (K, K) int counts.  Returns: one heatmap with z = cm_a - cm_b.
    """
    a, b = _array(cm_a, (2,), "cm_a"), _array(cm_b, (2,), "cm_b")
    if a.shape != b.shape or a.shape[0] != a.shape[1]:
        raise ValueError(f"confusion matrices must be square and the same shape, got {a.shape} and {b.shape}")
    names = _labels(class_names, a.shape[0], "confusion_diff")
    z = a.astype(np.int64) - b.astype(np.int64)
    fig = go.Figure(_signed(z, x=names, y=names, texttemplate="%{z:+d}", showscale=True,
                            colorbar=dict(thickness=12),
                            hovertemplate="true %{y}<br>predicted %{x}<br>a \u2212 b = %{z:+d}<extra></extra>"))
    _label_axes(fig, t("predicted"), t("true"))
    return _finish(fig, title, _square_height(len(names)))


def per_class_accuracy(acc, class_names, title="") -> go.Figure:
    """Accuracy per class as % bars; the best class green, the worst red, both named in annotations.

    Args: acc (K,) in 0..1.
    """
    acc = _array(acc, (1,), "acc").astype(np.float64)  # (K,)
    names = _labels(class_names, len(acc), "per_class_accuracy")
    if not np.isfinite(acc).any():
        raise ValueError("per_class_accuracy: no class has a finite accuracy")
    best, worst = int(np.nanargmax(acc)), int(np.nanargmin(acc))  # NaN = class absent from the data
    colours = [NEUTRAL] * len(acc)
    colours[worst], colours[best] = RED, GREEN  # all equal -> best == worst, shown green
    fig = go.Figure(go.Bar(x=names, y=acc, marker_color=colours, texttemplate="%{y:.1%}", textposition="outside",
                           hovertemplate="%{x}: %{y:.2%}<extra></extra>"))
    for i, label in ((best, "best"), (worst, "worst")):
        if label == "worst" and worst == best:
            continue
        text = t("best: {name}", name=names[i]) if label == "best" else t("worst: {name}", name=names[i])
        fig.add_annotation(x=names[i], y=acc[i], yshift=28, text=text, showarrow=False,
                           font=dict(color=GREEN if label == "best" else RED, size=12))
    fig.update_xaxes(type="category", title_text=t("class"))
    fig.update_yaxes(range=[0, 1.18], tickformat=".0%", title_text=t("accuracy"))
    return _finish(fig, title, 380, showlegend=False)


def probability_bars(probs, class_names, true_label=None, title="") -> go.Figure:
    """Horizontal bars of class probabilities, class 0 at the top; prediction coloured, true class marked.

    Args: probs (K,) summing to 1; true_label index of the true class or None.  Colours: predicted class
    green when right (or no label given: accent blue), red when wrong; the true class gets "\u2190 true".
    """
    p = _array(probs, (1,), "probs").astype(np.float64)  # (K,)
    names = _labels(class_names, len(p), "probability_bars")
    pred = int(np.argmax(p))
    if true_label is not None and not 0 <= int(true_label) < len(p):
        raise ValueError(f"true_label {true_label} is not a class index in 0..{len(p) - 1}")
    colours, text = [NEUTRAL] * len(p), [f"{v:.1%}" for v in p]
    colours[pred] = ACCENT if true_label is None else (GREEN if int(true_label) == pred else RED)
    if true_label is not None:
        text[int(true_label)] += "  \u2190 " + t("true")
    fig = go.Figure(go.Bar(x=p, y=names, orientation="h", marker_color=colours, text=text, textposition="outside",
                           cliponaxis=False, hovertemplate="%{y}: %{x:.2%}<extra></extra>"))
    fig.update_xaxes(range=[0, 1.25], tickvals=[0, 0.25, 0.5, 0.75, 1], tickformat=".0%", title_text=t("probability"))
    fig.update_yaxes(type="category", autorange="reversed")
    return _finish(fig, title, int(np.clip(28 * len(p), 200, 700)) + 90, showlegend=False)


def logits_to_probabilities(logits, probs, class_names, true_label=None, title="") -> go.Figure:
    """Two bar panels, one row per class: the last layer's scores (logits, any sign), then their softmax.

    Args: logits (K,); probs (K,) summing to 1; true_label index of the true class or None. The predicted class
    is coloured as in `probability_bars` in both panels, so the eye follows one class from score to probability.
    """
    z = _array(logits, (1,), "logits").astype(np.float64)  # (K,)
    p = _array(probs, (1,), "probs").astype(np.float64)  # (K,)
    if z.shape != p.shape:
        raise ValueError(f"logits_to_probabilities: {len(z)} logits but {len(p)} probabilities")
    names = _labels(class_names, len(p), "logits_to_probabilities")
    pred = int(np.argmax(p))
    colours = [NEUTRAL] * len(p)
    colours[pred] = ACCENT if true_label is None else (GREEN if int(true_label) == pred else RED)
    marks = ["  \u2190 " + t("true") if true_label is not None and i == int(true_label) else "" for i in range(len(p))]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.12,
                        subplot_titles=[_plain(t("scores (logits)")), _plain(t("softmax: probabilities"))])
    fig.add_trace(go.Bar(x=z, y=names, orientation="h", marker_color=colours, cliponaxis=False,
                         text=[f"{v:.2f}".replace("-", "\u2212") for v in z], textposition="outside",
                         hovertemplate="%{y}: %{x:.3f}<extra></extra>"), 1, 1)
    fig.add_trace(go.Bar(x=p, y=names, orientation="h", marker_color=colours, cliponaxis=False,
                         text=[f"{v:.1%}{m}" for v, m in zip(p, marks)], textposition="outside",
                         hovertemplate="%{y}: %{x:.2%}<extra></extra>"), 1, 2)
    pad = 0.5 * (float(np.abs(z).max()) or 1.0)  # room for the value printed beyond each bar's end
    fig.update_xaxes(range=[min(0.0, float(z.min())) - pad, max(0.0, float(z.max())) + pad], row=1, col=1)
    fig.update_xaxes(range=[0, 1.7], tickvals=[0, 0.5, 1], tickformat=".0%", row=1, col=2)
    fig.update_yaxes(type="category", autorange="reversed")
    return _finish(fig, title, int(np.clip(28 * len(p), 200, 700)) + 110, showlegend=False)


def loss_steps(losses, title="") -> go.Figure:
    """The loss after each step of gradient descent (step 0 = before any), on a log scale when it spans decades."""
    y = _array(losses, (1,), "losses").astype(np.float64)  # (S,)
    fig = go.Figure(go.Scatter(x=list(range(len(y))), y=y, mode="lines+markers", line=dict(color=ACCENT),
                               hovertemplate=t("step") + " %{x}: %{y:.4g}<extra></extra>"))
    positive = y[np.isfinite(y) & (y > 0)]
    log = positive.size > 1 and positive.max() / positive.min() > 100
    fig.update_xaxes(title_text=t("step"), rangemode="tozero")
    fig.update_yaxes(title_text=t("loss"), type="log" if log else "linear")
    return _finish(fig, title, 260, showlegend=False)


def per_class_against(acc, reference, class_names, names=("yours", "reference"), title="") -> go.Figure:
    """Accuracy per class of a run beside a reference (the source lesson's numbers), as grouped % bars.

    Args: acc (K,), reference (K,) in 0..1 (NaN where unknown); names the two legend entries.
    """
    a = _array(acc, (1,), "acc").astype(np.float64)  # (K,)
    r = _array(reference, (1,), "reference").astype(np.float64)  # (K,)
    if a.shape != r.shape:
        raise ValueError(f"per_class_against: {len(a)} accuracies against {len(r)} reference values")
    labels = _labels(class_names, len(a), "per_class_against")
    fig = go.Figure([go.Bar(x=labels, y=v, name=_plain(n), marker_color=c, texttemplate="%{y:.1%}",
                            textposition="outside", textangle=-90,
                            hovertemplate=f"{_plain(n)}: %{{y:.2%}}<extra></extra>")
                     for v, n, c in ((a, names[0], ACCENT), (r, names[1], NEUTRAL))])
    low = float(np.nanmin(np.concatenate([a, r])))
    fig.update_xaxes(type="category", title_text=t("class"))
    fig.update_yaxes(range=[max(0.0, low - 0.1), 1.04], tickformat=".0%", title_text=t("accuracy"))
    return _finish(fig, title, 380, barmode="group", legend=dict(orientation="h", y=-0.25))


# ---------------------------------------------------------------- architecture and internals


def _shade(hex_colour: str, factor: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#%02x%02x%02x" % tuple(int(min(255, v * factor)) for v in (r, g, b))


def architecture_volumes(layers, title="") -> go.Figure:
    """Textbook (LeNet-style) diagram: one pseudo-3D box per layer, left to right, name and shape below.

    Args: layers list of (name, shape), shape (C, H, W) for volumes or (units,) for vectors.  Box width grows
    with log(channels) (log(units) sets a vector's height), box height with H.
    """
    if not layers:
        raise ValueError("architecture_volumes needs at least one (name, shape) layer")
    shapes = [tuple(int(s) for s in shape) for _, shape in layers]
    for (name, _), shape in zip(layers, shapes):
        if len(shape) not in (1, 3) or min(shape) < 1:
            raise ValueError(f"layer {name!r}: shape must be (C, H, W) or (units,) of positive ints, got {shape}")
    max_c = max([s[0] for s in shapes if len(s) == 3], default=1)
    max_h = max([s[1] for s in shapes if len(s) == 3], default=1)
    max_u = max([s[0] for s in shapes if len(s) == 1], default=1)
    n, dx, dy = len(layers), 0.16, 0.14  # dx, dy: offset of the back face, the pseudo-3D depth
    offset = (max(n, 6) - n) / 2  # few layers: keep boxes at a sensible size, centred
    fig, small = go.Figure(), n > 8
    hover_x, hover_text, prev_right = [], [], None
    for i, ((name, _), shape) in enumerate(zip(layers, shapes)):
        x = offset + i
        if len(shape) == 3:
            fw = 0.1 + 0.45 * math.log(shape[0] + 1) / math.log(max_c + 2)
            fh = 0.3 + 1.6 * shape[1] / max_h
            colour, label = "#6fa8dc", "\u00d7".join(map(str, shape))
        else:
            fw, fh = 0.07, 0.3 + 1.6 * math.log(shape[0] + 1) / math.log(max_u + 2)
            colour, label = "#93c47d", str(shape[0])
        x0, x1, y0, y1 = x - fw / 2, x + fw / 2, -fh / 2, fh / 2
        line = dict(color="#33475b", width=1)
        fig.add_shape(type="path", path=f"M{x0},{y1} L{x0 + dx},{y1 + dy} L{x1 + dx},{y1 + dy} L{x1},{y1} Z",
                      fillcolor=_shade(colour, 1.15), line=line)  # top face
        fig.add_shape(type="path", path=f"M{x1},{y0} L{x1 + dx},{y0 + dy} L{x1 + dx},{y1 + dy} L{x1},{y1} Z",
                      fillcolor=_shade(colour, 0.8), line=line)  # side face
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor=colour, line=line)
        if prev_right is not None:
            fig.add_annotation(x=x0 - 0.03, y=0, ax=prev_right + 0.03, ay=0, xref="x", yref="y", axref="x",
                               ayref="y", showarrow=True, arrowhead=2, arrowwidth=1, arrowcolor="#999", text="")
        prev_right = x1 + dx
        low = -1.15 - (0.4 if small and i % 2 else 0.0)  # stagger labels so long rows never overlap
        fig.add_annotation(x=x + dx / 2, y=low, text=f"<b>{name}</b><br>{label}", showarrow=False, yanchor="top",
                           font=dict(size=10 if small else 12))
        hover_x.append(x + dx / 2)
        hover_text.append(f"{name}<br>shape {label}<br>{math.prod(shape):,} values")
    fig.add_trace(go.Scatter(x=hover_x, y=[0] * n, mode="markers", marker=dict(size=24, opacity=0),
                             hovertext=hover_text, hoverinfo="text", showlegend=False))
    fig.update_xaxes(visible=False, range=[-0.6, max(n, 6) - 0.2])
    fig.update_yaxes(visible=False, range=[-2.1 if small else -1.7, 1.3])
    return _finish(fig, title, 360 if small else 320)


def histogram_timeline(values_per_step, steps, title="") -> go.Figure:
    """Histograms of a value (weights, activations) over snapshots as one heatmap with common bins.

    Args: values_per_step T 1-D arrays; steps T snapshot steps.  Returns: heatmap z (bins, T) of counts.
    """
    values = [np.asarray(v, dtype=np.float64).ravel() for v in values_per_step]
    steps = list(steps)
    if len(values) != len(steps):
        raise ValueError(f"histogram_timeline: {len(values)} value arrays but {len(steps)} steps")
    finite = [v[np.isfinite(v)] for v in values]
    if not values or not any(v.size for v in finite):
        raise ValueError("histogram_timeline needs at least one non-empty array of finite values")
    lo, hi = min(v.min() for v in finite if v.size), max(v.max() for v in finite if v.size)
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, 41)  # common bins so columns are comparable
    z = np.stack([np.histogram(v, bins=edges)[0] for v in finite], axis=1)  # (bins, T)
    centres = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure(go.Heatmap(z=z, x=steps, y=centres, colorscale="Viridis",
                               colorbar=dict(thickness=12, title=t("count")),
                               hovertemplate="step %{x}<br>value \u2248 %{y:.3g}<br>count %{z}<extra></extra>"))
    fig.update_xaxes(title_text=t("step"), type="category" if len(steps) <= 12 else "-")
    fig.update_yaxes(title_text=t("value"))
    return _finish(fig, title, 380)


def heatmap(matrix, x_labels, y_labels, title="", colorscale="Viridis", zmid=None, text_fmt=None) -> go.Figure:
    """Generic labelled heatmap, first row at the top.

    Args: matrix (R, C); x_labels C strings; y_labels R strings; zmid centre of a diverging scale;
    text_fmt d3 format of the printed values (e.g. ".2f", ".0%"), None prints nothing.
    """
    z = _array(matrix, (2,), "matrix")  # (R, C)
    xs, ys = [str(v) for v in x_labels], [str(v) for v in y_labels]
    if (len(ys), len(xs)) != z.shape:
        raise ValueError(f"heatmap: matrix shape {z.shape} but {len(ys)} y labels and {len(xs)} x labels")
    opts = dict(zmid=zmid) if zmid is not None else {}
    if text_fmt:
        opts.update(texttemplate=f"%{{z:{text_fmt}}}", textfont=dict(size=11))
    fig = go.Figure(go.Heatmap(z=z, x=xs, y=ys, colorscale=colorscale, colorbar=dict(thickness=12),
                               hovertemplate="%{y} / %{x}<br>%{z:.4g}<extra></extra>", **opts))
    fig.update_xaxes(type="category", showgrid=False)
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False)
    return _finish(fig, title, int(np.clip(30 * len(ys), 200, 700)) + 110)


def overlay(image, heat, alpha=0.5, title="") -> go.Figure:
    """A saliency / Grad-CAM map (0..1) drawn semi-transparent over a grey or RGB image.

    Args: image (H, W) grey or (H, W, 3) / (3, H, W) RGB; heat (H, W) in 0..1; alpha heat opacity.
    """
    kind, a = _to_display(image)
    h = _array(heat, (2,), "heat")  # (H, W)
    if h.shape != a.shape[:2]:
        raise ValueError(f"heat shape {h.shape} must match the image's (H, W) {a.shape[:2]}")
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in 0..1, got {alpha}")
    if kind == "grey":  # a grey heatmap beneath would fight the heat colour scale: draw it as an RGB image
        lo, hi = float(a.min()), float(a.max())
        g = np.round(255 * (a - lo) / (hi - lo)).astype(np.uint8) if hi > lo else np.zeros(a.shape, np.uint8)
        a = np.repeat(g[..., None], 3, axis=-1)
    fig = go.Figure(go.Image(z=a, hoverinfo="skip"))
    fig.add_trace(go.Heatmap(z=h, zmin=0, zmax=1, colorscale="Jet", opacity=alpha, colorbar=dict(thickness=12),
                             hovertemplate=_HOVER_CELL))
    _image_axes(fig)
    return _finish(fig, title, int(np.clip(480 * a.shape[0] / a.shape[1], 200, 640)) + (60 if title else 30))


def scatter_embedding(points, labels, class_names, hover_text=None, mistakes=None, title="",
                      x_range=None, y_range=None) -> go.Figure:
    """2-D embedding (t-SNE, PCA...) coloured by class, one trace per class; mistakes ringed.

    Args: points (N, 2); labels (N,) class indices; hover_text N strings; mistakes (N,) bool mask or indices;
        x_range, y_range fixed axis ranges (a replay keeps one frame). Each point's customdata is its index in
        `points`, so a selection maps back to the data whatever trace it fell in.
    """
    pts = _array(points, (2,), "points")  # (N, 2)
    lab = _array(labels, (1,), "labels").astype(int)  # (N,)
    if pts.shape[1:] != (2,) or len(lab) != len(pts):
        raise ValueError(f"points must be (N, 2) with N labels, got points {pts.shape} and {len(lab)} labels")
    names = [_plain(c) for c in class_names]
    if len(lab) and (lab.min() < 0 or lab.max() >= len(names)):
        raise ValueError(f"labels must be class indices in 0..{len(names) - 1}")
    text = np.asarray([_plain(h) for h in hover_text] if hover_text is not None else [""] * len(pts), dtype=object)
    if len(text) != len(pts):
        raise ValueError(f"hover_text has {len(text)} entries for {len(pts)} points")
    palette = pcolors.qualitative.D3 if len(names) <= 10 else pcolors.qualitative.Alphabet
    kind = go.Scattergl if len(pts) > 5000 else go.Scatter  # WebGL keeps 10k points responsive
    fig = go.Figure()
    for k, name in enumerate(names):
        sel = lab == k
        fig.add_trace(kind(x=pts[sel, 0], y=pts[sel, 1], mode="markers", name=name, text=text[sel],
                           customdata=np.flatnonzero(sel),
                           marker=dict(size=6, color=palette[k % len(palette)], opacity=0.8),
                           hovertemplate=f"{name}<br>%{{text}}<extra></extra>"))
    if mistakes is not None:
        m = np.asarray(mistakes)
        if m.dtype == bool and len(m) != len(pts):
            raise ValueError(f"mistakes mask has {len(m)} entries for {len(pts)} points")
        idx = np.flatnonzero(m) if m.dtype == bool else m.astype(int).ravel()
        if idx.size and (idx.min() < 0 or idx.max() >= len(pts)):
            raise ValueError(f"mistakes indices must be in 0..{len(pts) - 1}")
        fig.add_trace(kind(x=pts[idx, 0], y=pts[idx, 1], mode="markers", name=t("mistakes"), text=text[idx],
                           customdata=idx, marker=dict(symbol="circle-open", size=11, color="black",
                                                       line=dict(width=1.5)),
                           hovertemplate=t("mistake") + "<br>%{text}<extra></extra>"))
    fig.update_xaxes(showticklabels=False, zeroline=False, range=list(x_range) if x_range is not None else None)
    fig.update_yaxes(showticklabels=False, zeroline=False, range=list(y_range) if y_range is not None else None)
    return _finish(fig, title, 560, legend=dict(itemsizing="constant"))
