"""Tests for cnnviz.figures.grids: the grids (one tiled trace each) read back tile by tile, their hover, single
images."""

import json
from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go
import pagetest
import pytest
from figuretest import ok, reversed_equal_aspect

from cnnviz import appbench
from cnnviz import figures as F

RNG = np.random.default_rng(0)


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
        assert outside[r0 : r0 + h, c0 : c0 + w].all()  # no overlap
        outside[r0 : r0 + h, c0 : c0 + w] = False
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
    return [a[r0 : r0 + h, c0 : c0 + w] for r0, c0, h, w in fig.layout.meta["tiles"]]


def _titles_above(fig: go.Figure) -> list[str]:
    """The annotation texts, each checked to sit centred just above its tile."""
    notes = fig.layout.annotations
    for a, (r0, c0, h, w) in zip(notes, fig.layout.meta["tiles"]):
        assert (a.x, a.y, a.yanchor, a.showarrow) == (c0 + (w - 1) / 2, r0 - 0.5, "bottom", False)
    return [a.text for a in notes]


def test_kernel_grid_shared_scale_is_symmetric():
    k = np.array([[[1.0, -2.0], [0.5, 0.0]], [[3.0, 0.0], [0.0, -1.0]], [[0.0, 0.1], [0.2, 0.3]]])
    fig = ok(F.kernel_grid(k, max_cols=2, title="conv1"))
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
    fig = ok(F.kernel_grid(k, titles=["a", "b"], shared_scale=False))
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
    assert len(ok(F.kernel_grid(np.zeros((0, 3, 3)))).data) == 0  # nothing to show


def test_kernel_grid_rgb_normalises_each_kernel():
    k = np.zeros((2, 3, 2, 2))
    k[0, 0, 0, 0] = 5.0
    k[1] -= 1.0
    fig = ok(F.kernel_grid_rgb(k))
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
    fig = ok(F.feature_map_grid(maps, max_cols=8))
    trace = _tiles(fig, 3, cols=3)
    assert _titles_above(fig)[0] == "ch 0 [0.00, 2.41]"
    assert trace.colorscale is not None and (trace.zmin, trace.zmax) == (0.0, 1.0) and trace.zmid is None
    for true, m in zip(F.tile_values(fig), maps):
        np.testing.assert_array_equal(true, m)
    grey = _tile_arrays(fig, "z")  # each map grey on its own min..max; a constant one mid-grey
    np.testing.assert_allclose(grey[0], maps[0] / 2.41, rtol=1e-6)
    assert np.all(grey[1] == 0.5) and np.all(grey[2] == 0.5)
    signed = ok(F.feature_map_grid(maps - 0.12))
    trace = _tiles(signed, 3, cols=3)
    assert signed.layout.annotations[0].text == "ch 0 [\u22120.12, 2.29]"
    assert trace.zmid == 0 and trace.zmin == -trace.zmax == -1.0
    colours = _tile_arrays(signed, "z")  # each map symmetric around zero on its own range
    for c, m in zip(colours, maps - 0.12):
        np.testing.assert_allclose(c, m / np.abs(m).max(), rtol=1e-6)
    for true, m in zip(F.tile_values(signed), maps - 0.12):
        np.testing.assert_array_equal(true, m)


def test_grid_wraps_rows_and_grows_in_height():
    one_row = ok(F.feature_map_grid(np.ones((4, 5, 5)), max_cols=4))
    three_rows = ok(F.feature_map_grid(np.ones((12, 5, 5)), max_cols=4))
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
    "kernels, float32 own scale": lambda k: (
        F.kernel_grid(k.astype(np.float32), shared_scale=False),
        list(k.astype(np.float32)),
    ),
    "colour kernels": lambda k: (
        F.kernel_grid_rgb(np.stack([k, -k, 2 * k], axis=1)),
        list(np.stack([k, -k, 2 * k], axis=-1)),
    ),
    "signed maps": lambda k: (F.feature_map_grid(k), list(k)),
    "non-negative maps": lambda k: (F.feature_map_grid(np.abs(k)), list(np.abs(k))),
    "grey gallery, uint8": lambda k: (F.image_gallery(_u8(k), [str(i) for i in range(len(k))]), list(_u8(k))),
    "grey gallery, float": lambda k: (F.image_gallery(k, [str(i) for i in range(len(k))]), list(k)),
    "colour gallery, uint8": lambda k: (F.image_gallery(_rgb(k), list("abcdefghij")[: len(k)]), list(_rgb(k))),
    "colour gallery, float (3, H, W)": lambda k: (
        F.image_gallery(np.moveaxis(_rgb(k), -1, 1) / 255.0, list("abcdefghij")[: len(k)]),
        list(_rgb(k) / 255.0),
    ),
}


