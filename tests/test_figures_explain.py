"""Tests for cnnviz.figures.explain: a map over an image, the embedding map."""

import numpy as np
import pytest
from figuretest import ok

from cnnviz import figures as F

RNG = np.random.default_rng(0)


def test_overlay_grey_and_rgb():
    heat = RNG.random((4, 5))
    fig = ok(F.overlay(RNG.random((4, 5)), heat, alpha=0.4))
    assert [t.type for t in fig.data] == ["image", "heatmap"]
    np.testing.assert_array_equal(fig.data[1].z, heat)
    assert fig.data[1].opacity == 0.4 and (fig.data[1].zmin, fig.data[1].zmax) == (0, 1)
    assert np.asarray(fig.data[0].z).shape == (4, 5, 3)
    rgb = RNG.integers(0, 256, size=(4, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(ok(F.overlay(rgb, heat)).data[0].z, rgb)
    with pytest.raises(ValueError, match="heat shape"):
        F.overlay(rgb, np.zeros((3, 3)))


def test_scatter_embedding_traces_per_class_and_mistakes():
    pts = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5], [3.0, 3.0]])
    labels = np.array([0, 1, 1, 2])
    fig = ok(
        F.scatter_embedding(
            pts, labels, ["a", "b", "c"], hover_text=list("wxyz"), mistakes=np.array([False, True, False, True])
        )
    )
    assert [t.name for t in fig.data] == ["a", "b", "c", "mistakes"]
    np.testing.assert_array_equal(fig.data[1].x, [1.0, 2.0])
    assert list(fig.data[1].text) == ["x", "y"]
    assert fig.data[3].marker.symbol == "circle-open"
    np.testing.assert_array_equal(fig.data[3].x, [1.0, 3.0])
    # every dot knows its index in `points`, whichever trace it is drawn in
    assert list(fig.data[1].customdata) == [1, 2] and list(fig.data[3].customdata) == [1, 3]
    fixed = F.scatter_embedding(pts, labels, ["a", "b", "c"], x_range=(-1, 4), y_range=(-2, 5))
    assert tuple(fixed.layout.xaxis.range) == (-1, 4) and tuple(fixed.layout.yaxis.range) == (-2, 5)
    by_index = F.scatter_embedding(pts, labels, ["a", "b", "c"], mistakes=[1, 3])
    np.testing.assert_array_equal(by_index.data[3].y, [1.0, 3.0])
    assert len(F.scatter_embedding(pts, labels, ["a", "b", "c"]).data) == 3
    with pytest.raises(ValueError, match="class indices"):
        F.scatter_embedding(pts, labels, ["a", "b"])
