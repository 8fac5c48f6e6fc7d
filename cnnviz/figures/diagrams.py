"""Diagrams of a network: its layers as the textbook's boxes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from .base import _finish

if TYPE_CHECKING:
    from collections.abc import Sequence


def _shade(hex_colour: str, factor: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#%02x%02x%02x" % tuple(int(min(255, v * factor)) for v in (r, g, b))


DX, DY = 0.16, 0.14  # offset of a box's back face: the pseudo-3D depth
_EDGE = dict(color="#33475b", width=1)


def architecture_volumes(layers: Sequence[tuple[str, Sequence[int]]], title: str = "") -> go.Figure:
    """Textbook (LeNet-style) diagram: one pseudo-3D box per layer, left to right, name and shape below.

    Args: layers list of (name, shape), shape (C, H, W) for volumes or (units,) for vectors.  Box width grows
    with log(channels) (log(units) sets a vector's height), box height with H.
    """
    shapes = _checked_shapes(layers)
    max_c = max([s[0] for s in shapes if len(s) == 3], default=1)
    max_h = max([s[1] for s in shapes if len(s) == 3], default=1)
    max_u = max([s[0] for s in shapes if len(s) == 1], default=1)
    n = len(layers)
    offset = (max(n, 6) - n) / 2  # few layers: keep boxes at a sensible size, centred
    fig, small = go.Figure(), n > 8
    hover_x, hover_text, prev_right = [], [], None
    for i, ((name, _), shape) in enumerate(zip(layers, shapes)):
        x = offset + i
        fw, fh, colour, label = _box_look(shape, max_c, max_h, max_u)
        x0, x1 = x - fw / 2, x + fw / 2
        _box(fig, x0, x1, -fh / 2, fh / 2, colour)
        if prev_right is not None:
            _arrow(fig, prev_right + 0.03, x0 - 0.03)
        prev_right = x1 + DX
        low = -1.15 - (0.4 if small and i % 2 else 0.0)  # stagger labels so long rows never overlap
        fig.add_annotation(
            x=x + DX / 2,
            y=low,
            text=f"<b>{name}</b><br>{label}",
            showarrow=False,
            yanchor="top",
            font=dict(size=10 if small else 12),
        )
        hover_x.append(x + DX / 2)
        hover_text.append(f"{name}<br>shape {label}<br>{math.prod(shape):,} values")
    fig.add_trace(
        go.Scatter(
            x=hover_x,
            y=[0] * n,
            mode="markers",
            marker=dict(size=24, opacity=0),
            hovertext=hover_text,
            hoverinfo="text",
            showlegend=False,
        )
    )
    fig.update_xaxes(visible=False, range=[-0.6, max(n, 6) - 0.2])
    fig.update_yaxes(visible=False, range=[-2.1 if small else -1.7, 1.3])
    return _finish(fig, title, 360 if small else 320)


def _checked_shapes(layers: Sequence[tuple[str, Sequence[int]]]) -> list[tuple[int, ...]]:
    if not layers:
        raise ValueError("architecture_volumes needs at least one (name, shape) layer")
    shapes = [tuple(int(s) for s in shape) for _, shape in layers]
    for (name, _), shape in zip(layers, shapes):
        if len(shape) not in (1, 3) or min(shape) < 1:
            raise ValueError(f"layer {name!r}: shape must be (C, H, W) or (units,) of positive ints, got {shape}")
    return shapes


def _box_look(shape: tuple[int, ...], max_c: int, max_h: int, max_u: int) -> tuple[float, float, str, str]:
    """A layer's box: (width, height, colour, label); blue volumes of feature maps, green bars of numbers."""
    if len(shape) == 3:
        fw = 0.1 + 0.45 * math.log(shape[0] + 1) / math.log(max_c + 2)
        fh = 0.3 + 1.6 * shape[1] / max_h
        return fw, fh, "#6fa8dc", "\u00d7".join(map(str, shape))
    fh = 0.3 + 1.6 * math.log(shape[0] + 1) / math.log(max_u + 2)
    return 0.07, fh, "#93c47d", str(shape[0])


def _box(fig: go.Figure, x0: float, x1: float, y0: float, y1: float, colour: str) -> None:
    """A pseudo-3D box: its top and side faces, shaded, behind its front face."""
    fig.add_shape(
        type="path",
        path=f"M{x0},{y1} L{x0 + DX},{y1 + DY} L{x1 + DX},{y1 + DY} L{x1},{y1} Z",
        fillcolor=_shade(colour, 1.15),
        line=_EDGE,
    )  # top face
    fig.add_shape(
        type="path",
        path=f"M{x1},{y0} L{x1 + DX},{y0 + DY} L{x1 + DX},{y1 + DY} L{x1},{y1} Z",
        fillcolor=_shade(colour, 0.8),
        line=_EDGE,
    )  # side face
    fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor=colour, line=_EDGE)


def _arrow(fig: go.Figure, start: float, end: float) -> None:
    """The arrow from one box to the next, along y = 0."""
    fig.add_annotation(
        x=end,
        y=0,
        ax=start,
        ay=0,
        xref="x",
        yref="y",
        axref="x",
        ayref="y",
        showarrow=True,
        arrowhead=2,
        arrowwidth=1,
        arrowcolor="#999",
        text="",
    )
