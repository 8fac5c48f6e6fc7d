"""Tests for cnnviz.kernels: learned kernels read back exactly, the first layer applied as F.conv2d does."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnviz import arch, kernels, presets, runs
from toys import TOY_X, toy_model


def test_toy_kernels_and_first_layer():
    spec, model = toy_model()
    assert kernels.conv_layers(spec) == ["conv1"]
    k = kernels.of_layer(model, "conv1")
    assert k.shape == (1, 1, 3, 3) and k.dtype == np.float32
    np.testing.assert_array_equal(k[0, 0], [[2, 0, -1], [1, 0, -1], [1, 0, -1]])
    np.testing.assert_array_equal(kernels.of_layer(model.state_dict(), "conv1"), k)
    np.testing.assert_array_equal(kernels.apply_first_layer(model, TOY_X), [[[4.5, 3.5], [-0.5, 2.5]]])
    with pytest.raises(ValueError, match="no convolution layer 'dense1'; conv layers here: conv1"):
        kernels.of_layer(model, "dense1")


@pytest.fixture
def run_id(use_run):
    return use_run("lenet5")


def test_apply_first_layer_equals_conv2d(run_id):
    _, model = runs.load_model(run_id)
    image = torch.randn(1, 37, 53)  # a photo of any size
    want = F.conv2d(image[None], model.conv1.weight, model.conv1.bias)[0]
    np.testing.assert_allclose(
        kernels.apply_first_layer(model, image.numpy()), want.detach().numpy(), rtol=1e-5, atol=1e-5
    )
    w, b = torch.randn(4, 3, 3, 3), torch.randn(4)
    colour = torch.randn(3, 20, 30)
    out = kernels.apply_first_layer(w.numpy(), colour.numpy(), bias=b.numpy(), stride=2, padding=1)
    np.testing.assert_allclose(out, F.conv2d(colour[None], w, b, stride=2, padding=1)[0].numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="take 1-channel images"):
        kernels.apply_first_layer(model, np.zeros((3, 28, 28), np.float32))
    with pytest.raises(ValueError, match="no convolution layer"):
        kernels.apply_first_layer(arch.build(presets.preset_spec("mlp")), np.zeros((1, 28, 28)))


def test_kernels_of_snapshots(run_id):
    snaps = runs.list_snapshots(run_id)
    assert len(snaps) == 3
    first = kernels.of_layer(runs.load_snapshot(run_id, 0), "conv1")
    last = kernels.of_layer(runs.load_snapshot(run_id, len(snaps) - 1), "conv2")
    assert first.shape == (6, 1, 5, 5) and last.shape == (16, 6, 5, 5)
    _, model = runs.load_model(run_id)
    np.testing.assert_array_equal(last, kernels.of_layer(model, "conv2"))  # the last snapshot is the end
    assert not np.array_equal(first, kernels.of_layer(model, "conv1"))  # training moved them
    with pytest.raises(ValueError, match="has 3 snapshots; there is no snapshot 7"):
        runs.load_snapshot(run_id, 7)
