"""The invariance lab: images moved exactly as `robustness.transform` moves them, accuracies that reduce to known
numbers (no move: the plain test accuracy; a shift off the canvas: the blank image's class), the CNN forgiving
shifts the MLP does not, and the screen comparing the two."""

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from pagetest import APP, find_chart, tiles
from test_chinese_screens import _texts, english_left
from cnnviz import data, evaluate, invariance, jobs, robustness, runs


@pytest.fixture(scope="module")
def split():
    return data.load("mnist-sample")


def test_a_batch_is_moved_exactly_as_each_image_alone(split):
    x = split.x_test[:5]
    for kind, amount, settings in (
        ("shift", 3, dict(shift=(3, 0))),
        ("rotate", -30, dict(angle=-30)),
        ("scale", 0.7, dict(scale=0.7)),
    ):
        moved = invariance.transformed(x, kind, amount)
        assert moved.dtype == torch.uint8 and moved.shape == x.shape
        for i in range(len(x)):
            np.testing.assert_array_equal(moved[i].numpy(), robustness.transform(x[i].numpy(), fill=0, **settings))
    assert torch.equal(invariance.transformed(x, "shift", 0), x)
    assert not invariance.transformed(x, "shift", 28).any()  # moved right off the 28-pixel canvas: all black
    with pytest.raises(ValueError, match="unknown transformation"):
        invariance.transformed(x, "flip", 1)


def test_accuracies_reduce_to_numbers_known_without_moving_anything(use_run, split):
    _, model = runs.load_model(use_run("lenet5-b256"))
    plain = evaluate.evaluate(model, split).accuracy  # the whole test set: the lab's 1,000 images
    assert invariance.accuracy_under(model, split, "rotate", [0])[0] == plain
    assert invariance.accuracy_under(model, split, "scale", [1.0])[0] == plain
    at_zero, off_canvas = invariance.accuracy_under(model, split, "shift", [0, 28])
    assert at_zero == plain
    blank = torch.zeros((1, *split.info.input_shape), dtype=torch.uint8)  # what a 28-pixel shift leaves
    answer = int(evaluate.predict(model, data.normalize(blank, split.info)).argmax())
    assert off_canvas == pytest.approx(float((split.y_test.numpy() == answer).mean()))  # that class's share
    first = invariance.accuracy_under(model, split, "shift", [0], n_images=10)[0]
    assert first == float(
        (
            evaluate.predict(model, data.normalize(split.x_test[:10], split.info)).argmax(1)
            == split.y_test[:10].numpy()
        ).mean()
    )


def test_the_cnn_forgives_a_shift_the_mlp_does_not(use_run, split):
    _, cnn = runs.load_model(use_run("lenet5-b256"))
    _, mlp = runs.load_model(use_run("mlp"))
    c, m = invariance.curves(cnn, split), invariance.curves(mlp, split)
    assert list(c.amounts["shift"]) == list(range(9)) and c.at("shift", 0) == c.accuracy["shift"][0]
    # measured: unshifted LeNet-5 71.1%, MLP 89.3% (one short epoch each); shifted 4 px 36.6% and 26.9%, so the
    # CNN keeps half its accuracy and the MLP under a third. A margin of 5 points leaves room for other torch builds.
    assert c.at("shift", 4) > m.at("shift", 4) + 0.05
    for d in (3, 4):  # the share of its own accuracy each network keeps
        assert c.at("shift", d) / c.at("shift", 0) > m.at("shift", d) / m.at("shift", 0) + 0.1
    for kind, amount in (("rotate", 60), ("scale", 0.5)):  # neither forgives a large turn or zoom
        assert c.at(kind, amount) < 0.5 * c.at("shift", 0) and m.at(kind, amount) < 0.5 * m.at("shift", 0)


def test_pooled_maps_stay_more_alike_than_the_convolution_before_them(use_run, split):
    _, cnn = runs.load_model(use_run("lenet5-b256"))
    assert invariance.map_layers(cnn) == ["conv1_relu", "pool1", "conv2_relu", "pool2"]
    assert invariance.pooling_layers(cnn) == ["pool1", "pool2"]
    similarity = invariance.map_similarity(cnn, split, shifts=(0, 1, 4))
    for values in similarity.values():
        assert values[0] == pytest.approx(1.0)
    for d in (1, 2):  # at 1 and at 4 pixels
        assert similarity["pool1"][d] > similarity["conv1_relu"][d]
        assert similarity["pool2"][d] > similarity["conv2_relu"][d]
    assert similarity["pool2"][2] < similarity["pool2"][1] - 0.1  # a shift wider than the windows is not forgiven


