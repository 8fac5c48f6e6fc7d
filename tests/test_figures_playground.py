"""Tests for cnnviz.figures.playground: the convolution and pooling panels, the values they draw and outline."""

import numpy as np
import pytest
from figuretest import n_subplots, ok, reversed_equal_aspect

from cnnviz import figures as F

RNG = np.random.default_rng(0)


def test_conv_step_panels_outlines_and_title():
    x = np.arange(25, dtype=float).reshape(5, 5)
    k = np.array([[1.0, 0.0], [0.0, -1.0]])
    window = x[1:3, 2:4]
    prod = window * k
    out = np.full((4, 4), np.nan)
    out[1, 2] = prod.sum()
    fig = ok(F.conv_step(x, k, (1, 2), prod, prod.sum(), out, (1, 2), title="step"))
    assert [t.type for t in fig.data] == ["heatmap"] * 4
    np.testing.assert_array_equal(fig.data[0].z, x)
    np.testing.assert_array_equal(fig.data[1].z, k)
    np.testing.assert_array_equal(fig.data[2].z, prod)
    assert fig.data[1].zmid == 0 and fig.data[1].texttemplate and fig.data[2].texttemplate
    assert "sum of products = -6" in fig.layout.title.text
    reversed_equal_aspect(fig)
    win, cell, _background = fig.layout.shapes
    assert (win.x0, win.x1, win.y0, win.y1, win.xref) == (1.5, 3.5, 0.5, 2.5, "x")
    assert (cell.x0, cell.x1, cell.y0, cell.y1, cell.xref) == (1.5, 2.5, 0.5, 1.5, "x4")
    with pytest.raises(ValueError, match="outside the input"):
        F.conv_step(x, k, (4, 4), prod, 0.0, out, (0, 0))
    with pytest.raises(ValueError, match="products shape"):
        F.conv_step(x, k, (0, 0), np.zeros((3, 3)), 0.0, out, (0, 0))


def test_kernel_applied_and_pooling_view():
    img = RNG.random((6, 6))
    k = np.array([[-1.0, 0.0, 1.0]] * 3)
    fig = ok(F.kernel_applied(img, k, RNG.normal(size=(4, 4)), title="edges"))
    assert [t.type for t in fig.data] == ["heatmap"] * 3 and n_subplots(fig) == 3
    np.testing.assert_array_equal(fig.data[1].z, k)
    assert fig.data[1].zmin == -1 and fig.data[1].zmax == 1
    pooled = img.reshape(3, 2, 3, 2).max(axis=(1, 3))
    fig = ok(F.pooling_view(img, pooled, "max", 2, 2))
    assert len(fig.data) == 2
    np.testing.assert_array_equal(fig.data[1].z, pooled)
    assert "max pool 2\u00d72, stride 2" in fig.layout.annotations[1].text
    with pytest.raises(ValueError, match="'max', 'avg' or 'l2'"):
        F.pooling_view(img, pooled, "median", 2, 2)
    # L2 pooling, with the second window outlined: the outline moves to (0, 2) in the input, (0, 1) in the output
    fig = ok(F.pooling_view(img, pooled, "l2", 2, 2, window_rc=(0, 2), out_rc=(0, 1)))
    assert "L2 pool" in fig.layout.annotations[1].text
    x0s = sorted(shape.x0 for shape in fig.layout.shapes)
    assert x0s == [0.5, 1.5]
    # an output without negative values is drawn as a grey image, a signed one on the diverging scale
    fig = F.kernel_applied(img, k, np.abs(RNG.normal(size=(4, 4))))
    assert fig.data[2].zmid is None and fig.data[2].colorscale[0][1] == "rgb(0, 0, 0)"
    signed = F.kernel_applied(img, k, RNG.normal(size=(4, 4)))
    assert signed.data[2].colorscale != fig.data[2].colorscale


def test_number_grids_print_every_value_on_its_own_zero_centred_scale():
    a, b = np.array([[1.0, -3.0]]), np.arange(9.0).reshape(3, 3)
    fig = ok(F.number_grids([a, b], ["small", "big"]))
    assert len(fig.data) == 2 and [t.zmid for t in fig.data] == [0, 0]
    assert (fig.data[0].zmin, fig.data[0].zmax, fig.data[1].zmax) == (-3.0, 3.0, 8.0)
    assert all(t.texttemplate for t in fig.data)
    with pytest.raises(ValueError, match="2 panels but 1 titles"):
        F.number_grids([a, b], ["one"])
