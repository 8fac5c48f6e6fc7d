"""The Convolution page (AppTest): kernels, formulas, the step view, custom kernels, uploads, pooling, colour,
tables."""

import io

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from pagetest import array, figure, tiles

from cnnviz import conv, data

PAGE = "pages/convolution.py"


def _fmt(v: float) -> str:
    """The page's number format: 4 decimals, trailing zeros dropped."""
    s = f"{float(v):.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


@pytest.fixture
def at():
    app = AppTest.from_file("../app.py", default_timeout=60)
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


@pytest.fixture(scope="module")
def digit():
    """The page's default image: the first test digit of class 0 of the embedded sample, grey float (28, 28)."""
    img, _, _ = data.test_image(data.load("mnist-sample"), 0, 0)
    return img[0].astype(np.float64)


def _markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def _chart(at, key: str) -> dict:
    for chart in at.get("plotly_chart"):
        if chart.proto.id.endswith("-" + key):
            return figure(chart)
    raise AssertionError(f"no chart {key!r}")


def _z(trace: dict) -> np.ndarray:
    """A heatmap's z as a float array, whether Plotly wrote it as a list or as typed base64 data."""
    return array(trace["z"]).astype(float)


def _png(w: int, h: int) -> bytes:
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_renders_every_tab(at):
    assert [t.label for t in at.tabs] == [
        "Convolution",
        "Step by step",
        "Colour (3-D kernel)",
        "Pooling",
        "Why convolution?",
    ]
    keys = {
        "conv_fig_main",
        "conv_fig_step",
        "conv_fig_rgb_input",
        "conv_fig_rgb_kernel",
        "conv_fig_rgb_output",
        "conv_fig_pool",
        "conv_fig_pool_window",
    }
    assert keys <= {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert "`O = ⌊(28 − 3 + 2·0) / 1⌋ + 1 = 26` → **26×26**" in _markdown(at)
    assert any("`(3 × 3 × 1 + 1) × 1 = 10`" in m for m in _markdown(at))


def test_kernel_choice_changes_the_output(at, digit):
    before = _z(_chart(at, "conv_fig_main")["data"][2])
    at.selectbox(key="conv_kernel").set_value("box_blur").run()
    assert not at.exception
    out = conv.convolve(digit, "box_blur")
    assert f"Output values from {_fmt(out.min())} to {_fmt(out.max())}." in at.caption[1].value
    after = _z(_chart(at, "conv_fig_main")["data"][2])
    assert not np.array_equal(after, before)
    assert np.allclose(after, out)
    assert any("Averages the 3×3 neighbourhood" in c.value for c in at.caption)


def test_stride_and_padding_fill_in_the_formula(at):
    at.slider(key="conv_stride").set_value(2).run()
    at.slider(key="conv_padding").set_value(1).run()
    assert not at.exception
    assert "`O = ⌊(28 − 3 + 2·1) / 2⌋ + 1 = 14` → **14×14**" in _markdown(at)
    assert any("27 is not a multiple of the stride 2: the last 1 pixel(s)" in i.value for i in at.info)
    at.slider(key="conv_stride").set_value(1).run()
    assert "`O = ⌊(28 − 3 + 2·1) / 1⌋ + 1 = 28` → **28×28**" in _markdown(at)
    assert not any("not a multiple" in i.value for i in at.info)


def test_step_slider_shows_the_exact_sum(at, digit):
    out = conv.convolve(digit, "edges")  # (26, 26)
    for pos in (int(np.flatnonzero(out)[3]), 0, 26 * 13 + 12):
        at.slider(key="conv_step_pos").set_value(pos).run()
        assert not at.exception
        row, col = divmod(pos, 26)
        step = conv.conv_step(digit, "edges", row, col)
        assert f"Sum of the 9 products = **{_fmt(step.total)}**" in _markdown(at)
        assert f"**Output [{row}, {col}]**" in " ".join(_markdown(at))
        partial = _z(_chart(at, "conv_fig_step")["data"][3]).ravel()
        assert np.isnan(partial[pos + 1 :]).all() and np.allclose(partial[: pos + 1], out.ravel()[: pos + 1])
    at.number_input(key="conv_step_bias").set_value(2.5).run()
    step = conv.conv_step(digit, "edges", 13, 12, bias=2.5)
    assert f"Plus the bias 2.5: **{_fmt(step.value)}**" in _markdown(at)


def test_play_advances_and_pauses(at):
    start = at.slider(key="conv_step_pos").value
    at.button(key="conv_step_play").click().run()
    assert not at.exception
    assert at.session_state["conv_playing"] is True
    assert at.slider(key="conv_step_pos").value == start + 1
    assert at.button(key="conv_step_play").label == "Pause"
    at.button(key="conv_step_play").click().run()
    assert at.session_state["conv_playing"] is False


BAD_CELLS = [
    ("nan", "row 1, column 2: 'nan' is not a finite number"),
    ("inf", "row 1, column 2: 'inf' is not a finite number"),
    ("1e400", "row 1, column 2: '1e400' is not a finite number"),
    ("abc", "row 1, column 2: 'abc' is not a number"),
    ("1/0", "row 1, column 2: '1/0' divides by zero"),
    (None, "row 1, column 2 is empty"),
    ("5e9", "row 1, column 2: '5e9' is too large"),
]


def test_bad_custom_kernel_warns(at):
    at.selectbox(key="conv_kernel").set_value("custom").run()
    for cell, message in BAD_CELLS:
        at.session_state["conv_custom_3"] = {"edited_rows": {0: {"2": cell}}, "added_rows": [], "deleted_rows": []}
        at.run()
        assert not at.exception, cell
        assert any(message in w.value for w in at.warning), cell
        assert any("usable kernel" in i.value for i in at.info)  # the step view waits instead of failing


def test_custom_kernel_with_fractions(at, digit):
    at.selectbox(key="conv_kernel").set_value("custom").run()
    at.radio(key="conv_custom_size").set_value(5).run()
    at.session_state["conv_custom_5"] = {
        "edited_rows": {0: {"1": "1/4"}, 4: {"5": "-2"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception and not at.warning
    k = np.zeros((5, 5))
    k[2, 2], k[0, 0], k[4, 4] = 1, 0.25, -2
    z = _z(_chart(at, "conv_fig_main")["data"][2])
    assert np.allclose(z, conv.convolve(digit, k))
    assert "`O = ⌊(28 − 5 + 2·0) / 1⌋ + 1 = 24` → **24×24**" in _markdown(at)


def test_clip_keeps_0_to_255(at):
    at.checkbox(key="conv_clip").check().run()
    z = _z(_chart(at, "conv_fig_main")["data"][2])
    assert z.min() == 0 and z.max() == 255


def test_upload_of_non_image_shows_an_error(at):
    at.radio(key="conv_source").set_value("upload").run()
    assert any("Upload a photo" in i.value for i in at.info)
    at.file_uploader(key="conv_upload").set_value(("notes.png", b"this is not an image", "image/png")).run()
    assert not at.exception
    assert any("This file cannot be used: this file is not an image" in e.value for e in at.error)


def test_upload_of_a_big_photo_is_scaled_down(at):
    at.radio(key="conv_source").set_value("upload").run()
    at.file_uploader(key="conv_upload").set_value(("photo.png", _png(600, 300), "image/png")).run()
    assert not at.exception and not at.error
    assert any("Your 600×300 picture was scaled down to 256×128" in c.value for c in at.caption)
    assert any("Scaled down to 64×32 pixels here" in c.value for c in at.caption)  # the step view
    assert "rows: `O = ⌊(128 − 3 + 2·0) / 1⌋ + 1 = 126`" in _markdown(at)


def test_tiny_example_matches_the_lesson(at):
    at.radio(key="conv_source").set_value("example").run()
    at.selectbox(key="conv_example").set_value("four").run()
    assert not at.exception
    assert "`O = ⌊(4 − 3 + 2·0) / 1⌋ + 1 = 2` → **2×2**" in _markdown(at)
    at.slider(key="conv_step_pos").set_value(3).run()
    img = np.array([[1, 2, 0, 3], [4, 9, 8, 1], [0, 7, 9, 2], [5, 1, 3, 6]], dtype=float)
    assert f"Sum of the 9 products = **{_fmt(conv.conv_step(img, 'edges', 1, 1).total)}**" in _markdown(at)


def test_pooling_kinds(at, digit):
    at.radio(key="conv_pool_source").set_value("input").run()
    for kind in ("max", "avg", "l2"):
        at.slider(key="conv_pool_size").set_value(2).run()
        at.selectbox(key="conv_pool_kind").set_value(kind).run()
        assert not at.exception
        assert "`O = ⌊(28 − 2 + 2·0) / 2⌋ + 1 = 14` → **14×14**" in _markdown(at)
        at.slider(key="conv_pool_pos").set_value(14 * 5 + 6).run()
        step = conv.pool_step(digit, kind, 2, 5, 6)
        assert any(
            m.startswith("**Output [5, 6]**") and m.endswith(f"= **{_fmt(step.result)}**") for m in _markdown(at)
        ), kind
        at.slider(key="conv_pool_size").set_value(3).run()
        assert "`O = ⌊(28 − 3 + 2·0) / 2⌋ + 1 = 13` → **13×13**" in _markdown(at)


def test_colour_kernel_and_parameter_formula(at):
    at.number_input(key="conv_rgb_filters").set_value(4).run()
    assert any("`(3 × 3 × 3 + 1) × 4 = 112`" in m for m in _markdown(at))
    at.number_input(key="conv_rgb_w_g").set_value(0.0).run()
    at.number_input(key="conv_rgb_bias").set_value(10.0).run()
    assert not at.exception
    parts = [tile.astype(float) for tile in tiles(_chart(at, "conv_fig_rgb_output"))]
    assert len(parts) == 4
    assert np.allclose(parts[0] + parts[1] + parts[2] + 10.0, parts[3])
    assert np.abs(parts[1]).max() == 0  # the green slice weighs 0


def test_dense_versus_conv(at):
    table = at.table[0].value
    assert list(table["Dense parameters"].str.rsplit(" ", n=1).str[-1]) == ["68", "260", "3,140", "39,250"]
    assert list(table["Conv parameters"].str.rsplit(" ", n=1).str[-1]) == ["10", "10", "10", "20"]
    at.number_input(key="conv_dvc_size").set_value(8).run()
    at.number_input(key="conv_dvc_units").set_value(4).run()
    assert [m.value for m in at.metric] == ["260", "10", "26.0×"]
    at.number_input(key="conv_dvc_kernel").set_value(9).run()
    assert not at.exception
    assert any("kernel 9 is larger than the padded input 8" in w.value for w in at.warning)


def test_missing_dataset_leaves_the_rest_usable(at):
    at.session_state["dataset"] = "fashion-mnist"  # not in the empty test data folder, and no network
    at.run()
    assert not at.exception
    assert any("is not on this computer yet" in i.value for i in at.info)  # asked first, never fetched unasked
    assert at.table and at.get("plotly_chart")
    at.button(key="download_fashion-mnist").click().run()
    assert not at.exception
    assert any("This dataset is not available" in e.value for e in at.error)
    assert at.table and at.get("plotly_chart")  # "Why convolution?" and the colour tab still render
    at.radio(key="conv_source").set_value("example").run()
    assert not at.exception and not at.error
    assert "`O = ⌊(8 − 3 + 2·0) / 1⌋ + 1 = 6` → **6×6**" in _markdown(at)


def test_a_bad_kernel_cell_is_named_in_the_learners_language():
    app = AppTest.from_file("../app.py", default_timeout=60)
    app.query_params["lang"] = "zh"  # from the first run: AppTest cannot re-run menus whose labels were translated
    app.session_state["conv_kernel"] = "custom"
    app.session_state["conv_custom_3"] = {"edited_rows": {1: {"3": "1/0"}}, "added_rows": [], "deleted_rows": []}
    app.switch_page(PAGE).run()
    assert not app.exception
    assert [w.value for w in app.warning] == ["该卷积核暂时无法使用：第 2 行第 3 列：'1/0' 除以零"]
