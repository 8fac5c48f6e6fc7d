"""Tests for cnnviz.hooks: every layer's output by hand on a toy network, and on the presets."""

import numpy as np
import pytest
import torch

from cnnviz import arch, evaluate, hooks, kernels, presets
from toys import TOY_X, toy_model


def test_toy_activations_by_hand():
    _, model = toy_model()
    model.train()  # activations must switch to eval and back
    acts = hooks.activations(model, TOY_X)
    assert list(acts) == ["conv1", "conv1_relu", "flatten", "dense1", "softmax"]
    # conv at (0,0): 2*3 + 0 + 2 - (0 + 3 + 1) + 0.5 = 4.5; (0,1): 4+1+0 - (1+1+0) + 0.5 = 3.5;
    # (1,0): 0+2+1 - (3+1+0) + 0.5 = -0.5; (1,1): 2+0+3 - (1+0+2) + 0.5 = 2.5
    np.testing.assert_array_equal(acts["conv1"], [[[4.5, 3.5], [-0.5, 2.5]]])
    np.testing.assert_array_equal(acts["conv1_relu"], [[[4.5, 3.5], [0.0, 2.5]]])
    np.testing.assert_array_equal(acts["flatten"], [4.5, 3.5, 0.0, 2.5])
    # dense: 4.5 + 2*0 - 2.5 + 0.5 = 2.5 and 3.5 + 2.5 - 1 = 5.0
    np.testing.assert_array_equal(acts["dense1"], [2.5, 5.0])
    np.testing.assert_allclose(acts["softmax"], [1 / (1 + np.exp(2.5)), 1 / (1 + np.exp(-2.5))], rtol=1e-6)
    assert model.training and not model.conv1._forward_hooks  # state restored, hooks removed
    np.testing.assert_allclose(evaluate.predict(model, TOY_X[None]), acts["softmax"][None], rtol=1e-6)


def test_activations_lenet5_keys_order_shapes():
    spec = presets.preset_spec("lenet5")
    model = arch.build(spec)
    acts = hooks.activations(model, torch.randn(1, 1, 28, 28))
    expected = {
        "conv1": (6, 24, 24),
        "conv1_relu": (6, 24, 24),
        "pool1": (6, 12, 12),
        "conv2": (16, 8, 8),
        "conv2_relu": (16, 8, 8),
        "pool2": (16, 4, 4),
        "flatten": (256,),
        "dense1": (120,),
        "dense1_relu": (120,),
        "dense2": (84,),
        "dense2_relu": (84,),
        "dense3": (10,),
        "softmax": (10,),
    }
    assert list(acts) == list(expected)
    assert {name: a.shape for name, a in acts.items()} == expected
    assert acts["softmax"].sum() == pytest.approx(1.0, abs=1e-6)
    assert kernels.conv_layers(spec) == ["conv1", "conv2"]
    # every hook saw the same forward pass: relu of conv1 is conv1 clipped at 0
    np.testing.assert_array_equal(acts["conv1_relu"], np.maximum(acts["conv1"], 0))


def test_activations_cover_every_layer_type():
    spec = presets.preset_spec("fast")  # conv, batchnorm, pool; keras-cnn has dropout
    model = arch.build(spec).train()
    acts = hooks.activations(model, torch.randn(1, 28, 28))  # a (C, H, W) input is accepted
    assert list(acts)[:-1] == [name for name, _ in model.named_children()]
    drop = arch.build(presets.preset_spec("keras-cnn"))
    acts = hooks.activations(drop, torch.randn(1, 1, 28, 28))
    np.testing.assert_array_equal(acts["dropout1"], acts["pool1"])  # eval mode: dropout is the identity


def test_activation_input_errors():
    model = arch.build(presets.preset_spec("lenet5"))
    with pytest.raises(ValueError, match="normalised float input"):
        hooks.activations(model, torch.zeros(1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"one image .* got shape \(2, 1, 28, 28\)"):
        hooks.activations(model, torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match="does not fit this network"):
        hooks.activations(model, torch.zeros(3, 32, 32))


def test_watching_calls_back_per_output_and_removes_its_hooks():
    _, model = toy_model()
    seen = []
    with hooks.watching(model, ["conv1_relu", "dense1"], lambda name, out: seen.append((name, out.shape))):
        model(torch.stack([TOY_X, TOY_X]))  # a batch of two
    assert seen == [("conv1_relu", (2, 1, 2, 2)), ("dense1", (2, 2))]
    assert not any(m._forward_hooks for m in model.modules())


def test_layer_outputs_of_nested_modules_by_their_dotted_names():
    model = torch.nn.Sequential(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU()), torch.nn.Linear(2, 1))
    with torch.no_grad():
        model[0][0].weight.copy_(torch.tensor([[1.0, 0, 0], [0, -1, 0]]))
        model[0][0].bias.zero_()
    kept, out = hooks.layer_outputs(model, torch.tensor([[2.0, 3.0, 4.0]]), ["0.0", "0.1"])
    np.testing.assert_array_equal(kept["0.0"], [[2.0, -3.0]])
    np.testing.assert_array_equal(kept["0.1"], [[2.0, 0.0]])
    assert out.shape == (1, 1)
    with pytest.raises(ValueError, match="no layer 'features'"):
        hooks.layer_outputs(model, torch.zeros(1, 3), ["features"])
