"""Tests for cnnviz.figures: trace types and counts, data passed through exactly, colour scales, layout sanity;
the grids (one tiled trace each) read back tile by tile."""

import json
from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go
import pagetest
import pytest

from cnnviz import appbench
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


def _tiles(fig: go.Figure, n: int, cols: int):
    """Checks every tiled grid must pass; returns its one trace.

    One trace; layout.meta["tiles"] = n [row0, col0, h, w] inside the trace's array, row-major in `cols` columns,
    separated by gap cells (NaN in a heatmap, white in an image) that are all the array holds outside the tiles;
    equal aspect, row 0 at the top, no ticks.
    """
    assert len(fig.data) == 1
    (trace,) = fig.data
    tiles = fig.layout.meta["tiles"]
    z = np.asarray(trace.z)
    H, W = z.shape[:2]
    assert len(tiles) == n
    outside = np.ones((H, W), bool)
    for i, (r0, c0, h, w) in enumerate(tiles):
        assert 0 <= r0 and r0 + h <= H and 0 <= c0 and c0 + w <= W
        assert outside[r0:r0 + h, c0:c0 + w].all()  # no overlap
        outside[r0:r0 + h, c0:c0 + w] = False
        if i % cols:  # right of the previous tile, on its row, a gap between them
            assert r0 == tiles[i - 1][0] and c0 > tiles[i - 1][1] + tiles[i - 1][3]
        elif i:  # first of a new row: below the row above, a gap between them
            assert c0 == tiles[0][1] and r0 > tiles[i - cols][0] + tiles[i - cols][2]
    if trace.type == "heatmap":
        assert np.isnan(z[outside]).all() and trace.hoverongaps is False
    else:
        assert (z[outside] == 255).all()
    xa, ya = fig.layout.xaxis, fig.layout.yaxis
    assert tuple(xa.range) == (-0.5, W - 0.5)
    assert ya.range[0] == H - 0.5 and ya.range[1] <= -0.5  # row 0 at the top (room above it for titles)
    assert ya.scaleanchor == "x" and ya.scaleratio == 1
    assert xa.showticklabels is False and ya.showticklabels is False and xa.showgrid is False
    return trace


def _tile_arrays(fig: go.Figure, name: str) -> list[np.ndarray]:
    """The tiles of one per-cell array of the grid's trace ("z", "customdata" or "text")."""
    a = np.asarray(getattr(fig.data[0], name))
    return [a[r0:r0 + h, c0:c0 + w] for r0, c0, h, w in fig.layout.meta["tiles"]]


def _titles_above(fig: go.Figure) -> list[str]:
    """The annotation texts, each checked to sit centred just above its tile."""
    notes = fig.layout.annotations
    for a, (r0, c0, h, w) in zip(notes, fig.layout.meta["tiles"]):
        assert (a.x, a.y, a.yanchor, a.showarrow) == (c0 + (w - 1) / 2, r0 - 0.5, "bottom", False)
    return [a.text for a in notes]


def test_kernel_grid_shared_scale_is_symmetric():
    k = np.array([[[1.0, -2.0], [0.5, 0.0]], [[3.0, 0.0], [0.0, -1.0]], [[0.0, 0.1], [0.2, 0.3]]])
    fig = _ok(F.kernel_grid(k, max_cols=2, title="conv1"))
    trace = _tiles(fig, 3, cols=2)  # 2x2 layout, the 4th place left empty
    assert trace.type == "heatmap" and trace.coloraxis == "coloraxis" and trace.customdata is None
    for z, ker in zip(_tile_arrays(fig, "z"), k):
        np.testing.assert_array_equal(z, ker)  # drawn as they are, on the one colour axis
    assert fig.layout.coloraxis.cmin == -3.0 and fig.layout.coloraxis.cmax == 3.0
    assert fig.layout.coloraxis.colorscale is not None and fig.layout.coloraxis.colorbar.thickness == 12
    assert _titles_above(fig) == ["k 0", "k 1", "k 2"]
    assert fig.layout.title.text == "conv1"
    fixed = F.kernel_grid(k, zmax=5.0)
    assert (fixed.layout.coloraxis.cmin, fixed.layout.coloraxis.cmax) == (-5.0, 5.0)


