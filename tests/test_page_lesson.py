"""The guided lesson: its step registry and sums (cnnviz/lesson.py), and the page driven through AppTest."""
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from pagetest import figure, strings, title

from cnnviz import arch, conv, i18n, lesson, runs
from cnnviz.train import config_for, run_training

APP = str(Path(__file__).resolve().parents[1] / "app.py")
N = len(lesson.STEPS)


# ---------------------------------------------------------------- the registry and its sums


def test_registry_has_the_ten_steps_in_the_seed_order():
    assert lesson.STEP_IDS == ("kernel", "shared-weights", "channels", "stride-padding", "pooling", "dropout",
                               "lenet5", "deep-cnn", "mistakes", "learned-kernels")
    pages = {p.stem for p in (Path(APP).parent / "pages").glob("*.py")}
    for step in lesson.STEPS:
        assert Path(step.page).stem in pages
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", step.body.strip()) if s]
        assert 2 <= len(sentences) <= 5, step.id
        assert not re.search(r"[\u4e00-\u9fff]", step.title + step.body)  # written for the explorer, in English


def test_every_title_and_body_is_found_by_the_translation_scan():
    found = i18n.source_strings([Path(lesson.__file__)])
    for step in lesson.STEPS:
        assert step.title in found and step.body in found


def test_parse_and_get_step():
    assert lesson.parse_step("4") == 4
    assert lesson.parse_step(" pooling ") == 5
    assert lesson.parse_step(None) is None
    for bad in ("0", "11", "-1", "two", "", "4.5", "²", "٣", "9" * 5000):  # superscripts and other digits too
        assert lesson.parse_step(bad) is None
    assert lesson.get_step(1).id == "kernel" and lesson.get_step(N).id == "learned-kernels"
    with pytest.raises(ValueError, match="steps are 1..10"):
        lesson.get_step(0)


def test_tiny_example_matches_conv2d_and_every_output_differs():
    ref = F.conv2d(torch.tensor(lesson.TINY_IMAGE)[None, None], torch.tensor(lesson.TINY_KERNEL)[None, None])[0, 0]
    out = conv.convolve(lesson.TINY_IMAGE, lesson.TINY_KERNEL)
    np.testing.assert_allclose(out, ref.numpy())
    assert out.shape == (2, 2) and len(set(out.ravel())) == 4
    # by hand, window row by window row: (0,1) = (−3+6−1) + (0+6−0) + (−1+6−0) = 13
    np.testing.assert_array_equal(out, [[-1, 13], [1, 10]])
    partial = lesson.output_so_far(lesson.TINY_IMAGE, lesson.TINY_KERNEL, 1)
    assert partial[0, 0] == -1 and partial[0, 1] == 13 and np.isnan(partial[1]).all()
    with pytest.raises(ValueError, match="outside"):
        lesson.output_so_far(lesson.TINY_IMAGE, lesson.TINY_KERNEL, 4)


def test_shared_weight_maps_are_the_conv_as_dense_neurons():
    maps = lesson.shared_weight_maps(lesson.TINY_KERNEL, (4, 4))  # (4, 4, 4)
    dense = maps.reshape(4, 16) @ lesson.TINY_IMAGE.ravel()  # each neuron: its weights · the 16 pixels
    np.testing.assert_array_equal(dense, conv.convolve(lesson.TINY_IMAGE, lesson.TINY_KERNEL).ravel())
    assert all(np.count_nonzero(m) == 9 for m in maps)


def test_channel_contributions_sum_to_the_3d_convolution():
    image = lesson.rgb_image(16)
    maps = lesson.channel_contributions(image, lesson.RGB_KERNEL, bias=0.5)  # (4, 14, 14)
    bias = torch.tensor([0.5], dtype=torch.float64)
    ref = F.conv2d(torch.tensor(image)[None], torch.tensor(lesson.RGB_KERNEL)[None], bias)[0, 0]
    np.testing.assert_allclose(maps[3], ref.numpy(), atol=1e-12)
    np.testing.assert_allclose(maps[:3].sum(0) + 0.5, maps[3], atol=1e-12)
    with pytest.raises(ValueError, match="same C"):
        lesson.channel_contributions(image[:2], lesson.RGB_KERNEL)
    assert conv.conv_params(3, 3, 3, 1).total == 28


def test_dropout_demo():
    a, b = lesson.dropout_demo(0.5, draw=3), lesson.dropout_demo(0.5, draw=3)
    np.testing.assert_array_equal(a.mask, b.mask)
    c = lesson.dropout_demo(0.5, draw=4)
    assert not np.array_equal(a.mask, c.mask)
    np.testing.assert_array_equal(a.activations, c.activations)  # only the mask depends on the draw
    np.testing.assert_allclose(a.output, a.activations * a.mask * 2.0)
    assert a.kept == int(a.mask.sum()) and set(np.unique(a.mask)) <= {0.0, 1.0}
    assert lesson.dropout_demo(0.0).kept == 64
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        lesson.dropout_demo(1.0)


def test_box_kernel_and_crop():
    np.testing.assert_allclose(lesson.box_kernel(3).sum(), 1.0)
    with pytest.raises(ValueError):
        lesson.box_kernel(0)
    img = np.arange(28 * 28).reshape(28, 28)
    assert lesson.centre_crop(img, 5).shape == (5, 5) and lesson.centre_crop(img, 5)[0, 0] == img[11, 11]
    assert lesson.centre_crop(img, 28).shape == (28, 28)


