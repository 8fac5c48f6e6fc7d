"""featurevis.py: activation maximisation beats random and real images on a trained LeNet-5, activation layers
and bad settings, the top-activating test images, and the caller's network left untouched."""

import numpy as np
import pytest
import torch

from cnnviz import featurevis
from cnnviz.loaded import LoadedRun


@pytest.fixture
def lenet(use_run) -> LoadedRun:
    return LoadedRun.open(use_run("lenet5"))


def _centre(model, layer, x):
    """The centre unit of every channel of `layer` for images x, by a forward hook on the original network."""
    out = []
    handle = dict(model.named_children())[layer].register_forward_hook(lambda _m, _i, o: out.append(o))
    try:
        with torch.no_grad():
            model(x)
    finally:
        handle.remove()
    maps = out[0]  # (N, C, h, w)
    return maps[:, :, maps.shape[2] // 2, maps.shape[3] // 2]  # (N, C)


def test_activation_maximisation_beats_random_and_real_images(lenet):
    info = lenet.info
    seen = []
    result = featurevis.activation_maximisation(lenet.model, "conv2", info, progress=lambda f, msg: seen.append(f))
    assert result.images.shape == (16, 1, 28, 28) and result.channels == tuple(range(16))
    assert result.images.min() >= 0 and result.images.max() <= 1
    assert seen and seen[-1] == pytest.approx(1.0) and seen == sorted(seen)
    # measured independently: the returned pixels, normalised, through the original network
    x_opt = (torch.from_numpy(result.images) - info.mean[0]) / info.std[0]
    reached = _centre(lenet.model, "conv2", x_opt).diagonal()  # image k for channel k
    np.testing.assert_allclose(reached.numpy(), result.activation, rtol=1e-4, atol=1e-4)
    random_start = 0.1 * torch.randn(16, 1, 28, 28, generator=torch.Generator().manual_seed(5))
    random_act = _centre(lenet.model, "conv2", random_start).diagonal()
    assert torch.all(reached > random_act)
    assert (reached >= 5 * random_act.abs()).float().mean() >= 0.75  # many times a random input, for most
    best_real = _centre(lenet.model, "conv2", lenet.test_inputs()).amax(0)  # (16,) over 1,000 test digits
    assert torch.all(reached > best_real)


def test_activation_maximisation_of_an_activation_layer_and_bad_settings(lenet):
    info = lenet.info
    r = featurevis.activation_maximisation(lenet.model, "conv1_relu", info, channels=[2, 0], steps=20)
    assert r.channels == (2, 0) and r.images.shape == (2, 1, 28, 28) and np.all(r.activation >= 0)
    with pytest.raises(ValueError, match="channels 0..5"):
        featurevis.activation_maximisation(lenet.model, "conv1", info, channels=[6])
    with pytest.raises(ValueError, match="no channels"):
        featurevis.activation_maximisation(lenet.model, "dense1", info)
    with pytest.raises(ValueError, match="where"):
        featurevis.activation_maximisation(lenet.model, "conv1", info, where="edge")
    with pytest.raises(ValueError, match="no layer 'conv9'"):
        featurevis.activation_maximisation(lenet.model, "conv9", info)


def test_the_crop_keeps_the_receptive_field_and_a_margin(lenet):
    r = featurevis.activation_maximisation(lenet.model, "conv1", lenet.info, channels=[0], steps=4)
    top, bottom, left, right = r.box  # a centre unit of a 5x5 conv sees a 5x5 patch around the centre
    assert (bottom - top, right - left) == (5, 5)
    assert r.crop().shape == (1, 1, 9, 9) and r.crop(margin=0).shape == (1, 1, 5, 5)


def test_top_activating_returns_the_strongest_images(lenet):
    x = lenet.test_inputs()
    out = []
    handle = lenet.model.conv2.register_forward_hook(lambda _m, _i, o: out.append(o))
    try:
        with torch.no_grad():
            lenet.model(x)
    finally:
        handle.remove()
    scores = out[0][:, 5].flatten(1).amax(1).numpy()  # channel 5's max over positions, per image
    top = featurevis.top_activating(lenet.model, x, "conv2", 5, k=8, batch_size=300)
    assert top.shape == (8,) and len(set(top.tolist())) == 8
    rest = np.setdiff1d(np.arange(len(x)), top)
    assert scores[top].min() >= scores[rest].max()
    assert np.all(np.diff(scores[top]) <= 0)  # strongest first
    np.testing.assert_allclose(featurevis.channel_max_activation(lenet.model, x, "conv2", 5), scores, rtol=1e-5)
    with pytest.raises(ValueError, match="no channel 16"):
        featurevis.channel_max_activation(lenet.model, x, "conv2", 16)


def test_looking_for_patterns_never_changes_the_model(lenet):
    model, x = lenet.model, lenet.test_inputs()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    featurevis.activation_maximisation(model, "conv1", lenet.info, steps=5)
    featurevis.top_activating(model, x[:50], "conv1", 0)
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not model.training and all(not m.training for m in model.modules())
    for m in model.modules():
        assert not (m._forward_hooks or m._forward_pre_hooks or m._backward_hooks or m._backward_pre_hooks)
    assert all(p.grad is None and p.requires_grad for p in model.parameters())