def test_kernel_grid_per_kernel_scale():
    k = np.array([[[1.0, -2.0]], [[0.5, 0.25]]])
    fig = _ok(F.kernel_grid(k, titles=["a", "b"], shared_scale=False))
    trace = _tiles(fig, 2, cols=2)
    assert (trace.zmin, trace.zmax, trace.zmid) == (-1.0, 1.0, 0) and trace.coloraxis is None
    assert trace.colorscale is not None and trace.showscale is False
    colours = _tile_arrays(fig, "z")  # each kernel divided by its own max |value|: symmetric on its own range
    np.testing.assert_allclose(colours[0], [[0.5, -1.0]], rtol=1e-6)
    np.testing.assert_allclose(colours[1], [[1.0, 0.5]], rtol=1e-6)
    for true, ker in zip(_tile_arrays(fig, "customdata"), k):
        np.testing.assert_array_equal(true, ker)  # the true values, for hover
    assert _titles_above(fig) == ["a", "b"]
    same = F.kernel_grid(np.array([[[1.0, -2.0]], [[2.0, 0.0]]]), shared_scale=False)  # one range for all:
    assert (same.data[0].zmin, same.data[0].zmax) == (-2.0, 2.0) and same.data[0].customdata is None  # drawn as is
    np.testing.assert_array_equal(_tile_arrays(same, "z")[1], [[2.0, 0.0]])


def test_kernel_grid_rejects_bad_input():
    with pytest.raises(ValueError, match="3-D"):
        F.kernel_grid(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="titles"):
        F.kernel_grid(np.zeros((2, 3, 3)), titles=["only one"])
    with pytest.raises(ValueError, match="max_cols"):
        F.kernel_grid(np.zeros((2, 3, 3)), max_cols=0)
    assert len(_ok(F.kernel_grid(np.zeros((0, 3, 3)))).data) == 0  # nothing to show


def test_kernel_grid_rgb_normalises_each_kernel():
    k = np.zeros((2, 3, 2, 2))
    k[0, 0, 0, 0] = 5.0
    k[1] -= 1.0
    fig = _ok(F.kernel_grid_rgb(k))
    assert _tiles(fig, 2, cols=2).type == "image"
    z0, z1 = _tile_arrays(fig, "z")
    assert z0.shape == (2, 2, 3) and z0[0, 0, 0] == 255 and z0.sum() == 255
    assert np.all(z1 == 127) or np.all(z1 == 128)  # constant kernel
    for true, ker in zip(F.tile_values(fig), k):
        np.testing.assert_array_equal(true, np.moveaxis(ker, 0, -1))  # the weights, not the 0..255 composite
    assert "%{customdata[0]" in fig.data[0].hovertemplate and _titles_above(fig) == ["k 0", "k 1"]
    with pytest.raises(ValueError, match="3, kh, kw"):
        F.kernel_grid_rgb(np.zeros((2, 1, 3, 3)))


def test_feature_map_grid_titles_show_range_and_z_is_exact():
    maps = np.stack([np.array([[0.0, 1.0], [2.41, 0.5]]), np.zeros((2, 2)), np.full((2, 2), 3.0)])
    fig = _ok(F.feature_map_grid(maps, max_cols=8))
    trace = _tiles(fig, 3, cols=3)
    assert _titles_above(fig)[0] == "ch 0 [0.00, 2.41]"
    assert trace.colorscale is not None and (trace.zmin, trace.zmax) == (0.0, 1.0) and trace.zmid is None
    for true, m in zip(F.tile_values(fig), maps):
        np.testing.assert_array_equal(true, m)
    grey = _tile_arrays(fig, "z")  # each map grey on its own min..max; a constant one mid-grey
    np.testing.assert_allclose(grey[0], maps[0] / 2.41, rtol=1e-6)
    assert np.all(grey[1] == 0.5) and np.all(grey[2] == 0.5)
    signed = _ok(F.feature_map_grid(maps - 0.12))
    trace = _tiles(signed, 3, cols=3)
    assert signed.layout.annotations[0].text == "ch 0 [\u22120.12, 2.29]"
    assert trace.zmid == 0 and trace.zmin == -trace.zmax == -1.0
    colours = _tile_arrays(signed, "z")  # each map symmetric around zero on its own range
    for c, m in zip(colours, maps - 0.12):
        np.testing.assert_allclose(c, m / np.abs(m).max(), rtol=1e-6)
    for true, m in zip(F.tile_values(signed), maps - 0.12):
        np.testing.assert_array_equal(true, m)


