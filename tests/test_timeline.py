"""Tests for cnnviz.timeline: accuracy, weights, activations and kernels at every snapshot of a run."""

import numpy as np
import pytest
from safetensors.torch import load_file, save_file

from cnnviz import data, evaluate, runs, timeline
from cnnviz.loaded import LoadedRun


def test_per_class_over_training_ends_at_the_final_evaluation(use_run):
    run_id = use_run("lenet5")
    loaded = LoadedRun.open(run_id)
    tl = timeline.per_class_over_training(loaded, max_images=1000)
    snaps = runs.list_snapshots(run_id)
    assert tl.accuracy.shape == (10, len(snaps)) and tl.steps == tuple(s["step"] for s in snaps)
    evaluation = loaded.evaluate()  # the embedded sample has exactly 1,000 test images
    assert evaluation.n_test == tl.n_images == 1000
    np.testing.assert_allclose(tl.accuracy[:, -1], evaluation.per_class_accuracy)
    assert loaded.full_snapshots


def test_the_last_snapshot_scores_exactly_as_the_final_network_on_the_same_images(use_run):
    loaded = LoadedRun.open(use_run("lenet5"))
    n = 650  # the test set is sorted by class: 0-5 whole, half of the 6s, no 7, 8 or 9 (NaN on both sides)
    tl = timeline.per_class_over_training(loaded, max_images=n)
    split = loaded.split
    first = data.DataSplit(split.info, split.x_train, split.y_train, split.x_test[:n], split.y_test[:n])
    direct = evaluate.evaluate(loaded.model, first, loaded.classes)
    assert tl.n_images == direct.n_test == n
    np.testing.assert_array_equal(tl.accuracy[:, -1], direct.per_class_accuracy)
    y = loaded.test_labels(n)  # and by hand: right answers over images, class by class
    right = direct.predictions == y
    by_hand = [right[y == k].mean() if (y == k).any() else np.nan for k in range(10)]
    np.testing.assert_array_equal(tl.accuracy[:, -1], by_hand)
    assert np.isnan(by_hand[7:]).all() and not np.isnan(by_hand[:7]).any()


def test_conv_only_snapshots_are_refused_plainly(use_run):
    run_id = use_run("lenet5")
    for s in runs.list_snapshots(run_id):  # what a model over 500k parameters keeps
        state = load_file(str(s["path"]))
        save_file(
            {k: v for k, v in state.items() if v.ndim == 4},
            str(s["path"]),
            metadata={"step": str(s["step"]), "epoch": str(s["epoch"])},
        )
    loaded = LoadedRun.open(run_id)
    assert not loaded.full_snapshots
    with pytest.raises(ValueError, match="kept only its convolution kernels"):
        timeline.per_class_over_training(loaded)
    assert timeline.weight_layers(loaded) == ["conv1", "conv2"]


def test_timelines_and_replay(use_run):
    loaded = LoadedRun.open(use_run("lenet5"))
    values, steps = timeline.weight_timeline(loaded, "conv2")
    assert steps == [s.step for s in loaded.snapshots] and values[0].shape == (16 * 6 * 25,)
    now, change = timeline.kernel_replay(loaded, "conv1", 0)
    assert now.shape == (6, 1, 5, 5) and not change.any()
    probe = data.normalize(data.load("mnist-sample").x_test[:8], data.get_info("mnist-sample"))
    acts, _ = timeline.activation_timeline(loaded, "conv1_relu", probe)
    assert len(acts) == len(steps) and acts[-1].size == 8 * 6 * 24 * 24 and (acts[-1] >= 0).all()
    assert timeline.weight_layers(loaded) == ["conv1", "conv2", "dense1", "dense2", "dense3"]
    assert timeline.activation_layers(loaded)[:3] == ["conv1", "conv1_relu", "pool1"]
    assert "flatten" not in timeline.activation_layers(loaded)


def test_activation_timeline_thins_evenly_and_names_a_missing_layer(use_run):
    loaded = LoadedRun.open(use_run("lenet5"))
    probe = loaded.test_inputs(timeline.PROBE_IMAGES)
    acts, _ = timeline.activation_timeline(loaded, "conv1", probe)  # 256 x 6 x 24 x 24 values, more than 50k
    assert {a.size for a in acts} == {timeline.MAX_TIMELINE_VALUES}
    with pytest.raises(ValueError, match="no layer 'conv9'"):
        timeline.activation_timeline(loaded, "conv9", probe)
