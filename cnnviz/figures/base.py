"""What every figure shares: the look (template, colours), input checks, image traces and the finishing touches."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from ..i18n import current_language, translate

DIVERGING = "RdBu"
GREYS = "gray"  # black -> white, so MNIST digits look like the dataset (white on black)
GREEN, RED, NEUTRAL, ACCENT = "#2ca02c", "#d62728", "#a3acb9", "#1f77b4"
TRAIN_COLOUR, VAL_COLOUR = "#1f77b4", "#ff7f0e"
TRACE_TYPES = ("bar", "heatmap", "image", "scatter", "scattergl")  # every kind of trace the figures draw
_HOVER_CELL = "row %{y}, col %{x}<br>value %{z:.4g}<extra></extra>"


def _white() -> go.layout.Template:
    """plotly_white as far as these figures can use it: its layout but for the polar, ternary, 3-D and map subplots
    they never have, and its trace defaults for TRACE_TYPES only. Plotly validates and copies a template on every
    figure it is applied to and writes it into the figure's JSON: all of plotly_white (24 kinds of trace) took ~20 ms
    of each figure, this ~5 ms, and draws the same."""
    white = pio.templates["plotly_white"]
    layout = {k: v for k, v in white.layout.to_plotly_json().items() if k not in ("geo", "polar", "scene", "ternary")}
    return go.layout.Template(layout=layout, data={kind: white.data[kind] for kind in TRACE_TYPES if white.data[kind]})


TEMPLATE = _white()


def t(text: str, **values) -> str:
    """A label in the language of the app session drawing the figure (English elsewhere)."""
    return translate(text, current_language(), **values)


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


def _titles(titles, n: int, default: str, what: str) -> list[str]:
    """Subplot titles: the given ones (exactly n) or default.format(i=i)."""
    titles = [_plain(x) for x in titles] if titles is not None else [default.format(i=i) for i in range(n)]
    if len(titles) != n:
        raise ValueError(f"{what}: {n} panels but {len(titles)} titles")
    return titles


def _sym(a: np.ndarray) -> float:
    """Half-width of a colour range symmetric around zero (never 0, so constant arrays still render)."""
    finite = np.abs(a[np.isfinite(a)])  # partial outputs (NaN = not computed yet) still get a range
    m = float(finite.max()) if finite.size else 0.0
    return m if m > 0 else 1.0


def _finish(fig: go.Figure, title: str, height: int, top: int | None = None, **layout) -> go.Figure:
    margin = dict(l=10, r=10, t=top if top is not None else (60 if title else 30), b=10)
    margin.update(layout.pop("margin", {}))
    fig.update_layout(
        template=TEMPLATE,
        height=int(height),
        margin=margin,
        title=dict(text=_plain(title), x=0.01, xanchor="left") if title else None,
        **layout,
    )
    return fig


def _empty(title: str, message: str | None = None, height: int = 200) -> go.Figure:
    message = message or t("nothing to show")
    fig = go.Figure()
    fig.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font=dict(size=16, color="#888")
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _finish(fig, title, height)


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
