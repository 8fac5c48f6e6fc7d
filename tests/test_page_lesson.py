"""The guided lesson: its sums (cnnviz/lesson.py), and the page driven through AppTest."""

import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from pagetest import array, figure, find_chart, strings, title

from cnnviz import conv, formulas, kernel_catalogue, lesson, lesson_steps, metrics, presets, runs
from cnnviz.train import config_for, run_training

APP = str(Path(__file__).resolve().parents[1] / "app.py")
N = len(lesson_steps.STEPS)


def n_of(step_id: str) -> int:
    return lesson_steps.STEP_IDS.index(step_id) + 1


# ---------------------------------------------------------------- the lesson's sums


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
    assert formulas.conv_params(3, 3, 3, 1).total == 28


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
    records = [
        {"kind": "step", "step": 5, "epoch": 0.5, "train_loss": 1.0, "train_acc": 0.6},
        {"kind": "epoch", "step": 10, "epoch": 1, "val_loss": 0.5, "val_acc": 0.9},
        {"kind": "other"},
    ]
    h = metrics.history(records)
    assert h == {
        "step": [5, 10],
        "epoch": [0.5, 1],
        "train_loss": [1.0, None],
        "train_acc": [0.6, None],
        "val_loss": [None, 0.5],
        "val_acc": [None, 0.9],
    }
    rows = lesson.summary_rows(presets.preset_spec("deep-cnn"))
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
    assert any("none yet" in i.value for i in at.info)  # the last step says what to do instead of going blank
    assert any(f"Train LeNet-5 in step {n_of('lenet5')}" in i.value for i in at.info)
    at.button(key="lesson_to_lenet5").click().run()
    assert _heading(at).startswith(f"{n_of('lenet5')}. LeNet-5")
    at.button(key="lesson_prev").click().run()
    assert _heading(at).startswith(f"{n_of('lenet5') - 1}. ")


def test_steps_render_with_a_finished_run():
    run_id = run_training(config_for("lenet5", epochs=1, batch_size=256)).run_id
    at = _open(run_id=run_id)
    for n in range(1, N + 1):
        at.selectbox(key="lesson_step").set_value(n).run()
        assert not at.exception, (n, at.exception)
        assert _heading(at).startswith(f"{n}. ")
    learned = figure(at.get("plotly_chart")[0])
    assert "conv1: 6 learned kernels of 5×5" in title(learned)
    at.selectbox(key="lesson_step").set_value(n_of("mistakes")).run()
    assert at.metric[0].label == "Test accuracy"
    assert any("misclassified" in m.value for m in at.markdown)
    source = find_chart(at, "lesson_source")  # the video lesson's per-digit numbers beside this run's
    assert source is not None and list(array(source["data"][1]["y"])) == list(lesson.SOURCE_DEEP_CNN["per_class"])
    assert any("99.21% with 79 mistakes" in c.value for c in at.caption)

    at.selectbox(key="lesson_step").set_value(n_of("softmax-loss")).run()
    assert not at.exception
    from cnnviz import data

    _, model = runs.load_model(run_id)
    split = data.load("mnist-sample")
    g = int(np.flatnonzero(split.y_test.numpy() == 7)[0])
    with torch.no_grad():
        logits = model.eval()(data.normalize(split.x_test[g : g + 1], split.info))
    loss = F.cross_entropy(logits, torch.tensor([7])).item()
    p = torch.softmax(logits, 1)[0, 7].item()
    text = " ".join(m.value for m in at.markdown)
    assert f"loss = −ln {p:.4f} = **{loss:.3g}**" in text, text
    assert "The last maps, 16 × 4 × 4, are flattened into 256 numbers" in text


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
    at = _open("shared-weights")
    table = at.dataframe[0].value
    assert list(table["Dense layer"]) == [68, 260, 3140, 39250]
    assert list(table["Conv layer"]) == [10, 10, 10, 20]
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "**3,140**" in text and "68 against 10" in text


def test_url_step_opens_that_step_and_follows_the_selector():
    at = _open(str(n_of("stride-padding")))
    assert _heading(at).startswith(f"{n_of('stride-padding')}. Stride")
    text = " ".join(m.value for m in at.markdown)
    assert "O = ⌊(28 − 3 + 2·0) / 1⌋ + 1 = 26" in text
    assert "**valid** padding" in text and "corner pixel is inside 1 window(s), the centre pixel inside 9" in text
    at.slider(key="lesson_sp_s").set_value(2).run()
    assert not at.exception
    assert any("= 13" in m.value for m in at.markdown)
    at.slider(key="lesson_sp_s").set_value(1).run()
    at.slider(key="lesson_sp_p").set_value(1).run()
    text = " ".join(m.value for m in at.markdown)
    assert "**same** padding" in text and "corner pixel is inside 4 window(s), the centre pixel inside 9" in text
    pool = n_of("pooling")
    at.selectbox(key="lesson_step").set_value(pool).run()
    assert at.query_params["step"] in (str(pool), [str(pool)])
    assert _heading(at).startswith(f"{pool}. ")
    at.radio(key="lesson_pool_kind").set_value("l2").run()
    assert not at.exception
    assert _open("not-a-step").session_state["lesson_step"] == 1