def _u8(k: np.ndarray) -> np.ndarray:
    return np.round((k - k.min()) / (k.max() - k.min()) * 255).astype(np.uint8)


def _rgb(k: np.ndarray) -> np.ndarray:
    return np.stack([_u8(k), 255 - _u8(k), _u8(k) // 2], axis=-1)


@pytest.mark.parametrize("name", list(GRIDS))
def test_tile_values_round_trip_every_grid(name):
    k = RNG.normal(size=(10, 3, 4)) * np.arange(1, 11)[:, None, None]  # 10 tiles of 3x4, each its own range
    fig, want = GRIDS[name](k)
    _tiles(ok(fig), 10, cols=8)
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


def test_colour_grid_gaps_hover_as_no_tile_in_few_bytes():
    """A go.Image hovers its white gaps too: there [tile, row, col] is the smallest type's lowest value (negative:
    no tile), never -1 (bytes 0xff, each base64 "/" of which Plotly's JSON writes as six characters)."""
    fig = F.image_gallery(RNG.integers(0, 256, size=(3, 4, 4, 3), dtype=np.uint8), list("abc"))
    text = np.asarray(fig.data[0].text)
    gaps = np.ones(text.shape[:2], bool)
    for r0, c0, h, w in fig.layout.meta["tiles"]:
        gaps[r0 : r0 + h, c0 : c0 + w] = False
    assert text.dtype == np.int8 and gaps.any() and (text[gaps] == -128).all()
    sent = fig.to_json()  # what Streamlit sends
    assert "\\u002f" not in sent.split('"text":{"dtype":"i1","bdata":"')[1].split('"')[0]


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
        text = page.evaluate(
            """([x, y]) => { const gd = document.getElementById('g');
            Plotly.Fx.hover(gd, {xval: x, yval: y}, 'xy'); return gd.querySelector('.hoverlayer').textContent; }""",
            [c0 + 1, r0],
        )
    assert text == "#1 · row 0, col 1value 0.125"  # the true 0.125, not its colour 0.25


def test_image_grey_rgb_and_chw():
    grey = RNG.normal(size=(4, 6))
    fig = ok(F.image(grey, title="x"))
    assert fig.data[0].type == "heatmap"
    np.testing.assert_array_equal(fig.data[0].z, grey)
    reversed_equal_aspect(fig)
    rgb = RNG.integers(0, 256, size=(4, 6, 3), dtype=np.uint8)
    fig = ok(F.image(rgb))
    assert fig.data[0].type == "image"
    np.testing.assert_array_equal(fig.data[0].z, rgb)
    chw = np.zeros((3, 4, 6))
    chw[1] = 1.0
    z = np.asarray(ok(F.image(chw)).data[0].z)
    assert z.shape == (4, 6, 3) and z.dtype == np.uint8
    assert np.all(z[..., 1] == 255) and np.all(z[..., 0] == 0)
    with pytest.raises(ValueError, match="shape"):
        F.image(np.zeros((4, 6, 5)))


def test_image_gallery_grey_rgb_and_empty():
    imgs = RNG.random((5, 4, 4))
    fig = ok(F.image_gallery(imgs, [f"#{i}" for i in range(5)], max_cols=3))
    trace = _tiles(fig, 5, cols=3)
    assert trace.type == "heatmap" and trace.colorscale == go.Heatmap(colorscale=F.GREYS).colorscale
    assert _titles_above(fig) == ["#0", "#1", "#2", "#3", "#4"]
    np.testing.assert_array_equal(F.tile_values(fig)[4], imgs[4])
    grey = _tile_arrays(fig, "z")[4]  # on its own min..max, like a picture of its own
    np.testing.assert_allclose(grey, (imgs[4] - imgs[4].min()) / np.ptp(imgs[4]), rtol=1e-6)
    one = ok(F.image_gallery(imgs[:1], ["x"]))  # a single image: its own range is the trace's
    assert one.data[0].customdata is None and (one.data[0].zmin, one.data[0].zmax) == (imgs[0].min(), imgs[0].max())
    rgb = RNG.integers(0, 256, size=(2, 4, 4, 3), dtype=np.uint8)
    fig = ok(F.image_gallery(rgb, ["a", "b"]))
    assert _tiles(fig, 2, cols=2).type == "image"
    np.testing.assert_array_equal(np.stack(F.tile_values(fig)), rgb)
    empty = ok(F.image_gallery(np.zeros((0, 28, 28)), []))
    assert len(empty.data) == 0 and "nothing to show" in empty.layout.annotations[0].text
    assert F.tile_values(empty) == []
    ok(F.image_gallery([], [], title="mistakes"))
    with pytest.raises(ValueError, match="captions"):
        F.image_gallery(imgs, ["a"])
