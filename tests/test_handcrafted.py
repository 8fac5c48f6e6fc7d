"""Tests for cnnviz.handcrafted: learned kernels matched to handcrafted ones, and edits that never leak."""

import numpy as np
import pytest
import torch

from cnnviz import arch, data, handcrafted, hooks, kernel_catalogue, kernels, runs, safe_files
from cnnviz.arch import ArchSpec, Conv, Dense, Flatten


def small_model(filters=3, kernel=3, units=4):
    """input (1, 8, 8) -> conv relu -> flatten -> dense relu -> dense 2."""
    spec = ArchSpec((1, 8, 8), (Conv(filters, kernel), Flatten(), Dense(units), Dense(2, "none")), "toy")
    torch.manual_seed(0)
    return arch.build(spec)


def test_closest_kernel_recovers_a_planted_sobel():
    model = small_model(filters=4)
    sobel = kernel_catalogue.KERNELS["sobel_vertical"].weights
    noise = np.random.default_rng(2).normal(0, 0.01, (3, 3))
    with torch.no_grad():
        model.conv1.weight[2, 0] = torch.tensor(sobel * 0.3 + noise)
        model.conv1.weight[3, 0] = torch.tensor(-sobel * 0.3)
    matches = handcrafted.closest_handcrafted(kernels.of_layer(model, "conv1"))
    assert (matches[2].channel, matches[2].name, matches[2].sign) == (2, "sobel_vertical", 1)
    assert matches[2].correlation > 0.95
    assert (matches[3].name, matches[3].sign) == ("sobel_vertical", -1) and matches[3].correlation == pytest.approx(1)


def test_a_handcrafted_bank_matches_itself_exactly_at_5x5():
    bank = kernel_catalogue.handcrafted_bank(6, 1, 5)  # (6, 1, 5, 5): what first_layer="handcrafted" trains with
    matches = handcrafted.closest_handcrafted(bank)
    assert [m.name for m in matches] == list(kernel_catalogue.BANK_ORDER[:6])
    assert all(m.correlation == pytest.approx(1) and m.sign == 1 for m in matches)
    names, r = handcrafted.correlations(bank)
    assert "box_blur" not in handcrafted.handcrafted_candidates(3)  # constant at 3x3: no pattern
    assert r.shape == (6, len(names))


def test_flat_kernel_matches_nothing():
    m = handcrafted.closest_handcrafted(np.ones((1, 1, 3, 3)))[0]
    assert (m.name, m.correlation, m.sign) == (None, 0.0, 0)


def test_an_edit_never_changes_the_stored_weights_or_the_model(use_run):
    run_id = use_run("lenet5")
    info = runs.read_run(run_id)
    sha = safe_files.sha256(info.path / runs.WEIGHTS)
    _, model = runs.load_model(run_id)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    edited = handcrafted.with_kernel(model, "conv1", 2, 0, np.zeros((5, 5)))
    assert edited is not model
    assert torch.equal(edited.conv1.weight[2, 0], torch.zeros(5, 5))
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert safe_files.sha256(info.path / runs.WEIGHTS) == sha == info.meta["weights_sha256"]
    x = data.normalize(data.load("mnist-sample").x_test[:1], data.get_info("mnist-sample"))
    a, b = hooks.activations(model, x), hooks.activations(edited, x)
    assert np.array_equal(a["conv1"][1], b["conv1"][1]) and not np.array_equal(a["conv1"][2], b["conv1"][2])


def test_with_kernel_refuses_bad_edits():
    model = small_model()
    with pytest.raises(ValueError, match="empty cell, NaN"):
        handcrafted.with_kernel(model, "conv1", 0, 0, [[1, 2, 3], [4, np.nan, 6], [7, 8, 9]])
    with pytest.raises(ValueError, match="3x3"):
        handcrafted.with_kernel(model, "conv1", 0, 0, np.zeros((5, 5)))
    with pytest.raises(ValueError, match="not a convolution"):
        handcrafted.with_kernel(model, "dense1", 0, 0, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="output channels 0..2"):
        handcrafted.with_kernel(model, "conv1", 3, 0, np.zeros((3, 3)))


def test_checked_kernel_gives_the_numbers_it_would_set():
    model = small_model()
    k = handcrafted.checked_kernel(model, "conv1", 1, 0, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert k.dtype == np.float64 and k.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert torch.equal(
        handcrafted.with_kernel(model, "conv1", 1, 0, k).conv1.weight[1, 0], torch.tensor(k, dtype=torch.float32)
    )
