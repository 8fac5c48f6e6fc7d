"""Checks shared by the figure tests (tests/test_figures_*.py)."""

import json

import numpy as np
import plotly.graph_objects as go

from cnnviz import figures as F


def ok(fig: go.Figure) -> go.Figure:
    """Checks every figure must pass: a Figure, positive height, plotly_white, serialisable."""
    assert isinstance(fig, go.Figure)
    assert fig.layout.height and fig.layout.height > 0
    assert fig.layout.template.layout.paper_bgcolor is not None  # a template is applied
    assert {trace.type for trace in fig.data} <= set(F.TRACE_TYPES)  # the template styles every kind drawn
    json.loads(fig.to_json())
    return fig


def n_subplots(fig: go.Figure) -> int:
    return sum(1 for k in fig.layout.to_plotly_json() if k.startswith("xaxis"))


def reversed_equal_aspect(fig: go.Figure) -> None:
    for t in fig.data:
        ya = fig.layout["yaxis" + (t.yaxis or "y")[1:]]
        h, w = np.shape(t.z)[:2]
        assert tuple(ya.range) == (h - 0.5, -0.5)  # row 0 at the top, every row shown
        assert tuple(fig.layout["xaxis" + (t.xaxis or "x")[1:]].range) == (-0.5, w - 0.5)
        assert ya.scaleanchor == (t.xaxis or "x")