def test_grid_wraps_rows_and_grows_in_height():
    one_row = _ok(F.feature_map_grid(np.ones((4, 5, 5)), max_cols=4))
    three_rows = _ok(F.feature_map_grid(np.ones((12, 5, 5)), max_cols=4))
    assert three_rows.layout.height > one_row.layout.height
    _tiles(one_row, 4, cols=4)
    _tiles(three_rows, 12, cols=4)
    assert len({r0 for r0, *_ in three_rows.layout.meta["tiles"]}) == 3
    assert 150 < one_row.layout.height < 400 and three_rows.layout.height < 1000  # cells of ~80-260 px


def test_grid_gaps_scale_with_the_tiles():
    """About one cell between small tiles, proportionally more between large ones, so both stay apart on screen."""
    small = F.kernel_grid(np.ones((16, 5, 5)))
    large = F.image_gallery(np.zeros((16, 28, 28), np.uint8), [""] * 16)
    (_, c0, _, w), (_, c1, _, _) = small.layout.meta["tiles"][:2]
    assert c1 - c0 - w == 1
    (_, c0, _, w), (_, c1, _, _) = large.layout.meta["tiles"][:2]
    assert 2 <= c1 - c0 - w <= 5
    _tiles(large, 16, cols=8)
    assert len(large.layout.annotations) == 0  # empty captions draw nothing


GRIDS = {  # name: (figure, the values each tile must give back exactly)
    "kernels, shared scale": lambda k: (F.kernel_grid(k), list(k)),
    "kernels, own scale": lambda k: (F.kernel_grid(k, shared_scale=False), list(k)),
    "kernels, float32 own scale": lambda k: (F.kernel_grid(k.astype(np.float32), shared_scale=False),
                                             list(k.astype(np.float32))),
    "colour kernels": lambda k: (F.kernel_grid_rgb(np.stack([k, -k, 2 * k], axis=1)),
                                 list(np.stack([k, -k, 2 * k], axis=-1))),
    "signed maps": lambda k: (F.feature_map_grid(k), list(k)),
    "non-negative maps": lambda k: (F.feature_map_grid(np.abs(k)), list(np.abs(k))),
    "grey gallery, uint8": lambda k: (F.image_gallery(_u8(k), [str(i) for i in range(len(k))]), list(_u8(k))),
    "grey gallery, float": lambda k: (F.image_gallery(k, [str(i) for i in range(len(k))]), list(k)),
    "colour gallery, uint8": lambda k: (F.image_gallery(_rgb(k), list("abcdefghij")[:len(k)]), list(_rgb(k))),
    "colour gallery, float (3, H, W)": lambda k: (F.image_gallery(np.moveaxis(_rgb(k), -1, 1) / 255.0,
                                                                  list("abcdefghij")[:len(k)]),
                                                  list(_rgb(k) / 255.0)),
}


def _u8(k: np.ndarray) -> np.ndarray:
    return np.round((k - k.min()) / (k.max() - k.min()) * 255).astype(np.uint8)


