"""What explains a decision: a saliency or Grad-CAM map over the image, the embedding map of the test set."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.colors as pcolors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .base import _HOVER_CELL, _array, _finish, _image_axes, _plain, _to_display, t

if TYPE_CHECKING:
    from collections.abc import Sequence


def overlay(image: np.ndarray, heat: np.ndarray, alpha: float = 0.5, title: str = "") -> go.Figure:
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
    fig.add_trace(
        go.Heatmap(
            z=h, zmin=0, zmax=1, colorscale="Jet", opacity=alpha, colorbar=dict(thickness=12), hovertemplate=_HOVER_CELL
        )
    )
    _image_axes(fig)
    return _finish(fig, title, int(np.clip(480 * a.shape[0] / a.shape[1], 200, 640)) + (60 if title else 30))


def overlay_grid(
    images: np.ndarray, heats: dict, box: tuple[int, int, int, int] | None = None, title: str = ""
) -> go.Figure:
    """Maps over the same grey images, one row per network: each panel a Grad-CAM (or saliency) map over its image.

    Args: images (K, H, W) grey; heats {row name: (K, H, W) in 0..1}; box optional (top, left, bottom, right) of a
    region outlined in every panel (bottom and right exclusive).
    """
    imgs = _array(images, (3,), "images")  # (K, H, W)
    rows = {_plain(name): _array(h, (3,), "heat") for name, h in heats.items()}
    if not rows or any(h.shape != imgs.shape for h in rows.values()):
        raise ValueError(f"overlay_grid: every heat stack must have the images' shape {imgs.shape}")
    k = len(imgs)
    fig = make_subplots(rows=len(rows), cols=k, row_titles=list(rows), horizontal_spacing=0.01, vertical_spacing=0.04)
    for r, heat in enumerate(rows.values(), start=1):
        for c in range(k):
            _, grey = _to_display(imgs[c])
            lo, hi = float(grey.min()), float(grey.max())
            g = np.round(255 * (grey - lo) / (hi - lo)).astype(np.uint8) if hi > lo else np.zeros(grey.shape, np.uint8)
            fig.add_trace(go.Image(z=np.repeat(g[..., None], 3, axis=-1), hoverinfo="skip"), r, c + 1)
            fig.add_trace(
                go.Heatmap(
                    z=heat[c],
                    zmin=0,
                    zmax=1,
                    colorscale="Jet",
                    opacity=0.5,
                    showscale=r == c == 1,
                    colorbar=dict(thickness=12),
                    hovertemplate=_HOVER_CELL,
                ),
                r,
                c + 1,
            )
            if box is not None:
                top, left, bottom, right = box
                fig.add_shape(
                    type="rect",
                    x0=left - 0.5,
                    x1=right - 0.5,
                    y0=top - 0.5,
                    y1=bottom - 0.5,
                    line=dict(color="white", width=1.5, dash="dot"),
                    row=r,
                    col=c + 1,
                )
    _image_axes(fig)
    return _finish(fig, title, 50 + 230 * len(rows), margin=dict(r=40))


def scatter_embedding(
    points: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    hover_text: Sequence[str] | None = None,
    mistakes: np.ndarray | None = None,
    title: str = "",
    x_range: Sequence[float] | None = None,
    y_range: Sequence[float] | None = None,
) -> go.Figure:
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
        fig.add_trace(
            kind(
                x=pts[sel, 0],
                y=pts[sel, 1],
                mode="markers",
                name=name,
                text=text[sel],
                customdata=np.flatnonzero(sel),
                marker=dict(size=6, color=palette[k % len(palette)], opacity=0.8),
                hovertemplate=f"{name}<br>%{{text}}<extra></extra>",
            )
        )
    if mistakes is not None:
        m = np.asarray(mistakes)
        if m.dtype == bool and len(m) != len(pts):
            raise ValueError(f"mistakes mask has {len(m)} entries for {len(pts)} points")
        idx = np.flatnonzero(m) if m.dtype == bool else m.astype(int).ravel()
        if idx.size and (idx.min() < 0 or idx.max() >= len(pts)):
            raise ValueError(f"mistakes indices must be in 0..{len(pts) - 1}")
        fig.add_trace(
            kind(
                x=pts[idx, 0],
                y=pts[idx, 1],
                mode="markers",
                name=t("mistakes"),
                text=text[idx],
                customdata=idx,
                marker=dict(symbol="circle-open", size=11, color="black", line=dict(width=1.5)),
                hovertemplate=t("mistake") + "<br>%{text}<extra></extra>",
            )
        )
    fig.update_xaxes(showticklabels=False, zeroline=False, range=list(x_range) if x_range is not None else None)
    fig.update_yaxes(showticklabels=False, zeroline=False, range=list(y_range) if y_range is not None else None)
    return _finish(fig, title, 560, legend=dict(itemsizing="constant"))