def test_curve_history_and_summary():
    records = [{"kind": "step", "step": 5, "epoch": 0.5, "train_loss": 1.0, "train_acc": 0.6},
               {"kind": "epoch", "step": 10, "epoch": 1, "val_loss": 0.5, "val_acc": 0.9},
               {"kind": "other"}]
    h = runs.history(records)
    assert h == {"step": [5, 10], "epoch": [0.5, 1], "train_loss": [1.0, None], "train_acc": [0.6, None],
                 "val_loss": [None, 0.5], "val_acc": [None, 0.9]}
    rows = lesson.summary_rows(arch.preset_spec("deep-cnn"))
    assert sum(r["parameters"] for r in rows) == 388_234
    assert [r["layer"] for r in rows][:3] == ["input", "conv1", "pool1"]


# ---------------------------------------------------------------- the page


def _open(step: str | None = None, run_id: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["run_id"] = run_id  # the run picked in the sidebar (AppTest draws no sidebar on switch_page)
    if step is not None:
        at.query_params["step"] = step
    at.run()
    at.switch_page("pages/lesson.py").run()
    assert not at.exception, at.exception
    return at


def _heading(at: AppTest) -> str:
    return at.subheader[0].value


def test_steps_render_by_next_without_a_run():
    at = _open()
    assert _heading(at).startswith("1. ")
    assert at.button(key="lesson_prev").disabled
    for n in range(2, N + 1):
        at.button(key="lesson_next").click().run()
        assert not at.exception, (n, at.exception)
        assert _heading(at).startswith(f"{n}. "), _heading(at)
        assert at.query_params["step"] == [str(n)] or at.query_params["step"] == str(n)
    assert at.button(key="lesson_next").disabled
    assert any("none yet" in i.value for i in at.info)  # step 10 says what to do instead of going blank
    at.button(key="lesson_to_7").click().run()
    assert _heading(at).startswith("7. ")
    at.button(key="lesson_prev").click().run()
    assert _heading(at).startswith("6. ")


def test_steps_render_with_a_finished_run():
    at = _open(run_id=run_training(config_for("lenet5", epochs=1, batch_size=256)).run_id)
    for n in range(1, N + 1):
        at.selectbox(key="lesson_step").set_value(n).run()
        assert not at.exception, (n, at.exception)
        assert _heading(at).startswith(f"{n}. ")
    learned = figure(at.get("plotly_chart")[0])
    assert "conv1: 6 learned kernels of 5×5" in title(learned)
    at.selectbox(key="lesson_step").set_value(9).run()
    assert at.metric[0].label == "Test accuracy"
    assert any("misclassified" in m.value for m in at.markdown)


def test_step1_slider_shows_the_exact_sum():
    at = _open()
    for position in (1, 2, 3, 4):
        at.slider(key="lesson_kernel_pos").set_value(position).run()
        row, col = divmod(position - 1, 2)
        value = conv.conv_step(lesson.TINY_IMAGE, lesson.TINY_KERNEL, row, col).value
        text = [m.value for m in at.markdown if "Output at row" in m.value]
        assert text and text[0].endswith(f"= **{value:g}**".replace("-", "−")), text
        assert f"row {row}, column {col}" in text[0]
    assert "sum of products = 10" in strings(figure(at.get("plotly_chart")[0]))


def test_step2_shows_the_parameter_comparison():
    at = _open("2")
    table = at.dataframe[0].value
    assert list(table["Dense layer"]) == [68, 260, 3140, 39250]
    assert list(table["Conv layer"]) == [10, 10, 10, 20]
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "**3,140**" in text and "68 against 10" in text


def test_url_step_opens_that_step_and_follows_the_selector():
    at = _open("4")
    assert _heading(at).startswith("4. Stride")
    assert "O = ⌊(28 − 3 + 2·0) / 1⌋ + 1 = 26" in " ".join(m.value for m in at.markdown)
    at.slider(key="lesson_sp_s").set_value(2).run()
    assert not at.exception
    assert any("= 13" in m.value for m in at.markdown)
    at.selectbox(key="lesson_step").set_value(5).run()
    assert at.query_params["step"] in ("5", ["5"])
    assert _heading(at).startswith("5. ")
    at.radio(key="lesson_pool_kind").set_value("l2").run()
    assert not at.exception
    assert _open("not-a-step").session_state["lesson_step"] == 1


def test_step7_live_training_creates_a_run():
    from cnnviz import jobs

    at = _open("7")
    assert not runs.list_runs()
    try:
        at.button(key="lesson_run_lenet5_start").click().run()
        assert not at.exception, at.exception
        listing = runs.list_runs()
        assert len(listing) == 1 and listing[0].meta["preset"] == "lenet5"
        assert at.session_state["lesson_run_lenet5"] == listing[0].run_id
        jobs.wait(listing[0].run_id, timeout=120)
        at.run()
        assert not at.exception
        assert any("Finished" in s.value for s in at.success)
        if at.session_state["run_id"] != listing[0].run_id:  # the sidebar picks the newest run by itself
            at.button(key=f"lesson_use_{listing[0].run_id}").click().run()  # hand the run to steps 9 and 10
        assert at.session_state["run_id"] == listing[0].run_id
        at.selectbox(key="lesson_step").set_value(10).run()
        assert not at.exception and "conv1: 6 learned kernels" in title(figure(at.get("plotly_chart")[0]))
    finally:
        jobs.stop_all()