def test_the_partner_is_the_other_kind_of_network_with_the_same_settings(use_run):
    cnn_id, mlp_id = use_run("lenet5-b256"), use_run("mlp")
    cnn, mlp = runs.read_run(cnn_id).record, runs.read_run(mlp_id).record
    want = invariance.partner_config(cnn)
    assert want.preset == "mlp" and want.batch_size == 256 and want.epochs == 1 and want.dataset == "mnist-sample"
    assert invariance.partner_config(mlp).preset == "lenet5"
    assert [r.run_id for r in invariance.find_partners(cnn, runs.list_runs())] == [mlp_id]
    assert [r.run_id for r in invariance.find_partners(mlp, runs.list_runs())] == [cnn_id]
    assert not invariance.same_settings(mlp, want)  # the fixture's MLP trained with batches of 64


def test_the_partner_compared_with_is_the_best_that_finished_with_weights_and_the_live_one_is_shown(tmp_path):
    def info(run_id: str, status: str, weights: bool = True) -> runs.RunInfo:
        return runs.RunInfo(run_id, tmp_path / run_id, status, {"weights_sha256": "0" * 64} if weights else {})

    failed, queued, done, running, later = (
        info("a", "failed", weights=False),
        info("b", "queued", weights=False),
        info("c", "finished"),
        info("d", "running", weights=False),
        info("e", "finished"),
    )
    partners = [failed, queued, done, running, later]
    assert invariance.ready_partner(partners) is done and invariance.live_partner(partners) is queued
    assert invariance.ready_partner([failed, info("f", "finished", weights=False)]) is None  # no weights to load
    assert invariance.ready_partner([]) is None and invariance.live_partner([failed, done]) is None


def test_the_compared_networks_keep_their_names_unless_they_clash():
    assert invariance.distinct_names(["LeNet-5", "MLP baseline"], ["r1", "r2"]) == ["LeNet-5", "MLP baseline"]
    assert invariance.distinct_names(["my net", "my net"], ["r1", "r2"]) == ["my net (r1)", "my net (r2)"]


def test_the_example_picture_is_the_first_seven_of_digits_else_the_first_image():
    labels = np.array([3, 1, 7, 7, 0])
    assert invariance.example_index(labels, digits=True) == 2
    assert invariance.example_index(labels, digits=False) == 0  # photos: no 7 to look for
    assert invariance.example_index(np.array([3, 1]), digits=True) == 0  # digits without a 7
    assert isinstance(invariance.example_index(labels, digits=True), int)


def _screen(run_id: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = lang
    at.session_state["run_id"] = run_id
    at.switch_page("pages/lab_invariance.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_lab_screen_compares_the_run_with_the_mlp(use_run, split):
    cnn_id = use_run("lenet5-b256")
    use_run("mlp")
    at = _screen(cnn_id)
    for kind in invariance.KINDS:
        shown = find_chart(at, f"inv_{kind}")
        assert [trace["name"] for trace in shown["data"]] == ["LeNet-5", "MLP baseline"], kind
        assert len(tiles(find_chart(at, f"inv_examples_{kind}"))) == 4
    assert [trace["name"] for trace in find_chart(at, "inv_maps")["data"]] == [
        "conv1_relu",
        "pool1",
        "conv2_relu",
        "pool2",
    ]
    _, cnn = runs.load_model(cnn_id)
    text = " ".join(m.value for m in at.markdown)
    shifted = invariance.accuracy_under(cnn, split, "shift", [3])[0]
    assert f"shifted 3 px, LeNet-5 keeps {shifted:.0%} and MLP baseline" in text
    assert "**Measured.** Shifted 1 px, the first convolution's maps (conv1_relu)" in text
    assert any(b.label.startswith("Train MLP baseline with the same settings") for b in at.button)  # batch 64 != 256


def test_an_mlp_in_the_sidebar_is_compared_with_a_cnn(use_run):
    use_run("lenet5-b256")
    at = _screen(use_run("mlp"))
    assert any("Your run is an MLP" in i.value for i in at.info)
    assert [trace["name"] for trace in find_chart(at, "inv_shift")["data"]] == ["MLP baseline", "LeNet-5"]
    assert "How alike LeNet-5's maps stay" in find_chart(at, "inv_maps")["layout"]["title"]["text"]


def test_the_whole_comparison_in_chinese_has_no_english_left(use_run):
    use_run("mlp")
    at = _screen(use_run("lenet5-b256"), "zh")
    assert find_chart(at, "inv_maps") is not None  # the whole screen, not only the call to train a partner
    left = {text[:120]: words for text in _texts(at) if (words := english_left(text))}
    assert not left, left


def test_one_click_trains_the_partner_in_the_background(use_run):
    cnn_id = use_run("lenet5-b256")
    at = _screen(cnn_id)
    assert find_chart(at, "inv_shift") is None  # nothing to compare with yet
    at.button(key="inv_train").click().run()
    assert not at.exception, at.exception
    partner = [r for r in runs.list_runs() if r.run_id != cnn_id]
    assert len(partner) == 1 and partner[0].record.preset == "mlp" and partner[0].record.config.batch_size == 256
    assert jobs.wait(partner[0].run_id, timeout=120).status == "finished"
    at = _screen(cnn_id)
    assert len(find_chart(at, "inv_shift")["data"]) == 2
    assert not any(b.label.startswith("Train MLP baseline") for b in at.button)  # the same settings: nothing to add
