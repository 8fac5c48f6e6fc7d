"""Tests for cnnviz.health: planted dead units are found and named, exact sparsity, gradient norms as logged."""

import numpy as np
import pytest
import torch

from cnnviz import arch, health, metrics
from cnnviz.arch import ArchSpec, Conv, Dense, Flatten


def small_model(filters=3, kernel=3, units=4):
    """input (1, 8, 8) -> conv relu -> flatten -> dense relu -> dense 2."""
    spec = ArchSpec((1, 8, 8), (Conv(filters, kernel), Flatten(), Dense(units), Dense(2, "none")), "toy")
    torch.manual_seed(0)
    return arch.build(spec)


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


def test_gradient_history_matches_metrics(use_run):
    run_id = use_run("lenet5")
    gh = health.gradient_history(metrics.read_metrics(run_id, max_steps=metrics.HISTORY_POINTS))
    steps = [r for r in metrics.read_metrics(run_id) if r["kind"] == "step"]
    assert list(gh.norms) == ["conv1", "conv2", "dense1", "dense2", "dense3"]
    assert gh.norms["conv1"].tolist() == [r["grad_norms"]["conv1"] for r in steps]
    assert len(gh.sentences()) == 5 and gh.sentences()[0].startswith("conv1: gradient norm")
    assert set(gh.curves()["dense3"]) == {"epoch", "grad_norm"}


def test_batches_add_up_to_one_pass_and_no_hook_is_left_behind():
    model = small_model()
    x = torch.randn(50, 1, 8, 8, generator=torch.Generator().manual_seed(2))
    whole, batched = health.check(model, x), health.check(model, x, batch_size=7)
    for a, b in zip(whole.layers, batched.layers):
        assert a.layer == b.layer and np.array_equal(a.activity, b.activity) and a.sparsity == b.sparsity
    assert not any(m._forward_hooks for m in model.modules())
    with pytest.raises(ValueError, match=r"an input of shape \(50, 1, 9, 9\) does not fit this network"):
        health.check(model, torch.zeros(50, 1, 9, 9))
    assert not any(m._forward_hooks for m in model.modules()) and model.training  # its mode as it came
