"""Tests for cnnviz.figures: trace types and counts, data passed through exactly, colour scales, layout sanity."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from cnnviz import figures as F

RNG = np.random.default_rng(0)


def _ok(fig: go.Figure) -> go.Figure:
    """Checks every figure must pass: a Figure, positive height, plotly_white, serialisable."""
    assert isinstance(fig, go.Figure)
    assert fig.layout.height and fig.layout.height > 0
    assert fig.layout.template.layout.paper_bgcolor is not None  # a template is applied
    json.loads(fig.to_json())
    return fig


def _n_subplots(fig: go.Figure) -> int:
    return sum(1 for k in fig.layout.to_plotly_json() if k.startswith("xaxis"))


def _reversed_equal_aspect(fig: go.Figure) -> None:
    for t in fig.data:
        ya = fig.layout["yaxis" + (t.yaxis or "y")[1:]]
        h, w = np.shape(t.z)[:2]
        assert tuple(ya.range) == (h - 0.5, -0.5)  # row 0 at the top, every row shown
        assert tuple(fig.layout["xaxis" + (t.xaxis or "x")[1:]].range) == (-0.5, w - 0.5)
        assert ya.scaleanchor == (t.xaxis or "x")


def test_kernel_grid_shared_scale_is_symmetric():
    k = np.array([[[1.0, -2.0], [0.5, 0.0]], [[3.0, 0.0], [0.0, -1.0]], [[0.0, 0.1], [0.2, 0.3]]])
    fig = _ok(F.kernel_grid(k, max_cols=2, title="conv1"))
    assert [t.type for t in fig.data] == ["heatmap"] * 3
    assert _n_subplots(fig) == 3  # 2x2 grid, empty 4th cell gets no axes
    for t, ker in zip(fig.data, k):
        np.testing.assert_array_equal(t.z, ker)
        assert t.coloraxis == "coloraxis"
    assert fig.layout.coloraxis.cmin == -3.0 and fig.layout.coloraxis.cmax == 3.0
    assert fig.layout.coloraxis.colorscale is not None
    assert [a.text for a in fig.layout.annotations] == ["k 0", "k 1", "k 2"]
    _reversed_equal_aspect(fig)
    assert fig.layout.xaxis.showticklabels is False


def test_kernel_grid_per_kernel_scale():
    k = np.array([[[1.0, -2.0]], [[0.5, 0.25]]])
    fig = _ok(F.kernel_grid(k, titles=["a", "b"], shared_scale=False))
    assert [(t.zmin, t.zmax, t.zmid) for t in fig.data] == [(-2.0, 2.0, 0), (-0.5, 0.5, 0)]
    assert [a.text for a in fig.layout.annotations] == ["a", "b"]


def test_kernel_grid_rejects_bad_input():
    with pytest.raises(ValueError, match="3-D"):
        F.kernel_grid(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="titles"):
        F.kernel_grid(np.zeros((2, 3, 3)), titles=["only one"])


def test_kernel_grid_rgb_normalises_each_kernel():
    k = np.zeros((2, 3, 2, 2))
    k[0, 0, 0, 0] = 5.0
    k[1] -= 1.0
    fig = _ok(F.kernel_grid_rgb(k))
    assert [t.type for t in fig.data] == ["image", "image"]
    z0 = np.asarray(fig.data[0].z)
    assert z0.shape == (2, 2, 3) and z0[0, 0, 0] == 255 and z0.sum() == 255
    assert np.all(np.asarray(fig.data[1].z) == 127) or np.all(np.asarray(fig.data[1].z) == 128)  # constant kernel
    with pytest.raises(ValueError, match="3, kh, kw"):
        F.kernel_grid_rgb(np.zeros((2, 1, 3, 3)))


def test_feature_map_grid_titles_show_range_and_z_is_exact():
    maps = np.stack([np.array([[0.0, 1.0], [2.41, 0.5]]), np.zeros((2, 2)), np.full((2, 2), 3.0)])
    fig = _ok(F.feature_map_grid(maps, max_cols=8))
    assert len(fig.data) == 3 and _n_subplots(fig) == 3
    assert fig.layout.annotations[0].text == "ch 0 [0.00, 2.41]"
    for t, m in zip(fig.data, maps):
        np.testing.assert_array_equal(t.z, m)
        assert t.colorscale is not None
    signed = _ok(F.feature_map_grid(maps - 0.12))
    assert signed.layout.annotations[0].text == "ch 0 [\u22120.12, 2.29]"
    assert all(t.zmid == 0 and t.zmin == -t.zmax for t in signed.data)


def test_grid_wraps_rows_and_grows_in_height():
    one_row = F.feature_map_grid(np.ones((4, 5, 5)), max_cols=4)
    three_rows = F.feature_map_grid(np.ones((12, 5, 5)), max_cols=4)
    assert three_rows.layout.height > one_row.layout.height
    assert _n_subplots(three_rows) == 12


def test_image_grey_rgb_and_chw():
    grey = RNG.normal(size=(4, 6))
    fig = _ok(F.image(grey, title="x"))
    assert fig.data[0].type == "heatmap"
    np.testing.assert_array_equal(fig.data[0].z, grey)
    _reversed_equal_aspect(fig)
    rgb = RNG.integers(0, 256, size=(4, 6, 3), dtype=np.uint8)
    fig = _ok(F.image(rgb))
    assert fig.data[0].type == "image"
    np.testing.assert_array_equal(fig.data[0].z, rgb)
    chw = np.zeros((3, 4, 6))
    chw[1] = 1.0
    z = np.asarray(_ok(F.image(chw)).data[0].z)
    assert z.shape == (4, 6, 3) and z.dtype == np.uint8
    assert np.all(z[..., 1] == 255) and np.all(z[..., 0] == 0)
    with pytest.raises(ValueError, match="shape"):
        F.image(np.zeros((4, 6, 5)))


def test_conv_step_panels_outlines_and_title():
    x = np.arange(25, dtype=float).reshape(5, 5)
    k = np.array([[1.0, 0.0], [0.0, -1.0]])
    window = x[1:3, 2:4]
    prod = window * k
    out = np.full((4, 4), np.nan)
    out[1, 2] = prod.sum()
    fig = _ok(F.conv_step(x, k, (1, 2), prod, prod.sum(), out, (1, 2), title="step"))
    assert [t.type for t in fig.data] == ["heatmap"] * 4
    np.testing.assert_array_equal(fig.data[0].z, x)
    np.testing.assert_array_equal(fig.data[1].z, k)
    np.testing.assert_array_equal(fig.data[2].z, prod)
    assert fig.data[1].zmid == 0 and fig.data[1].texttemplate and fig.data[2].texttemplate
    assert "sum of products = -6" in fig.layout.title.text
    _reversed_equal_aspect(fig)
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
    fig = _ok(F.kernel_applied(img, k, RNG.normal(size=(4, 4)), title="edges"))
    assert [t.type for t in fig.data] == ["heatmap"] * 3 and _n_subplots(fig) == 3
    np.testing.assert_array_equal(fig.data[1].z, k)
    assert fig.data[1].zmin == -1 and fig.data[1].zmax == 1
    pooled = img.reshape(3, 2, 3, 2).max(axis=(1, 3))
    fig = _ok(F.pooling_view(img, pooled, "max", 2, 2))
    assert len(fig.data) == 2
    np.testing.assert_array_equal(fig.data[1].z, pooled)
    assert "max pool 2\u00d72, stride 2" in fig.layout.annotations[1].text
    with pytest.raises(ValueError, match="'max', 'avg' or 'l2'"):
        F.pooling_view(img, pooled, "median", 2, 2)
    # L2 pooling, with the second window outlined: the outline moves to (0, 2) in the input, (0, 1) in the output
    fig = _ok(F.pooling_view(img, pooled, "l2", 2, 2, window_rc=(0, 2), out_rc=(0, 1)))
    assert "L2 pool" in fig.layout.annotations[1].text
    x0s = sorted(shape.x0 for shape in fig.layout.shapes)
    assert x0s == [0.5, 1.5]
    # an output without negative values is drawn as a grey image, a signed one on the diverging scale
    fig = F.kernel_applied(img, k, np.abs(RNG.normal(size=(4, 4))))
    assert fig.data[2].zmid is None and fig.data[2].colorscale[0][1] == "rgb(0, 0, 0)"
    signed = F.kernel_applied(img, k, RNG.normal(size=(4, 4)))
    assert signed.data[2].colorscale != fig.data[2].colorscale


HISTORY = {
    "step": [10, 20, 30, 40],
    "epoch": [0.25, 0.5, 0.75, 1.0],
    "train_loss": [2.3, 1.5, 1.0, 0.8],
    "val_loss": [None, None, None, 0.9],
    "train_acc": [0.1, 0.5, 0.7, 0.8],
    "val_acc": [None, None, None, 0.75],
}


def test_training_curves_skips_missing_points():
    fig = _ok(F.training_curves(HISTORY, title="run"))
    assert [t.name for t in fig.data] == ["train", "validation", "train", "validation"]
    assert [t.showlegend for t in fig.data] == [True, True, False, False]
    assert list(fig.data[1].x) == [1.0] and list(fig.data[1].y) == [0.9]
    assert list(fig.data[0].y) == HISTORY["train_loss"]
    assert fig.data[2].xaxis == "x2"
    only_loss = _ok(F.training_curves({"step": [1], "epoch": [0.1], "train_loss": [2.0]}))
    assert len(only_loss.data) == 1
    as_arrays = _ok(F.training_curves({k: np.asarray(v, dtype=float) for k, v in HISTORY.items()
                                        if None not in v}))
    assert len(as_arrays.data) == 2
    with pytest.raises(ValueError, match="train_loss"):
        F.training_curves({"epoch": [1]})
    with pytest.raises(ValueError, match="has 2 points"):
        F.training_curves({"epoch": [1], "train_loss": [1, 2]})


def test_compare_curves_one_trace_per_run():
    other = dict(HISTORY, val_acc=[0.2, 0.4, 0.6, 0.8])
    fig = _ok(F.compare_curves({"a": HISTORY, "b": other, "c": {"epoch": [1], "train_loss": [1]}}))
    assert [t.name for t in fig.data] == ["a", "b"]  # run c never logged val_acc
    assert list(fig.data[1].y) == [0.2, 0.4, 0.6, 0.8]
    assert fig.layout.yaxis.tickformat == ".0%"
    _ok(F.compare_curves({}, metric="val_loss"))


def test_confusion_matrix_counts_and_normalised():
    cm = np.array([[5, 1, 0], [2, 3, 1], [0, 0, 4]])
    names = ["cat", "dog", "cow"]
    fig = _ok(F.confusion_matrix(cm, names))
    t, cells = fig.data
    assert t.type == "heatmap" and cells.type == "scatter"
    np.testing.assert_array_equal(t.z, cm)
    # one invisible, clickable marker per cell, at (predicted, true), carrying the count
    assert len(cells.x) == 9 and (cells.x[5], cells.y[5]) == ("cow", "dog") and cells.customdata[5][1] == 1
    assert cells.marker.opacity == 0
    assert list(t.y) == names and tuple(fig.layout.yaxis.range) == (2.5, -0.5)  # true class 0 at the top
    assert fig.layout.xaxis.title.text == "predicted" and fig.layout.yaxis.title.text == "true"
    assert "%{z}" in t.texttemplate
    norm = _ok(F.confusion_matrix(cm, names, normalize=True)).data[0]
    np.testing.assert_allclose(np.asarray(norm.z).sum(axis=1), 1.0)
    assert norm.z[0][0] == 5 / 6
    assert "%" in norm.texttemplate
    with pytest.raises(ValueError, match="class names"):
        F.confusion_matrix(cm, names[:2])
    with pytest.raises(ValueError, match="square"):
        F.confusion_matrix(np.zeros((2, 3)), names[:2])


def test_confusion_diff_is_signed_and_centred():
    a = np.array([[5, 1], [2, 3]])
    b = np.array([[3, 1], [4, 3]])
    (t,) = _ok(F.confusion_diff(a, b, ["x", "y"])).data
    np.testing.assert_array_equal(t.z, a - b)
    assert t.zmid == 0 and t.zmin == -2 and t.zmax == 2


def test_per_class_accuracy_colours_best_and_worst():
    acc = np.array([0.9, 0.5, 0.99, 0.7])
    fig = _ok(F.per_class_accuracy(acc, ["a", "b", "c", "d"]))
    (bar,) = fig.data
    assert bar.type == "bar"
    np.testing.assert_array_equal(bar.y, acc)
    assert list(bar.marker.color) == [F.NEUTRAL, F.RED, F.GREEN, F.NEUTRAL]
    texts = [a.text for a in fig.layout.annotations]
    assert "best: c" in texts and "worst: b" in texts
    assert fig.layout.yaxis.tickformat == ".0%"
    same = _ok(F.per_class_accuracy([0.5, 0.5], ["a", "b"]))
    assert list(same.data[0].marker.color).count(F.RED) == 0
    absent = F.per_class_accuracy([np.nan, 0.5, 0.9], ["a", "b", "c"])  # class a not in the data
    assert list(absent.data[0].marker.color) == [F.NEUTRAL, F.RED, F.GREEN]


def test_probability_bars_highlights_prediction_and_truth():
    p = np.array([0.1, 0.7, 0.2])
    (bar,) = _ok(F.probability_bars(p, ["0", "1", "2"], true_label=2)).data
    assert bar.orientation == "h"
    np.testing.assert_array_equal(bar.x, p)
    assert list(bar.marker.color) == [F.NEUTRAL, F.RED, F.NEUTRAL]  # wrong prediction
    assert "true" in bar.text[2] and "true" not in bar.text[1]
    (bar,) = F.probability_bars(p, ["0", "1", "2"], true_label=1).data
    assert list(bar.marker.color) == [F.NEUTRAL, F.GREEN, F.NEUTRAL]
    (bar,) = F.probability_bars(p, ["0", "1", "2"]).data
    assert list(bar.marker.color) == [F.NEUTRAL, F.ACCENT, F.NEUTRAL]
    with pytest.raises(ValueError, match="true_label"):
        F.probability_bars(p, ["0", "1", "2"], true_label=3)


def test_image_gallery_grey_rgb_and_empty():
    imgs = RNG.random((5, 4, 4))
    fig = _ok(F.image_gallery(imgs, [f"#{i}" for i in range(5)], max_cols=3))
    assert len(fig.data) == 5 and _n_subplots(fig) == 5
    assert [a.text for a in fig.layout.annotations] == ["#0", "#1", "#2", "#3", "#4"]
    np.testing.assert_array_equal(fig.data[4].z, imgs[4])
    rgb = RNG.integers(0, 256, size=(2, 4, 4, 3), dtype=np.uint8)
    assert [t.type for t in _ok(F.image_gallery(rgb, ["a", "b"])).data] == ["image", "image"]
    empty = _ok(F.image_gallery(np.zeros((0, 28, 28)), []))
    assert len(empty.data) == 0 and "nothing to show" in empty.layout.annotations[0].text
    _ok(F.image_gallery([], [], title="mistakes"))
    with pytest.raises(ValueError, match="captions"):
        F.image_gallery(imgs, ["a"])


LENET = [("input", (1, 32, 32)), ("conv1", (6, 28, 28)), ("pool1", (6, 14, 14)), ("conv2", (16, 10, 10)),
         ("pool2", (16, 5, 5)), ("fc1", (120,)), ("fc2", (84,)), ("out", (10,))]


def test_architecture_volumes_lenet():
    fig = _ok(F.architecture_volumes(LENET, title="LeNet-5"))
    assert len(fig.layout.shapes) == 3 * len(LENET)  # front, top and side face per layer
    labels = [a.text for a in fig.layout.annotations if a.text]
    assert "<b>conv1</b><br>6\u00d728\u00d728" in labels and "<b>fc1</b><br>120" in labels
    assert len(fig.data) == 1 and len(fig.data[0].x) == len(LENET)  # invisible hover points
    fronts = [s for s in fig.layout.shapes if s.type == "rect"]
    heights = [s.y1 - s.y0 for s in fronts]
    widths = [s.x1 - s.x0 for s in fronts]
    assert heights[0] > heights[1] > heights[2]  # H 32 > 28 > 14
    assert widths[3] > widths[1] > widths[0]  # C 16 > 6 > 1


def test_architecture_volumes_many_layers_and_bad_shape():
    layers = [(f"layer{i}", (8 * (i + 1), 64 // (i + 1), 64 // (i + 1))) for i in range(14)]
    fig = _ok(F.architecture_volumes(layers))
    lows = {round(a.y, 2) for a in fig.layout.annotations if a.text}
    assert len(lows) == 2  # labels staggered on two rows
    with pytest.raises(ValueError, match="layer 'bad'"):
        F.architecture_volumes([("bad", (3, 4))])
    with pytest.raises(ValueError):
        F.architecture_volumes([])


def test_histogram_timeline_uses_common_bins():
    vals = [np.array([0.0, 0.0, 1.0]), np.array([-1.0, 2.0]), np.array([0.5])]
    (t,) = _ok(F.histogram_timeline(vals, [0, 100, 200])).data
    z = np.asarray(t.z)
    assert z.shape == (40, 3)
    assert list(z.sum(axis=0)) == [3, 2, 1]
    assert t.y[0] > -1.0 and t.y[-1] < 2.0 and len(t.y) == 40
    with pytest.raises(ValueError, match="steps"):
        F.histogram_timeline(vals, [0, 1])


def test_heatmap_generic():
    m = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    (t,) = _ok(F.heatmap(m, ["s1", "s2", "s3"], ["a", "b"], zmid=0.0, text_fmt=".0%")).data
    np.testing.assert_array_equal(t.z, m)
    assert t.zmid == 0 and t.texttemplate == "%{z:.0%}"
    (t,) = F.heatmap(m, [1, 2, 3], [1, 2]).data
    assert t.zmid is None and t.texttemplate is None
    with pytest.raises(ValueError, match="labels"):
        F.heatmap(m, ["a"], ["b"])


def test_overlay_grey_and_rgb():
    heat = RNG.random((4, 5))
    fig = _ok(F.overlay(RNG.random((4, 5)), heat, alpha=0.4))
    assert [t.type for t in fig.data] == ["image", "heatmap"]
    np.testing.assert_array_equal(fig.data[1].z, heat)
    assert fig.data[1].opacity == 0.4 and (fig.data[1].zmin, fig.data[1].zmax) == (0, 1)
    assert np.asarray(fig.data[0].z).shape == (4, 5, 3)
    rgb = RNG.integers(0, 256, size=(4, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(_ok(F.overlay(rgb, heat)).data[0].z, rgb)
    with pytest.raises(ValueError, match="heat shape"):
        F.overlay(rgb, np.zeros((3, 3)))


def test_scatter_embedding_traces_per_class_and_mistakes():
    pts = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5], [3.0, 3.0]])
    labels = np.array([0, 1, 1, 2])
    fig = _ok(F.scatter_embedding(pts, labels, ["a", "b", "c"], hover_text=list("wxyz"),
                                  mistakes=np.array([False, True, False, True])))
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


def test_names_from_files_show_as_typed_in_figures():
    """Class names and captions come from folders and files: Plotly must not read them as links or markup."""
    hostile = ["<a href='http://host/x'>cat</a>", "dog & <b>bone</b>"]
    fig = F.probability_bars(np.array([0.3, 0.7]), hostile)
    assert list(fig.data[0].y) == ["&lt;a href='http://host/x'&gt;cat&lt;/a&gt;", "dog &amp; &lt;b&gt;bone&lt;/b&gt;"]
    fig = F.confusion_matrix(np.array([[1, 0], [0, 1]]), hostile)
    assert "<" not in "".join(fig.data[0].x)
    fig = F.image_gallery(np.zeros((2, 4, 4)), hostile)
    assert not [a.text for a in fig.layout.annotations if "<a" in a.text or "<b>" in a.text]
    fig = F.scatter_embedding(np.zeros((2, 2)), np.array([0, 1]), hostile, hover_text=hostile)
    assert all("<" not in str(tr.name) and all("<" not in str(x) for x in tr.text) for tr in fig.data)


def test_logits_to_probabilities_follows_one_class_through_both_panels():
    logits = np.array([1.0, -2.0, 4.0])
    probs = np.exp(logits) / np.exp(logits).sum()
    fig = _ok(F.logits_to_probabilities(logits, probs, ["a", "b", "c"], true_label=1))
    scores, chances = fig.data
    np.testing.assert_array_equal(scores.x, logits) and np.testing.assert_allclose(chances.x, probs)
    assert scores.marker.color[2] == chances.marker.color[2] == F.RED  # predicted c, true b: wrong, in red
    assert chances.text[1].endswith("\u2190 true") and scores.text[1] == "\u22122.00"
    assert fig.layout.xaxis.range[0] < -2.0 < 4.0 < fig.layout.xaxis.range[1]  # room for every printed value
    with pytest.raises(ValueError, match="3 logits but 2 probabilities"):
        F.logits_to_probabilities(logits, probs[:2], ["a", "b"])


def test_number_grids_print_every_value_on_its_own_zero_centred_scale():
    a, b = np.array([[1.0, -3.0]]), np.arange(9.0).reshape(3, 3)
    fig = _ok(F.number_grids([a, b], ["small", "big"]))
    assert len(fig.data) == 2 and [t.zmid for t in fig.data] == [0, 0]
    assert (fig.data[0].zmin, fig.data[0].zmax, fig.data[1].zmax) == (-3.0, 3.0, 8.0)
    assert all(t.texttemplate for t in fig.data)
    with pytest.raises(ValueError, match="2 panels but 1 titles"):
        F.number_grids([a, b], ["one"])


def test_per_class_against_and_loss_steps():
    fig = _ok(F.per_class_against([0.9, 0.95], [0.99, 0.98], ["0", "1"], names=("mine", "book")))
    assert [t.name for t in fig.data] == ["mine", "book"] and fig.layout.barmode == "group"
    assert list(fig.data[1].y) == [0.99, 0.98] and fig.layout.yaxis.range[0] == pytest.approx(0.8)
    with pytest.raises(ValueError, match="2 accuracies against 1"):
        F.per_class_against([0.9, 0.95], [0.99], ["0", "1"])
    assert _ok(F.loss_steps([40.0, 4.0, 0.01])).layout.yaxis.type == "log"  # spans decades
    assert _ok(F.loss_steps([4.0, 3.0, 2.5])).layout.yaxis.type == "linear"