def test_live_training_step_creates_a_run():
    from cnnviz import jobs

    at = _open("lenet5")
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
            at.button(key=f"lesson_use_{listing[0].run_id}").click().run()  # hand the run to the later steps
        assert at.session_state["run_id"] == listing[0].run_id
        at.selectbox(key="lesson_step").set_value(n_of("learned-kernels")).run()
        assert not at.exception and "conv1: 6 learned kernels" in title(figure(at.get("plotly_chart")[0]))
    finally:
        jobs.stop_all()


# ---------------------------------------------------------------- the steps added for a complete lesson


def test_cnn_convolution_is_cross_correlation_and_the_true_one_rotates_the_kernel():
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(9, 9)), rng.normal(size=(3, 3))
    ref = F.conv2d(torch.tensor(image)[None, None], torch.tensor(kernel)[None, None])[0, 0].numpy()
    np.testing.assert_allclose(conv.convolve(image, kernel), ref, atol=1e-12)  # what CNNs compute: no flip
    # the textbook sum: out[r, c] = Σ image[r + 2 - i, c + 2 - j] · kernel[i, j]
    by_hand = np.array(
        [
            [sum(image[r + 2 - i, c + 2 - j] * kernel[i, j] for i in range(3) for j in range(3)) for c in range(7)]
            for r in range(7)
        ]
    )
    np.testing.assert_allclose(lesson.true_convolution(image, kernel), by_hand, atol=1e-12)
    assert not np.allclose(lesson.true_convolution(image, kernel), ref)
    digit = np.arange(64.0).reshape(8, 8)
    np.testing.assert_array_equal(conv.convolve(digit, lesson.SHIFT_KERNEL), digit[4:, 4:])  # up and left
    np.testing.assert_array_equal(lesson.true_convolution(digit, lesson.SHIFT_KERNEL), digit[:4, :4])
    blur = kernel_catalogue.get_kernel("gaussian_blur").weights  # symmetric: the same both ways
    np.testing.assert_allclose(lesson.true_convolution(digit, blur), conv.convolve(digit, blur))


def test_window_coverage_counts_every_window_and_names_valid_and_same_padding():
    for size, f, s, p in ((6, 3, 1, 1), (28, 3, 1, 0), (10, 4, 2, 1), (7, 5, 3, 2)):
        count = np.zeros((size + 2 * p,) * 2, dtype=np.int64)
        out = formulas.output_size(size, f, s, p).size
        for r in range(out):
            for c in range(out):
                count[r * s : r * s + f, c * s : c * s + f] += 1
        np.testing.assert_array_equal(lesson.window_coverage(size, f, s, p), count[p : p + size, p : p + size])
    coverage = lesson.window_coverage(28, 3, 1, 1)
    assert coverage[0, 0] == 4 and coverage[14, 14] == 9  # the lesson's sentence: 4 windows against 9
    assert lesson.window_coverage(28, 3, 1, 0)[0, 0] == 1
    assert lesson.padding_name(28, 3, 1, 0) == "valid" and lesson.padding_name(28, 5, 1, 2) == "same"
    assert lesson.padding_name(28, 3, 2, 1) == ""
    assert all(lesson.padding_name(28, 4, 1, p) != "same" for p in range(1, 5))  # an even kernel cannot keep the size


def test_the_kernel_gradient_is_autograds_and_descent_finds_the_kernel():
    rng = np.random.default_rng(1)
    kernel = rng.normal(size=(3, 3))
    g = lesson.kernel_gradient(lesson.GRADIENT_IMAGE, kernel, lesson.GRADIENT_TARGET)
    k = torch.tensor(kernel, requires_grad=True)
    out = F.conv2d(torch.tensor(lesson.GRADIENT_IMAGE)[None, None], k[None, None])[0, 0]
    loss = 0.5 * ((out - torch.tensor(lesson.GRADIENT_TARGET)) ** 2).sum()
    loss.backward()
    assert g.loss == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(g.gradient, k.grad.numpy(), rtol=1e-10, atol=1e-12)
    losses = [
        lesson.kernel_gradient(
            lesson.GRADIENT_IMAGE, lesson.descend(np.zeros((3, 3)), 0.05, n), lesson.GRADIENT_TARGET
        ).loss
        for n in (0, 10, 100, 1000)
    ]
    assert losses == sorted(losses, reverse=True) and losses[-1] < 1e-6  # falls, to the one kernel that fits
    np.testing.assert_allclose(lesson.descend(np.zeros((3, 3)), 0.05, 1000), lesson.GRADIENT_KERNEL, atol=1e-3)
    grows = [
        lesson.kernel_gradient(
            lesson.GRADIENT_IMAGE, lesson.descend(np.zeros((3, 3)), 0.1, n), lesson.GRADIENT_TARGET
        ).loss
        for n in (10, 50)
    ]
    assert grows[1] > grows[0]  # the largest rate on the slider overshoots, as the step says


