"""Tests for cnnviz.experiment and cnnviz.health: planted faults are found, edits never leak, exact transforms."""
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from cnnviz import arch, conv, data, experiment, health, inspection, runs, train
from cnnviz.arch import ArchSpec, Conv, Dense, Flatten

# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One short LeNet-5 run: 1,200 training images of the embedded sample, the whole test set, 4 full snapshots."""
    home = tmp_path_factory.mktemp("experiment-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNNVIZ_HOME", str(home))
        full = data.load("mnist-sample")
        split = data.DataSplit(full.info, full.x_train[:1200], full.y_train[:1200], full.x_test, full.y_test)
        event = train.run_training(train.config_for("lenet5", epochs=1, batch_size=128, snapshots=4), split)
    assert event.status == "finished"
    return home, event.run_id


@pytest.fixture
def run_id(trained, isolated_home, monkeypatch):
    home, rid = trained
    monkeypatch.setenv("CNNVIZ_HOME", str(home))
    return rid


def small_model(filters=3, kernel=3, units=4):
    """input (1, 8, 8) -> conv relu -> flatten -> dense relu -> dense 2."""
    spec = ArchSpec((1, 8, 8), (Conv(filters, kernel), Flatten(), Dense(units), Dense(2, "none")), "toy")
    torch.manual_seed(0)
    return arch.build(spec)


# ---------------------------------------------------------------- network health