def _rgb(k: np.ndarray) -> np.ndarray:
    return np.stack([_u8(k), 255 - _u8(k), _u8(k) // 2], axis=-1)


@pytest.mark.parametrize("name", list(GRIDS))
def test_tile_values_round_trip_every_grid(name):
    k = RNG.normal(size=(10, 3, 4)) * np.arange(1, 11)[:, None, None]  # 10 tiles of 3x4, each its own range
    fig, want = GRIDS[name](k)
    _tiles(_ok(fig), 10, cols=8)
    got = F.tile_values(fig)
    assert len(got) == len(want) == 10
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_array_equal(g, w)
    spec = json.loads(fig.to_json())  # and the same from the JSON Streamlit sends, through the page tests' reader,
    for spec in (spec, _as_lists(spec)):  # with typed arrays ("bdata") or nested lists
        got = pagetest.tiles(spec)
        assert len(got) == 10
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


def _as_lists(value):
    """A decoded figure as Plotly writes it without typed arrays: nested lists, null for NaN."""
    if isinstance(value, dict) and "bdata" in value:
        a = pagetest.array(value)
        return np.where(np.isnan(a), None, a).tolist() if a.dtype.kind == "f" else a.tolist()
    if isinstance(value, dict):
        return {k: _as_lists(v) for k, v in value.items()}
    return [_as_lists(v) for v in value] if isinstance(value, list) else value


@pytest.mark.parametrize("name", list(GRIDS))
def test_hover_shows_the_tile_cell_and_true_value(name):
    """Each cell's hover reads its tile index, row and col from `text` and its value from wherever the true value
    is: customdata when the colours were rescaled (z then holds colours), else z."""
    k = RNG.normal(size=(10, 3, 4)) * np.arange(1, 11)[:, None, None]
    fig, want = GRIDS[name](k)
    trace = fig.data[0]
    assert trace.hovertemplate.startswith("#%{text[0]} · row %{text[1]}, col %{text[2]}<br>")
    value_field = "customdata" if trace.customdata is not None else "z"
    assert f"%{{{value_field}" in trace.hovertemplate
    assert ("%{z" in trace.hovertemplate) == (value_field == "z")  # never the rescaled colour
    i, r, c = 7, 2, 1
    r0, c0, _, _ = fig.layout.meta["tiles"][i]
    assert list(np.asarray(trace.text)[r0 + r, c0 + c]) == [i, r, c]
    np.testing.assert_array_equal(np.asarray(getattr(trace, value_field))[r0 + r, c0 + c], want[i][r, c])


@pytest.mark.skipif(not Path(appbench.CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_hover_in_plotly_js_shows_the_true_value():
    """plotly.js itself reads [tile, row, col] from the 3-D text array and the true value from customdata."""
    k = np.array([[[1.0, -2.0]], [[0.5, 0.125]]])
    fig = F.kernel_grid(k, shared_scale=False)
    r0, c0, _, _ = fig.layout.meta["tiles"][1]
    js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    with appbench.chromium() as browser:
        page = browser.new_page()
        page.set_content(f"<div id='g' style='width:600px'></div><script>{js.read_text()}</script>")
        page.evaluate("spec => Plotly.newPlot('g', spec.data, spec.layout)", json.loads(fig.to_json()))
        text = page.evaluate("""([x, y]) => { const gd = document.getElementById('g');
            Plotly.Fx.hover(gd, {xval: x, yval: y}, 'xy'); return gd.querySelector('.hoverlayer').textContent; }""",
                             [c0 + 1, r0])
    assert text == "#1 · row 0, col 1value 0.125"  # the true 0.125, not its colour 0.25


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
    trace = _tiles(fig, 5, cols=3)
    assert trace.type == "heatmap" and trace.colorscale == go.Heatmap(colorscale=F.GREYS).colorscale
    assert _titles_above(fig) == ["#0", "#1", "#2", "#3", "#4"]
    np.testing.assert_array_equal(F.tile_values(fig)[4], imgs[4])
    grey = _tile_arrays(fig, "z")[4]  # on its own min..max, like a picture of its own
    np.testing.assert_allclose(grey, (imgs[4] - imgs[4].min()) / np.ptp(imgs[4]), rtol=1e-6)
    one = _ok(F.image_gallery(imgs[:1], ["x"]))  # a single image: its own range is the trace's
    assert one.data[0].customdata is None and (one.data[0].zmin, one.data[0].zmax) == (imgs[0].min(), imgs[0].max())
    rgb = RNG.integers(0, 256, size=(2, 4, 4, 3), dtype=np.uint8)
    fig = _ok(F.image_gallery(rgb, ["a", "b"]))
    assert _tiles(fig, 2, cols=2).type == "image"
    np.testing.assert_array_equal(np.stack(F.tile_values(fig)), rgb)
    empty = _ok(F.image_gallery(np.zeros((0, 28, 28)), []))
    assert len(empty.data) == 0 and "nothing to show" in empty.layout.annotations[0].text
    assert F.tile_values(empty) == []
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
