"""Tests for cnnviz.pretrained: random-weight networks on the ImageNet code path (Grad-CAM through attribution).
The weights files are tested in test_imagenet_weights.py."""

import numpy as np
import pytest
import torch
from PIL import Image

from cnnviz import attribution, receptive_check
from cnnviz import pretrained as pt


@pytest.fixture(scope="module")
def resnet():
    return pt.load("resnet18", weights=None)


@pytest.fixture(scope="module")
def photo():
    rng = np.random.default_rng(0)
    return pt.prepare((rng.random((300, 400, 3)) * 255).astype(np.uint8))


# ---------------------------------------------------------------- registry and preprocessing


def test_registry_and_categories():
    assert pt.list_models() == ["resnet18", "vgg16"]
    names = pt.categories("vgg16")
    assert len(names) == 1000 and names[0] == "tench" and names[999] == "toilet tissue"
    assert pt.stage_names("resnet18") == ["conv1", "maxpool", "layer1", "layer2", "layer3", "layer4"]
    assert pt.stage_names("vgg16")[-2:] == ["conv5_3", "pool5"]
    assert pt.get_entry("vgg16").file_name == "vgg16-397923af.pth"
    assert pt.get_entry("resnet18").gradcam_layer == "layer4"
    assert pt.get_entry("vgg16").gradcam_layer == "features.29"  # conv5_3 after its ReLU
    with pytest.raises(ValueError, match="unknown network 'alexnet'"):
        pt.get_entry("alexnet")


def test_prepare_resizes_crops_and_normalises(photo):
    assert photo.image.shape == (224, 224, 3) and photo.image.dtype == np.uint8
    assert photo.tensor.shape == (1, 3, 224, 224)
    assert "resized 400x300 to 341x256" in photo.notes[0]  # shorter side 256, aspect ratio kept
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    expected = (photo.image.transpose(2, 0, 1) / 255.0 - mean[:, None, None]) / std[:, None, None]
    np.testing.assert_allclose(photo.tensor[0].numpy(), expected, atol=1e-5)


def test_prepare_grey_transparent_and_channel_first():
    digit = np.zeros((1, 28, 28), np.uint8)  # (C, H, W) as this project's datasets hold images
    digit[0, 10:18, 12:16] = 255
    p = pt.prepare(digit)
    assert p.image.shape == (224, 224, 3) and (p.image[..., 0] == p.image[..., 2]).all()
    assert any("grey" in n for n in p.notes)
    clear = Image.new("RGBA", (50, 40), (255, 0, 0, 0))
    assert (pt.prepare(clear).image == 255).all()  # fully transparent: white, as a browser shows it
    with pytest.raises(ValueError, match="uint8"):
        pt.prepare(np.zeros((28, 28), np.float32))


# ---------------------------------------------------------------- the views, with random weights


def test_kernels_maps_and_top5(resnet, photo):
    assert not resnet.trained
    assert pt.first_layer_kernels(resnet).shape == (64, 3, 7, 7)
    seen = pt.look(resnet, photo.tensor)
    assert seen.probs.shape == (1000,) and abs(float(seen.probs.sum()) - 1) < 1e-5
    assert seen.top.shape == (5,) and np.all(np.diff(seen.probs[seen.top]) <= 0)
    assert seen.names == tuple(pt.categories("resnet18")[i] for i in seen.top)
    assert seen.shapes == {
        "conv1": (64, 112, 112),
        "maxpool": (64, 56, 56),
        "layer1": (64, 56, 56),
        "layer2": (128, 28, 28),
        "layer3": (256, 14, 14),
        "layer4": (512, 7, 7),
    }
    assert seen.maps["conv1"].shape == (32, 56, 56)  # first 32 channels, averaged down from 112
    assert seen.maps["layer4"].shape == (32, 7, 7)
    assert (seen.maps["layer1"] >= 0).all()  # a block ends in a ReLU


def test_random_weights_are_reproducible(resnet):
    again = pt.load("resnet18", weights=None)
    assert torch.equal(again.model.conv1.weight, resnet.model.conv1.weight)
    other = pt.load("resnet18", weights=None, seed=1)
    assert not torch.equal(other.model.conv1.weight, resnet.model.conv1.weight)


def grad_cam(net, x, target):
    """The Pretrained screen's Grad-CAM: at the last convolutional stage, ReLU'd before upsampling."""
    return attribution.grad_cam(net.model, x, target, net.entry.gradcam_layer, relu_attributions=True).heat


def test_grad_cam_shape_and_range(resnet, photo):
    seen = pt.look(resnet, photo.tensor)
    heat = grad_cam(resnet, photo.tensor, int(seen.top[0]))
    assert heat.shape == (224, 224) and heat.dtype == np.float32
    assert heat.min() >= 0 and heat.max() <= 1
    assert heat.max() == 1 or not heat.any()  # scaled by its maximum, or nothing to show
    with pytest.raises(ValueError, match="0..999"):
        grad_cam(resnet, photo.tensor, 1000)
    for m in resnet.model.modules():  # the shared network keeps no hook
        assert not (m._forward_hooks or m._backward_hooks)


def test_vgg16_builds_and_classifies_once(photo):
    vgg = pt.load("vgg16", weights=None)
    assert sum(p.numel() for p in vgg.model.parameters()) == 138_357_544
    assert pt.first_layer_kernels(vgg).shape == (64, 3, 3, 3)
    seen = pt.look(vgg, photo.tensor)  # one 224x224 forward: about 15.5 GMACs
    assert seen.top.shape == (5,) and seen.shapes["conv5_3"] == (512, 14, 14) and seen.shapes["pool5"] == (512, 7, 7)
    assert seen.maps["conv1_2"].shape == (32, 56, 56)


def test_resnet18_macs_match_torchvision():
    with torch.device("meta"):
        model = pt.get_entry("resnet18").builder(weights=None)
    assert sum(receptive_check.hook_macs(model, (3, 224, 224)).values()) == 1_814_073_344  # torchvision: 1.814 GFLOPS