def test_planted_dead_filter_and_dead_unit_are_found_and_named():
    model = small_model()
    with torch.no_grad():
        model.conv1.weight[1].zero_()
        model.conv1.bias[1] = -1.0  # channel 1 outputs -1 everywhere: ReLU makes it 0 on every image
        model.dense1.weight[2].zero_()
        model.dense1.bias[2] = -1.0
    x = torch.randn(64, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    report = health.check(model, x)
    conv1, dense1 = report.layers
    assert (conv1.layer, conv1.kind, conv1.units, conv1.dead) == ("conv1", "conv", 3, (1,))
    assert (dense1.layer, dense1.kind, dense1.dead) == ("dense1", "dense", (2,))
    assert report.n_images == 64
    text = report.sentences()
    assert text[0].startswith("1 of 3 filters in conv1 never activate on the test set (#1)")
    assert text[1].startswith("1 of 4 units in dense1 never activate on the test set (#2)")
    # the dead channel contributes exactly 1/3 of conv1's zeros at least
    assert conv1.sparsity >= 1 / 3
    assert conv1.activity[1] == 0 and conv1.activity[0] > 0


def test_healthy_layer_sentence_and_sparsity_exact():
    model = small_model(filters=1, kernel=1)
    with torch.no_grad():
        model.conv1.weight.fill_(1.0)
        model.conv1.bias.zero_()
    x = torch.zeros(2, 1, 8, 8)
    x[0, 0, :4] = 1.0  # half of image 0 positive, image 1 all zero
    h = health.check(model, x).layers[0]
    assert h.dead == () and h.activity.tolist() == [0.5]
    assert h.sparsity == pytest.approx(1 - 32 / 128)
    assert health.check(model, x).sentences()[0].startswith("All 1 filters in conv1 activate")


def test_health_refuses_bad_input():
    with pytest.raises(ValueError, match="float batch"):
        health.check(small_model(), np.zeros((8, 8), np.float32))


def test_gradient_history_matches_metrics(run_id):
    gh = health.gradient_history(run_id)
    steps = [r for r in runs.read_metrics(run_id) if r["kind"] == "step"]
    assert list(gh.norms) == ["conv1", "conv2", "dense1", "dense2", "dense3"]
    assert gh.norms["conv1"].tolist() == [r["grad_norms"]["conv1"] for r in steps]
    assert len(gh.sentences()) == 5 and gh.sentences()[0].startswith("conv1: gradient norm")
    assert set(gh.curves()["dense3"]) == {"epoch", "grad_norm"}


# ---------------------------------------------------------------- robustness


def test_transform_with_zero_settings_is_the_identity():
    rng = np.random.default_rng(0)
    for shape in ((1, 28, 28), (3, 32, 32)):
        img = rng.integers(0, 256, shape, dtype=np.uint8)
        out = experiment.transform(img)
        assert out.dtype == np.uint8 and np.array_equal(out, img) and out is not img


def test_shift_by_one_pixel_moves_the_image_exactly():
    img = np.random.default_rng(1).integers(1, 256, (1, 10, 12), dtype=np.uint8)
    right = experiment.transform(img, shift=(1, 0))
    assert np.array_equal(right[:, :, 1:], img[:, :, :-1]) and not right[:, :, 0].any()
    up = experiment.transform(img, shift=(0, -1))
    assert np.array_equal(up[:, :-1], img[:, 1:]) and not up[:, -1].any()


def test_noise_is_seeded_and_occlusion_fills_the_square():
    img = np.full((1, 8, 8), 100, np.uint8)
    a, b = (experiment.transform(img, noise_std=0.1, seed=3) for _ in range(2))
    assert np.array_equal(a, b) and not np.array_equal(a, img)
    assert not np.array_equal(a, experiment.transform(img, noise_std=0.1, seed=4))
    occ = experiment.transform(img, occlude=(2, 3, 2), fill=7)
    assert (occ[0, 2:4, 3:5] == 7).all() and (occ == 100).sum() == 64 - 4
    assert experiment.transform(img, occlude=(0, 0, 1), fill=7, occlude_fill=200)[0, 0, 0] == 200
    with pytest.raises(ValueError, match="uint8"):
        experiment.transform(img.astype(np.float32))
    with pytest.raises(ValueError, match="scale"):
        experiment.transform(img, scale=0)


def region_model():
    """input (1, 8, 8): class 1 scores 10 x the sum of the 2x2 region at rows 2-3, cols 4-5; class 0 scores 1."""
    model = arch.build(ArchSpec((1, 8, 8), (Flatten(), Dense(2, "none")), "region"))
    with torch.no_grad():
        model.dense1.weight.zero_()
        model.dense1.bias.copy_(torch.tensor([1.0, 0.0]))
        for r, c in ((2, 4), (2, 5), (3, 4), (3, 5)):
            model.dense1.weight[1, r * 8 + c] = 10.0
    return model.eval()


def test_occluding_the_only_informative_region_flips_the_prediction_and_the_map_peaks_there():
    model = region_model()
    img = np.zeros((1, 8, 8), np.uint8)
    img[0, 2:4, 4:6] = 255
    x = img.astype(np.float32) / 255  # the toy model takes 0..1 pixels directly
    assert inspection.predict(model, x[None]).argmax() == 1
    hidden = experiment.transform(img, occlude=(2, 4, 2)).astype(np.float32) / 255
    assert inspection.predict(model, hidden[None]).argmax() == 0
    drops = experiment.occlusion_map(model, x[None], target=1, patch=2, stride=1, fill=0.0)
    assert drops.shape == (7, 7)
    assert np.unravel_index(drops.argmax(), drops.shape) == (2, 4)
    p_full = torch.softmax(torch.tensor([1.0, 40.0]), 0)[1].item()
    p_hidden = torch.softmax(torch.tensor([1.0, 0.0]), 0)[1].item()
    assert drops[2, 4] == pytest.approx(p_full - p_hidden, abs=1e-6)
    heat = experiment.spread_map(drops, (8, 8), 2, 1)
    assert np.unravel_index(heat.argmax(), heat.shape) in {(2, 4), (2, 5), (3, 4), (3, 5)}
    with pytest.raises(ValueError, match="patch"):
        experiment.occlusion_map(model, x, 1, patch=9)


def test_occlusion_map_of_a_colour_image_uses_one_fill_per_channel():
    model = arch.build(ArchSpec((3, 6, 6), (Conv(2, 3), Flatten(), Dense(3, "none")), "rgb"))
    x = torch.randn(1, 3, 6, 6, generator=torch.Generator().manual_seed(0))
    info = data.get_info("cifar10")
    drops = experiment.occlusion_map(model, x, 0, patch=3, stride=3, fill=experiment.fill_value(info))
    assert drops.shape == (2, 2) and np.isfinite(drops).all()
    hidden = x.clone()
    hidden[0, :, 3:6, 0:3] = torch.tensor(experiment.fill_value(info)).view(3, 1, 1)
    p = inspection.predict(model, torch.cat([x, hidden]))[:, 0]
    assert drops[1, 0] == pytest.approx(p[0] - p[1], abs=1e-6)


# ---------------------------------------------------------------- learned against handcrafted


def test_closest_kernel_recovers_a_planted_sobel():
    model = small_model(filters=4)
    sobel = conv.KERNELS["sobel_vertical"].weights
    noise = np.random.default_rng(2).normal(0, 0.01, (3, 3))
    with torch.no_grad():
        model.conv1.weight[2, 0] = torch.tensor(sobel * 0.3 + noise)
        model.conv1.weight[3, 0] = torch.tensor(-sobel * 0.3)
    matches = experiment.closest_handcrafted(inspection.kernels(model, "conv1"))
    assert (matches[2].channel, matches[2].name, matches[2].sign) == (2, "sobel_vertical", 1)
    assert matches[2].correlation > 0.95
    assert (matches[3].name, matches[3].sign) == ("sobel_vertical", -1) and matches[3].correlation == pytest.approx(1)


def test_a_handcrafted_bank_matches_itself_exactly_at_5x5():
    bank = conv.handcrafted_bank(6, 1, 5)  # (6, 1, 5, 5): what first_layer="handcrafted" trains with
    matches = experiment.closest_handcrafted(bank)
    assert [m.name for m in matches] == list(conv.BANK_ORDER[:6])
    assert all(m.correlation == pytest.approx(1) and m.sign == 1 for m in matches)
    names, r = experiment.correlations(bank)
    assert "box_blur" not in experiment.handcrafted_candidates(3)  # constant at 3x3: no pattern
    assert r.shape == (6, len(names))


def test_flat_kernel_matches_nothing():
    m = experiment.closest_handcrafted(np.ones((1, 1, 3, 3)))[0]
    assert (m.name, m.correlation, m.sign) == (None, 0.0, 0)


# ---------------------------------------------------------------- edit and see


def test_an_edit_never_changes_the_stored_weights_or_the_model(run_id):
    info = runs.read_run(run_id)
    sha = runs._sha256(info.path / runs.WEIGHTS)
    _, model = runs.load_model(run_id)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    edited = experiment.with_kernel(model, "conv1", 2, 0, np.zeros((5, 5)))
    assert edited is not model
    assert torch.equal(edited.conv1.weight[2, 0], torch.zeros(5, 5))
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert runs._sha256(info.path / runs.WEIGHTS) == sha == info.meta["weights_sha256"]
    x = data.normalize(data.load("mnist-sample").x_test[:1], data.get_info("mnist-sample"))
    a, b = inspection.activations(model, x), inspection.activations(edited, x)
    assert np.array_equal(a["conv1"][1], b["conv1"][1]) and not np.array_equal(a["conv1"][2], b["conv1"][2])


def test_with_kernel_refuses_bad_edits():
    model = small_model()
    with pytest.raises(ValueError, match="empty cell, NaN"):
        experiment.with_kernel(model, "conv1", 0, 0, [[1, 2, 3], [4, np.nan, 6], [7, 8, 9]])
    with pytest.raises(ValueError, match="3x3"):
        experiment.with_kernel(model, "conv1", 0, 0, np.zeros((5, 5)))
    with pytest.raises(ValueError, match="not a convolution"):
        experiment.with_kernel(model, "dense1", 0, 0, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="output channels 0..2"):
        experiment.with_kernel(model, "conv1", 3, 0, np.zeros((3, 3)))


# ---------------------------------------------------------------- over training


def test_per_class_over_training_ends_at_the_final_evaluation(run_id):
    timeline = experiment.per_class_over_training(run_id, max_images=1000)
    snaps = runs.list_snapshots(run_id)
    assert timeline.accuracy.shape == (10, len(snaps)) and timeline.steps == tuple(s["step"] for s in snaps)
    evaluation = inspection.evaluate_run(run_id)  # the embedded sample has exactly 1,000 test images
    assert evaluation.n_test == timeline.n_images == 1000
    np.testing.assert_allclose(timeline.accuracy[:, -1], evaluation.per_class_accuracy)
    assert experiment.has_full_snapshots(run_id)


def test_conv_only_snapshots_are_refused_plainly(trained, tmp_path, monkeypatch):
    home, rid = trained
    shutil.copytree(home / "runs" / rid, tmp_path / "h" / "runs" / rid)
    monkeypatch.setenv("CNNVIZ_HOME", str(tmp_path / "h"))
    for s in runs.list_snapshots(rid):  # what a model over 500k parameters keeps
        state = load_file(str(s["path"]))
        save_file({k: v for k, v in state.items() if v.ndim == 4}, str(s["path"]),
                  metadata={"step": str(s["step"]), "epoch": str(s["epoch"])})
    assert not experiment.has_full_snapshots(rid)
    with pytest.raises(ValueError, match="kept only its convolution kernels"):
        experiment.per_class_over_training(rid)
    assert experiment.weight_layers(rid) == ["conv1", "conv2"]


def test_timelines_and_replay(run_id):
    values, steps = experiment.weight_timeline(run_id, "conv2")
    assert steps == experiment.snapshot_steps(run_id) and values[0].shape == (16 * 6 * 25,)
    now, change = experiment.kernel_replay(run_id, "conv1", 0)
    assert now.shape == (6, 1, 5, 5) and not change.any()
    probe = data.normalize(data.load("mnist-sample").x_test[:8], data.get_info("mnist-sample"))
    acts, _ = experiment.activation_timeline(run_id, "conv1_relu", probe)
    assert len(acts) == len(steps) and acts[-1].size == 8 * 6 * 24 * 24 and (acts[-1] >= 0).all()
    assert experiment.weight_layers(run_id) == ["conv1", "conv2", "dense1", "dense2", "dense3"]


def test_summary_history_and_twin_config(run_id):
    s = experiment.summarise(run_id)
    assert s.first_layer == "learned" and s.params == arch.total_params(arch.preset_spec("lenet5"))
    h = runs.history(runs.read_metrics(run_id))
    assert len({len(v) for v in h.values()}) == 1 and any(v is not None for v in h["val_acc"])
    twin = experiment.twin_config(run_id)
    assert twin.first_layer == "handcrafted" and twin.batch_size == 128 and twin.spec.to_dict() == \
        runs.read_run(run_id).meta["spec"]
    assert experiment.find_twins(run_id) == []


def test_twin_config_refuses_a_network_without_convolutions(tmp_path, monkeypatch):
    small = data.DataSplit(data.get_info("mnist-sample"), *(t[:300] for t in (
        data.load("mnist-sample").x_train, data.load("mnist-sample").y_train)),
        *(t[:100] for t in (data.load("mnist-sample").x_test, data.load("mnist-sample").y_test)))
    event = train.run_training(train.config_for("mlp", epochs=1, batch_size=100, snapshots=2), small)
    with pytest.raises(ValueError, match="needs a network with a convolution"):
        experiment.twin_config(event.run_id)


def test_fill_value_is_black_in_normalised_units():
    info = data.get_info("mnist-sample")
    black = experiment.fill_value(info)
    assert black == pytest.approx(((0 - 0.1307) / 0.3081,))
    x = experiment.to_input(np.zeros((1, 28, 28), np.uint8), info)
    assert x.dtype == np.float32 and np.allclose(x, black[0])