def test_decision_is_softmax_and_cross_entropy():
    logits = np.array([2.0, -1.0, 0.5, 7.0, 3.0])
    d = lesson.decision(logits, 2)
    t_logits = torch.tensor(logits)[None]
    np.testing.assert_allclose(d.probabilities, torch.softmax(t_logits, 1)[0].numpy(), rtol=1e-12)
    assert d.loss == pytest.approx(F.cross_entropy(t_logits, torch.tensor([2])).item(), rel=1e-12)
    assert d.predicted == 3 and d.label == 2
    assert lesson.decision([1000.0, 0.0], 1).loss == pytest.approx(1000.0)  # finite where e^1000 is not
    with pytest.raises(ValueError, match="not one of the 2 classes"):
        lesson.decision([1.0, 2.0], 2)
    np.testing.assert_array_equal(lesson.relu([-1.0, 0.0, 2.5]), [0.0, 0.0, 2.5])


def test_keras_summary_rows_put_the_batch_first_and_the_channels_last():
    rows = lesson.keras_rows(presets.preset_spec("deep-cnn"))
    assert rows[0] == {"layer": "conv1", "keras": "(None, 26, 26, 32)", "ours": "32 × 26 × 26", "parameters": 320}
    assert [r["keras"] for r in rows if r["layer"] in ("flatten", "dense1")] == ["(None, 5184)", "(None, 64)"]
    assert sum(r["parameters"] for r in rows) == 388_234  # the video lesson's summary total


def test_new_steps_render_and_their_widgets_compute_what_they_say():
    at = _open("relu")
    text = " ".join(m.value for m in at.markdown)
    assert re.search(r"\d+ of 676 values were negative and are now 0", text), text
    at = _open("kernel-gradient")
    start = lesson.kernel_gradient(lesson.GRADIENT_IMAGE, np.zeros((3, 3)), lesson.GRADIENT_TARGET).loss
    at.button(key="lesson_grad_ten").click().run()
    assert not at.exception
    want = lesson.kernel_gradient(
        lesson.GRADIENT_IMAGE, lesson.descend(np.zeros((3, 3)), 0.05, 10), lesson.GRADIENT_TARGET
    ).loss
    text = " ".join(m.value for m in at.markdown)
    assert f"After 10 step(s): loss ½·Σ(output − target)² = **{want:.4g}**" in text and want < start
    at.button(key="lesson_grad_reset").click().run()
    assert "After 0 step(s)" in " ".join(m.value for m in at.markdown)
    at = _open("cross-correlation")
    assert "differ by up to" in " ".join(m.value for m in at.markdown)
    at.radio(key="lesson_xc_kernel").set_value("gaussian_blur").run()
    assert "identical" in " ".join(m.value for m in at.markdown)


def test_the_cnn_holds_up_better_than_the_mlp_on_small_shifts_and_both_fall_on_large_ones():
    """The claim of the MLP-against-CNN step, measured: both trained 3 epochs on the built-in sample."""
    from cnnviz import data

    split = data.load("mnist-sample")
    shifted = lesson.shift_right(split.x_test[:2], 3)
    assert torch.equal(shifted[..., 3:], split.x_test[:2, ..., :-3]) and not shifted[..., :3].any()
    accuracy, run_ids = {}, {}
    for preset in ("mlp", "lenet5"):
        run_ids[preset] = run_training(config_for(preset, epochs=3)).run_id
        accuracy[preset] = lesson.accuracy_under_shift(runs.load_model(run_ids[preset])[1], split)
    mlp, cnn = accuracy["mlp"], accuracy["lenet5"]
    assert mlp[0] > 0.85 and cnn[0] > 0.85  # both learned the unshifted digits
    assert cnn[2] > mlp[2] + 0.05  # a 2-pixel shift hurts the MLP more
    assert mlp[6] < 0.5 * mlp[0] and cnn[6] < 0.5 * cnn[0]  # and neither survives 6 pixels

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["run_id"] = None
    at.session_state["lesson_run_mlp"], at.session_state["lesson_run_lenet5"] = run_ids["mlp"], run_ids["lenet5"]
    at.query_params["step"] = "mlp-vs-cnn"
    at.run()
    at.switch_page("pages/lesson.py").run()
    assert not at.exception, at.exception
    shown = find_chart(at, "lesson_shift_fig")
    assert [trace["name"] for trace in shown["data"]] == ["MLP baseline", "LeNet-5"]
    np.testing.assert_allclose(array(shown["data"][0]["y"]), mlp) and np.testing.assert_allclose(
        array(shown["data"][1]["y"]), cnn
    )
    assert any(f"MLP {mlp[2]:.1%}, LeNet-5 {cnn[2]:.1%}" in m.value for m in at.markdown)
