"""attribution.py: hand-set networks with known answers, IG completeness on a trained LeNet-5, Grad-CAM on nested
(torchvision-style) layers with the Pretrained screen's numbers, and the caller's network left untouched."""

from collections import OrderedDict

import numpy as np
import pytest
import torch
from torch import nn

from cnnviz import attribution
from cnnviz.loaded import LoadedRun

GRADIENT_METHODS = ("saliency", "smoothgrad", "integrated_gradients")


# ---------------------------------------------------------------- a hand-set network with a known answer


def quadrant_net(stride: int = 1) -> nn.Sequential:
    """8x8 input; conv1 channel 0 = x, channel 1 = -x (then ReLU); class 1 reads channel 0 in the top-left
    quadrant only, class 0 reads channel 1 in the bottom-right only. Named like arch.build's networks."""
    k = 1 if stride == 1 else 2
    conv = nn.Conv2d(1, 2, k, stride)
    s = 8 // stride
    dense = nn.Linear(2 * s * s, 2)
    with torch.no_grad():
        conv.bias.zero_()
        conv.weight.zero_()
        conv.weight[0, 0] = 1.0 / (k * k)
        conv.weight[1, 0] = -1.0 / (k * k)
        dense.weight.zero_()
        dense.bias.zero_()
        w = dense.weight.view(2, 2, s, s)
        w[1, 0, : s // 2, : s // 2] = 1.0
        w[0, 1, s // 2 :, s // 2 :] = 1.0
    return nn.Sequential(OrderedDict(conv1=conv, conv1_relu=nn.ReLU(), flatten=nn.Flatten(), dense1=dense)).eval()


def quadrant_image() -> np.ndarray:
    """(1, 8, 8): positive ramp 0.5..2 in the top-left quadrant, -1 elsewhere."""
    x = -np.ones((1, 8, 8), np.float32)
    x[0, :4, :4] = np.linspace(0.5, 2.0, 16, dtype=np.float32).reshape(4, 4)
    return x


TOP_LEFT = np.zeros((8, 8), bool)
TOP_LEFT[:4, :4] = True


@pytest.mark.parametrize("method", GRADIENT_METHODS)
def test_gradient_methods_see_only_the_quadrant_the_class_reads(method):
    net, x = quadrant_net(), quadrant_image()
    a = attribution.attribute(method, net, x, target=1)
    assert a.heat.shape == a.raw.shape == (8, 8) and a.target == 1 and a.method == method
    assert np.all(a.heat[~TOP_LEFT] == 0) and np.all(a.raw[~TOP_LEFT] == 0)
    assert np.all(a.heat[TOP_LEFT] > 0) and a.heat.max() == pytest.approx(1.0)


def test_saliency_and_integrated_gradients_exact_values():
    net, x = quadrant_net(), quadrant_image()
    sal = attribution.saliency(net, x, 1)
    np.testing.assert_array_equal(sal.raw, TOP_LEFT.astype(np.float32))  # d logit1 / dx = 1 there, 0 elsewhere
    ig = attribution.integrated_gradients(net, x, 1)  # baseline 0: logit1 = sum of the positive top-left pixels
    np.testing.assert_allclose(ig.raw, np.where(TOP_LEFT, x[0], 0), atol=1e-5)
    np.testing.assert_allclose(ig.heat, np.where(TOP_LEFT, x[0] / 2.0, 0), atol=1e-6)


def test_grad_cam_exact_on_the_conv_module_and_its_activation():
    net, x = quadrant_net(), quadrant_image()
    # d logit1 / d channel 0 is 1 on 16 of 64 cells: weight 1/4; channel 1 gets weight 0
    cam = attribution.grad_cam(net, x, 1, "conv1")
    np.testing.assert_allclose(cam.raw, 0.25 * x[0], atol=1e-6)
    np.testing.assert_allclose(cam.heat, np.where(TOP_LEFT, x[0] / 2.0, 0), atol=1e-6)
    cam_relu = attribution.grad_cam(net, x, 1, "conv1_relu")
    np.testing.assert_allclose(cam_relu.raw, 0.25 * np.maximum(x[0], 0), atol=1e-6)
    # class 0 reads channel 1 (bright where x < 0) in the bottom-right: weight 1/4 for channel 1. Grad-CAM
    # weighs whole channels, so the heat covers everywhere channel 1 fires, i.e. all but the top-left
    other = attribution.grad_cam(net, x, 0, "conv1")
    np.testing.assert_allclose(other.raw, -0.25 * x[0], atol=1e-6)
    np.testing.assert_array_equal(other.heat, (~TOP_LEFT).astype(np.float32))


def test_grad_cam_upsampled_from_a_coarse_layer_is_hot_in_the_quadrant():
    net, x = quadrant_net(stride=2), quadrant_image()  # conv1 maps are 4x4, upsampled to 8x8
    cam = attribution.grad_cam(net, x, 1, "conv1")
    assert cam.heat.shape == (8, 8)
    assert TOP_LEFT[np.unravel_index(np.argmax(cam.heat), cam.heat.shape)]
    assert cam.heat[TOP_LEFT].sum() / cam.heat.sum() > 0.8
    assert cam.heat[5:, :].max() == 0 and cam.heat[:, 5:].max() == 0


def test_bad_requests_raise_clear_value_errors():
    net, x = quadrant_net(), quadrant_image()
    with pytest.raises(ValueError, match="target class"):
        attribution.saliency(net, x, 2)
    with pytest.raises(ValueError, match="target class"):
        attribution.grad_cam(net, x, 2, "conv1")
    with pytest.raises(ValueError, match="no layer 'conv9'"):
        attribution.grad_cam(net, x, 1, "conv9")
    with pytest.raises(ValueError, match="feature maps"):
        attribution.grad_cam(net, x, 1, "dense1")
    with pytest.raises(ValueError, match="unknown attribution method"):
        attribution.attribute("lime", net, x, 1)
    with pytest.raises(ValueError, match="needs a convolution layer"):
        attribution.attribute("gradcam", net, x, 1)
    with pytest.raises(ValueError, match="float input"):
        attribution.saliency(net, (x * 100).astype(np.uint8), 1)
    with pytest.raises(ValueError, match="one image"):
        attribution.saliency(net, np.zeros((2, 1, 8, 8), np.float32), 1)
    for m in net.modules():  # a refused request leaves no hook behind
        assert not (m._forward_hooks or m._forward_pre_hooks or m._backward_hooks)


# ---------------------------------------------------------------- Grad-CAM on any network


class Nested(nn.Module):
    """A torchvision-style network: stages inside `features`, so its layers have dotted names ("features.3")."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3, padding=1), nn.ReLU()
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        return self.fc(self.pool(self.features(x)).flatten(1))


def old_pretrained_heat(model: nn.Module, layer: nn.Module, x: torch.Tensor, target: int) -> np.ndarray:
    """The Pretrained screen's Grad-CAM before the redesign (pretrained.grad_cam), kept as the reference."""
    from captum.attr import LayerAttribution, LayerGradCam

    cam = LayerGradCam(model, layer).attribute(x.clone().requires_grad_(), target=int(target), relu_attributions=True)
    heat = LayerAttribution.interpolate(cam.detach(), tuple(x.shape[-2:]), "bilinear")[0, 0].clamp(min=0)
    top = float(heat.max())
    return (heat / top if top > 0 else torch.zeros_like(heat)).numpy().astype(np.float32)


@pytest.fixture
def nested():
    torch.manual_seed(0)
    return Nested().eval(), torch.randn(1, 3, 16, 16)


@pytest.mark.parametrize("layer", ["features.3", "features.4"])
def test_grad_cam_on_a_dotted_layer_of_a_nested_network(nested, layer):
    model, x = nested
    cam = attribution.grad_cam(model, x, 2, layer)
    assert cam.heat.shape == cam.raw.shape == (16, 16) and cam.method == "gradcam" and cam.target == 2
    assert cam.heat.min() >= 0 and (cam.heat.max() == 1 or not cam.heat.any())
    # by hand: the layer's maps weighed by the mean gradient of the class score, ReLU'd, upsampled
    maps = []
    handle = model.get_submodule(layer).register_forward_hook(lambda _m, _i, out: maps.append(out))
    try:
        score = model(x)[0, 2]
    finally:
        handle.remove()
    grad = torch.autograd.grad(score, maps[0])[0]  # (1, 8, 8, 8)
    coarse = (grad.mean((2, 3), keepdim=True) * maps[0]).sum(1, keepdim=True).detach()  # (1, 1, 8, 8)
    up = nn.functional.interpolate(coarse, size=(16, 16), mode="bilinear", align_corners=False)[0, 0]
    np.testing.assert_allclose(cam.raw, up.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="no layer 'features.9'"):
        attribution.grad_cam(model, x, 2, "features.9")


@pytest.mark.parametrize("target", [0, 1, 2, 3, 4])
def test_grad_cam_relu_first_gives_exactly_the_pretrained_screens_old_heat_map(nested, target):
    model, x = nested
    new = attribution.grad_cam(model, x, target, "features.4", relu_attributions=True)
    np.testing.assert_array_equal(new.heat, old_pretrained_heat(model, model.features[4], x, target))
    assert new.heat.dtype == np.float32 and (new.raw >= 0).all()


def test_the_working_copy_shares_the_weights_and_nothing_else(nested):
    model, _ = nested
    work = attribution.working_copy(model)
    assert work is not model and work.features is not model.features
    for (name, p), q in zip(model.named_parameters(), work.parameters()):
        assert q.data_ptr() == p.data_ptr() and not q.requires_grad and p.requires_grad, name
    model.train()
    assert not attribution.working_copy(model).training and model.training  # the original keeps its mode


# ---------------------------------------------------------------- a trained LeNet-5


@pytest.fixture
def lenet(use_run) -> LoadedRun:
    return LoadedRun.open(use_run("lenet5"))


def test_integrated_gradients_completeness_on_lenet(lenet):
    base = attribution.black_baseline(lenet.info)
    x_all = lenet.test_inputs()
    for i, target in ((0, None), (1, 3)):
        x = x_all[i]
        with torch.no_grad():
            logits = lenet.model(x[None])[0]
            target = int(logits.argmax()) if target is None else target
            rise = float(logits[target] - lenet.model(torch.from_numpy(base)[None])[0, target])
        a = attribution.integrated_gradients(lenet.model, x.numpy(), target, baseline=base)
        assert float(a.raw.astype(np.float64).sum()) == pytest.approx(rise, rel=0.02, abs=0.02)
        assert abs(a.delta) <= 0.02 * abs(rise) + 0.02


def test_explaining_never_changes_the_model(lenet):
    model, x = lenet.model, lenet.test_inputs()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    attribution.attribute("saliency", model, x[0].numpy(), 1)
    attribution.attribute("smoothgrad", model, x[0].numpy(), 1, samples=4)
    attribution.attribute("integrated_gradients", model, x[0].numpy(), 1, steps=8)
    attribution.attribute("gradcam", model, x[0].numpy(), 1, layer="conv2")
    attribution.attribute("gradcam", model, x[0].numpy(), 1, layer="conv1_relu")
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not model.training and all(not m.training for m in model.modules())
    for m in model.modules():
        assert not (m._forward_hooks or m._forward_pre_hooks or m._backward_hooks or m._backward_pre_hooks)
    assert all(p.grad is None and p.requires_grad for p in model.parameters())
